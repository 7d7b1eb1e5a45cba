// The offline, installable app: after one visit it starts and works with no
// network, at the root of a host and under a sub-path; Chromium finds it
// installable; a new deployment is offered, never forced; the storage panel,
// the offline badge, and the Content-Security-Policy.
//
// Every test has its own server and browser profile: service workers and
// their caches belong to a profile and an address.
//
// Prints (not asserted): the brotli size of everything a first visit
// downloads, and how long the app takes to start offline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, appendFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import {
  launch, openApp, waitReady, waitForText, watchProblems, assertNoProblems, assertNoAxeViolations,
  screenshotPages, DIST, ROOT, TIMEOUT,
} from './support.mjs';
import { startServer } from './server.mjs';
import { buildPwa, cspHeader, cspMeta } from '../../scripts/pwa-build.mjs';

/** A server on `root` and a fresh browser profile, both closed after the test. */
async function setup(t, { basePath = '/', root = DIST, headers, onResponse } = {}) {
  const server = await startServer({ root, basePath, headers, onResponse });
  const context = await launch();
  t.after(async () => {
    if (t.passed === false) await screenshotPages(context, t.name).catch(() => {});
    await context.close().catch(() => {});
    await server.close();
  });
  return { server, context, url: server.url };
}

/** A copy of dist/ in a temporary folder, removed after the test. */
function copyOfDist(t) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sms-dist-'));
  cpSync(DIST, dir, { recursive: true });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Wait until the service worker controls the page (its files are all cached by then). */
async function waitOfflineReady(page) {
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
}

