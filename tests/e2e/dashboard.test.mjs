// The demo workbook opens on the dashboard, and every number leads to the
// records behind it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useApp, openApp, waitReady, assertNoProblems, assertNoAxeViolations } from './support.mjs';

const app = useApp();

test('the demo workbook opens on a dashboard whose numbers lead to records', async () => {
  const page = await openApp(app.context, app.url);
  await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
  assert.match(await page.locator('h1').innerText(), /Northwind IT Services/);

  // Overdue reviews: the demo has some; each is a link to its record.
  const overdue = Number(await page.getByTestId('overdue-count').innerText());
  assert.ok(overdue > 0, 'the demo has overdue reviews');
  const overdueCard = page.locator('article', { has: page.getByRole('heading', { name: /Overdue reviews/ }) });
  assert.equal(await overdueCard.locator('li a').count(), overdue);

  // Heat map: a cell's number lists the risks behind it, which open.
  const critical = page.getByRole('button', { name: /risks with likelihood 4 and impact 5/ });
  await critical.click();
  const heatCard = page.locator('article', { has: page.getByRole('heading', { name: 'Risk heat map' }) });
  const listed = heatCard.locator('.dash-list a');
  assert.equal(await listed.count(), Number((await critical.innerText()).trim()));
  assert.equal((await listed.first().innerText()).trim(), 'Phishing leads to compromised admin account');

  // Readiness leads to the checklist.
  await assertNoAxeViolations(page);
  await listed.first().click();
  await page.getByRole('heading', { name: 'Edit risk' }).waitFor();
  await page.goBack();
  await waitReady(page);
  await page.locator('article').getByRole('link', { name: /%$/ }).first().click();
  await page.getByRole('heading', { name: 'Compliance checklist' }).waitFor();
  assertNoProblems(page);
  await page.close();
});
