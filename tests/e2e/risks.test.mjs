// The risk register end to end: add, edit, delete survive a reload; invalid
// input is refused next to the field; a failing or missing IndexedDB is told
// to the person and nothing they see is lost.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  useApp, openApp, waitReady, watchProblems, waitForText, assertNoProblems,
  assertNoAxeViolations,
  fieldLabel,
} from './support.mjs';

const app = useApp();

/** Page object for the risk register. */
class Register {
  constructor(page) {
    this.page = page;
    this.saveState = page.locator('header .save-state[role="status"]');
  }
  rows() {
    return this.page.locator('table.register tbody tr[data-record-id]');
  }
  row(title) {
    return this.rows().filter({ has: this.page.locator('.record-title', { hasText: title }) });
  }
  async titles() {
    return (await this.page.locator('table.register .record-title').allTextContents()).map((s) => s.trim());
  }
  async saved() {
    await waitForText(this.saveState, 'Saved');
  }
  async add({ title, owner, description = '', likelihood = 3, impact = 3, treatment, status, review }) {
    await this.page.getByRole('link', { name: 'Add risk' }).click();
    await this.fill({ title, owner, description, likelihood, impact, treatment, status, review });
    await this.page.getByRole('button', { name: 'Save risk' }).click();
  }
  async fill({ title, owner, description, likelihood, impact, treatment, status, review }) {
    const p = this.page;
    const field = (label) => p.getByLabel(fieldLabel(label));
    if (title !== undefined) await field('Title').fill(title);
    if (description !== undefined) await field('Description').fill(description);
    if (likelihood !== undefined) await field('Likelihood').selectOption(String(likelihood));
    if (impact !== undefined) await field('Impact').selectOption(String(impact));
    if (owner !== undefined) await field('Owner').fill(owner);
    if (treatment !== undefined) await field('Treatment').selectOption(treatment);
    if (status !== undefined) await field('Status').selectOption(status);
    if (review !== undefined) await field('Review date').fill(review);
  }
  async reload() {
    await this.page.reload();
    await waitReady(this.page);
  }
}

test('a new risk is stored and is still there after a reload', async () => {
  const page = await openApp(app.context, app.url, { path: '#/r/risk' });
  const reg = new Register(page);
  await reg.saved();
  const before = await reg.rows().count();
  assert.ok(before > 0, 'the demo workbook has risks');

  await reg.add({
    title: 'Ransomware encrypts file servers',
    owner: 'Dana Kim',
    description: 'Backups are online and reachable from the domain.',
    likelihood: 4,
    impact: 5,
    treatment: 'reduce',
    status: 'assessed',
    review: '2027-06-30',
  });
  await waitForText(page.locator('.notice'), 'Added “Ransomware encrypts file servers”.');
  await reg.saved();
  assert.equal(await reg.rows().count(), before + 1);

  await reg.reload();
  const row = reg.row('Ransomware encrypts file servers');
  assert.equal(await row.count(), 1);
  const text = (await row.innerText()).replace(/\s+/g, ' ');
  assert.match(text, /20 Critical/);
  assert.match(text, /Assessed/);
  assert.match(text, /Dana Kim/);
  assert.match(text, /Reduce/);
  assert.match(text, /Assessed/);
  assert.match(text, /30 Jun 2027/);
  // Most severe first: 20 is the top score alongside the demo's critical risk.
  assert.ok((await reg.titles()).indexOf('Ransomware encrypts file servers') <= 1);
  assertNoProblems(page);
  await page.close();
});

