// Nobody's edit is lost when something else changed the same workbook while
// a form was open: in two tabs, between two browsers by file, and live
// through the relay. Fields changed by one person are kept; the same field
// changed by both becomes a conflict that is shown and settled; a file that
// would break the workbook is refused in words and changes nothing.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as Automerge from '@automerge/automerge';
import os from 'node:os';
import path from 'node:path';
import {
  useApp, openApp, launch, waitReady, waitForText, assertNoProblems, assertNoAxeViolations, fieldLabel,
} from './support.mjs';
import { startRelay, shareLive, joinLink } from './relay.mjs';

const app = useApp();
const dir = mkdtempSync(path.join(os.tmpdir(), 'sms-concurrency-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const saved = (page) => waitForText(page.locator('header .save-state[role="status"]'), 'Saved');
const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

async function setName(page, name) {
  await page.locator('.author summary').click();
  await page.getByLabel('Your name, shown on your changes').fill(name);
  await page.getByRole('button', { name: 'Save name' }).click();
  await waitForText(page.locator('.author summary'), `You: ${name}`);
}

async function workbooksPage(page) {
  await page.goto(new URL('#/workbooks', app.url).href);
  await page.getByRole('heading', { name: 'Workbooks' }).waitFor();
  await saved(page);
}

async function download(page, file) {
  const [dl] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download this workbook' }).click(),
  ]);
  const target = path.join(dir, file);
  await dl.saveAs(target);
  return target;
}

const openFile = (page, file) => page.locator('input[type=file]').setInputFiles(file);

async function firstRiskTitle(page) {
  await page.goto(new URL('#/r/risk', app.url).href);
  return (await page.locator('table.register .record-title').first().innerText()).trim();
}

async function openRisk(page, title) {
  await page.goto(new URL('#/r/risk', app.url).href);
  await page.getByRole('searchbox', { name: 'Search' }).fill(title);
  await page.getByRole('link', { name: `Edit ${title}`, exact: true }).click();
  await page.getByLabel(fieldLabel('Owner')).waitFor();
}

async function saveRisk(page) {
  await page.getByRole('button', { name: 'Save risk' }).click();
  await page.locator('.notice').first().waitFor();
  await saved(page);
}

async function openItem(page, number) {
  await page.goto(new URL(`#/checklist/${number}`, app.url).href);
  await page.locator('#item-notes').waitFor();
}

async function saveItem(page, number) {
  await page.getByRole('button', { name: 'Save item' }).click();
  await waitForText(page.locator('.notice').first(), new RegExp(`^Saved ${escape(number)} `));
  await saved(page);
}

/// Opens a second browser holding a copy of `ana`'s workbook (from a file).
async function colleague(ana, context, name) {
  await workbooksPage(ana);
  const base = await download(ana, `base-${name.split(' ')[0]}.smsw`);
  const page = await openApp(context, app.url);
  await setName(page, name);
  await workbooksPage(page);
  await openFile(page, base);
  await page.locator('.notice').waitFor();
  const workbook = (await ana.locator('h1').innerText()).trim();
  await Promise.all([
    page.waitForEvent('load'),
    page.locator('.workbook-list li:not(.current)').getByRole('button', { name: `Open ${workbook}` }).click(),
  ]);
  await waitReady(page);
  await saved(page);
  return page;
}

async function mergeFile(page, file) {
  await workbooksPage(page);
  await openFile(page, file);
  await page.getByRole('button', { name: 'Merge into this workbook' }).click();
  await waitForText(page.locator('.notice'), /^Merged \d+ changes? from/);
  await saved(page);
}

