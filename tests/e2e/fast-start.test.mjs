// Fast start: a workbook opens from its stored view (the materialized
// current state) without loading its Automerge document; the document loads
// when something needs it. A damaged, missing or stale view falls back to
// the document, shows the true state, loses nothing, and is written again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  useApp, openApp, waitReady, waitForText, assertNoProblems, fieldLabel, launch,
} from './support.mjs';

const app = useApp();

/** Names of the app's performance marks so far ("sms:…"). */
const marks = (page) =>
  page.evaluate(() =>
    performance.getEntriesByType('mark').map((m) => m.name).filter((n) => n.startsWith('sms:')),
  );

/**
 * Does `op` on the `views` store in one read-write transaction:
 * 'keys' (every key), 'damage' (flip a byte in the middle of every part),
 * 'garble-base' (replace the base with three bytes), 'drop-last-patch',
 * 'clear'.
 */
async function onViews(page, op) {
  return page.evaluate(
    (op) =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open('sms-workbook');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const tx = db.transaction('views', 'readwrite');
          const store = tx.objectStore('views');
          let out;
          tx.oncomplete = () => {
            db.close();
            resolve(out);
          };
          tx.onerror = () => reject(tx.error);
          tx.onabort = () => reject(tx.error ?? new Error('aborted'));
          store.getAllKeys().onsuccess = (e) => {
            const keys = e.target.result;
            out = keys;
            const base = keys.find((k) => k.endsWith('/0'));
            const patches = keys.filter((k) => k.includes('/1/')).sort();
            if (op === 'damage') {
              for (const k of keys) {
                store.get(k).onsuccess = (g) => {
                  const bytes = new Uint8Array(g.target.result);
                  bytes[Math.floor(bytes.length / 2)] ^= 0xff;
                  store.put(bytes, k);
                };
              }
            } else if (op === 'garble-base') {
              store.put(new Uint8Array([1, 2, 3]), base);
            } else if (op === 'drop-last-patch') {
              store.delete(patches[patches.length - 1]);
            } else if (op === 'clear') {
              store.clear();
            }
          };
        };
      }),
    op,
  );
}

const viewKeys = (page) => onViews(page, 'keys');

const saved = (page) => waitForText(page.locator('header .save-state[role="status"]'), 'Saved');

async function reopen(page, hash) {
  await page.goto('about:blank');
  await page.goto(new URL(hash, app.url).href);
  await waitReady(page);
}

async function renameFirstRisk(page, title) {
  await page.locator('table.register .record-title').first().click();
  const field = page.getByLabel(fieldLabel('Title'));
  await field.fill(title);
  await page.getByRole('button', { name: 'Save risk' }).click();
  await waitForText(page.locator('.notice'), `Saved changes to “${title}”.`);
  await saved(page);
}

const riskTitles = (page) => page.locator('table.register .record-title').allInnerTexts();

test('a stored workbook opens from its view and loads the document only when needed', async () => {
  const page = await openApp(app.context, app.url, { path: '#/r/risk' });
  await saved(page);
  const before = await riskTitles(page);
  assert.ok(before.length > 3, 'the demo has risks');
  // The first start opened the demo; the view was stored with it.
  assert.ok((await viewKeys(page)).some((k) => k.endsWith('/0')), 'a view base is stored');

  await reopen(page, '#/r/risk');
  await page.locator('table.register .record-title').first().waitFor();
  assert.deepEqual(await riskTitles(page), before, 'the view shows the same risks');
  let m = await marks(page);
  assert.ok(m.includes('sms:open-from-view'), `opened from the view: ${m}`);
  assert.ok(!m.includes('sms:document-loaded'), 'the list needs no document');

  // Searching works from the view alone.
  await page.getByRole('searchbox').fill(before[0].slice(0, 6));
  await page.locator('p.count').waitFor();
  assert.ok(!(await marks(page)).includes('sms:document-loaded'));
  await page.getByRole('searchbox').fill('');

  // An edit made before the document has loaded is kept: saving loads the
  // document first, then writes the change and a patch of the view.
  await renameFirstRisk(page, 'Edited before the document loaded');
  m = await marks(page);
  assert.ok(m.includes('sms:document-loaded'), 'the edit loaded the document');
  const keys = await viewKeys(page);
  assert.ok(keys.some((k) => k.includes('/1/')), `a patch was stored: ${keys}`);

  await reopen(page, '#/r/risk');
  assert.ok((await marks(page)).includes('sms:open-from-view'));
  assert.ok((await riskTitles(page)).includes('Edited before the document loaded'));
  assertNoProblems(page);
  await page.close();
});

