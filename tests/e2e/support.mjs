// Shared helpers for the end-to-end tests (node:test + playwright-core with
// the system Chromium). A typical test file:
//
//   import { test } from 'node:test';
//   import assert from 'node:assert/strict';
//   import { useApp, openApp, assertNoProblems, assertNoAxeViolations } from './support.mjs';
//
//   const app = useApp();            // starts server + browser in before(), closes them in after()
//
//   test('something', async () => {
//     const page = await openApp(app.context, app.url);
//     // ... drive the page with playwright-core locators ...
//     assertNoProblems(page);        // no console errors / uncaught exceptions
//     await assertNoAxeViolations(page);
//   });
//
// Environment: SMS_DIST (default <repo>/dist), SMS_CHROMIUM (default
// /usr/bin/chromium), E2E_TIMEOUT=<ms> for waits (default 20000),
// E2E_HEADED=1 to watch the browser, E2E_SLOWMO=<ms>, E2E_ARTIFACTS=<dir>
// where failure screenshots go (default tests/e2e/artifacts).

import { after, afterEach, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer } from './server.mjs';

const require = createRequire(import.meta.url);
const HERE = path.dirname(fileURLToPath(import.meta.url));

export const ROOT = path.resolve(HERE, '../..');
export const DIST = path.resolve(process.env.SMS_DIST ?? path.join(ROOT, 'dist'));
export const CHROMIUM = process.env.SMS_CHROMIUM ?? '/usr/bin/chromium';
export const ARTIFACTS = path.resolve(process.env.E2E_ARTIFACTS ?? path.join(HERE, 'artifacts'));

/** Default timeout (ms) for waits in these helpers. */
export const TIMEOUT = Number(process.env.E2E_TIMEOUT ?? 20_000);

/**
 * Chromium flags: no sandbox (tests run as root in CI), and no background
 * networking (the machines have a closed network; Chromium would flood it).
 */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Console errors known to be harmless. Only `error` console messages are
 * collected at all; a message is dropped if a pattern matches its line as
 * reported ("console.error: <text> (<url>:<line>)").
 */
export const IGNORED_CONSOLE = [
  // Trunk's <link rel=preload ... integrity=...> tags.
  /preload.*integrity|integrity.*preload/i,
  /was preloaded using link preload but not used/i,
];

/**
 * Launch Chromium with a fresh temporary profile. Returns a playwright
 * BrowserContext; its close() also deletes the profile directory.
 * @param {import('playwright-core').LaunchOptions & import('playwright-core').BrowserContextOptions} [options]
 */