test('two tabs: a stale record form keeps the other tab’s change, and the same field changed in both is a conflict', async () => {
  const one = await openApp(app.context, app.url);
  await setName(one, 'Ana Silva');
  await saved(one);
  const two = await openApp(app.context, app.url);
  await saved(two);
  const title = await firstRiskTitle(one);

  // Tab one opens the risk; tab two changes its owner meanwhile.
  await openRisk(one, title);
  const ownerBefore = await one.getByLabel(fieldLabel('Owner')).inputValue();
  await openRisk(two, title);
  await two.getByLabel(fieldLabel('Owner')).fill('Owner set in tab two');
  await saveRisk(two);

  // Tab one is told, and shows the new owner in the form it has open.
  await waitForText(one.locator('.notice.others'), /Ana Silva changed Owner while you were editing/);
  assert.equal(await one.getByLabel(fieldLabel('Owner')).inputValue(), 'Owner set in tab two');
  assert.notEqual(ownerBefore, 'Owner set in tab two');
  await assertNoAxeViolations(one);

  // Tab one changes only the title and saves: the owner stays tab two's.
  const renamed = `${title} (reviewed)`;
  await one.getByLabel(fieldLabel('Title')).fill(renamed);
  await saveRisk(one);
  for (const page of [one, two]) {
    await openRisk(page, renamed);
    assert.equal(await page.getByLabel(fieldLabel('Owner')).inputValue(), 'Owner set in tab two');
  }

  // Now both change the owner: tab one types first, tab two saves first.
  await openRisk(one, renamed);
  await one.getByLabel(fieldLabel('Owner')).fill('Owner typed in tab one');
  await openRisk(two, renamed);
  await two.getByLabel(fieldLabel('Owner')).fill('Owner typed in tab two');
  await saveRisk(two);
  await waitForText(one.locator('.notice.others'), /also changed Owner while you were editing\. If you save, both values are kept/);
  assert.equal(await one.getByLabel(fieldLabel('Owner')).inputValue(), 'Owner typed in tab one', 'what the person typed stays');
  await one.getByRole('button', { name: 'Save risk' }).click();
  await waitForText(one.locator('.notice').first(), /Someone else changed owner at the same time: both values are kept/);
  await saved(one);

  // The conflict is shown in both tabs, on the Conflicts page and in the form.
  for (const page of [one, two]) {
    const badge = page.locator('header .conflict-badge');
    await waitForText(badge, '1 conflict');
    await badge.click();
    const item = page.locator('.conflict-list li');
    await waitForText(item, new RegExp(`${escape(renamed)} · Risks and opportunities · Owner`));
  }
  await one.locator('.conflict-list li').getByRole('link').click();
  const box = one.locator('.conflict');
  await box.waitFor();
  assert.match(await box.innerText(), /“Owner typed in tab one” — Ana Silva/);
  assert.match(await box.innerText(), /“Owner typed in tab two” — Ana Silva/);
  await one.getByRole('button', { name: 'Keep this: “Owner typed in tab one” by Ana Silva' }).click();
  await saved(one);
  for (const page of [one, two]) {
    await page.goto(new URL('#/conflicts', app.url).href);
    await waitForText(page.locator('main'), /No conflicts: every change has merged cleanly\./);
  }
  assertNoProblems(one);
  assertNoProblems(two);
  await one.close();
  await two.close();
});