test('a damaged view is not used: the document decides and a new view is stored', async () => {
  const page = await openApp(app.context, app.url, { path: '#/r/risk' });
  await saved(page);
  await renameFirstRisk(page, 'Kept through a damaged view');
  const expected = (await riskTitles(page)).sort();

  // Damage every stored part of the view.
  await onViews(page, 'damage');
  await reopen(page, '#/r/risk');
  let m = await marks(page);
  assert.ok(m.includes('sms:open-from-document'), `fell back to the document: ${m}`);
  assert.deepEqual((await riskTitles(page)).sort(), expected, 'nothing lost');
  await saved(page);

  // The next start uses the view written after the fallback.
  await reopen(page, '#/r/risk');
  m = await marks(page);
  assert.ok(m.includes('sms:open-from-view'), `a new view was stored: ${m}`);
  assert.deepEqual((await riskTitles(page)).sort(), expected);

  // Garbage instead of a view, and no view at all, fall back too.
  await onViews(page, 'garble-base');
  await reopen(page, '#/r/risk');
  assert.ok((await marks(page)).includes('sms:open-from-document'));
  assert.deepEqual((await riskTitles(page)).sort(), expected);
  await saved(page);
  await onViews(page, 'clear');
  await reopen(page, '#/r/risk');
  assert.ok((await marks(page)).includes('sms:open-from-document'));
  assert.deepEqual((await riskTitles(page)).sort(), expected);
  assertNoProblems(page);
  await page.close();
});

test('a stale view (a change it does not cover) falls back and loses nothing', async () => {
  const page = await openApp(app.context, app.url, { path: '#/r/risk' });
  await saved(page);
  await renameFirstRisk(page, 'Stale view, first edit');
  await renameFirstRisk(page, 'Stale view, second edit');
  // Drop the newest patch: the view then reflects fewer chunks than are
  // stored (as when a tab stores a chunk and no view part for it).
  await onViews(page, 'drop-last-patch');
  await reopen(page, '#/r/risk');
  assert.ok((await marks(page)).includes('sms:open-from-document'), 'the stale view was refused');
  const titles = await riskTitles(page);
  assert.ok(titles.includes('Stale view, second edit'), `the newest edit shows: ${titles}`);
  assert.ok(!titles.includes('Stale view, first edit'));
  assertNoProblems(page);
  await page.close();
});

test('two tabs editing keep one view that covers both', async () => {
  const a = await openApp(app.context, app.url, { path: '#/r/risk' });
  await saved(a);
  const b = await openApp(app.context, app.url, { path: '#/r/risk' });
  await saved(b);
  await renameFirstRisk(b, 'Written in tab B');
  await a.locator('table.register .record-title', { hasText: 'Written in tab B' }).waitFor();
  await a.goto(new URL('#/r/risk', app.url).href);
  await a.locator('table.register .record-title').nth(1).click();
  await a.getByLabel(fieldLabel('Title')).fill('Written in tab A');
  await a.getByRole('button', { name: 'Save risk' }).click();
  await saved(a);
  await b.locator('table.register .record-title', { hasText: 'Written in tab A' }).waitFor();
  await b.close();

  await reopen(a, '#/r/risk');
  assert.ok((await marks(a)).includes('sms:open-from-view'), 'the chain of patches covers both tabs');
  const titles = await riskTitles(a);
  assert.ok(titles.includes('Written in tab A') && titles.includes('Written in tab B'), `${titles}`);
  assertNoProblems(a);
  await a.close();
});

test('an edit made while the document is still loading in its worker is kept, and survives a reload', async () => {
  // Service workers are blocked so that the document worker's module is
  // fetched from the network, where the test holds it back.
  const context = await launch({ serviceWorkers: 'block' });
  try {
    let page = await openApp(context, app.url, { path: '#/r/risk' });
    await saved(page);
    await page.close();

    let release;
    const held = new Promise((resolve) => {
      release = resolve;
    });
    let servedAt = 0;
    await context.route('**/sms-doc-worker_bg.wasm', async (route) => {
      await held;
      servedAt = Date.now();
      await route.continue();
    });
    page = await openApp(context, app.url, { path: '#/r/risk' });
    const before = await riskTitles(page);
    // The workbook is on screen and can be searched while its document
    // cannot have loaded (its module has not even arrived).
    await page.getByRole('searchbox').fill(before[1].slice(0, 6));
    await page.locator('p.count').waitFor();
    await page.getByRole('searchbox').fill('');

    await page.locator('table.register .record-title').first().click();
    await page.getByLabel(fieldLabel('Title')).fill('Written while the document was loading');
    await page.getByRole('button', { name: 'Save risk' }).click();
    // Waiting for the document, the change is shown as not saved yet.
    await waitForText(page.locator('header .save-state[role="status"]'), /^(Opening the whole workbook…|Saving…?)$/);
    assert.ok(!(await marks(page)).includes('sms:document-loaded'), 'the document is not loaded yet');
    const editedAt = Date.now();
    release();
    await waitForText(page.locator('.notice'), 'Saved changes to “Written while the document was loading”.');
    await saved(page);
    assert.ok(servedAt >= editedAt, 'the edit was made before the document could load');
    await context.unroute('**/sms-doc-worker_bg.wasm');

    await reopen(page, '#/r/risk');
    assert.ok((await riskTitles(page)).includes('Written while the document was loading'));
    assertNoProblems(page);
  } finally {
    await context.close();
  }
});
