// Several workbooks side by side: create an empty one, switch, rename, delete.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useApp, openApp, waitReady, waitForText, assertNoProblems, assertNoAxeViolations } from './support.mjs';

const app = useApp();

async function workbooksPage(page) {
  await page.goto(new URL('#/workbooks', app.url).href);
  await waitReady(page);
  await page.getByRole('heading', { name: 'Workbooks' }).waitFor();
  await waitForText(page.locator('header .save-state[role="status"]'), 'Saved');
}

test('create, switch, rename and delete workbooks', async () => {
  const page = await openApp(app.context, app.url);
  const demoName = (await page.locator('h1').innerText()).trim();
  await workbooksPage(page);
  await assertNoAxeViolations(page);

  // A new, empty workbook opens at once.
  await page.getByRole('button', { name: 'Create workbook' }).click();
  await waitForText(page.locator('#new-workbook-error'), 'Enter a name for the new workbook.');
  await page.getByLabel('Name of the new, empty workbook').fill('Acme IT — SMS');
  await Promise.all([page.waitForEvent('load'), page.getByRole('button', { name: 'Create workbook' }).click()]);
  await waitReady(page);
  await waitForText(page.locator('h1'), 'Acme IT — SMS');
  await page.goto(new URL('#/r/risk', app.url).href);
  await page.getByText('Nothing here yet.', { exact: false }).waitFor();

  // Both are listed; switching opens the other.
  await workbooksPage(page);
  const items = page.locator('.workbook-list li');
  assert.equal(await items.count(), 2);
  await Promise.all([page.waitForEvent('load'), page.getByRole('button', { name: `Open ${demoName}` }).click()]);
  await waitReady(page);
  await waitForText(page.locator('h1'), demoName);

  // Rename the open workbook; the header and the list follow.
  await workbooksPage(page);
  await page.getByLabel('Name', { exact: true }).fill('Northwind — practice copy');
  await page.getByRole('button', { name: 'Rename' }).click();
  await waitForText(page.locator('h1'), 'Northwind — practice copy');
  await page.locator('.workbook-list li.current', { hasText: 'Northwind — practice copy' }).waitFor();

  // Delete the other one, after confirming.
  await page.getByRole('button', { name: 'Delete Acme IT — SMS' }).click();
  const dialog = page.getByRole('dialog', { name: 'Delete this workbook?' });
  await dialog.waitFor();
  await Promise.all([page.waitForEvent('load'), dialog.getByRole('button', { name: 'Yes, delete the workbook' }).click()]);
  await waitReady(page);
  await workbooksPage(page);
  assert.equal(await page.locator('.workbook-list li').count(), 1);
  await waitForText(page.locator('h1'), 'Northwind — practice copy');
  assertNoProblems(page);
  await page.close();
});
