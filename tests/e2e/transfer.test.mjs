// Exports and imports people use: a register to CSV (every record, every
// field, readable), the workbook to JSON, and a CSV imported into a
// register after a preview, with bad rows explained and nothing written
// until confirmed.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { useApp, openApp, waitForText, assertNoProblems, assertNoAxeViolations } from './support.mjs';

const app = useApp();
const dir = mkdtempSync(path.join(os.tmpdir(), 'sms-transfer-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function downloadBy(page, name, file) {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name }).click()]);
  const target = path.join(dir, file);
  await dl.saveAs(target);
  return { name: dl.suggestedFilename(), text: readFileSync(target, 'utf8') };
}

/** A tiny CSV reader for checking: quotes, doubled quotes, CRLF. */
function parseCsv(text) {
  const rows = [];
  let row = [], cell = '', quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i++; } else if (c === '"') quoted = false; else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(cell); cell = ''; }
    else if (c === '\n') { row.push(cell.replace(/\r$/, '')); rows.push(row); row = []; cell = ''; }
    else cell += c;
  }
  return rows;
}

test('a register downloads as CSV with every record, and the workbook as JSON', async () => {
  const page = await openApp(app.context, app.url, { path: '#/r/incident' });
  const count = Number((await waitForText(page.locator('p.count'), /^\d+ records$/)).split(' ')[0]);
  const csv = await downloadBy(page, 'Download CSV', 'incidents.csv');
  assert.match(csv.name, /^Incidents \d{4}-\d{2}-\d{2}\.csv$/);
  assert.ok(csv.text.startsWith('\uFEFF'), 'a byte-order mark, so spreadsheets read accents right');
  const rows = parseCsv(csv.text.slice(1));
  assert.equal(rows.length, count + 1, 'a header and every record');
  const header = rows[0];
  for (const col of ['ID', 'Title', 'Service', 'Opened', 'Impact', 'Priority', 'Status', 'Created by']) {
    assert.ok(header.includes(col), `${col} in ${header}`);
  }
  const service = rows.slice(1).map((r) => r[header.indexOf('Service')]).find((s) => s);
  assert.match(service, /^.+ \[[0-9a-f]{32}\]$/, 'a link reads as its title and id');
  assert.ok(['Open', 'In progress', 'Resolved', 'Closed'].includes(rows[1][header.indexOf('Status')]));

  await page.goto(new URL('#/workbooks', app.url).href);
  const json = await downloadBy(page, 'Download as JSON', 'workbook.json');
  const data = JSON.parse(json.text);
  assert.equal(data.format, 'sms-workbook-export');
  assert.equal(data.registers.incident.records.length, count);
  assert.equal(data.checklist.length, 57);
  assertNoProblems(page);
});

test('a CSV with a bad row shows that row’s problem and writes nothing until confirmed', async () => {
  const page = await openApp(app.context, app.url, { path: '#/r/risk' });
  const before = Number((await waitForText(page.locator('p.count'), /^\d+ records$/)).split(' ')[0]);
  const file = path.join(dir, 'risks from the old sheet.csv');
  writeFileSync(file, [
    'Title;Owner;Likelihood;Impact;Risk or opportunity;Notes',
    'Imported: supplier insolvency;Ana;2;4;Risk;first',
    'Imported: data centre flood;Ben;9;3;Risk;second',
    '"Imported: key person leaves; no deputy";Cy;3;3;risk;third',
  ].join('\r\n'));

  await page.getByRole('link', { name: 'Import…' }).click();
  await page.getByRole('heading', { name: 'Import risks and opportunities from a spreadsheet' }).waitFor();
  await page.locator('input[type=file]').setInputFiles(file);
  await waitForText(page.locator('.import-summary'), '2 risks and opportunities ready to import from “risks from the old sheet.csv”; 1 line with problems.');
  const problem = page.locator('.import-problems tbody tr');
  assert.equal(await problem.count(), 1);
  await waitForText(problem.locator('td').first(), '3');
  await waitForText(problem.locator('li').first(), /^Likelihood: Enter a whole number from 1 to 5\.$/);
  // The column without a field is ignored, and can be mapped.
  assert.equal(await page.getByLabel('Field for column “Notes”').inputValue(), '');
  await assertNoAxeViolations(page);

  // Nothing was written by looking.
  await page.getByRole('link', { name: 'Cancel' }).click();
  await waitForText(page.locator('p.count'), `${before} records`);

  // Importing the good rows: one change, and the records are there.
  await page.getByRole('link', { name: 'Import…' }).click();
  await page.locator('input[type=file]').setInputFiles(file);
  await page.getByRole('button', { name: 'Import 2 risks and opportunities, skip 1 line with problems' }).click();
  await waitForText(page.locator('.notice'), 'Imported 2 risks and opportunities from “risks from the old sheet.csv”.');
  await waitForText(page.locator('p.count'), `${before + 2} records`);
  await page.getByRole('searchbox', { name: 'Search' }).fill('key person leaves');
  await waitForText(page.locator('p.count'), `1 of ${before + 2} records match`);
  await page.goto(new URL('#/activity', app.url).href);
  await waitForText(page.getByRole('row').nth(1), /Imported 2 risks and opportunities from risks from the old sheet\.csv$/);
  assertNoProblems(page);
});

