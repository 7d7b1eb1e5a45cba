// Two people, two browsers: workbook files are downloaded, opened as another
// workbook or merged after a summary, never twice, and bad files change
// nothing.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as Automerge from '@automerge/automerge';
import os from 'node:os';
import path from 'node:path';
import {
  useApp, openApp, launch, waitReady, waitForText, assertNoProblems, assertNoAxeViolations, fieldLabel,
} from './support.mjs';

const app = useApp();
const dir = mkdtempSync(path.join(os.tmpdir(), 'sms-exchange-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const saved = (page) => waitForText(page.locator('header .save-state[role="status"]'), 'Saved');

async function workbooksPage(page) {
  await page.goto(new URL('#/workbooks', app.url).href);
  await page.getByRole('heading', { name: 'Workbooks' }).waitFor();
  await saved(page);
}

async function setName(page, name) {
  await page.locator('.author summary').click();
  await page.getByLabel('Your name, shown on your changes').fill(name);
  await page.getByRole('button', { name: 'Save name' }).click();
  await waitForText(page.locator('.author summary'), `You: ${name}`);
}

async function download(page, file) {
  const [dl] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download this workbook' }).click(),
  ]);
  const target = path.join(dir, file);
  await dl.saveAs(target);
  return { name: dl.suggestedFilename(), path: target };
}

const openFile = (page, file) => page.locator('input[type=file]').setInputFiles(file);

async function riskCount(page) {
  await page.goto(new URL('#/r/risk', app.url).href);
  return Number((await waitForText(page.locator('p.count'), /^\d+ records?/)).split(' ')[0]);
}

test('a colleague’s changes arrive by file, after a summary, and only once', async () => {
  const ana = await openApp(app.context, app.url);
  await setName(ana, 'Ana Silva');
  const workbookName = 'Northwind shared register';
  await workbooksPage(ana);
  await ana.getByLabel('Name', { exact: true }).fill(workbookName);
  await ana.getByRole('button', { name: 'Rename' }).click();
  await waitForText(ana.locator('h1'), workbookName);
  await saved(ana);
  await assertNoAxeViolations(ana);
  const anaFile = await download(ana, 'ana.smsw');
  assert.match(anaFile.name, /^Northwind shared register \d{4}-\d{2}-\d{2}\.smsw$/);
  const magic = [...readFileSync(anaFile.path).subarray(0, 4)];
  assert.deepEqual(magic, [0x85, 0x6f, 0x4a, 0x83], 'a plain Automerge document');
  const anaRisks = await riskCount(ana);

  // Ben, in his own browser, opens Ana's file: it is another workbook there.
  const benContext = await launch();
  try {
    const ben = await openApp(benContext, app.url);
    await setName(ben, 'Ben Harris');
    await workbooksPage(ben);
    await openFile(ben, anaFile.path);
    await waitForText(ben.locator('.notice'), `“${workbookName}” was added to the workbooks in this browser. Open it from the list.`);
    await Promise.all([
      ben.waitForEvent('load'),
      ben.getByRole('button', { name: `Open ${workbookName}` }).click(),
    ]);
    await waitReady(ben);
    await waitForText(ben.locator('h1'), workbookName);
    await saved(ben);
    assert.equal(await riskCount(ben), anaRisks, 'Ben sees Ana’s risks');

    await ben.getByRole('link', { name: 'Add risk' }).click();
    await ben.getByLabel(fieldLabel('Title')).fill('Courier loses backup tapes');
    await ben.getByLabel(fieldLabel('Owner')).fill('Ben Harris');
    await ben.getByLabel(fieldLabel('Likelihood')).selectOption('2');
    await ben.getByLabel(fieldLabel('Impact')).selectOption('4');
    await ben.getByRole('button', { name: 'Save risk' }).click();
    await ben.locator('.notice').waitFor();
    await saved(ben);
    await workbooksPage(ben);
    const benFile = await download(ben, 'ben.smsw');
    assertNoProblems(ben);

    // Ana opens Ben's file: the same workbook, so she sees what it brings.
    await workbooksPage(ana);
    await openFile(ana, benFile.path);
    const preview = ana.locator('section.merge-preview');
    await preview.waitFor();
    assert.match(await preview.innerText(), /1 change by Ben Harris \(1\), on \d+ \w+ \d{4}\./);
    const row = preview.locator('tr', { has: ana.locator('th', { hasText: 'Risks and opportunities' }) });
    assert.deepEqual(
      (await row.locator('td').allInnerTexts()).map((t) => t.trim()),
      ['1', '0', '0', '0'],
      'one risk added',
    );
    await assertNoAxeViolations(ana);
    assert.equal(await riskCount(ana), anaRisks, 'nothing changes before she confirms');

    await workbooksPage(ana);
    await openFile(ana, benFile.path);
    await ana.getByRole('button', { name: 'Merge into this workbook' }).click();
    await waitForText(ana.locator('.notice'), 'Merged 1 change from “ben.smsw”.');
    await saved(ana);
    assert.equal(await riskCount(ana), anaRisks + 1);
    await ana.getByRole('searchbox', { name: 'Search' }).fill('backup tapes');
    await waitForText(ana.locator('p.count'), `1 of ${anaRisks + 1} records match`);
    // Marked until opened.
    const merged = ana.locator('table.register tr[data-record-id]').first();
    await waitForText(merged.locator('.chip-merged'), 'Changed by merge');
    assert.equal(await ana.locator('.chip-merged').count(), 1, 'only the merged record is marked');
    // Still marked after a reload: the marks are kept in this browser.
    await ana.reload();
    await waitReady(ana);
    await ana.getByRole('searchbox', { name: 'Search' }).fill('backup tapes');
    await waitForText(merged.locator('.chip-merged'), 'Changed by merge');
    await merged.locator('a.record-title').click();
    await ana.getByLabel(fieldLabel('Title')).waitFor();
    await ana.goBack();
    await ana.getByRole('searchbox', { name: 'Search' }).fill('backup tapes');
    await waitForText(ana.locator('p.count'), `1 of ${anaRisks + 1} records match`);
    assert.equal(await ana.locator('.chip-merged').count(), 0, 'no longer marked once opened');

    // The activity shows Ben's change, newest first, with his name.
    await ana.getByRole('link', { name: 'Activity' }).click();
    await ana.getByRole('heading', { name: 'Activity' }).waitFor();
    const newest = ana.locator('table.activity tbody tr').first();
    await newest.waitFor();
    assert.deepEqual(
      (await newest.locator('td').allInnerTexts()).slice(1).map((t) => t.trim()),
      ['Ben Harris', 'Added risk “Courier loses backup tapes”'],
    );
    await assertNoAxeViolations(ana);

    // The same file again brings nothing, and says so.
    await workbooksPage(ana);
    await openFile(ana, benFile.path);
    await waitForText(ana.locator('.notice'), '“ben.smsw” holds nothing new: every change in it is already in this workbook.');
    assert.equal(await ana.locator('section.merge-preview').count(), 0);

    // The merge is stored: it is there after a reload.
    await ana.reload();
    await waitReady(ana);
    assert.equal(await riskCount(ana), anaRisks + 1);
    assertNoProblems(ana);
  } finally {
    await benContext.close();
  }
});

