// The register engine end to end: every register opens, records link across
// registers and show their back-links, lists search and filter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  useApp, openApp, waitReady, waitForText, assertNoProblems, assertNoAxeViolations, fieldLabel,
} from './support.mjs';

const app = useApp();

const field = (page, label) => page.getByLabel(fieldLabel(label));
const saved = (page) => waitForText(page.locator('header .save-state[role="status"]'), 'Saved');

async function open(page, hash) {
  await page.goto(new URL(hash, app.url).href);
  await waitReady(page);
}

test('every register in the sidebar opens with the demo records, accessibly', async () => {
  const page = await openApp(app.context, app.url);
  const links = page.locator('nav.sidebar a.register-link');
  const n = await links.count();
  assert.ok(n >= 40, `the sidebar lists every register (${n})`);
  for (let i = 0; i < n; i++) {
    const link = links.nth(i);
    const name = (await link.innerText()).replace(/^[\d.]+\s*/, '').trim();
    await link.click();
    await page.getByRole('heading', { level: 2, name }).waitFor();
    assert.ok((await page.locator('table.register tbody tr[data-record-id]').count()) >= 2, `${name} shows demo records`);
    assert.equal(await link.getAttribute('aria-current'), 'page', `${name} is marked current`);
  }
  await assertNoAxeViolations(page);
  assertNoProblems(page);
  await page.close();
});

test('records linked across three registers show their back-links', async () => {
  const page = await openApp(app.context, app.url);

  // A service…
  await open(page, '#/r/service/new');
  await field(page, 'Name').fill('Payroll processing');
  await field(page, 'Owner').fill('Ana Silva');
  await field(page, 'Lifecycle stage').selectOption('live');
  await page.getByRole('button', { name: 'Save service' }).click();
  await waitForText(page.locator('.notice'), 'Added “Payroll processing”.');

  // …an SLA for it…
  await open(page, '#/r/sla/new');
  await field(page, 'Title').fill('Payroll SLA 2027');
  await field(page, 'Service').selectOption({ label: 'Payroll processing' });
  await field(page, 'Service level targets').fill('Payroll run completed by 18:00 on pay day.');
  await field(page, 'Status').selectOption('agreed');
  await page.getByRole('button', { name: 'Save SLA' }).click();
  await waitForText(page.locator('.notice'), 'Added “Payroll SLA 2027”.');

  // …and a measured result against the SLA.
  await open(page, '#/r/sla_result/new');
  await field(page, 'Measure and period').fill('Payroll on time, January 2027');
  await field(page, 'SLA').selectOption({ label: 'Payroll SLA 2027' });
  await field(page, 'Period start').fill('2027-01-01');
  await field(page, 'Metric').fill('Runs on time (%)');
  await field(page, 'Target is').selectOption('at_least');
  await field(page, 'Target').fill('100');
  await field(page, 'Measured').fill('95');
  await waitForText(page.locator('output[aria-labelledby="field-met-label"]'), 'Breached');
  await page.getByRole('button', { name: 'Save SLA result' }).click();
  await waitForText(page.locator('.notice'), 'Added “Payroll on time, January 2027”.');
  const row = page.locator('tr', { has: page.getByRole('link', { name: 'Payroll on time, January 2027' }) });
  assert.match(await row.innerText(), /Payroll SLA 2027[\s\S]*Breached/);
  await saved(page);

  // The SLA shows the result linking to it; the service shows the SLA.
  await row.getByRole('link', { name: 'Payroll SLA 2027' }).click();
  await page.getByRole('heading', { name: 'Edit SLA' }).waitFor();
  const back = page.locator('.backlinks');
  assert.match(await back.innerText(), /SLA result \(sla\): Payroll on time, January 2027/);
  await back.getByRole('link', { name: 'Payroll on time, January 2027' }).waitFor();

  await open(page, '#/r/service');
  await page.getByRole('link', { name: 'Payroll processing', exact: true }).first().click();
  assert.match(await page.locator('.backlinks').innerText(), /SLA \(service\): Payroll SLA 2027/);

  // Links survive a reload.
  await page.reload();
  await waitReady(page);
  assert.match(await page.locator('.backlinks').innerText(), /Payroll SLA 2027/);
  assertNoProblems(page);
  await page.close();
});