test('two tabs: a stale checklist item page keeps the other tab’s owner and evidence', async () => {
  const one = await openApp(app.context, app.url);
  await saved(one);
  const two = await openApp(app.context, app.url);
  await saved(two);
  const number = '7.5.3';

  await openItem(one, number);
  await openItem(two, number);
  const evidenceBefore = await two.locator('ul.evidence li').count();
  await two.locator('#item-owner').fill('Owner from tab two');
  // A record that is not evidence yet.
  const [addedId, addedTitle] = await two.evaluate(() => {
    const chosen = [...document.querySelectorAll('ul.evidence a')].map((a) => a.getAttribute('href').split('/').pop());
    const option = [...document.querySelectorAll('#item-evidence option')].find((o) => o.value && !chosen.includes(o.value));
    return [option.value, option.textContent.trim()];
  });
  await two.locator('#item-evidence').selectOption(addedId);
  assert.equal(await two.locator('ul.evidence li').count(), evidenceBefore + 1);
  await saveItem(two, number);

  await waitForText(one.locator('.notice.others'), /changed Owner while you were editing/);
  assert.equal(await one.locator('#item-owner').inputValue(), 'Owner from tab two');
  await one.locator('#item-notes').fill('Notes written in tab one.');
  await saveItem(one, number);

  for (const page of [one, two]) {
    await openItem(page, number);
    assert.equal(await page.locator('#item-owner').inputValue(), 'Owner from tab two');
    assert.equal(await page.locator('#item-notes').inputValue(), 'Notes written in tab one.');
    assert.equal(await page.locator('ul.evidence li').count(), evidenceBefore + 1);
    assert.match(await page.locator('ul.evidence').innerText(), new RegExp(escape(addedTitle)));
  }
  assertNoProblems(one);
  assertNoProblems(two);
  await one.close();
  await two.close();
});

test('two people change the same checklist notes offline: the conflict is shown, settled and both copies converge', async () => {
  const anaContext = await launch();
  const benContext = await launch();
  try {
    const ana = await openApp(anaContext, app.url);
    await setName(ana, 'Ana Silva');
    const ben = await colleague(ana, benContext, 'Ben Harris');
    const number = '8.4.1';

    await openItem(ana, number);
    await ana.locator('#item-notes').fill('Budget reviewed by Ana.');
    await saveItem(ana, number);
    await openItem(ben, number);
    await ben.locator('#item-notes').fill('Budget reviewed by Ben.');
    await saveItem(ben, number);

    await workbooksPage(ben);
    const fromBen = await download(ben, 'checklist-from-ben.smsw');
    await mergeFile(ana, fromBen);
    const badge = ana.locator('header .conflict-badge');
    await waitForText(badge, '1 conflict');
    await badge.click();
    const item = ana.locator('.conflict-list li');
    await waitForText(item, new RegExp(`^${escape(number)} .* · Checklist · Notes$`));
    await assertNoAxeViolations(ana);
    await item.getByRole('link').click();
    const box = ana.locator('.conflict');
    await box.waitFor();
    assert.match(await box.innerText(), /Notes was changed by two people at the same time/);
    assert.match(await box.innerText(), /“Budget reviewed by Ana\.” — Ana Silva on/);
    assert.match(await box.innerText(), /“Budget reviewed by Ben\.” — Ben Harris on/);
    await assertNoAxeViolations(ana);
    await ana.getByRole('button', { name: 'Keep this: “Budget reviewed by Ben.” by Ben Harris' }).click();
    await waitForText(ana.locator('.notice[role="status"]').first(), 'Kept the value by Ben Harris.');
    assert.equal(await ana.locator('#item-notes').inputValue(), 'Budget reviewed by Ben.');
    await saved(ana);
    assert.equal(await badge.count(), 0, 'no conflict left');

    await workbooksPage(ana);
    const fromAna = await download(ana, 'checklist-from-ana.smsw');
    await mergeFile(ben, fromAna);
    assert.equal(await ben.locator('header .conflict-badge').count(), 0);
    await workbooksPage(ben);
    const benFinal = Automerge.load(new Uint8Array(readFileSync(await download(ben, 'checklist-ben-final.smsw'))));
    const anaFinal = Automerge.load(new Uint8Array(readFileSync(fromAna)));
    assert.deepEqual([...Automerge.getHeads(benFinal)].sort(), [...Automerge.getHeads(anaFinal)].sort(), 'identical histories');
    assert.equal(String(anaFinal[`checklist/${number}/notes`]), 'Budget reviewed by Ben.');
    assertNoProblems(ana);
    assertNoProblems(ben);
  } finally {
    await anaContext.close();
    await benContext.close();
  }
});

