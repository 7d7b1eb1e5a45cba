// A large register stays usable: only the rows near the screen are in the
// page, scrolling reaches every record, search and filters answer over all
// of them, and an edit shows at once in the list and the search. A file of
// 1,000 changes by someone else is previewed and merged into it.
import { test } from 'node:test';
import path from 'node:path';
import assert from 'node:assert/strict';
import {
  useApp, openApp, waitForText, assertNoProblems, assertNoAxeViolations,
  fieldLabel, generatedWorkbook, seedWorkbook,
} from './support.mjs';

const N = 2000;
const app = useApp();

test(`a register of ${N} records draws only the rows on screen and stays searchable`, async () => {
  const wb = generatedWorkbook(N);
  const page = await openApp(app.context, app.url);
  await seedWorkbook(page, wb);
  await page.goto(new URL('#/r/incident', app.url).href);
  const count = page.locator('p.count');
  await waitForText(count, `${N} records`);

  const rows = page.locator('table.register tbody tr[data-record-id]');
  const drawn = await rows.count();
  assert.ok(drawn > 5 && drawn <= 120, `only rows near the screen are drawn, not ${drawn}`);
  assert.equal(await page.locator('table.register').getAttribute('aria-rowcount'), String(N + 1));

  // Scrolling to the end brings the last record into the page.
  await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
  await page.locator(`table.register tr[aria-rowindex="${N + 1}"]`).waitFor();
  assert.ok((await rows.count()) <= 120, 'still only rows near the screen');
  const lastTitle = await page.locator(`table.register tr[aria-rowindex="${N + 1}"] a.record-title`).innerText();
  assert.ok(lastTitle.length > 0);
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.locator('table.register tr[aria-rowindex="2"]').waitFor();

  // A filter answers over every record.
  await page.getByLabel('Status').selectOption('open');
  const filtered = await waitForText(count, /^\d+ of 2000 records match$/);
  const open = Number(filtered.split(' ')[0]);
  assert.ok(open > 20 && open < N / 2, `a share of the incidents are open: ${open}`);
  for (const text of await page.locator('table.register tbody tr[data-record-id] td[data-label="Status"]').allInnerTexts()) {
    assert.equal(text.trim(), 'Open');
  }
  await page.getByLabel('Status').selectOption('');
  await waitForText(count, `${N} records`);

  // Edit one record deep in the list; the list and the search show it at once.
  const target = page.locator('table.register tbody tr[data-record-id]').nth(3);
  const id = await target.getAttribute('data-record-id');
  await target.getByRole('link', { name: /^Edit / }).click();
  await page.getByLabel(fieldLabel('Title')).fill('Zebra crossing lights out');
  await page.getByRole('button', { name: 'Save incident' }).click();
  await page.locator('.notice').waitFor();
  await page.getByRole('searchbox', { name: 'Search' }).fill('zebra crossing');
  await waitForText(count, `1 of ${N} records match`);
  assert.equal(await rows.count(), 1);
  assert.equal(await rows.first().getAttribute('data-record-id'), id);

  await waitForText(page.locator('header .save-state[role="status"]'), 'Saved');
  await page.getByRole('searchbox', { name: 'Search' }).fill('');
  await waitForText(count, `${N} records`);
  await assertNoAxeViolations(page);
  assertNoProblems(page);
  await page.close();
});

test(`a file of 1,000 changes to a workbook of ${N} records is previewed, then merged once`, async () => {
  const wb = generatedWorkbook(N, { merge: true });
  assert.equal(wb.merge.changes, 1000);
  const page = await openApp(app.context, app.url);
  await seedWorkbook(page, wb);
  const fileName = path.basename(wb.merge.file);
  // The file is read by the file worker, not on the page.
  const workers = [];
  page.on('worker', (w) => workers.push(w.url()));
  const openFile = async () => {
    await page.goto(new URL('#/workbooks', app.url).href);
    await page.locator('input[type=file]').setInputFiles(wb.merge.file);
  };

  await openFile();
  const preview = page.locator('section.merge-preview');
  await preview.waitFor();
  assert.match(await preview.innerText(), /1000 changes by Elif Demir \(1000\)/);
  const row = preview.locator('tr', { has: page.locator('th', { hasText: 'Incidents' }) });
  const [added, changed, deleted, restored] = (await row.locator('td').allInnerTexts()).map((t) => Number(t.trim()));
  assert.equal(added, 0, 'the changes edit records; they add none');
  assert.ok(changed > 100 && changed <= 1000, `records changed: ${changed}`);
  assert.equal(deleted + restored, 0);

  assert.ok(workers.some((u) => u.includes('sms-file-worker')), `the file worker read the file: ${workers}`);

  await page.getByRole('button', { name: 'Merge into this workbook' }).click();
  await waitForText(page.locator('.notice'), `Merged 1000 changes from “${fileName}”.`);
  await waitForText(page.locator('header .save-state[role="status"]'), 'Saved');
  await page.goto(new URL('#/r/incident', app.url).href);
  await waitForText(page.locator('p.count'), `${N} records`);
  // The changed records are marked until opened.
  await page.locator('table.register .chip-merged').first().waitFor();

  // The same file again brings nothing: every change is in the workbook.
  await openFile();
  await waitForText(page.locator('.notice'), `“${fileName}” holds nothing new: every change in it is already in this workbook.`);
  assertNoProblems(page);
});