/** Wait until `fn` (which may be async) returns true in the page. */
async function until(page, fn, { timeout = TIMEOUT } = {}) {
  const deadline = Date.now() + timeout;
  while (!(await page.evaluate(fn))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${fn}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const saveState = (page) => page.locator('header .save-state');
const buildOf = (page) => page.evaluate(() => document.querySelector('meta[name="sms-build"]')?.content);

/** Open the risk register (hash routes, as risks.test.mjs does). */
async function showRisks(page) {
  await page.evaluate(() => { location.hash = '#/r/risk'; });
}

/** Add a risk through the form, and wait until it is saved. */
async function addRisk(page, title) {
  await showRisks(page);
  await page.locator('a, button').filter({ hasText: /^Add risk$/ }).first().click();
  await page.getByLabel('Title', { exact: true }).fill(title);
  await page.getByLabel('Likelihood', { exact: true }).selectOption('3');
  await page.getByLabel('Impact', { exact: true }).selectOption('3');
  await page.getByLabel('Owner', { exact: true }).fill('Ana');
  await page.getByRole('button', { name: 'Save risk' }).click();
  await page.locator('.notice').waitFor();
  await waitForText(saveState(page), 'Saved');
}

/** Whether the risk register shows a record titled `title` (waits for it). */
async function hasRecord(page, title) {
  await showRisks(page);
  return page.getByText(title, { exact: true }).first().waitFor().then(() => true, () => false);
}

/** Records when the app became ready, measured from the start of navigation. */
async function timeReady(page) {
  await page.addInitScript(() => {
    new MutationObserver((_, observer) => {
      if (document.body?.dataset.ready === 'true') {
        window.__readyAt = performance.now();
        observer.disconnect();
      }
    }).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-ready'] });
  });
}

const brotliSizes = new Map();
const brotli = (file) => {
  if (!brotliSizes.has(file)) {
    const data = readFileSync(file);
    brotliSizes.set(file, zlib.brotliCompressSync(data, {
      params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: data.length },
    }).length);
  }
  return brotliSizes.get(file);
};
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;

/** Switch the network off for the browser, and stop the server too. */
async function goOffline(context, server) {
  await context.setOffline(true);
  await server.close();
}

/** Note a measurement in the test output (and append it to $E2E_MEASUREMENTS, if set). */
function report(t, line) {
  t.diagnostic(line);
  if (process.env.E2E_MEASUREMENTS) appendFileSync(process.env.E2E_MEASUREMENTS, `${line}\n`);
}

// --- offline ------------------------------------------------------------------------

test('after one visit the app starts offline, and records added offline survive a reload', async (t) => {
  const served = [];
  const { server, context, url } = await setup(t, { onResponse: (r) => served.push(r) });
  const page = await context.newPage();
  watchProblems(page);
  await timeReady(page);
  await page.goto(url);
  await waitReady(page);
  await waitForText(saveState(page), 'Saved');
  await waitOfflineReady(page);

  // What a first visit downloads: the page's own requests and the service
  // worker's copy of the app (each file brotli-compressed, as a host would).
  const files = served.filter((r) => r.file && r.status === 200).map((r) => r.file);
  const unique = [...new Set(files)];
  const sum = (list) => list.reduce((n, f) => n + brotli(f), 0);
  report(t, `first visit: ${files.length} responses, ${kb(sum(files))} brotli with this test server (no HTTP caching); ${unique.length} files, ${kb(sum(unique))} brotli when the host lets the browser cache hashed files`);
  report(t, `online start: ${Math.round(await page.evaluate(() => window.__readyAt))} ms to data-ready`);

  await goOffline(context, server);
  const failed = [];
  page.on('requestfailed', (r) => failed.push(`${r.url()} ${r.failure()?.errorText}`));
  await page.reload();
  await waitReady(page);
  report(t, `offline start: ${Math.round(await page.evaluate(() => window.__readyAt))} ms from reload to data-ready`);
  await waitForText(page.locator('.net-state'), 'Offline');
  await waitForText(saveState(page), 'Saved');

  await addRisk(page, 'Written while offline');
  await page.reload();
  await waitReady(page);
  assert.ok(await hasRecord(page, 'Written while offline'), 'the record added offline is there after a reload');
  assert.deepEqual(failed, [], 'nothing needed the network');
  assertNoProblems(page);
});

test('Chromium finds the app installable, and the manifest is complete', async (t) => {
  const { context, url } = await setup(t);
  const page = await openApp(context, url);
  await waitOfflineReady(page);
  const cdp = await context.newCDPSession(page);
  const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
  assert.deepEqual(installabilityErrors, []);
  const { url: manifestUrl, errors } = await cdp.send('Page.getAppManifest');
  assert.deepEqual(errors, []);
  assert.equal(manifestUrl, new URL('manifest.webmanifest', url).href);

  const manifest = JSON.parse(readFileSync(path.join(DIST, 'manifest.webmanifest'), 'utf8'));
  assert.equal(manifest.name, 'SMS Workbook');
  assert.ok(manifest.short_name && manifest.description && manifest.theme_color && manifest.background_color);
  assert.equal(manifest.display, 'standalone');
  assert.equal(manifest.start_url, './', 'relative to where the app is hosted');
  assert.equal(manifest.scope, './');
  const icons = manifest.icons.map((i) => `${i.sizes} ${i.purpose}`);
  assert.deepEqual(icons.sort(), ['192x192 any', '512x512 any', '512x512 maskable']);
  for (const icon of manifest.icons) {
    const png = readFileSync(path.join(DIST, icon.src));
    const [w, h] = [png.readUInt32BE(16), png.readUInt32BE(20)];
    assert.equal(`${w}x${h}`, icon.sizes, icon.src);
  }
  assertNoProblems(page);
});

test('the same build works under a sub-path (/sms/), offline included', async (t) => {
  const outside = [];
  const { server, context, url } = await setup(t, {
    basePath: '/sms/',
    onResponse: (r) => { if (!r.url.startsWith('/sms/')) outside.push(r.url); },
  });
  assert.match(url, /\/sms\/$/);
  const page = await openApp(context, url);
  await waitForText(saveState(page), 'Saved');
  await waitOfflineReady(page);
  const scope = await page.evaluate(async () => (await navigator.serviceWorker.getRegistration()).scope);
  assert.equal(scope, url, 'the service worker covers the sub-path');
  const caches = await page.evaluate(() => caches.keys());
  assert.equal(caches.length, 1);
  assert.ok(caches[0].startsWith('sms-workbook:/sms/:'), caches[0]);
  const cdp = await context.newCDPSession(page);
  assert.deepEqual((await cdp.send('Page.getInstallabilityErrors')).installabilityErrors, []);

  await goOffline(context, server);
  await page.reload();
  await waitReady(page);
  await addRisk(page, 'Offline under /sms/');
  await page.reload();
  await waitReady(page);
  assert.ok(await hasRecord(page, 'Offline under /sms/'));
  assert.deepEqual(outside, [], 'nothing was requested outside /sms/');
  assertNoProblems(page);
});

// --- updates -----------------------------------------------------------------------

test('a new deployment is offered, never forced, and reloading keeps the data', async (t) => {
  // Build B: build A with one file changed, and its service worker
  // regenerated as the post-build step does.
  const distB = copyOfDist(t);
  appendFileSync(path.join(distB, 'boot.js'), '// build B\n');
  const b = buildPwa(distB);
  const { server, context, url } = await setup(t);
  const page = await openApp(context, url);
  await waitForText(saveState(page), 'Saved');
  await waitOfflineReady(page);
  const a = await buildOf(page);
  assert.notEqual(a, b.version);
  await addRisk(page, 'Written before the update');

  // The person is in the middle of an edit when the new version arrives.
  await showRisks(page);
  await page.locator('a, button').filter({ hasText: /^Add risk$/ }).first().click();
  await page.getByLabel('Title', { exact: true }).fill('Half-typed');
  await page.evaluate(() => { window.__samePage = true; });
  server.setRoot(distB);
  await page.evaluate(async () => (await navigator.serviceWorker.getRegistration()).update());

  const banner = page.locator('.banner.update');
  await banner.waitFor();
  assert.match(await banner.innerText(), /New version available/);
  await assertNoAxeViolations(page);
  // Nothing was interrupted: same page, same build, the typing is still there.
  assert.equal(await page.evaluate(() => window.__samePage), true);
  assert.equal(await buildOf(page), a);
  assert.equal(await page.getByLabel('Title', { exact: true }).inputValue(), 'Half-typed');
  await page.locator('a, button').filter({ hasText: /^Cancel$/ }).first().click();

  const loaded = page.waitForEvent('load');
  await banner.getByRole('button', { name: 'Reload' }).click();
  await loaded;
  await waitReady(page);
  assert.equal(await buildOf(page), b.version, 'the new version is running');
  assert.ok(await hasRecord(page, 'Written before the update'), 'the data is intact');
  assert.equal(await page.locator('.banner.update').count(), 0);
  const caches = await page.evaluate(() => caches.keys());
  assert.deepEqual(caches, [`sms-workbook:/:${b.version}`], 'the old cache was removed');
  assertNoProblems(page);
});

test('a new deployment found when the app is opened again is offered too (under /sms/)', async (t) => {
  const distB = copyOfDist(t);
  appendFileSync(path.join(distB, 'boot.js'), '// build B\n');
  const b = buildPwa(distB);
  const { server, context, url } = await setup(t, { basePath: '/sms/' });
  const page = await openApp(context, url);
  await waitOfflineReady(page);
  const a = await buildOf(page);
  server.setRoot(distB);
  // Opening the app again starts the cached version at once and checks for a
  // new one in the background.
  await page.reload();
  await waitReady(page);
  assert.equal(await buildOf(page), a);
  const banner = page.locator('.banner.update');
  await banner.waitFor();
  // "Later" hides the banner; the new version starts next time.
  await banner.getByRole('button', { name: 'Later' }).click();
  assert.equal(await page.locator('.banner.update').count(), 0);
  const second = await openApp(context, url);
  assert.equal(await buildOf(second), a, 'still the old version while a tab uses it');
  assertNoProblems(second);
  assertNoProblems(page);

  // Once every tab of the app has closed, the new version takes over. (Seen
  // from a page of the same origin outside the app's folder, which the
  // service worker does not control.)
  await second.close();
  await page.close();
  const outside = await context.newPage();
  await outside.goto(new URL('/outside', url).href);
  await until(outside, async () => {
    const reg = await navigator.serviceWorker.getRegistration('/sms/');
    return !reg.waiting && !reg.installing && reg.active?.state === 'activated';
  });
  await outside.close();
  const third = await openApp(context, url);
  assert.equal(await buildOf(third), b.version, 'the new version once every tab had closed');
  assertNoProblems(third);
});

test('a debug build removes a service worker left by a release build', async (t) => {
  const distDev = copyOfDist(t);
  buildPwa(distDev, { profile: 'debug' });
  const { server, context, url } = await setup(t);
  const page = await openApp(context, url);
  await waitOfflineReady(page);
  server.setRoot(distDev);
  await page.evaluate(async () => (await navigator.serviceWorker.getRegistration()).update());
  await until(page, async () => (await navigator.serviceWorker.getRegistration()) === undefined);
  assert.deepEqual(await page.evaluate(() => caches.keys()), []);
  assertNoProblems(page);
});

// --- in the page ------------------------------------------------------------------

test('the offline badge shows while the browser has no network', async (t) => {
  const { context, url } = await setup(t);
  const page = await openApp(context, url);
  const badge = page.locator('.net-state');
  // Online: only screen readers hear it (and hear it change).
  const shown = async () => (await badge.boundingBox()).width > 1;
  assert.equal(await shown(), false);
  await context.setOffline(true);
  await waitForText(badge, 'Offline');
  assert.ok(await shown());
  assert.equal(await badge.getAttribute('role'), 'status');
  await assertNoAxeViolations(page);
  await context.setOffline(false);
  await waitForText(badge, 'Online');
  assert.equal(await shown(), false);
  assertNoProblems(page);
});

test('the storage panel says whether the browser keeps the workbooks, and how much space they use', async (t) => {
  const { context, url } = await setup(t);
  const page = await openApp(context, url, { path: '#/r/risk' });
  await waitForText(saveState(page), 'Saved');
  await waitOfflineReady(page);
  const summary = page.locator('details.storage summary');
  // A fresh profile on a site never visited before gets no promise.
  await waitForText(summary, 'Storage: may be cleared');
  await summary.focus();
  await page.keyboard.press('Enter');
  const panel = page.locator('.storage-panel');
  await panel.waitFor();
  assert.match(await panel.innerText(), /Browsers may delete the data of sites that have not been opened for a while/);
  await waitForText(panel.locator('.usage'), /^Your workbooks use \d.* (bytes|KB|MB)\. The copy of the app kept for offline use takes .* MB\./);
  assert.match(await panel.innerText(), /starts without a network connection/);
  assert.match(await panel.innerText(), new RegExp(`Version ${(await buildOf(page)).slice(0, 8)}`));
  await assertNoAxeViolations(page);

  // At phone width the panel fits on the screen.
  await page.setViewportSize({ width: 375, height: 740 });
  const box = await panel.boundingBox();
  assert.ok(box.x >= 0 && box.x + box.width <= 375, `panel spans ${box.x}..${box.x + box.width}`);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `page is ${overflow}px wider than the screen`);
  await assertNoAxeViolations(page);

  // Once the browser agrees (here: the permission is granted), asking again says so.
  const cdp = await context.newCDPSession(page);
  await cdp.send('Browser.grantPermissions', { origin: new URL(url).origin, permissions: ['durableStorage'] });
  await panel.getByRole('button', { name: 'Ask the browser to keep them' }).click();
  await waitForText(summary, 'Storage: kept');
  assert.match(await panel.innerText(), /promised to keep your workbooks until you delete them/);
  await page.reload();
  await waitReady(page);
  await waitForText(summary, 'Storage: kept');
  assertNoProblems(page);
});