test('invalid input is shown next to each field and nothing is stored', async () => {
  const page = await openApp(app.context, app.url, { path: '#/r/risk' });
  const reg = new Register(page);
  await reg.saved();
  const before = await reg.titles();

  await page.getByRole('link', { name: 'Add risk' }).click();
  await reg.fill({ title: '   ', owner: '' });
  await page.getByRole('button', { name: 'Save risk' }).click();

  const title = page.getByLabel(fieldLabel('Title'));
  assert.equal(await title.getAttribute('aria-invalid'), 'true');
  assert.equal(await page.locator('#field-title-error').innerText(), 'Enter the title.');
  assert.equal(await page.locator('#field-likelihood-error').innerText(), 'Enter the likelihood.');
  assert.equal(await page.locator('#field-owner-error').innerText(), 'Enter the owner.');
  assert.match(await title.getAttribute('aria-describedby'), /field-title-error/);
  // Focus goes to the first field that needs attention.
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'field-title');
  // The form stays open, and axe finds nothing wrong with the error state.
  assert.equal(await page.getByRole('heading', { name: 'Add a risk' }).count(), 1);
  await assertNoAxeViolations(page);

  // Fixing a field clears its message as the person types.
  await title.fill('Valid title');
  await waitForText(page.locator('#field-title-error'), '');
  await page.getByRole('link', { name: 'Cancel' }).click();

  await reg.reload();
  assert.deepEqual(await reg.titles(), before, 'nothing invalid was stored');
  assertNoProblems(page);
  await page.close();
});

test('an edit is stored and survives a reload', async () => {
  const page = await openApp(app.context, app.url, { path: '#/r/risk' });
  const reg = new Register(page);
  await reg.saved();
  await reg.add({ title: 'Edit me', owner: 'Ana', likelihood: 1, impact: 1 });
  await reg.saved();

  await page.getByRole('link', { name: 'Edit Edit me' }).click();
  assert.equal(await page.getByLabel(fieldLabel('Title')).inputValue(), 'Edit me');
  await reg.fill({ title: 'Edited risk', likelihood: 3, impact: 4, status: 'closed', review: '' });
  // Computed fields follow the form as it is filled in.
  await waitForText(page.locator('output[aria-labelledby="field-score-label"]'), '12');
  await waitForText(page.locator('output[aria-labelledby="field-band-label"]'), 'High');
  await page.getByRole('button', { name: 'Save risk' }).click();
  await waitForText(page.locator('.notice'), 'Saved changes to “Edited risk”.');
  await reg.saved();

  await reg.reload();
  assert.equal(await reg.row('Edit me').count(), 0);
  const text = (await reg.row('Edited risk').innerText()).replace(/\s+/g, ' ');
  assert.match(text, /12 High/);
  assert.match(text, /Closed/);
  assertNoProblems(page);
  await page.close();
});

test('delete asks first, and a deleted risk stays gone after a reload', async () => {
  const page = await openApp(app.context, app.url, { path: '#/r/risk' });
  const reg = new Register(page);
  await reg.saved();
  await reg.add({ title: 'Delete me', owner: 'Ana' });
  await reg.saved();

  // Backing out keeps the risk.
  await page.getByRole('button', { name: 'Delete Delete me' }).click();
  const dialog = page.getByRole('dialog', { name: 'Delete this risk?' });
  await dialog.waitFor();
  assert.match(await dialog.innerText(), /“Delete me” will be removed/);
  await dialog.getByRole('button', { name: 'Keep it' }).click();
  await dialog.waitFor({ state: 'hidden' });
  assert.equal(await reg.row('Delete me').count(), 1);

  // Escape backs out too.
  await page.getByRole('button', { name: 'Delete Delete me' }).click();
  await dialog.waitFor();
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'hidden' });
  assert.equal(await reg.row('Delete me').count(), 1);

  await page.getByRole('button', { name: 'Delete Delete me' }).click();
  await dialog.getByRole('button', { name: 'Yes, delete' }).click();
  await waitForText(page.locator('.notice'), /^Deleted “Delete me”\./);
  assert.equal(await reg.row('Delete me').count(), 0);
  await reg.saved();

  await reg.reload();
  assert.equal(await reg.row('Delete me').count(), 0);

  // Deletes are soft: the record can be restored, and that is stored too.
  await page.getByRole('link', { name: /1 deleted/ }).click();
  await page.getByRole('button', { name: 'Restore Delete me' }).click();
  await waitForText(page.locator('.notice'), 'Restored “Delete me”.');
  await reg.saved();
  await page.goto(new URL('#/r/risk', app.url).href);
  await reg.reload();
  assert.equal(await reg.row('Delete me').count(), 1);
  assertNoProblems(page);
  await page.close();
});

