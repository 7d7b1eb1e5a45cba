// Durability: edits survive a browser restart, and storage is compacted as
// chunks accumulate without losing a change.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import {
  useApp, openApp, waitReady, waitForText, assertNoProblems, watchProblems,
  CHROMIUM, CHROMIUM_ARGS, DIST,
  fieldLabel,
} from './support.mjs';
import { startServer } from './server.mjs';

const app = useApp();

/** Keys of the `chunks` store, read in the page through IndexedDB itself. */
async function chunkKeys(page) {
  return page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open('sms-workbook');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const req = db.transaction('chunks').objectStore('chunks').getAllKeys();
          req.onsuccess = () => {
            db.close();
            resolve(req.result);
          };
          req.onerror = () => reject(req.error);
        };
      }),
  );
}

async function addRisk(page, title, description) {
  await page.getByRole('link', { name: 'Add risk' }).click();
  const field = (label) => page.getByLabel(fieldLabel(label));
  await field('Title').fill(title);
  await field('Description').fill(description);
  await field('Likelihood').selectOption('2');
  await field('Impact').selectOption('2');
  await field('Owner').fill('Ana');
  await page.getByRole('button', { name: 'Save risk' }).click();
  await page.locator('.notice').waitFor();
}

test('edits survive closing and restarting the browser', async () => {
  const profile = mkdtempSync(path.join(os.tmpdir(), 'sms-restart-'));
  after(() => rmSync(profile, { recursive: true, force: true }));
  const server = await startServer({ root: DIST });
  after(() => server.close());
  const launchIt = () =>
    chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
    });

  let ctx = await launchIt();
  let page = await ctx.newPage();
  watchProblems(page);
  await page.goto(new URL('#/r/risk', server.url).href);
  await waitReady(page);
  await addRisk(page, 'Survives a restart', 'Written just before the browser closes.');
  await waitForText(page.locator('header .save-state[role="status"]'), 'Saved');
  assertNoProblems(page);
  await ctx.close();

  ctx = await launchIt();
  page = await ctx.newPage();
  await page.goto(new URL('#/r/risk', server.url).href);
  await waitReady(page);
  assert.equal(
    await page.locator('.record-title', { hasText: 'Survives a restart' }).count(),
    1,
    'the risk is there after the browser restarted',
  );
  await ctx.close();
});

test('incremental chunks are compacted into a snapshot and nothing is lost', async () => {
  const page = await openApp(app.context, app.url, { path: '#/r/risk' });
  await waitForText(page.locator('header .save-state[role="status"]'), 'Saved');
  const start = await chunkKeys(page);
  assert.equal(start.filter((k) => k.includes('/snapshot/')).length, 1, `one snapshot at first: ${start}`);

  const n = 24;
  const long = 'Detailed description. '.repeat(180); // ~4 KB each
  for (let i = 0; i < n; i++) await addRisk(page, `Bulk risk ${i}`, `${i} ${long}`);
  await waitForText(page.locator('header .save-state[role="status"]'), 'Saved');

  const keys = await chunkKeys(page);
  const snapshots = keys.filter((k) => k.includes('/snapshot/'));
  const incremental = keys.filter((k) => k.includes('/incremental/'));
  assert.equal(snapshots.length, 1, `exactly one snapshot after compaction: ${keys}`);
  assert.ok(!start.includes(snapshots[0]), 'the first snapshot was replaced');
  assert.ok(incremental.length < n, `compaction removed chunks (${incremental.length} left of ${n} written)`);

  await page.reload();
  await waitReady(page);
  // The list draws only the rows near the screen: find each risk by search.
  const search = page.getByRole('searchbox', { name: 'Search' });
  for (let i = 0; i < n; i++) {
    await search.fill(`Bulk risk ${i}`);
    const title = page.locator('.record-title', { hasText: new RegExp(`^Bulk risk ${i}$`) });
    await title.waitFor({ timeout: 5000 }).catch(() => {});
    assert.equal(await title.count(), 1, `Bulk risk ${i}`);
  }
  assertNoProblems(page);
  await page.close();
});

test('while another tab holds the compaction lock, nothing is deleted and nothing is lost', async () => {
  const page = await openApp(app.context, app.url, { path: '#/r/risk' });
  await waitForText(page.locator('header .save-state[role="status"]'), 'Saved');
  const start = await chunkKeys(page);
  const workbook = start[0].split('/')[1];

  // Another tab of the same origin takes the lock and keeps it.
  const other = await app.context.newPage();
  await other.goto(new URL('manifest.webmanifest', app.url).href);
  const lock = `sms-workbook.compact.${workbook}`;
  await other.evaluate((name) => new Promise((held) => {
    navigator.locks.request(name, () => { held(); return new Promise((r) => { window.releaseLock = r; }); });
  }), lock);

  const n = 24;
  const long = 'Detailed description. '.repeat(180);
  for (let i = 0; i < n; i++) await addRisk(page, `Locked-out risk ${i}`, `${i} ${long}`);
  await waitForText(page.locator('header .save-state[role="status"]'), 'Saved');
  const keys = await chunkKeys(page);
  for (const k of start) assert.ok(keys.includes(k), `${k} was kept while the lock was held elsewhere`);
  assert.ok(keys.filter((k) => k.includes('/snapshot/')).length >= 2,
    `a snapshot was written, but replaced nothing: ${keys}`);
  await other.evaluate(() => window.releaseLock());
  await other.close();

  await page.reload();
  await waitReady(page);
  const search = page.getByRole('searchbox', { name: 'Search' });
  await search.fill('Locked-out risk');
  await waitForText(page.locator('p.count'), new RegExp(`^${n} of \\d+ records match$`));
  assertNoProblems(page);
  await page.close();
});