test('bad files are refused in words and change nothing', async () => {
  const page = await openApp(app.context, app.url);
  const before = await riskCount(page);
  await workbooksPage(page);
  const good = await download(page, 'good.smsw');
  const bytes = readFileSync(good.path);
  const cases = {
    'noise.smsw': Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 2654435761) >>> 24)),
    'truncated.smsw': bytes.subarray(0, Math.floor(bytes.length / 2)),
    'empty.smsw': Buffer.alloc(0),
  };
  for (const [name, data] of Object.entries(cases)) {
    const file = path.join(dir, name);
    writeFileSync(file, data);
    await openFile(page, file);
    const alert = await waitForText(page.locator('.field-error[role="alert"]'), /could not be opened/);
    assert.ok(alert.startsWith(`“${name}” could not be opened:`), alert);
    assert.ok(alert.endsWith('Nothing was changed.'), alert);
  }
  assert.equal(await riskCount(page), before);
  assertNoProblems(page);
});

test('a downloaded file opens with the JavaScript Automerge library and reads as docs/FORMAT.md says', async () => {
  const page = await openApp(app.context, app.url);
  const live = await riskCount(page);
  const title = (await page.locator('table.register .record-title').first().innerText()).trim();
  await workbooksPage(page);
  const file = await download(page, 'for-javascript.smsw');
  const doc = Automerge.load(new Uint8Array(readFileSync(file.path)));

  // Short text is a scalar string (JavaScript reads it as ImmutableString),
  // unsigned numbers as BigInt, long text as an Automerge Text (a string).
  assert.equal(String(doc.format), 'sms-workbook');
  assert.equal(doc.schema_version, 2n);
  assert.match(String(doc.workbook_id), /^[0-9a-f]{32}$/);
  assert.equal(String(doc.name), (await page.locator('h1').innerText()).trim());
  const risks = Object.entries(doc.records).filter(([, r]) => String(r.register) === 'risk' && !r.deleted);
  assert.equal(risks.length, live, 'every live risk is in the file');
  for (const [id, r] of risks) {
    assert.match(id, /^[0-9a-f]{32}$/);
    assert.ok(String(r.title).length > 0);
    assert.ok(r.likelihood >= 1 && r.likelihood <= 5);
    assert.ok(r.created_at instanceof Date);
    if (r.description !== undefined) assert.equal(typeof r.description, 'string');
  }
  assert.ok(risks.some(([, r]) => String(r.title) === title), `the risk “${title}” shown first is in the file`);
  const history = Automerge.getHistory(doc);
  assert.ok(history.length > 1);
  const meta = JSON.parse(history[0].change.message);
  assert.ok(meta.author && meta.summary, 'each change carries author and summary');
});