test('a file whose change would empty the workbook is refused, naming its author, and nothing changes', async () => {
  const page = await openApp(app.context, app.url);
  await workbooksPage(page);
  const good = await download(page, 'good.smsw');
  const doc = Automerge.load(new Uint8Array(readFileSync(good)));
  const cases = [
    ['replaced-records.smsw', (d) => { d.records = {}; }, /Mallory .* would replace or remove every record of the workbook; it was not applied/],
    ['other-id.smsw', (d) => { d.workbook_id = 'ffffffffffffffffffffffffffffffff'; }, /Mallory .* would change the workbook's identity/],
    // A newer format cannot be told from a newer app's own upgrade: the
    // file is refused as one this version cannot read yet.
    ['newer-format.smsw', (d) => { d.schema_version = 99; }, /made by a newer version of SMS Workbook \(format 99/],
  ];
  await page.goto(new URL('#/r/risk', app.url).href);
  const before = await waitForText(page.locator('p.count'), /^\d+ records?/);
  for (const [file, change, words] of cases) {
    const hostile = Automerge.change(Automerge.clone(doc), {
      message: JSON.stringify({ author: 'Mallory', summary: 'Tidied up' }),
      time: 1_780_000_000,
    }, change);
    const target = path.join(dir, file);
    writeFileSync(target, Automerge.save(hostile));
    await workbooksPage(page);
    await openFile(page, target);
    await waitForText(page.locator('[role="alert"]').first(), words);
    assert.equal(await page.getByRole('button', { name: 'Merge into this workbook' }).count(), 0, 'nothing offered to merge');
    await page.goto(new URL('#/r/risk', app.url).href);
    await waitForText(page.locator('p.count'), before);
  }
  await page.reload();
  await waitReady(page);
  await page.goto(new URL('#/r/risk', app.url).href);
  await waitForText(page.locator('p.count'), before);
  assertNoProblems(page);
  await page.close();
});

test('live through the relay: a stale form keeps the other person’s change, and the same field becomes a conflict for both', async () => {
  const relay = await startRelay();
  after(() => relay.stop());
  const ignore = [/WebSocket connection to .* failed/];
  const live = (page) => page.locator('header a.live-state');
  const anaContext = await launch();
  const benContext = await launch();
  try {
    const ana = await openApp(anaContext, app.url, { path: '#/workbooks', ignore });
    await setName(ana, 'Ana Silva');
    const link = await shareLive(ana, relay.url);
    const ben = await openApp(benContext, app.url, { ignore });
    await setName(ben, 'Ben Harris');
    await joinLink(ben, link);

    const title = await firstRiskTitle(ana);
    await openRisk(ana, title);
    await openRisk(ben, title);
    await ben.getByLabel(fieldLabel('Owner')).fill('Owner set by Ben');
    await saveRisk(ben);
    await waitForText(ana.locator('.notice.others'), /Ben Harris changed Owner while you were editing/, { timeout: 30_000 });
    assert.equal(await ana.getByLabel(fieldLabel('Owner')).inputValue(), 'Owner set by Ben');
    const renamed = `${title} (checked live)`;
    await ana.getByLabel(fieldLabel('Title')).fill(renamed);
    await saveRisk(ana);

    // Ben sees Ana's title beside his owner.
    await ben.goto(new URL('#/r/risk', app.url).href);
    await ben.getByRole('searchbox', { name: 'Search' }).fill('(checked live)');
    await waitForText(ben.locator('p.count'), /^1 of \d+ records match$/, { timeout: 30_000 });
    await openRisk(ben, renamed);
    assert.equal(await ben.getByLabel(fieldLabel('Owner')).inputValue(), 'Owner set by Ben');

    // Both change the owner at once: a conflict on both sides.
    await openRisk(ana, renamed);
    await ana.getByLabel(fieldLabel('Owner')).fill('Ana wants this owner');
    await ben.getByLabel(fieldLabel('Owner')).fill('Ben wants this owner');
    await saveRisk(ben);
    await waitForText(ana.locator('.notice.others'), /Ben Harris also changed Owner/, { timeout: 30_000 });
    await saveRisk(ana);
    for (const page of [ana, ben]) {
      await waitForText(page.locator('header .conflict-badge'), '1 conflict', { timeout: 30_000 });
    }
    assertNoProblems(ana);
    assertNoProblems(ben);
  } finally {
    await anaContext.close();
    await benContext.close();
  }
});

test('a file of another workbook in this browser is previewed and merged into it only when confirmed', async () => {
  const anaContext = await launch();
  const benContext = await launch();
  try {
    const ana = await openApp(anaContext, app.url);
    await setName(ana, 'Ana Silva');
    const demo = (await ana.locator('h1').innerText()).trim();
    await workbooksPage(ana);
    await ana.getByLabel('Name of the new, empty workbook').fill('Second register');
    await Promise.all([ana.waitForEvent('load'), ana.getByRole('button', { name: 'Create workbook' }).click()]);
    await waitReady(ana);
    await waitForText(ana.locator('h1'), 'Second register');
    await workbooksPage(ana);
    const base = await download(ana, 'second-base.smsw');

    // Ben adds a risk to his copy of it.
    const ben = await openApp(benContext, app.url);
    await setName(ben, 'Ben Harris');
    await workbooksPage(ben);
    await openFile(ben, base);
    await ben.locator('.notice').waitFor();
    await Promise.all([
      ben.waitForEvent('load'),
      ben.locator('.workbook-list li:not(.current)').getByRole('button', { name: 'Open Second register' }).click(),
    ]);
    await waitReady(ben);
    await ben.goto(new URL('#/r/risk', app.url).href);
    await ben.getByRole('link', { name: 'Add risk' }).click();
    await ben.getByLabel(fieldLabel('Title')).fill('Added by Ben to the second register');
    await ben.getByLabel(fieldLabel('Owner')).fill('Ben');
    await ben.getByLabel(fieldLabel('Likelihood')).selectOption('2');
    await ben.getByLabel(fieldLabel('Impact')).selectOption('3');
    await saveRisk(ben);
    await workbooksPage(ben);
    const fromBen = await download(ben, 'second-from-ben.smsw');

    // Ana, back in the demo, opens Ben's file: she sees what it brings to
    // the other workbook first.
    await workbooksPage(ana);
    await Promise.all([
      ana.waitForEvent('load'),
      ana.locator('.workbook-list li:not(.current)').getByRole('button', { name: `Open ${demo}` }).click(),
    ]);
    await waitReady(ana);
    await workbooksPage(ana);
    await openFile(ana, fromBen);
    const preview = ana.locator('.merge-preview');
    await waitForText(preview.locator('h4'), 'Merge “second-from-ben.smsw” into “Second register”, another workbook in this browser?');
    assert.match(await preview.innerText(), /1 change by Ben Harris \(1\)/);
    assert.match(await preview.locator('table').innerText(), /Risks and opportunities\s+1\s+0\s+0\s+0/);
    await assertNoAxeViolations(ana);
    await ana.getByRole('button', { name: 'Merge into that workbook' }).click();
    await waitForText(ana.locator('.notice'), 'Merged 1 change from “second-from-ben.smsw” into “Second register”. Open it from the list to see them.');
    await waitForText(ana.locator('h1'), demo);

    await Promise.all([
      ana.waitForEvent('load'),
      ana.locator('.workbook-list li:not(.current)').getByRole('button', { name: 'Open Second register' }).click(),
    ]);
    await waitReady(ana);
    await ana.goto(new URL('#/r/risk', app.url).href);
    await ana.getByRole('searchbox', { name: 'Search' }).fill('added by ben');
    await waitForText(ana.locator('table.register .record-title').first(), 'Added by Ben to the second register');
    assertNoProblems(ana);
    assertNoProblems(ben);
  } finally {
    await anaContext.close();
    await benContext.close();
  }
});
