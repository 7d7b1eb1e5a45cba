// Reports: complete on screen, printable (Chromium renders them to PDF), with
// charts that have text alternatives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useApp, openApp, waitForText, assertNoProblems, assertNoAxeViolations } from './support.mjs';

const app = useApp();

test('the compliance report holds every checklist item, on screen and in print', async () => {
  const page = await openApp(app.context, app.url, { path: '#/reports' });
  await page.getByRole('link', { name: 'Compliance status report' }).click();
  await page.getByRole('heading', { name: 'Compliance status report', level: 2 }).first().waitFor();
  const items = page.locator('table.report-table tbody tr td:first-child').filter({ hasText: /^\d+(\.\d+)+ / });
  assert.equal(await items.count(), 57, 'every checklist item once');
  const chart = page.getByRole('img', { name: /^Checklist progress by clause/ });
  assert.equal(await chart.count(), 1);
  await assertNoAxeViolations(page);

  await page.emulateMedia({ media: 'print' });
  assert.equal(await items.count(), 57);
  for (let i = 0; i < 57; i += 8) assert.ok(await items.nth(i).isVisible(), `item ${i} prints`);
  assert.equal(await page.locator('nav.sidebar').isVisible(), false, 'no navigation in print');
  const pdf = await page.pdf({ format: 'A4' });
  assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
  const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? []).length;
  assert.ok(pages >= 3, `${pages} pages`);
  await page.emulateMedia({ media: 'screen' });
  assertNoProblems(page);
});

test('the review pack, a service report and an audit report are drawn from the workbook', async () => {
  const page = await openApp(app.context, app.url, { path: '#/reports/review' });
  await page.getByLabel('From').fill('2020-01-01');
  await page.getByLabel('From').dispatchEvent('change');
  for (const h of ['Status of actions from earlier reviews', 'Performance and SLA attainment', 'Audit results',
    'Nonconformities and corrective actions', 'Risks and opportunities', 'Decisions and actions']) {
    await page.getByRole('heading', { name: h, level: 3 }).waitFor();
  }
  assert.equal(await page.getByRole('img', { name: /^Risks before treatment/ }).count(), 1);
  assert.equal(await page.getByRole('img', { name: /^SLA attainment per month/ }).count(), 1);
  await assertNoAxeViolations(page);

  await page.goto(new URL('#/reports/service', app.url).href);
  const service = page.getByLabel('Service');
  await service.locator('option').first().waitFor({ state: 'attached' });
  const name = (await service.locator('option').first().textContent()).trim();
  await page.getByLabel('From').fill('2000-01-01');
  await page.getByLabel('From').dispatchEvent('change');
  await page.getByRole('heading', { name: `Service report: ${name}` }).waitFor();
  await page.getByRole('heading', { name: 'Incidents and service requests', level: 3 }).waitFor();

  await page.goto(new URL('#/reports/audit', app.url).href);
  const audit = (await page.getByLabel('Audit').locator('option').first().textContent()).trim();
  await page.getByRole('heading', { name: `Internal audit report: ${audit}` }).waitFor();
  await waitForText(page.locator('.report-section h3').nth(2), 'Findings');
  assertNoProblems(page);
});
