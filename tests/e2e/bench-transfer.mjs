// Browser benchmark of exports and imports: a generated workbook of N
// incidents (sms_testdata) in headless Chromium, release build.
//
//   node tests/e2e/bench-transfer.mjs [N]      (default: 10000)
//
// Measures, for the incident register: "Download CSV" and "Download Excel"
// (click until the download starts), reading that CSV back on the import
// page (file chosen until the plan is shown: parsing, column matching and
// checking every row), and importing it as new records (click until the
// list says so), with the longest main-thread task of each. Prints one
// Markdown table; figures are measurements, never pass/fail.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer } from './server.mjs';
import { launch, DIST, generatedWorkbook, seedWorkbook, waitReady } from './support.mjs';

const n = Number(process.argv[2] ?? 10000);
const dir = mkdtempSync(path.join(os.tmpdir(), 'sms-bench-transfer-'));
const ms = (x) => (x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(0)} ms`);
const server = await startServer({ root: DIST });
const context = await launch({ acceptDownloads: true });
try {
  await context.addInitScript(() => {
    window.__longest = 0;
    try {
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) window.__longest = Math.max(window.__longest, e.duration);
      }).observe({ type: 'longtask', buffered: true });
    } catch {}
  });
  const page = await context.newPage();
  page.setDefaultTimeout(600_000);
  await page.goto(new URL('#/r/incident', server.url).href);
  await waitReady(page);
  await seedWorkbook(page, generatedWorkbook(n));
  await page.getByText(`${n} records`, { exact: true }).waitFor();
  const longest = () => page.evaluate(() => { const l = window.__longest; window.__longest = 0; return l; });
  await page.waitForTimeout(500);
  await longest();
  const rows = [];
  const timed = async (what, run) => {
    const t0 = Date.now();
    await run();
    rows.push(`| ${what} | ${ms(Date.now() - t0)} | ${ms(await longest())} |`);
  };
  let csvFile;
  await timed('Download CSV', async () => {
    const [dl] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download CSV' }).click()]);
    csvFile = path.join(dir, 'incidents.csv');
    await dl.saveAs(csvFile);
  });
  await timed('Download Excel (worker)', async () => {
    const [dl] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download Excel' }).click()]);
    await dl.saveAs(path.join(dir, 'incidents.xlsx'));
  });
  await page.getByRole('link', { name: 'Import…' }).click();
  await timed('Read CSV and check every row', async () => {
    await page.locator('input[type=file]').setInputFiles(csvFile);
    await page.locator('.import-summary').waitFor();
  });
  // New records rather than the ones already there: ignore the ID column.
  await page.getByLabel('Field for column “ID”').selectOption('');
  await page.locator('.import-summary', { hasText: `${n} incidents ready to import` }).waitFor();
  await longest();
  await timed(`Import ${n} incidents (one change)`, async () => {
    await page.getByRole('button', { name: `Import ${n} incidents` }).click();
    await page.getByText(`${2 * n} records`, { exact: true }).waitFor();
  });
  await page.locator('header .save-state', { hasText: 'Saved' }).waitFor();
  console.log(`Exports and imports, ${n} incidents (Chromium, release build):\n`);
  console.log('| Action | Time | Longest main-thread task |');
  console.log('| --- | ---: | ---: |');
  console.log(rows.join('\n'));
} finally {
  await context.close();
  await server.close();
}
