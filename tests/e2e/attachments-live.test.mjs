// Attached files through the real relay: files attached before and while a
// workbook is shared live reach the other browser, sealed with the room
// key; the relay's data directory holds neither their bytes nor their
// names nor their fingerprints.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import {
  useApp, openApp, launch, waitForText, assertNoProblems, fieldLabel,
} from './support.mjs';
import { startRelay, shareLive, joinLink } from './relay.mjs';

const app = useApp();
const ignore = [/WebSocket connection to .* failed/];
const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');
const saved = (page) => waitForText(page.locator('header .save-state[role="status"]'), 'Saved');
const section = (page) => page.locator('section.attachments');
const TITLE = 'Tape library contract lapses';

// Recognisable bytes, larger than one part (1 MiB) so they travel in three.
const CONTRACT = Buffer.concat([
  Buffer.from('%PDF-1.4\n'),
  Buffer.from('Signed supplier contract for the tape library, clause by clause. '.repeat(40_000)),
]);
const contract = { name: 'Zanzibar tape contract.pdf', mimeType: 'application/pdf', buffer: CONTRACT };
const minutes = { name: 'Mombasa review minutes.txt', mimeType: 'text/plain', buffer: Buffer.from('Minutes of the supplier review: tapes rotate weekly.') };

function filesUnder(dir) {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

async function openRisk(page) {
  await page.goto(new URL('#/r/risk', app.url).href);
  await page.getByRole('searchbox', { name: 'Search' }).fill(TITLE);
  await page.getByRole('link', { name: TITLE, exact: true }).click();
  await page.getByRole('heading', { name: 'Edit risk' }).waitFor();
}

async function attach(page, file) {
  await section(page).locator('input[type="file"]').setInputFiles(file);
  await waitForText(section(page).locator('p.notice[role="status"]'), `Attached “${file.name}”.`, { timeout: 60_000 });
}

/** The file's bytes as the page downloads them, once they are on this device. */
async function downloadWhenHere(page, name) {
  const button = section(page).getByRole('button', { name: `Download ${name}` });
  await button.waitFor({ timeout: 90_000 });
  const row = section(page).locator('li.attachment', { hasText: name });
  await page.waitForFunction(
    (el) => !/Not on this device yet/.test(el.textContent),
    await row.elementHandle(),
    { timeout: 90_000 },
  );
  const [download] = await Promise.all([page.waitForEvent('download'), button.click()]);
  return readFileSync(await download.path());
}

test('attached files reach the other browser through the relay, which keeps none of their bytes, names or fingerprints', async (t) => {
  const relay = await startRelay();
  after(() => relay.stop());

  // Ana attaches a contract to a risk before sharing.
  const ana = await openApp(app.context, app.url, { path: '#/r/risk', ignore });
  await saved(ana);
  await ana.getByRole('link', { name: 'Add risk' }).click();
  await ana.getByLabel(fieldLabel('Title')).fill(TITLE);
  await ana.getByLabel(fieldLabel('Owner')).fill('Ana');
  await ana.getByLabel(fieldLabel('Likelihood')).selectOption('2');
  await ana.getByLabel(fieldLabel('Impact')).selectOption('3');
  await ana.getByRole('button', { name: 'Save risk' }).click();
  await ana.locator('.notice').waitFor();
  await openRisk(ana);
  await attach(ana, contract);
  await saved(ana);

  await ana.goto(new URL('#/workbooks', app.url).href);
  const link = await shareLive(ana, relay.url);

  const benContext = await launch();
  try {
    // Ben joins: the contract's description comes with the workbook, its
    // bytes through the relay.
    const ben = await openApp(benContext, app.url, { ignore });
    const started = Date.now();
    await joinLink(ben, link);
    await openRisk(ben);
    assert.equal(sha256(await downloadWhenHere(ben, contract.name)), sha256(CONTRACT));
    t.diagnostic(`a 2.5 MB file reached the other browser ${Date.now() - started} ms after joining`);

    // Ben attaches minutes while shared: they reach Ana.
    await attach(ben, minutes);
    await openRisk(ana);
    await waitForText(section(ana).locator('.attachment-name', { hasText: minutes.name }), minutes.name, { timeout: 60_000 });
    assert.equal(sha256(await downloadWhenHere(ana, minutes.name)), sha256(minutes.buffer));
    assertNoProblems(ben);
  } finally {
    await benContext.close();
  }
  assertNoProblems(ana);

  // What the relay keeps: sealed parts only.
  const stored = Buffer.concat(filesUnder(relay.dataDir).map((f) => readFileSync(f)));
  assert.ok(stored.length > CONTRACT.length, 'the sealed parts are there');
  for (const [what, needle] of [
    ['the contract\'s bytes', Buffer.from('Signed supplier contract for the tape library')],
    ['the minutes\' bytes', Buffer.from('tapes rotate weekly')],
    ['a file name', Buffer.from('Zanzibar tape contract')],
    ['a file name', Buffer.from('Mombasa review minutes')],
    ['a fingerprint', Buffer.from(sha256(CONTRACT), 'hex')],
    ['a fingerprint', Buffer.from(sha256(CONTRACT))],
    ['a fingerprint', Buffer.from(sha256(minutes.buffer), 'hex')],
  ]) {
    assert.equal(stored.indexOf(needle), -1, `the relay keeps ${what}`);
  }
});
