// Live sharing through a real relay: two people in two browsers share one
// workbook, see each other's edits at once, keep working while the relay is
// down or one of them is offline, and converge when they are back.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import {
  useApp, openApp, launch, waitForText, assertNoProblems, assertNoAxeViolations, fieldLabel,
} from './support.mjs';
import { startRelay, shareLive, joinLink } from './relay.mjs';

const app = useApp();
const live = (page) => page.locator('header a.live-state');
// The browser itself reports a refused WebSocket while the relay is down.
const ignore = [/WebSocket connection to .* failed/];

async function addRisk(page, title, owner) {
  await page.goto(new URL('#/r/risk', app.url).href);
  await page.getByRole('link', { name: 'Add risk' }).click();
  await page.getByLabel(fieldLabel('Title')).fill(title);
  await page.getByLabel(fieldLabel('Owner')).fill(owner);
  await page.getByLabel(fieldLabel('Likelihood')).selectOption('2');
  await page.getByLabel(fieldLabel('Impact')).selectOption('3');
  await page.getByRole('button', { name: 'Save risk' }).click();
  await page.locator('.notice').waitFor();
}

async function count(page, words) {
  await page.goto(new URL('#/r/risk', app.url).href);
  const search = page.getByRole('searchbox', { name: 'Search' });
  await search.fill(words);
  return page.locator('p.count');
}