export async function launch(options = {}) {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}; run: bash scripts/setup-tools.sh --browser`);
  }
  const userDataDir = mkdtempSync(path.join(os.tmpdir(), 'sms-e2e-'));
  const { args = [], ...rest } = options;
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: !process.env.E2E_HEADED,
    slowMo: Number(process.env.E2E_SLOWMO ?? 0) || undefined,
    args: [...CHROMIUM_ARGS, ...args],
    viewport: { width: 1280, height: 800 },
    locale: 'en-GB',
    timezoneId: 'UTC',
    ...rest,
  });
  context.setDefaultTimeout(TIMEOUT);
  const close = context.close.bind(context);
  context.close = async (...closeArgs) => {
    try {
      await close(...closeArgs);
    } finally {
      rmSync(userDataDir, { recursive: true, force: true, maxRetries: 3 });
    }
  };
  return context;
}

/**
 * Start the static server on dist/ and a browser in before(), and stop both
 * in after(). Use at the top level of a test file. The returned object is
 * filled in once before() has run: { url, context, server }.
 * @param {{basePath?: string, root?: string, launchOptions?: object, screenshots?: boolean}} [options]
 */
export function useApp({ basePath = '/', root = DIST, launchOptions = {}, screenshots = true } = {}) {
  const app = { url: undefined, context: undefined, server: undefined };
  before(async () => {
    if (!existsSync(path.join(root, 'index.html'))) {
      throw new Error(`${root}/index.html not found; build the app first: trunk build --release`);
    }
    app.server = await startServer({ root, basePath });
    app.url = app.server.url;
    app.context = await launch(launchOptions);
  });
  if (screenshots) {
    afterEach(async (t) => {
      // Screenshot every open page of a failed test (best effort).
      if (!app.context || !testFailed(t)) return;
      await screenshotPages(app.context, t.name).catch(() => {});
    });
  }
  after(async () => {
    await app.context?.close().catch(() => {});
    await app.server?.close();
  });
  return app;
}

function testFailed(t) {
  // TestContext#passed exists since Node 20.16 / 21.7; older: no screenshots.
  return t?.passed === false;
}

/** Save a PNG of every open page in `context` under ARTIFACTS. */
export async function screenshotPages(context, label = 'page') {
  mkdirSync(ARTIFACTS, { recursive: true });
  const safe = label.replace(/[^\w.-]+/g, '_').slice(0, 80);
  const saved = [];
  for (const [i, page] of context.pages().entries()) {
    if (page.isClosed() || page.url() === 'about:blank') continue;
    const file = path.join(ARTIFACTS, `${safe}-${i}.png`);
    await page.screenshot({ path: file, fullPage: true });
    saved.push(file);
  }
  if (saved.length) console.error(`screenshots: ${saved.join(', ')}`);
  return saved;
}

// --- console errors and uncaught exceptions -----------------------------------

const problemsByPage = new WeakMap();

/**
 * Start recording console errors, uncaught page errors and crashes of `page`
 * (idempotent). openApp() calls this before navigating.
 * @returns {string[]} the live list of problems
 */
export function watchProblems(page, { ignore = [] } = {}) {
  let problems = problemsByPage.get(page);
  if (problems) return problems;
  problems = [];
  problemsByPage.set(page, problems);
  const ignored = [...IGNORED_CONSOLE, ...ignore];
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const { url, lineNumber } = msg.location() ?? {};
    const line = `console.error: ${msg.text()}${url ? ` (${url}:${lineNumber})` : ''}`;
    if (!ignored.some((re) => re.test(line))) problems.push(line);
  });
  page.on('pageerror', (err) => problems.push(`uncaught: ${err.stack || err.message || err}`));
  page.on('crash', () => problems.push('page crashed'));
  return problems;
}

/** The problems recorded so far for `page` (empty if not watched). */
export function problemsOf(page) {
  return [...(problemsByPage.get(page) ?? [])];
}

/** Forget the problems recorded so far (e.g. after a step that logs errors on purpose). */
export function clearProblems(page) {
  problemsByPage.get(page)?.splice(0);
}

/** Fail if `page` logged console errors or threw uncaught exceptions. */
export function assertNoProblems(page, message = 'console errors or uncaught exceptions') {
  const problems = problemsOf(page);
  assert.deepEqual(problems, [], `${message}:\n  ${problems.join('\n  ')}`);
}

// --- opening the app -----------------------------------------------------------

/**
 * Open the app in a new page of `context` and wait until it is ready
 * (`<body data-ready="true">`, set once the workbook has loaded).
 * Console errors are watched from before the first request.
 * @param {import('playwright-core').BrowserContext} context
 * @param {string} url base URL of the server (e.g. app.url)
 * @param {{path?: string, timeout?: number, ignore?: RegExp[]}} [options]
 *   path: relative to url (e.g. '#/records' or 'settings')
 */
export async function openApp(context, url, { path: subPath = '', timeout = TIMEOUT, ignore = [] } = {}) {
  const page = await context.newPage();
  watchProblems(page, { ignore });
  await page.goto(new URL(subPath, url).href);
  await waitReady(page, { timeout });
  return page;
}

/** Wait for `<body data-ready="true">`; on timeout, report what the page logged. */
export async function waitReady(page, { timeout = TIMEOUT } = {}) {
  try {
    await page.waitForSelector('body[data-ready="true"]', { state: 'attached', timeout });
  } catch (err) {
    const problems = problemsOf(page);
    throw new Error(
      `app not ready after ${timeout} ms at ${page.url()}` +
        (problems.length ? `\npage problems:\n  ${problems.join('\n  ')}` : '') +
        `\n${err.message}`,
    );
  }
}

/**
 * Wait until `locator` (its first match) has exactly `text` (trimmed), or
 * matches `text` if it is a RegExp. Fails with the last text seen.
 * @param {import('playwright-core').Locator} locator
 * @param {string|RegExp} text
 */
export async function waitForText(locator, text, { timeout = TIMEOUT } = {}) {
  const matches = (s) => (text instanceof RegExp ? text.test(s) : s === text);
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    last = (await locator.first().textContent({ timeout: Math.max(1, deadline - Date.now()) }).catch(() => null))?.trim();
    if (last != null && matches(last)) return last;
    if (Date.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`expected ${locator} to have text ${text instanceof RegExp ? text : JSON.stringify(text)}, last seen ${JSON.stringify(last ?? null)}`);
}

// --- accessibility --------------------------------------------------------------

let axeSourceText;
function axeSource() {
  axeSourceText ??= `${readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8')}\n;void 0`;
  return axeSourceText;
}