// --- security headers ---------------------------------------------------------------

test('the app runs under the documented Content-Security-Policy with no violation', async (t) => {
  const policy = cspHeader();
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  assert.ok(readme.includes(policy), 'README.md documents the exact policy');
  const html = readFileSync(path.join(DIST, 'index.html'), 'utf8');
  assert.ok(html.includes(`content="${cspMeta()}"`), 'index.html carries the policy, with no inline-script hash');
  assert.ok(!/<script(?![^>]*\bsrc=)[^>]*>\s*\S/.test(html), 'index.html has no inline script');

  const { context, url } = await setup(t, { headers: { 'Content-Security-Policy': policy } });
  const page = await context.newPage();
  await page.addInitScript(() => {
    window.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__violations.push(`${e.effectiveDirective} ${e.blockedURI}`);
    });
  });
  watchProblems(page);
  const response = await page.goto(url);
  assert.equal(response.headers()['content-security-policy'], policy);
  await waitReady(page);
  await waitOfflineReady(page);
  await addRisk(page, 'Under a strict policy');
  await page.locator('details.storage summary').click();
  await page.locator('.storage-panel .usage').waitFor();
  await page.reload();
  await waitReady(page);
  assert.deepEqual(await page.evaluate(() => window.__violations), []);
  assertNoProblems(page);
});