test('Excel: a register and the whole workbook download as .xlsx, and a sheet imports back', async () => {
  const page = await openApp(app.context, app.url, { path: '#/r/incident' });
  const count = Number((await waitForText(page.locator('p.count'), /^\d+ records$/)).split(' ')[0]);
  const [dl] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download Excel' }).click()]);
  const file = path.join(dir, 'incidents.xlsx');
  await dl.saveAs(file);
  assert.match(dl.suggestedFilename(), /^Incidents \d{4}-\d{2}-\d{2}\.xlsx$/);
  // An XLSX file is a zip of XML parts: read it with Python's zipfile.
  const { execFileSync } = await import('node:child_process');
  const inspect = (f) => JSON.parse(execFileSync('python3', ['-c', `
import json, re, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
book = z.read('xl/workbook.xml').decode()
strings = z.read('xl/sharedStrings.xml').decode() if 'xl/sharedStrings.xml' in z.namelist() else ''
print(json.dumps({"sheets": re.findall(r'<sheet name="([^"]+)"', book), "strings": strings}))
`, f]).toString());
  const one = inspect(file);
  assert.deepEqual(one.sheets, ['Incidents']);
  const title = await page.locator('a.record-title').first().textContent();
  assert.ok(one.strings.includes(title.replace(/&/g, '&amp;')), `${title} is in the sheet`);

  // The same sheet, imported into this workbook again: every row is read
  // (and refused, since each ID is already here).
  await page.getByRole('link', { name: 'Import…' }).click();
  await page.locator('input[type=file]').setInputFiles(file);
  await waitForText(page.locator('.import-summary'), `0 incidents ready to import from “incidents.xlsx”; ${count} lines with problems.`);
  await waitForText(page.locator('.import-problems li').first(), /is already in this workbook/);

  await page.goto(new URL('#/workbooks', app.url).href);
  const [all] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download as Excel' }).click()]);
  const allFile = path.join(dir, 'all.xlsx');
  await all.saveAs(allFile);
  const book = inspect(allFile);
  assert.equal(book.sheets.length, 43, 'the checklist and 42 registers');
  assert.equal(book.sheets[0], 'Checklist');
  assert.ok(book.sheets.includes('Incidents') && book.sheets.includes('Risks and opportunities'));
  assertNoProblems(page);
});

test('a large import shows its progress, stays one change, and lasts', async () => {
  const page = await openApp(app.context, app.url, { path: '#/r/risk' });
  const before = Number((await waitForText(page.locator('p.count'), /^\d+ records$/)).split(' ')[0]);
  const n = 3000;
  const lines = ['Title,Owner,Likelihood,Impact,Risk or opportunity'];
  for (let i = 0; i < n; i++) lines.push(`Bulk imported risk ${i},Owner ${i % 17},${1 + (i % 5)},${1 + ((i * 7) % 5)},Risk`);
  const file = path.join(dir, 'bulk.csv');
  writeFileSync(file, lines.join('\n'));
  await page.getByRole('link', { name: 'Import…' }).click();
  await page.locator('input[type=file]').setInputFiles(file);
  await waitForText(page.locator('.import-summary'), `${n} risks and opportunities ready to import from “bulk.csv”.`);
  // Watch for the progress bar while the import runs.
  const sawProgress = page.evaluate(() => new Promise((resolve) => {
    const seen = () => document.querySelector('progress#import-bar');
    if (seen()) return resolve(true);
    new MutationObserver((_, o) => { if (seen()) { o.disconnect(); resolve(true); } })
      .observe(document.body, { childList: true, subtree: true });
  }));
  await page.getByRole('button', { name: `Import ${n} risks and opportunities` }).click();
  assert.equal(await sawProgress, true, 'a progress bar was shown');
  await waitForText(page.locator('.notice'), `Imported ${n} risks and opportunities from “bulk.csv”.`, { timeout: 120_000 });
  await waitForText(page.locator('p.count'), `${before + n} records`);
  await waitForText(page.locator('header .save-state[role="status"]'), 'Saved', { timeout: 60_000 });
  await page.reload();
  await page.getByRole('searchbox', { name: 'Search' }).fill('bulk imported risk');
  await waitForText(page.locator('p.count'), `${n} of ${before + n} records match`, { timeout: 60_000 });
  await page.goto(new URL('#/activity', app.url).href);
  await waitForText(page.getByRole('row').nth(1), new RegExp(`Imported ${n} risks and opportunities from bulk\\.csv$`));
  assertNoProblems(page);
});
