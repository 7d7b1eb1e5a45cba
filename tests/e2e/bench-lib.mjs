// Helpers for the browser benchmark (bench.mjs): generated workbooks with a
// file to merge, brotli sizes of dist/, the in-page recorder of timings and
// long tasks, and small statistics.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { ROOT } from './support.mjs';

/** The p-th percentile (nearest rank, lower) of `xs`; NaN if empty. */
export function pct(xs, p) {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return NaN;
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}
export const median = (xs) => pct(xs, 50);
export const max = (xs) => (xs.length ? Math.max(...xs) : NaN);

/**
 * A generated workbook of `n` records with a second file that makes 1,000
 * changes to it, written into `dir` by the `generate_workbook` example of crates/testdata:
 *   generate_workbook <n> <out.smsw> --mixed --merge <merge.smsw>
 * Returns the example's JSON ({ id, name, key, bytes, records, incidents,
 * registers, merge: { file, changes, bytes } }) with `file` set to the
 * workbook's path. If the example does not know `--mixed`/`--merge` (an
 * older core), `merge` is absent and `incidents` is `n`.
 */
export function generateWorkbook(n, dir) {
  const file = path.join(dir, `workbook-${n}.smsw`);
  const mergeFile = path.join(dir, `merge-${n}.smsw`);
  const out = execFileSync(
    'cargo',
    [
      'run', '--quiet', '--release', '--locked', '-p', 'sms-testdata', '--example', 'generate_workbook', '--',
      String(n), file, '--mixed', '--merge', mergeFile,
    ],
    { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 << 20 },
  );
  const info = JSON.parse(out.trim().split('\n').pop());
  info.file = file;
  info.records ??= n;
  info.incidents ??= n;
  if (info.merge) {
    info.merge.file = path.resolve(ROOT, info.merge.file ?? mergeFile);
    if (!exists(info.merge.file)) delete info.merge;
  }
  return info;
}

function exists(file) {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

const brotliCache = new Map();

/** Brotli size (quality 11, as scripts/test.sh measures) of a file's bytes. */
export function brotliSize(file) {
  if (brotliCache.has(file)) return brotliCache.get(file);
  const data = readFileSync(file);
  const size = zlib.brotliCompressSync(data, {
    params: {
      [zlib.constants.BROTLI_PARAM_QUALITY]: 11,
      [zlib.constants.BROTLI_PARAM_SIZE_HINT]: data.length,
    },
  }).length;
  brotliCache.set(file, size);
  return size;
}

/**
 * Every file in dist/ with its raw and brotli size, the totals, and the
 * start-up WebAssembly module (the one index.html names in `data-wasm`).
 */
export function distSizes(dist) {
  const walk = (dir) =>
    // Not dot files: Trunk stages a build in dist/.stage while it runs.
    readdirSync(dir).filter((name) => !name.startsWith('.')).flatMap((name) => {
      const p = path.join(dir, name);
      return statSync(p).isDirectory() ? walk(p) : [p];
    });
  const files = walk(dist)
    .sort()
    .map((f) => ({ file: path.relative(dist, f).split(path.sep).join('/'), raw: statSync(f).size, brotli: brotliSize(f) }));
  const html = readFileSync(path.join(dist, 'index.html'), 'utf8');
  const wasmName = html.match(/data-wasm="\.?\/?([^"]+)"/)?.[1]
    ?? files.find((f) => f.file.endsWith('_bg.wasm') && !f.file.includes('worker'))?.file;
  return {
    files,
    raw: files.reduce((s, f) => s + f.raw, 0),
    brotli: files.reduce((s, f) => s + f.brotli, 0),
    startWasm: files.find((f) => f.file === wasmName) ?? null,
  };
}

/**
 * The file of dist/ a URL of the test server names (index.html for the
 * app's pages), or null.
 */
export function distFileOf(dist, url, base) {
  let rel = decodeURIComponent(new URL(url).pathname);
  const basePath = new URL(base).pathname;
  if (!rel.startsWith(basePath)) return null;
  rel = rel.slice(basePath.length);
  if (rel === '' || rel.endsWith('/')) rel += 'index.html';
  else if (path.posix.extname(rel) === '') rel = 'index.html';
  const file = path.join(dist, rel);
  return exists(file) ? file : null;
}

/**
 * Added to every page before its own scripts run. Records, on the page's
 * clock (performance.now(), 0 = navigation start):
 *   __tasks        every long task (PerformanceObserver 'longtask') as
 *                  [startTime, duration]
 *   __readyAt      when <body data-ready="true"> was first seen
 *   __counts       text of the list's "N records" line → when first seen
 * and offers
 *   __longestBetween(a, b)  the longest task that ran between a and b
 *   __settle()      resolves after the next frame has been drawn
 *   __timed(fn)     runs fn, then resolves with the time until every task it
 *                   queued has run and the next frame has been drawn
 *   __smsWasmMemory()  the app's WebAssembly memory in bytes
 */
export function recorder() {
  window.__tasks = [];
  window.__readyAt = null;
  window.__counts = {};
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__tasks.push([e.startTime, e.duration]);
    }).observe({ type: 'longtask', buffered: true });
  } catch {}
  window.__longestBetween = (a, b) =>
    window.__tasks.reduce((m, [s, d]) => (s < b && s + d > a ? Math.max(m, d) : m), 0);
  window.__settle = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
  window.__timed = async (fn) => {
    const t0 = performance.now();
    fn();
    await new Promise((r) => setTimeout(r, 0));
    await window.__settle();
    return performance.now() - t0;
  };
  addEventListener('TrunkApplicationStarted', (e) => {
    window.__smsWasmMemory = () => e.detail.wasm.memory.buffer.byteLength;
  });
  const check = () => {
    const now = performance.now();
    if (window.__readyAt === null && document.body?.dataset.ready === 'true') window.__readyAt = now;
    const count = document.querySelector('p.count')?.textContent.trim();
    if (count && !(count in window.__counts)) window.__counts[count] = now;
  };
  new MutationObserver(check).observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
}

/** Long tasks are reported a little after they end: let them arrive. */
export async function tasksSettled(page) {
  await page.evaluate(() => new Promise((r) => setTimeout(r, 300)));
  await page.evaluate(() => window.__settle());
}

/** The document worker's WebAssembly memory (bytes), as it reports it. */
export async function workerMemory(page) {
  const w = page.workers().find((w) => w.url().includes('sms-doc-worker'));
  if (!w) return NaN;
  return w.evaluate(() => self.smsWasmBytes ?? NaN).catch(() => NaN);
}