// --- the generated precache list -------------------------------------------------------

test('the service worker precaches exactly the files of the build', async (t) => {
  const walk = (dir) => readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? walk(p).map((f) => `${n}/${f}`) : [n];
  });
  const sw = readFileSync(path.join(DIST, 'sw.js'), 'utf8');
  const build = JSON.parse(sw.match(/const BUILD = (\{[\s\S]*?\n\});/)[1]);
  assert.equal(build.dev, false);
  const files = walk(DIST).filter((f) => f !== 'sw.js' && f !== 'index.html');
  assert.deepEqual([...build.precache].sort(), ['./', ...files].sort());
  assert.ok(build.precache.some((f) => /_bg\.wasm$/.test(f)), 'the .wasm is precached');
  const html = readFileSync(path.join(DIST, 'index.html'), 'utf8');
  assert.ok(html.includes(`<meta name="sms-build" content="${build.version}"`));

  // Running the step again on the same files changes nothing.
  const copy = copyOfDist(t);
  assert.deepEqual(buildPwa(copy), build);
  assert.equal(readFileSync(path.join(copy, 'index.html'), 'utf8'), html);
  assert.equal(readFileSync(path.join(copy, 'sw.js'), 'utf8'), sw);

  // A file index.html refers to but that is missing fails the build.
  rmSync(path.join(copy, 'boot.js'));
  assert.throws(() => buildPwa(copy), /refers to files that were not emitted: boot\.js/);
});