test('a failing save is shown in words, nothing is lost, and retrying saves it', async () => {
  const page = await app.context.newPage();
  // Simulates a full disk: every put fails while the flag is set.
  await page.addInitScript(() => {
    const put = IDBObjectStore.prototype.put;
    IDBObjectStore.prototype.put = function (...args) {
      if (window.__failWrites) throw new DOMException('Quota exceeded', 'QuotaExceededError');
      return put.apply(this, args);
    };
  });
  watchProblems(page);
  await page.goto(new URL('#/r/risk', app.url).href);
  await waitReady(page);
  const reg = new Register(page);
  await reg.saved();

  await page.evaluate(() => { window.__failWrites = true; });
  await reg.add({ title: 'Written while the disk is full', owner: 'Ana' });
  await waitForText(reg.saveState, 'Not saved');
  const alert = page.getByRole('alert');
  assert.match(await alert.innerText(), /Not saved: the disk is full or the browser's storage quota is used up/);
  // The person's work is still on screen.
  assert.equal(await reg.row('Written while the disk is full').count(), 1);

  await page.evaluate(() => { window.__failWrites = false; });
  await alert.getByRole('button', { name: 'Try again' }).click();
  await reg.saved();
  assert.equal(await page.getByRole('alert').count(), 0);

  await reg.reload();
  assert.equal(await reg.row('Written while the disk is full').count(), 1, 'the retried save is durable');
  assertNoProblems(page);
  await page.close();
});

test('without IndexedDB the app says it is not saving and still works', async () => {
  const page = await app.context.newPage();
  await page.addInitScript(() => {
    Object.defineProperty(window, 'indexedDB', { get: () => undefined, configurable: true });
  });
  watchProblems(page);
  await page.goto(new URL('#/r/risk', app.url).href);
  await waitReady(page);
  const reg = new Register(page);
  await waitForText(reg.saveState, 'Not saving');
  assert.match(
    await page.getByRole('alert').innerText(),
    /Not saving: this browser does not let the app store data .*changes are lost when this tab closes/,
  );
  await reg.add({ title: 'Kept in memory', owner: 'Ana' });
  await reg.row('Kept in memory').first().waitFor();
  assert.equal(await reg.row('Kept in memory').count(), 1);
  assertNoProblems(page);
  await page.close();
});

test('the display name is remembered and shown', async () => {
  const page = await openApp(app.context, app.url, { path: '#/r/risk' });
  await page.locator('.author summary').click();
  await page.getByLabel('Your name, shown on your changes').fill('Dana Kim');
  await page.getByRole('button', { name: 'Save name' }).click();
  await waitForText(page.locator('.author summary'), 'You: Dana Kim');
  await page.reload();
  await waitReady(page);
  await waitForText(page.locator('.author summary'), 'You: Dana Kim');
  await page.close();
});

test('the register is readable and accessible at phone width', async () => {
  const page = await openApp(app.context, app.url, { path: '#/r/risk' });
  await page.setViewportSize({ width: 375, height: 740 });
  const reg = new Register(page);
  await reg.saved();
  // No horizontal scrolling of the page.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `page is ${overflow}px wider than the screen`);
  await assertNoAxeViolations(page);
  await page.getByRole('link', { name: 'Add risk' }).click();
  await page.getByRole('heading', { name: 'Add a risk' }).waitFor();
  await assertNoAxeViolations(page);
  await page.close();
});