async function editOwner(page, title, owner) {
  await page.goto(new URL('#/r/risk', app.url).href);
  await page.getByRole('searchbox', { name: 'Search' }).fill(title);
  await page.getByRole('link', { name: `Edit ${title}` }).click();
  await page.getByLabel(fieldLabel('Owner')).fill(owner);
  await page.getByRole('button', { name: 'Save risk' }).click();
  await page.locator('.notice').waitFor();
  await saved(page);
}

async function mergeFile(page, file) {
  await workbooksPage(page);
  await openFile(page, file);
  await page.getByRole('button', { name: 'Merge into this workbook' }).click();
  await waitForText(page.locator('.notice'), /^Merged \d+ changes? from/);
  await saved(page);
}

test('the same field changed by two people is shown as a conflict, settled, and both copies end identical', async () => {
  const anaContext = await launch();
  const benContext = await launch();
  try {
    const ana = await openApp(anaContext, app.url);
    await setName(ana, 'Ana Silva');
    await ana.goto(new URL('#/r/risk', app.url).href);
    const title = (await ana.locator('table.register .record-title').first().innerText()).trim();
    await workbooksPage(ana);
    const base = await download(ana, 'base.smsw');

    const ben = await openApp(benContext, app.url);
    await setName(ben, 'Ben Harris');
    await workbooksPage(ben);
    await openFile(ben, base.path);
    await ben.locator('.notice').waitFor();
    const name = (await ana.locator('h1').innerText()).trim();
    await Promise.all([
      ben.waitForEvent('load'),
      ben.locator('.workbook-list li:not(.current)').getByRole('button', { name: `Open ${name}` }).click(),
    ]);
    await waitReady(ben);
    await saved(ben);

    // Both change the owner of the same risk, each in their own copy.
    await editOwner(ana, title, 'Owner chosen by Ana');
    await editOwner(ben, title, 'Owner chosen by Ben');
    await workbooksPage(ben);
    const fromBen = await download(ben, 'from-ben.smsw');

    await mergeFile(ana, fromBen.path);
    const badge = ana.locator('header .conflict-badge');
    await waitForText(badge, '1 conflict');
    await badge.click();
    await ana.getByRole('heading', { name: 'Conflicts' }).waitFor();
    const item = ana.locator('.conflict-list li');
    assert.equal(await item.count(), 1);
    assert.match(await item.innerText(), new RegExp(`${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} · Risks and opportunities · Owner`));
    await item.getByRole('link').click();
    const box = ana.locator('.conflict');
    await box.waitFor();
    const text = await box.innerText();
    assert.match(text, /“Owner chosen by Ana” — Ana Silva on/);
    assert.match(text, /“Owner chosen by Ben” — Ben Harris on/);
    await assertNoAxeViolations(ana);
    await ana.getByRole('button', { name: 'Keep this: “Owner chosen by Ben” by Ben Harris' }).click();
    await waitForText(ana.locator('.notice[role="status"]').first(), 'Kept the value by Ben Harris.');
    assert.equal(await ana.getByLabel(fieldLabel('Owner')).inputValue(), 'Owner chosen by Ben');
    await saved(ana);
    assert.equal(await badge.count(), 0, 'no conflict left');

    // Ben receives Ana's settlement; then both files hold the same document.
    await workbooksPage(ana);
    const fromAna = await download(ana, 'from-ana.smsw');
    await mergeFile(ben, fromAna.path);
    assert.equal(await ben.locator('header .conflict-badge').count(), 0);
    await workbooksPage(ben);
    const benFinal = Automerge.load(new Uint8Array(readFileSync((await download(ben, 'ben-final.smsw')).path)));
    const anaFinal = Automerge.load(new Uint8Array(readFileSync(fromAna.path)));
    assert.deepEqual([...Automerge.getHeads(benFinal)].sort(), [...Automerge.getHeads(anaFinal)].sort(), 'identical histories');
    assert.deepEqual(JSON.parse(JSON.stringify(benFinal.records)), JSON.parse(JSON.stringify(anaFinal.records)));
    const risk = Object.values(anaFinal.records).find((r) => String(r.title) === title);
    assert.equal(String(risk.owner), 'Owner chosen by Ben');
    assertNoProblems(ana);
    assertNoProblems(ben);
  } finally {
    await anaContext.close();
    await benContext.close();
  }
});
