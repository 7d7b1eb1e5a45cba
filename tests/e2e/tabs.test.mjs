// Two tabs on one workbook see each other's edits at once, and edits made in
// both at the same time are all kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useApp, openApp, waitReady, waitForText, assertNoProblems, fieldLabel } from './support.mjs';

const app = useApp();
const saved = (page) => waitForText(page.locator('header .save-state[role="status"]'), 'Saved');

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

async function find(page, words, expected) {
  await page.goto(new URL('#/r/risk', app.url).href);
  await page.getByRole('searchbox', { name: 'Search' }).fill(words);
  await waitForText(page.locator('p.count'), expected);
}

test('an edit in one tab shows in the other at once, and edits made in both at once are all kept', async () => {
  const one = await openApp(app.context, app.url, { path: '#/r/risk' });
  await saved(one);
  const two = await openApp(app.context, app.url, { path: '#/r/risk' });
  await saved(two);
  const total = Number((await waitForText(two.locator('p.count'), /^\d+ records$/)).split(' ')[0]);

  await two.evaluate(() => { window.notReloaded = true; });
  await addRisk(one, 'Seen in the other tab', 'Ana');
  await saved(one);
  // No reload: the other tab hears the stored change.
  await find(two, 'seen in the other tab', `1 of ${total + 1} records match`);
  assert.equal(await two.evaluate(() => window.notReloaded), true, 'the other tab was not reloaded');

  // Both tabs add a risk at the same time.
  await Promise.all([addRisk(one, 'Written in tab one', 'Ana'), addRisk(two, 'Written in tab two', 'Ben')]);
  await Promise.all([saved(one), saved(two)]);
  await find(one, 'written in tab', `2 of ${total + 3} records match`);
  await find(two, 'written in tab', `2 of ${total + 3} records match`);

  for (const page of [one, two]) {
    await page.reload();
    await waitReady(page);
    await find(page, 'written in tab', `2 of ${total + 3} records match`);
    await find(page, 'seen in the other tab', `1 of ${total + 3} records match`);
    assertNoProblems(page);
  }
});