test('a record can link to several others, added and removed as chips', async () => {
  const page = await openApp(app.context, app.url);
  await open(page, '#/r/change/new');
  await field(page, 'Title').fill('Move payroll to new cluster');
  await field(page, 'Type').selectOption('normal');
  await field(page, 'Decision').selectOption('approved');
  const services = field(page, 'Affected services');
  const options = await services.locator('option').allTextContents();
  assert.ok(options.length >= 3, 'demo services to choose from');
  await services.selectOption({ label: options[1] });
  await services.selectOption({ label: options[2] });
  const chips = page.locator('.links .chip');
  assert.equal(await chips.count(), 2);
  await page.getByRole('button', { name: `Remove ${options[1]}` }).click();
  assert.equal(await chips.count(), 1);
  await assertNoAxeViolations(page);
  await page.getByRole('button', { name: 'Save change' }).click();
  await waitForText(page.locator('.notice'), 'Added “Move payroll to new cluster”.');
  const row = page.locator('tr', { has: page.getByRole('link', { name: 'Move payroll to new cluster', exact: true }) });
  assert.match(await row.innerText(), /Normal/);
  await row.getByRole('link', { name: 'Move payroll to new cluster', exact: true }).click();
  // The form is drawn after the click: wait for it before counting.
  await page.getByRole('heading', { name: 'Edit change' }).waitFor();
  await page.locator('.links .chip').first().waitFor();
  assert.equal(await page.locator('.links .chip').count(), 1);
  assert.equal((await page.locator('.links .chip a').innerText()).trim(), options[2]);
  assertNoProblems(page);
  await page.close();
});

test('lists search across fields, filter by choice, and sort by column', async () => {
  const page = await openApp(app.context, app.url);
  await open(page, '#/r/incident');
  const rows = page.locator('table.register tbody tr[data-record-id]');
  const total = await rows.count();
  assert.ok(total >= 5);

  await page.getByLabel('Status').selectOption('closed');
  const closed = await rows.count();
  assert.ok(closed > 0 && closed < total, `filter narrows (${closed} of ${total})`);
  for (const text of await page.locator('table.register tbody tr[data-record-id] td[data-label="Status"]').allInnerTexts()) {
    assert.equal(text.trim(), 'Closed');
  }
  await page.getByLabel('Status').selectOption('');
  assert.equal(await rows.count(), total);

  // Every word must appear somewhere in the record, in any case.
  const firstTitle = (await page.locator('table.register .record-title').first().innerText()).trim();
  const words = firstTitle.split(/\s+/);
  await page.getByRole('searchbox', { name: 'Search' }).fill(`${words.at(-1).toUpperCase()} ${words[0].toLowerCase()}`);
  const found = await page.locator('table.register .record-title').allInnerTexts();
  assert.ok(found.includes(firstTitle), `${firstTitle} is found`);
  assert.ok(found.length < total, 'the search narrows the list');
  await page.getByRole('searchbox', { name: 'Search' }).fill('zzzz no such incident');
  await page.getByText('No records match the search or filters.').waitFor();
  await page.getByRole('searchbox', { name: 'Search' }).fill('');

  // Sorting by title, then reversing it.
  const titleHeader = page.getByRole('button', { name: 'Title' });
  await titleHeader.click();
  const asc = await page.locator('table.register .record-title').allInnerTexts();
  assert.deepEqual(asc, [...asc].sort((a, b) => a.localeCompare(b, 'en', { sensitivity: 'base' })));
  assert.equal(await page.locator('th', { has: titleHeader }).getAttribute('aria-sort'), 'ascending');
  await titleHeader.click();
  const desc = await page.locator('table.register .record-title').allInnerTexts();
  assert.deepEqual(desc, [...asc].reverse());
  assertNoProblems(page);
  await page.close();
});
