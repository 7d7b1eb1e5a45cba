// Browser benchmark: the release build in dist/ in headless Chromium, with a
// generated workbook of N records (sms_testdata, `generate_workbook
// <n> --mixed --merge`) in its storage.
//
//   node tests/e2e/bench.mjs [--json FILE] [N ...]     (default: 1000 10000)
//
// Prints one Markdown table (rows: measures, columns: sizes) and, with
// --json, writes every figure to FILE (scripts/perf-report.mjs reads it).
// Figures are measurements, never pass/fail. `bash scripts/bench.sh` runs
// this together with the core's criterion benchmarks.
//
// Once per run:
//   first visit   a new profile (empty storage, no service worker) opens the
//                 app, which opens its demo workbook: navigation start until
//                 <body data-ready="true">, the longest task before then, and
//                 what the page downloaded before then (Resource Timing:
//                 requests started before ready), each file's brotli size
//                 (quality 11) and raw size; the service worker's precache
//                 requests that started meanwhile are counted apart. Median
//                 of 3 visits for the time.
//   dist/         brotli size of every file, and of the start-up .wasm
// Per size, on one page, in this order:
//   warm start    navigation to #/r/incident until the list says
//                 "<incidents> records" (the app's files cached by the service
//                 worker), median of 3, and the longest main-thread task in
//                 that window (PerformanceObserver longtask), worst of 3
//   keystroke     one character typed in the search box until the next frame
//                 is drawn (all queued work done), median and worst of 8
//   status filter choosing a status, likewise
//   rows          <tr> elements with a record in the list
//   scroll        jumping to the end of the list until its last row is drawn
//                 (jumping again each frame while the end moves)
//   save          "Save incident" on an edited title until the header says
//                 "Saved" (written to IndexedDB, strict durability): the
//                 first edit after the start apart, then p50/p95 of 24
//   report        the management review pack (#/reports/review: every
//                 register's figures and five charts) from navigation until
//                 its article is drawn, and the longest task in that time
//   heap, wasm    JS heap in use after garbage collection; wasm memory of
//                 the page and of the document worker
//   merge         on #/workbooks, "Open a workbook file…" with the file of
//                 1,000 changes: change event until the summary is drawn;
//                 then click "Merge into this workbook" until the notice
//                 "Merged …" is drawn, until the incident list (opened right
//                 after) shows the merged count, and until "Saved"; the
//                 longest task in that time; wasm memory after
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer } from './server.mjs';
import { launch, DIST, seedWorkbook, waitReady, waitForText } from './support.mjs';
import { brotliSize, distFileOf, distSizes, generateWorkbook, max, median, pct, recorder, tasksSettled, workerMemory } from './bench-lib.mjs';
import { browserMeasures, markdownTable, tableRows } from '../../scripts/perf-report.mjs';

/** Generous: a workbook of 50,000 records takes tens of seconds to open. */
const LONG = 600_000;
const WARM_STARTS = 3;
const FIRST_VISITS = 3;
const SAVES = 24;

const args = process.argv.slice(2);
let jsonOut = null;
const sizes = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--json') jsonOut = args[++i];
  else if (/^\d+$/.test(args[i]) && Number(args[i]) > 0) sizes.push(Number(args[i]));
  else {
    console.error(`usage: node tests/e2e/bench.mjs [--json FILE] [N ...]; unknown argument ${args[i]}`);
    process.exit(2);
  }
}
if (jsonOut === undefined) {
  console.error('--json needs a file');
  process.exit(2);
}
if (!sizes.length) sizes.push(1000, 10000);

const log = (...a) => process.stderr.write(`bench: ${a.join(' ')}\n`);
const finite = (x) => (Number.isFinite(x) ? x : null);

const served = [];
const server = await startServer({ root: DIST, onResponse: (r) => served.push({ ...r, at: Date.now() }) });
const dir = mkdtempSync(path.join(os.tmpdir(), 'sms-bench-'));
const out = {
  date: new Date().toISOString(),
  chromium: null,
  sizes,
  dist: distSizes(DIST),
  firstVisit: null,
  results: [],
};

/** Opens a fresh profile with the recorder in every page. */
async function newContext() {
  const context = await launch();
  context.setDefaultTimeout(LONG);
  context.setDefaultNavigationTimeout(LONG);
  await context.addInitScript(recorder);
  return context;
}

