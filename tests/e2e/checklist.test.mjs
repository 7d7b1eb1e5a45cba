// The compliance checklist end to end: setting an item to implemented with
// evidence changes readiness; notes render Markdown and never run markup.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useApp, openApp, waitReady, waitForText, assertNoProblems, assertNoAxeViolations } from './support.mjs';

const app = useApp();

async function openChecklist(page) {
  await page.goto(new URL('#/checklist', app.url).href);
  await waitReady(page);
  await page.getByRole('heading', { name: 'Compliance checklist' }).waitFor();
}

const readiness = async (page) => Number((await page.getByTestId('readiness').innerText()).replace('%', ''));

test('an item set to implemented with evidence raises readiness, and it is stored', async () => {
  const page = await openApp(app.context, app.url);
  await openChecklist(page);
  const items = page.locator('.checklist-item');
  assert.ok((await items.count()) >= 55, 'every checklist item is listed');
  const before = await readiness(page);
  const clause7 = page.locator('table.rollup tbody tr').nth(3);
  const clause7Before = await clause7.locator('td[data-label="Done"]').innerText();

  await page.locator('main').getByRole('link', { name: /^7\.1 / }).click();
  await page.getByRole('heading', { name: /7\.1/ }).waitFor();
  assert.match(await page.locator('.auditor').innerText(), /What an auditor asks to see/);
  await page.getByLabel('Status').selectOption('implemented');
  await page.getByLabel(/^Owner/).fill('Dana Kim');
  const evidence = page.getByLabel(/^Evidence/);
  const option = evidence.locator('option').nth(1);
  const evidenceTitle = (await option.innerText()).trim();
  await evidence.selectOption({ index: 1 });
  assert.equal(await page.locator('.chips.evidence .chip').count(), 1);
  await assertNoAxeViolations(page);
  await page.getByRole('button', { name: 'Save item' }).click();

  await waitForText(page.locator('.notice'), /^Saved 7\.1 /);
  const after = await readiness(page);
  assert.ok(after > before, `readiness rose from ${before}% to ${after}%`);
  assert.equal(Number(await clause7.locator('td[data-label="Done"]').innerText()), Number(clause7Before) + 1);
  const item = page.locator('.checklist-item[data-clause="7.1"]');
  assert.match(await item.innerText(), /Implemented[\s\S]*Owner: Dana Kim[\s\S]*1 evidence record/);

  // Filters: by status and by owner.
  await page.getByLabel('Status').selectOption('implemented');
  assert.ok((await items.count()) >= 1);
  for (const t of await items.allInnerTexts()) assert.match(t, /Implemented/);
  await page.getByLabel('Status').selectOption('');
  await page.getByLabel('Owner').selectOption('Dana Kim');
  assert.equal(await items.count(), 1);

  // Stored: still there after a reload, and the evidence record points back.
  await page.reload();
  await waitReady(page);
  await waitForText(page.getByTestId('readiness'), `${after}%`);
  await page.locator('main').getByRole('link', { name: /^7\.1 / }).click();
  await page.locator('.chips.evidence .chip a').click();
  await page.locator('.backlinks').getByRole('link', { name: /^7\.1 / }).waitFor();
  assert.match(await page.locator('main h2').first().innerText(), /^Edit/);
  assert.ok(evidenceTitle.length > 0);
  assertNoProblems(page);
  await page.close();
});

test('not applicable needs a justification', async () => {
  const page = await openApp(app.context, app.url);
  await page.goto(new URL('#/checklist/8.4.1', app.url).href);
  await waitReady(page);
  await page.getByLabel('Status').selectOption('not_applicable');
  await page.getByRole('button', { name: 'Save item' }).click();
  await waitForText(page.locator('#item-justification-error'), /Say why this item does not apply/);
  assert.equal(await page.getByLabel('Why it does not apply').getAttribute('aria-invalid'), 'true');
  await page.getByLabel('Why it does not apply').fill('Services are funded centrally; no service budgets are kept.');
  await page.getByRole('button', { name: 'Save item' }).click();
  await waitForText(page.locator('.notice'), /^Saved 8\.4\.1 /);
  assert.match(await page.locator('.checklist-item[data-clause="8.4.1"]').innerText(), /Not applicable/);
  assertNoProblems(page);
  await page.close();
});

test('a note with a script or an onerror image renders inert', async () => {
  const page = await openApp(app.context, app.url);
  await page.evaluate(() => { window.__pwned = 0; });
  await page.goto(new URL('#/checklist/7.5.3', app.url).href);
  await waitReady(page);
  await page.evaluate(() => { window.__pwned = 0; });
  const note = 'Reviewed **yearly**.\n\n<script>window.__pwned = 1</script>\n\n<img src=x onerror="window.__pwned = 2">\n\n[bad](javascript:window.__pwned=3) and [good](https://example.org)';
  await page.locator('#item-notes').fill(note);
  const preview = page.locator('.notes-preview');
  await preview.locator('strong', { hasText: 'yearly' }).waitFor();
  assert.equal(await preview.locator('script, img').count(), 0, 'no element is made from the note');
  assert.match(await preview.innerText(), /<script>window.__pwned = 1<\/script>/);
  assert.match(await preview.innerText(), /<img src=x onerror=/);
  assert.equal(await preview.locator('a').count(), 1, 'only the safe link is a link');
  assert.equal(await preview.locator('a').getAttribute('href'), 'https://example.org');
  await page.getByRole('button', { name: 'Save item' }).click();
  await waitForText(page.locator('.notice'), /^Saved 7\.5\.3 /);
  await page.goto(new URL('#/checklist/7.5.3', app.url).href);
  await waitReady(page);
  await page.locator('.notes-preview strong').waitFor();
  assert.equal(await page.evaluate(() => window.__pwned), 0, 'nothing from the note ran');
  assertNoProblems(page);
  await page.close();
});