function filesUnder(dir) {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

test('two people share a workbook live through the relay, apart and together', async () => {
  let relay = await startRelay();
  const dataDir = relay.dataDir;
  after(() => relay.stop());

  // Ana shares her workbook.
  const ana = await openApp(app.context, app.url, { path: '#/workbooks', ignore });
  const link = await shareLive(ana, relay.url);
  assert.match(link, /#\/join\/[0-9a-f]{32}\/[A-Za-z0-9_-]{43}\?relay=ws%3A%2F%2F127\.0\.0\.1%3A\d+$/);
  await assertNoAxeViolations(ana);
  const name = await ana.locator('h1').textContent();

  // Ben, in his own browser, opens the link and joins.
  const benContext = await launch();
  try {
    const ben = await openApp(benContext, app.url, { ignore });
    await joinLink(ben, link);
    await waitForText(ben.locator('h1'), name);

    // Ana's edit shows for Ben at once, without a reload.
    await ben.evaluate(() => { window.notReloaded = true; });
    await addRisk(ana, 'Shared live: generator test overdue', 'Ana');
    await waitForText(await count(ben, 'generator test overdue'), /^1 of \d+ records match$/);
    assert.equal(await ben.evaluate(() => window.notReloaded), true);

    // The relay goes down; both keep working.
    await relay.kill();
    await waitForText(live(ana), /^Live: offline/);
    await waitForText(live(ben), /^Live: offline/);
    await addRisk(ana, 'Written by Ana while apart', 'Ana');
    await addRisk(ben, 'Written by Ben while apart', 'Ben');

    // Back on the same address and data: both reconnect and converge.
    relay = await startRelay({ port: relay.port, dataDir });
    for (const page of [ana, ben]) {
      await waitForText(live(page), 'Live: connected', { timeout: 60_000 });
    }
    for (const page of [ana, ben]) {
      await waitForText(await count(page, 'while apart'), /^2 of \d+ records match$/);
    }
    const total = async (page) => (await count(page, '')).textContent();
    assert.equal(await total(ana), await total(ben), 'both hold the same risks');

    // Ben's browser goes offline: he is told at once, keeps working, and
    // catches up when it is back.
    await benContext.setOffline(true);
    await waitForText(live(ben), /^Live: offline/);
    await addRisk(ben, 'Ben on the train', 'Ben');
    await addRisk(ana, 'Ana at the office', 'Ana');
    await benContext.setOffline(false);
    await waitForText(live(ben), 'Live: connected', { timeout: 60_000 });
    for (const page of [ana, ben]) {
      await waitForText(await count(page, 'on the train'), /^1 of \d+ records match$/);
      await waitForText(await count(page, 'at the office'), /^1 of \d+ records match$/);
    }
    assert.equal(await total(ana), await total(ben), 'both hold the same risks again');

    // The relay's files hold no readable record.
    const files = filesUnder(dataDir);
    assert.ok(files.length > 0);
    for (const f of files) {
      const bytes = readFileSync(f);
      for (const secret of ['generator test overdue', 'Written by Ana while apart', 'Northwind']) {
        assert.equal(bytes.includes(Buffer.from(secret)), false, `${secret} in ${f}`);
      }
    }
    assertNoProblems(ana);
    assertNoProblems(ben);
  } finally {
    await benContext.close();
  }
});

test('the person who shared a workbook stops sharing it for everyone: the relay deletes it and the others are told', async () => {
  const relay = await startRelay();
  after(() => relay.stop());
  // A browser of her own: the other tests' sharing stays in theirs.
  const anaContext = await launch();
  const ana = await openApp(anaContext, app.url, { path: '#/workbooks', ignore });
  const link = await shareLive(ana, relay.url);
  const room = link.match(/#\/join\/([0-9a-f]{32})\//)[1];
  const benContext = await launch();
  try {
    const ben = await openApp(benContext, app.url, { ignore });
    await joinLink(ben, link);
    // Only the browser that created the room may delete it.
    await ben.goto(new URL('#/workbooks', app.url).href);
    assert.equal(await ben.getByRole('button', { name: 'Stop sharing for everyone' }).count(), 0);
    await addRisk(ben, 'Written by Ben before the end', 'Ben');
    await waitForText(await count(ana, 'before the end'), /^1 of \d+ records match$/);

    await ana.goto(new URL('#/workbooks', app.url).href);
    await ana.getByRole('button', { name: 'Stop sharing for everyone' }).click();
    await ana.getByText('Stopped sharing for everyone: the relay deleted the shared workbook.').waitFor();
    assert.equal(await live(ana).count(), 0, 'Ana no longer shares');
    await ben.goto(new URL('#/workbooks', app.url).href);
    await waitForText(live(ben), 'Live: stopped', { timeout: 30_000 });
    await ben.getByText('This shared workbook is no longer on the relay').first().waitFor();
    // Both keep their copies.
    await waitForText(await count(ben, 'before the end'), /^1 of \d+ records match$/);
    await waitForText(await count(ana, 'before the end'), /^1 of \d+ records match$/);
    // Nothing of the room is left in the relay's files.
    const roomBytes = Buffer.from(room, 'hex');
    for (const f of filesUnder(relay.dataDir)) {
      assert.equal(readFileSync(f).includes(roomBytes), false, `room ${room} in ${f}`);
    }
    assertNoProblems(ana);
    assertNoProblems(ben);
  } finally {
    await anaContext.close();
    await benContext.close();
  }
});

test('a new link: everyone connected moves over, and the old link stops working', async () => {
  const relay = await startRelay();
  after(() => relay.stop());
  // A browser of her own: the other tests' sharing stays in theirs.
  const anaContext = await launch();
  const ana = await openApp(anaContext, app.url, { path: '#/workbooks', ignore });
  const oldLink = await shareLive(ana, relay.url);
  const oldRoom = Buffer.from(oldLink.match(/#\/join\/([0-9a-f]{32})\//)[1], 'hex');
  const benContext = await launch();
  const carlContext = await launch();
  try {
    const ben = await openApp(benContext, app.url, { ignore });
    await joinLink(ben, oldLink);
    // Only the owner can make a new link.
    await ben.goto(new URL('#/workbooks', app.url).href);
    assert.equal(await ben.getByRole('button', { name: 'Make a new link' }).count(), 0);

    await ana.getByRole('button', { name: 'Make a new link' }).click();
    await ana.getByText('New link made').waitFor();
    const newLink = await ana.getByLabel('Link to this shared workbook').inputValue();
    assert.notEqual(newLink, oldLink);
    await waitForText(live(ana), 'Live: connected', { timeout: 30_000 });
    // Ben was connected: he moves over and keeps syncing.
    await ben.getByText('made a new link; this browser moved to it').waitFor({ timeout: 30_000 });
    await waitForText(live(ben), 'Live: connected', { timeout: 30_000 });
    await addRisk(ana, 'Written after the new link', 'Ana');
    await waitForText(await count(ben, 'after the new link'), /^1 of \d+ records match$/, { timeout: 30_000 });
    await addRisk(ben, 'Ben answers in the new room', 'Ben');
    await waitForText(await count(ana, 'answers in the new room'), /^1 of \d+ records match$/, { timeout: 30_000 });

    // Someone holding only the old link (not connected then) is shut out,
    // and the old room is gone from the relay's files.
    const carl = await openApp(carlContext, app.url, { ignore });
    await carl.goto(oldLink);
    await carl.getByRole('button', { name: 'Join this workbook' }).click();
    await carl.getByText('The relay does not know this shared workbook').waitFor({ timeout: 30_000 });
    const gone = () => filesUnder(relay.dataDir).every((f) => !readFileSync(f).includes(oldRoom));
    for (let i = 0; i < 50 && !gone(); i += 1) await ana.waitForTimeout(200);
    assert.ok(gone(), 'the old room is deleted on the relay');
    // The new link works for a newcomer.
    await joinLink(carl, newLink);
    await waitForText(await count(carl, 'answers in the new room'), /^1 of \d+ records match$/);
    for (const page of [ana, ben, carl]) assertNoProblems(page);
  } finally {
    await anaContext.close();
    await benContext.close();
    await carlContext.close();
  }
});