async function firstVisit() {
  const visits = [];
  for (let i = 0; i < FIRST_VISITS; i++) {
    const context = await newContext();
    try {
      const page = await context.newPage();
      if (!out.chromium) {
        const cdp = await context.newCDPSession(page);
        out.chromium = (await cdp.send('Browser.getVersion')).product.replace(/^[^/]*\//, '');
        await cdp.detach();
      }
      served.length = 0;
      await page.goto(server.url);
      await waitReady(page, { timeout: LONG });
      await tasksSettled(page);
      const v = await page.evaluate(() => {
        const readyAt = window.__readyAt;
        const entries = [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')];
        return {
          readyAt,
          origin: performance.timeOrigin,
          longest: window.__longestBetween(0, readyAt),
          requests: entries.filter((e) => e.startTime <= readyAt).map((e) => ({ url: e.name, start: e.startTime })),
        };
      });
      // Everything the server sent before ready; what the page did not ask
      // for itself (by URL, counting repeats) came from the service worker.
      const readyEpoch = v.origin + v.readyAt;
      const pageUrls = v.requests.map((r) => new URL(r.url).pathname);
      const other = [];
      for (const s of served.filter((s) => s.at <= readyEpoch && s.file)) {
        const j = pageUrls.indexOf(new URL(s.url, server.url).pathname);
        if (j >= 0) pageUrls.splice(j, 1);
        else other.push(s.file);
      }
      const files = v.requests.map((r) => ({ url: r.url, file: distFileOf(DIST, r.url, server.url) }));
      visits.push({ ...v, files, swFiles: other });
    } finally {
      await context.close();
    }
  }
  const first = visits[0];
  const rel = (f) => path.relative(DIST, f).split(path.sep).join('/');
  const sized = (list) => {
    const files = list.filter(Boolean).map((f) => ({ file: rel(f), raw: statSync(f).size, brotli: brotliSize(f) }));
    return {
      files,
      raw: files.reduce((s, f) => s + f.raw, 0),
      brotli: files.reduce((s, f) => s + f.brotli, 0),
    };
  };
  const downloads = sized(first.files.map((f) => f.file));
  const wasm = downloads.files.filter((f) => f.file === out.dist.startWasm?.file);
  return {
    visits: visits.length,
    interactive: median(visits.map((v) => v.readyAt)),
    interactiveRuns: visits.map((v) => v.readyAt),
    longestTask: max(visits.map((v) => v.longest)),
    page: {
      ...downloads,
      wasmBrotli: wasm.reduce((s, f) => s + f.brotli, 0),
      wasmRaw: wasm.reduce((s, f) => s + f.raw, 0),
      unknown: first.files.filter((f) => !f.file).map((f) => f.url),
    },
    serviceWorker: sized(first.swFiles),
  };
}

/** The list's status filter. */
const STATUS = `[...document.querySelectorAll('label.filter')].find((l) => l.textContent.includes('Status'))?.querySelector('select')`;

async function measure(n) {
  log(n, 'generating');
  const wb = generateWorkbook(n, dir);
  const incidents = wb.incidents;
  const r = {
    n,
    records: wb.records,
    incidents,
    snapshotBytes: wb.bytes,
    registers: wb.registers ?? null,
  };
  const context = await newContext();
  try {
    const page = await context.newPage();
    page.on('pageerror', (e) => log(n, 'page error:', e.message));
    await page.goto(server.url);
    await waitReady(page, { timeout: LONG });
    try {
      await seedWorkbook(page, wb);
    } catch (err) {
      // seedWorkbook waits 2 minutes; a large workbook may need longer.
      if (!/not ready/.test(err.message)) throw err;
      await waitReady(page, { timeout: LONG });
    }
    // Warm starts are served by the service worker's cache.
    await page.evaluate(() => navigator.serviceWorker?.ready.then(() => true));
    log(n, 'seeded');

    // Warm start, straight to the list.
    const starts = [];
    const longest = [];
    const marks = [];
    const want = `${incidents} records`;
    for (let i = 0; i < WARM_STARTS; i++) {
      await page.goto('about:blank');
      await page.goto(new URL('#/r/incident', server.url).href);
      await page.waitForFunction((want) => want in window.__counts, want, { polling: 100, timeout: LONG });
      await tasksSettled(page);
      const s = await page.evaluate((want) => {
        const at = window.__counts[want];
        const marks = performance.getEntriesByType('mark').map((m) => [m.name, Math.round(m.startTime)]);
        return { at, longest: window.__longestBetween(0, at), marks };
      }, want);
      starts.push(s.at);
      longest.push(s.longest);
      marks.push(s.marks);
    }
    r.warmStart = {
      median: median(starts),
      min: Math.min(...starts),
      runs: starts,
      longestTask: max(longest),
      longestRuns: longest,
      // The app's own performance marks of each start, for reading the JSON.
      marks,
    };
    log(n, 'warm start', starts.map((x) => x.toFixed(0)).join(' '), 'ms');

    // Keystrokes in the search box, then a status filter.
    const keys = [];
    for (const ch of 'network ') {
      keys.push(
        await page.evaluate((ch) => {
          const input = document.querySelector('input[type=search]');
          return window.__timed(() => {
            input.value += ch;
            input.dispatchEvent(new Event('input', { bubbles: true }));
          });
        }, ch),
      );
    }
    r.keystroke = { median: median(keys), worst: max(keys), runs: keys };
    await page.evaluate(() => {
      const input = document.querySelector('input[type=search]');
      input.value = '';
      input.dispatchEvent(new Event('input', { bubbles: true }));
    });
    await page.waitForFunction((want) => document.querySelector('p.count')?.textContent.trim() === want, want);
    r.statusFilter = await page.evaluate(`(() => {
      const select = ${STATUS};
      if (!select) return NaN;
      return window.__timed(() => {
        select.value = 'open';
        select.dispatchEvent(new Event('change', { bubbles: true }));
      });
    })()`);
    await page.evaluate(`(() => {
      const select = ${STATUS};
      if (select) {
        select.value = '';
        select.dispatchEvent(new Event('change', { bubbles: true }));
      }
    })()`);
    await page.waitForFunction((want) => document.querySelector('p.count')?.textContent.trim() === want, want);
    await page.evaluate(() => window.__settle());
    r.rows = await page.locator('table.register tbody tr[data-record-id]').count();
    // Row heights are estimated until drawn, so the end may move once rows
    // near it are measured: jump again each frame until the last row is
    // drawn (as pressing End again would).
    const scroll = await page.evaluate(async (n) => {
      const t0 = performance.now();
      for (let jumps = 1; ; jumps++) {
        window.scrollTo(0, document.documentElement.scrollHeight);
        await new Promise((res) => requestAnimationFrame(res));
        if (document.querySelector(`tr[aria-rowindex="${n + 1}"]`)) return { ms: performance.now() - t0, jumps };
        if (performance.now() - t0 > 10_000) return { ms: NaN, jumps };
      }
    }, incidents);
    r.scroll = scroll.ms;
    r.scrollJumps = scroll.jumps;
    await page.evaluate(() => window.scrollTo(0, 0));
    log(n, 'filtered and scrolled');

    // Edit and save, until durable.
    const ids = await page
      .locator('table.register tbody tr[data-record-id]')
      .evaluateAll((trs, count) => trs.slice(0, count).map((tr) => tr.dataset.recordId), SAVES);
    // The first edit after the start is reported apart: it may include
    // loading the document (the list is drawn from a stored view).
    const saves = [];
    for (let i = 0; i <= SAVES; i++) {
      const id = ids[i % ids.length];
      await page.goto(new URL(`#/record/${id}`, server.url).href);
      const title = page.getByLabel(/^Title/);
      await title.waitFor();
      await title.fill(`Benchmark edit ${i}`);
      await waitForText(page.locator('header .save-state'), 'Saved', { timeout: LONG });
      saves.push(
        await page.evaluate(
          () =>
            new Promise((resolve) => {
              const text = () => document.querySelector('header .save-state')?.textContent.trim();
              const t0 = performance.now();
              let changed = false;
              const obs = new MutationObserver(() => {
                const now = text();
                if (now !== 'Saved') changed = true;
                else if (changed) {
                  obs.disconnect();
                  resolve(performance.now() - t0);
                }
              });
              obs.observe(document.querySelector('header'), { subtree: true, childList: true, characterData: true });
              [...document.querySelectorAll('button[type=submit]')].find((b) => b.textContent.trim() === 'Save incident').click();
            }),
        ),
      );
    }
    // How long loading the document took (in the document worker, after
    // the record page was drawn), from the app's own marks, and the
    // longest main-thread task meanwhile.
    await tasksSettled(page);
    const load = await page.evaluate(() => {
      const at = (name) => performance.getEntriesByName(name).at(-1)?.startTime;
      const start = at('sms:document-load-start');
      const end = at('sms:document-loaded');
      return start != null && end != null
        ? { ms: end - start, longestTask: window.__longestBetween(start, end) }
        : { ms: NaN, longestTask: NaN };
    });
    r.documentLoad = load.ms;
    r.documentLoadLongestTask = load.longestTask;
    const [first, ...rest] = saves;
    r.save = { first, p50: pct(rest, 50), p95: pct(rest, 95), samples: rest.length, runs: rest };
    log(n, 'saved', `first ${first.toFixed(1)} ms, p50 ${r.save.p50.toFixed(1)} ms, p95 ${r.save.p95.toFixed(1)} ms`);

    // The review pack, drawn from the read model.
    await page.goto(new URL('#/workbooks', server.url).href);
    await page.evaluate(() => window.__settle());
    const t0 = await page.evaluate(() => performance.now());
    await page.goto(new URL('#/reports/review', server.url).href);
    await page.locator('article.report').first().waitFor({ timeout: LONG });
    await page.evaluate(() => window.__settle());
    r.report = await page.evaluate((t0) => {
      const end = performance.now();
      return { ms: end - t0, longestTask: window.__longestBetween(t0, end) };
    }, t0);
    log(n, 'report', `${r.report.ms.toFixed(0)} ms, longest task ${r.report.longestTask.toFixed(0)} ms`);

    const cdp = await context.newCDPSession(page);
    await cdp.send('HeapProfiler.collectGarbage').catch(() => {});
    await cdp.send('Performance.enable');
    r.heap = (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? NaN;
    r.wasm = await page.evaluate(() => window.__smsWasmMemory?.() ?? NaN);
    r.workerWasm = await workerMemory(page);

    if (!wb.merge) r.merge = { skipped: 'the generator wrote no merge file (it needs --mixed --merge)' };
    else {
      // A merge the app cannot do (it says so, or the page runs out of
      // memory) is a finding, not a failure of the benchmark.
      r.merge = await merge(page, wb, incidents).catch(async (err) => ({
        changes: wb.merge.changes ?? null,
        bytes: wb.merge.bytes ?? null,
        skipped: `the merge failed: ${err.message.split('\n')[0]}`,
        wasmAfter: await orPageFailure(page, page.evaluate(() => window.__smsWasmMemory?.() ?? NaN), 10_000).catch(() => NaN),
      }));
    }
    if (r.merge.skipped) log(n, 'merge skipped:', r.merge.skipped);
    else log(n, 'merged', `preview ${r.merge.preview?.toFixed(0)} ms, screen ${r.merge.painted?.toFixed(0)} ms`);
  } finally {
    await context.close().catch(() => {});
  }
  return r;
}

/**
 * `promise`, or a rejection as soon as the page throws an uncaught error
 * (a WebAssembly trap stops the app for good), crashes, or `ms` pass.
 */
function orPageFailure(page, promise, ms = LONG) {
  promise.catch(() => {}); // It may reject after the race is decided.
  let cleanup;
  const failure = new Promise((_, reject) => {
    const onError = (e) => reject(new Error(`the app failed: ${e.message}`));
    const onCrash = () => reject(new Error('the page crashed'));
    const timer = setTimeout(() => reject(new Error(`no answer after ${ms / 1000} s`)), ms);
    page.on('pageerror', onError);
    page.on('crash', onCrash);
    cleanup = () => {
      clearTimeout(timer);
      page.off('pageerror', onError);
      page.off('crash', onCrash);
    };
  });
  return Promise.race([promise, failure]).finally(cleanup);
}

/** Opens the merge file on the workbooks page and merges it; see the top. */
async function merge(page, wb, incidents) {
  const m = { changes: wb.merge.changes ?? null, bytes: wb.merge.bytes ?? null };
  await page.goto(new URL('#/workbooks', server.url).href);
  await page.getByRole('heading', { name: 'Workbooks' }).waitFor();
  await waitForText(page.locator('header .save-state'), 'Saved', { timeout: LONG });
  await page.evaluate(() => {
    window.__preview = new Promise((resolve) => {
      const onChange = (ev) => {
        if (!(ev.target instanceof HTMLInputElement) || ev.target.type !== 'file') return;
        removeEventListener('change', onChange, true);
        const t0 = performance.now();
        const shown = () =>
          document.querySelector('section.merge-preview') ??
          document.querySelector('.field-error[role=alert]') ??
          [...document.querySelectorAll('.notice[role=status]')].find((e) => e.textContent.trim());
        const obs = new MutationObserver(() => {
          const el = shown();
          if (!el) return;
          obs.disconnect();
          window.__settle().then(() =>
            resolve({ t0, ms: performance.now() - t0, preview: el.matches('section.merge-preview'), text: el.textContent.trim() }),
          );
        });
        obs.observe(document.body, { subtree: true, childList: true, characterData: true });
      };
      // Capture on the window: before the app's own handler.
      addEventListener('change', onChange, true);
    });
  });
  const previewed = orPageFailure(page, page.evaluate(() => window.__preview));
  await page.locator('input[type=file]').setInputFiles(wb.merge.file);
  const preview = await previewed;
  if (!preview.preview) return { ...m, skipped: `no merge summary: ${preview.text}` };
  m.preview = preview.ms;
  const summary = await page.evaluate(() => {
    const section = document.querySelector('section.merge-preview');
    const registers = {};
    for (const tr of section.querySelectorAll('tbody tr')) {
      registers[tr.querySelector('th').textContent.trim()] = [...tr.querySelectorAll('td')].map((td) => Number(td.textContent.trim()));
    }
    return { line: section.querySelector('p')?.textContent.trim(), registers };
  });
  m.summary = summary.line;
  m.registers = summary.registers;
  const [added = 0, , deleted = 0, restored = 0] = summary.registers.Incidents ?? [];
  const expected = `${incidents + added - deleted + restored} records`;

  const done = await orPageFailure(page, page.evaluate(
    ([expected, timeout]) =>
      new Promise((resolve) => {
        const button = [...document.querySelectorAll('section.merge-preview button')].find(
          (b) => b.textContent.trim() === 'Merge into this workbook',
        );
        const r = {};
        let t0 = 0;
        let unsaved = false;
        let listing = false;
        const finish = () => {
          if ('saved' in r && 'list' in r) {
            obs.disconnect();
            resolve(r);
          }
        };
        const check = () => {
          const now = performance.now();
          if (!('dom' in r)) {
            const error = document.querySelector('.field-error[role=alert]');
            const notice = [...document.querySelectorAll('.notice[role=status]')].find((e) => /^Merged /.test(e.textContent.trim()));
            if (error) {
              r.error = error.textContent.trim();
              r.saved = r.list = null;
            } else if (notice) {
              r.dom = now - t0;
              r.notice = notice.textContent.trim();
              window.__settle().then(() => {
                r.painted = performance.now() - t0;
                // Then look at the list the merge changed.
                listing = true;
                location.hash = '#/r/incident';
              });
            }
          }
          if (listing && !('list' in r) && document.querySelector('p.count')?.textContent.trim() === expected) {
            listing = false;
            window.__settle().then(() => {
              r.list = performance.now() - t0;
              r.chips = document.querySelectorAll('table.register .chip-merged').length;
              finish();
            });
          }
          const state = document.querySelector('header .save-state')?.textContent.trim();
          if (state !== 'Saved') unsaved = true;
          else if (unsaved && !('saved' in r)) r.saved = now - t0;
          finish();
        };
        const obs = new MutationObserver(check);
        obs.observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
        setTimeout(() => {
          r.timedOut = true;
          r.saved ??= null;
          r.list ??= null;
          finish();
        }, timeout);
        t0 = performance.now();
        r.t0 = t0;
        button.click();
        // The merge runs in the click handler itself.
        r.handler = performance.now() - t0;
      }),
    [expected, LONG],
  ), LONG + 10_000);
  await tasksSettled(page);
  const end = done.t0 + Math.max(done.saved ?? 0, done.list ?? 0, done.painted ?? 0);
  m.longestTask = await page.evaluate(([a, b]) => window.__longestBetween(a, b), [done.t0, end]);
  m.wasmAfter = await page.evaluate(() => window.__smsWasmMemory?.() ?? NaN);
  m.workerWasmAfter = await workerMemory(page);
  m.expectedList = expected;
  return { ...m, ...done };
}

try {
  log('first visit');
  out.firstVisit = await firstVisit();
  log('first visit', `${out.firstVisit.interactive.toFixed(0)} ms, ${(out.firstVisit.page.brotli / 1024).toFixed(1)} KB brotli`);
  for (const n of sizes) {
    try {
      out.results.push(await measure(n));
    } catch (err) {
      // Go on with the other sizes; the run fails at the end.
      log(n, 'FAILED:', err.stack ?? err.message);
      out.results.push({ n, error: err.message.split('\n')[0] });
      process.exitCode = 1;
    }
  }
} finally {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
}

if (jsonOut) {
  writeFileSync(jsonOut, `${JSON.stringify(out, (k, v) => (typeof v === 'number' ? finite(v) : v), 2)}\n`);
  log('figures written to', jsonOut);
}
const measures = browserMeasures(out);
const rows = tableRows(measures, sizes);
console.log(
  markdownTable(
    ['Measure', ...sizes.map((n) => `${n.toLocaleString('en')} records`), 'Target', 'Met'],
    rows,
    ['l', ...sizes.map(() => 'r'), 'l', 'l'],
  ),
);
