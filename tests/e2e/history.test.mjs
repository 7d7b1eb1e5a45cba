// A record's history (who changed which fields, old → new, and the record
// as it was), and "Undo" of one's own last change, which lasts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  useApp, openApp, waitReady, waitForText, assertNoProblems, assertNoAxeViolations, fieldLabel,
} from './support.mjs';

const app = useApp();
const saved = (page) => waitForText(page.locator('header .save-state[role="status"]'), 'Saved');
const TITLE = 'Backup restore untested';

async function openRecord(page) {
  await page.goto(new URL('#/r/risk', app.url).href);
  await page.getByRole('searchbox', { name: 'Search' }).fill(TITLE);
  await page.getByRole('link', { name: TITLE, exact: true }).click();
  await page.getByRole('heading', { name: 'Edit risk' }).waitFor();
}

test('a record shows who changed what, as it was, and Undo takes back my last change', async () => {
  const page = await openApp(app.context, app.url, { path: '#/r/risk' });
  await saved(page);
  const undo = page.getByRole('button', { name: 'Undo my last change' });
  assert.equal(await undo.count(), 0, 'nothing of mine to undo yet');

  await page.getByRole('link', { name: 'Add risk' }).click();
  await page.getByLabel(fieldLabel('Title')).fill(TITLE);
  await page.getByLabel(fieldLabel('Owner')).fill('Ana');
  await page.getByLabel(fieldLabel('Likelihood')).selectOption('2');
  await page.getByLabel(fieldLabel('Impact')).selectOption('3');
  await page.getByRole('button', { name: 'Save risk' }).click();
  await page.locator('.notice').waitFor();

  await openRecord(page);
  await page.getByLabel(fieldLabel('Owner')).fill('Bea');
  await page.getByLabel(fieldLabel('Impact')).selectOption('4');
  await page.getByRole('button', { name: 'Save risk' }).click();
  await page.locator('.notice').waitFor();
  await saved(page);

  // The timeline, newest first.
  await openRecord(page);
  await page.locator('.record-history summary').click();
  const entries = page.locator('.timeline > li');
  await waitForText(entries.first(), /changed 2 fields/);
  assert.equal(await entries.count(), 2);
  const changes = await entries.first().locator('.field-changes li').allInnerTexts();
  assert.ok(changes.some((t) => /Owner: Ana\s*→\s*became\s*Bea/.test(t)), changes.join(' | '));
  assert.ok(changes.some((t) => /Impact: 3\s*→\s*became\s*4/.test(t)), changes.join(' | '));
  await waitForText(entries.nth(1), /added this risk/);

  // The record as it was when added, and its values put back in the form.
  await entries.nth(1).getByRole('button', { name: 'See it as it was' }).click();
  const then = page.getByRole('group', { name: /^As it was on / });
  await waitForText(then, /Owner\s*Ana/);
  await assertNoAxeViolations(page);
  await then.getByRole('button', { name: 'Put these values in the form' }).click();
  assert.equal(await page.getByLabel(fieldLabel('Owner')).inputValue(), 'Ana');
  await page.getByRole('link', { name: 'Cancel' }).click();

  // Undo my last change: the edit goes, the addition stays.
  await openRecord(page);
  assert.equal(await undo.getAttribute('title'), `Undo: Changed impact, owner of risk “${TITLE}”`);
  await undo.click();
  await waitForText(page.locator('.undo-message'), `Undone: Changed impact, owner of risk “${TITLE}”.`);
  // The open form reads the record again.
  await waitForText(page.locator('.record-history summary'), 'History');
  assert.equal(await page.getByLabel(fieldLabel('Owner')).inputValue(), 'Ana');
  assert.equal(await page.getByLabel(fieldLabel('Impact')).inputValue(), '3');
  await saved(page);
  // Next in line is the addition.
  await page.locator(`button.undo[title="Undo: Added risk “${TITLE}”"]`).waitFor();

  // It lasts, and Activity says so and links to the record.
  await page.reload();
  await waitReady(page);
  await openRecord(page);
  assert.equal(await page.getByLabel(fieldLabel('Owner')).inputValue(), 'Ana');
  await page.goto(new URL('#/activity', app.url).href);
  const first = page.getByRole('row').nth(1);
  await waitForText(first, new RegExp(`Undid: Changed impact, owner of risk “${TITLE}”$`));
  await first.getByRole('link').click();
  await page.getByRole('heading', { name: 'Edit risk' }).waitFor();
  assert.equal(await page.getByLabel(fieldLabel('Title')).inputValue(), TITLE);
  // A fresh tab has no changes of its own to undo.
  assert.equal(await undo.count(), 0);
  assertNoProblems(page);
});