/**
 * Run axe-core in the page and return its violations (axe result objects).
 * @param {import('playwright-core').Page} page
 * @param {{context?: unknown, options?: object}} [opts] axe.run(context, options);
 *   default: whole document, WCAG 2.x A/AA plus best-practice rules.
 */
export async function checkAxe(page, { context = null, options } = {}) {
  if (!(await page.evaluate(() => typeof window.axe !== 'undefined'))) {
    // Evaluated through the DevTools protocol rather than added as a <script>:
    // the app's Content-Security-Policy rightly refuses inline scripts.
    await page.evaluate(axeSource());
  }
  const runOptions = options ?? {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
  };
  return page.evaluate(
    async ([ctx, opts]) => {
      const result = await window.axe.run(ctx ?? document, opts);
      return result.violations;
    },
    [context, runOptions],
  );
}

/** Human-readable list of axe violations, for assertion messages. */
export function formatViolations(violations) {
  return violations
    .map((v) => {
      const nodes = v.nodes.map((n) => {
        const why = (n.failureSummary ?? '')
          .split('\n')
          .map((line) => line.trim())
          .filter((line) => line && !line.endsWith('following:'))
          .join('; ');
        return `      ${n.target.join(' ')}: ${why}`;
      });
      return `  [${v.impact}] ${v.id}: ${v.help} (${v.helpUrl})\n${nodes.join('\n')}`;
    })
    .join('\n');
}

/** Fail with a readable list if axe finds violations in the page. */
export async function assertNoAxeViolations(page, opts) {
  const violations = await checkAxe(page, opts);
  assert.equal(violations.length, 0, `axe violations:\n${formatViolations(violations)}`);
}

/**
 * Matches a form field's accessible name exactly, whether or not the form
 * marks it "(optional)": `page.getByLabel(fieldLabel('Impact'))` finds
 * "Impact" but not "Residual impact".
 * @param {string} label
 */
export function fieldLabel(label) {
  const escaped = label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${escaped}( \\(optional\\))?$`);
}

// --- large workbooks ------------------------------------------------------------

const generated = new Map();

/**
 * A generated workbook of `n` incidents (sms_testdata::incidents, built
 * by the `generate_workbook` example of crates/testdata): { id, name, key,
 * bytes, file }. With `{ merge: true }` also a file of the same workbook
 * with 1,000 changes by someone else: `merge: { file, changes, bytes }`.
 * Cached per `n` and kind for the test run.
 */
export function generatedWorkbook(n, { merge = false } = {}) {
  const cacheKey = `${n}${merge ? '+merge' : ''}`;
  if (generated.has(cacheKey)) return generated.get(cacheKey);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sms-gen-'));
  const file = path.join(dir, `incidents-${n}.smsw`);
  const extra = merge ? ['--merge', path.join(dir, `changes-${n}.smsw`)] : [];
  const out = execFileSync(
    'cargo',
    ['run', '--quiet', '--release', '--locked', '-p', 'sms-testdata', '--example', 'generate_workbook', '--', String(n), file, ...extra],
    { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const info = { ...JSON.parse(out.trim().split('\n').pop()), file };
  generated.set(cacheKey, info);
  return info;
}

/**
 * Put a workbook file into the app's storage as the workbook to open, the
 * way the app itself stores one (chunks store: snapshot bytes under their
 * chunk key; meta store: the current workbook and its name), then reload.
 * The page must have opened the app once, so the database exists.
 */
export async function seedWorkbook(page, { id, name, key, file }) {
  const base64 = readFileSync(file).toString('base64');
  await page.evaluate(
    ([id, name, key, base64]) =>
      new Promise((resolve, reject) => {
        const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
        const open = indexedDB.open('sms-workbook');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const tx = db.transaction(['chunks', 'meta'], 'readwrite');
          tx.objectStore('chunks').put(bytes, key);
          tx.objectStore('meta').put(id, 'current');
          tx.objectStore('meta').put(name, `name/${id}`);
          tx.oncomplete = () => {
            db.close();
            resolve();
          };
          tx.onerror = () => reject(tx.error);
        };
      }),
    [id, name, key, base64],
  );
  await page.reload();
  await waitReady(page, { timeout: 120_000 });
}
