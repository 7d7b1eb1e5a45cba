#!/usr/bin/env node
// Combines the benchmark results into one Markdown table: rows are measures,
// columns are workbook sizes, with the targets and whether each is met.
// Figures are information, never pass/fail: this exits 0 whatever they are.
//
//   node scripts/perf-report.mjs [--browser FILE] [--criterion DIR]
//     [--size-log FILE] [--since EPOCH_MS] [--sizes 1000,10000]
//     [--command TEXT] [--out FILE]
//
//   --browser    JSON written by `node tests/e2e/bench.mjs --json FILE`
//   --criterion  criterion's output directory (<target dir>/criterion); the
//                median of <group>/<n>/new/estimates.json is reported for the
//                groups load, edit, merge_1000, preview_1000, materialize, view_open,
//                view_patch, filter, engine_edit and engine_refresh
//   --size-log   output of `cargo bench -p sms-core --bench suite`; its lines
//                `SIZE {json}` give the sizes of the generated workbooks
//   --since      ignore criterion estimates written before this time (so a
//                partial run never reports figures left by an earlier one)
//   --sizes      the columns (default: every size found in the inputs)
//   --command    the command that produced the figures, for the report
//   --out        Markdown file to write the report into, between the lines
//                <!-- bench:begin --> and <!-- bench:end --> (added after the
//                first heading and its intro paragraph if absent; the rest of
//                the file is kept). Without it, the report is only printed.
//
// bench.mjs imports `browserMeasures` and `markdownTable` from here, so the
// browser table it prints uses the same names and units.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const BEGIN = '<!-- bench:begin -->';
export const END = '<!-- bench:end -->';

// --- formatting ----------------------------------------------------------------

const num = (x, digits = 0) => x.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const ok = (x) => typeof x === 'number' && Number.isFinite(x);

export const fmt = {
  ms: (x) => {
    if (!ok(x)) return '—';
    // Thresholds just below the round numbers, so 999.7 reads "1.00 s".
    if (x >= 9995) return `${num(x / 1000, 1)} s`;
    if (x >= 999.5) return `${num(x / 1000, 2)} s`;
    if (x >= 99.95) return `${num(x)} ms`;
    if (x >= 9.995) return `${num(x, 1)} ms`;
    if (x >= 0.1) return `${num(x, 2)} ms`;
    return `${num(x * 1000, 1)} µs`;
  },
  kb: (x) => (ok(x) ? `${num(x / 1024, 1)} KB` : '—'),
  mib: (x) => (ok(x) ? `${num(x / 1048576, 1)} MiB` : '—'),
  bytes: (x) => {
    if (!ok(x)) return '—';
    if (x >= 1048576) return `${num(x / 1048576, 2)} MiB`;
    if (x >= 10240) return `${num(x / 1024)} KB`;
    return `${num(x)} bytes`;
  },
  count: (x) => (ok(x) ? num(x) : '—'),
  /** The longest task: long tasks are those over 50 ms, so 0 means none. */
  task: (x) => (x === 0 ? 'none over 50 ms' : fmt.ms(x)),
};

/** A Markdown table; `align` per column: 'l' or 'r'. */
export function markdownTable(header, rows, align = []) {
  const esc = (s) => String(s).replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const sep = header.map((_, i) => (align[i] === 'r' ? '---:' : '---'));
  return [header, sep, ...rows].map((r, i) => `| ${(i === 1 ? r : r.map(esc)).join(' | ')} |`).join('\n');
}

// --- the measures ---------------------------------------------------------------

/** Per size (n → object) and once-per-run figures of the browser JSON. */
function browserIndex(browser) {
  const byN = new Map();
  for (const r of browser?.results ?? []) byN.set(r.n, r);
  return { byN, once: browser ?? {} };
}

const at = (byN, n, f) => {
  const r = byN.get(n);
  if (!r) return null;
  try {
    const v = f(r);
    return ok(v) ? v : null;
  } catch {
    return null;
  }
};

/**
 * Checks a target over the sizes that have a figure: true (met), false (not
 * met), or null (not measured at the sizes the target names).
 */
function allMet(sizes, value, limit, only) {
  const seen = sizes.filter((n) => (!only || only.includes(n)) && ok(value(n)));
  if (!seen.length) return null;
  return seen.every((n) => value(n) <= limit(n));
}

/**
 * The browser measures, in report order: { label, fmt, value(n) | once(),
 * target?, met?(sizes) }. `value(n)` gives a figure per size; `once()` one
 * figure for the whole run (shown in the first column, "same" in the others).
 */
export function browserMeasures(browser) {
  const { byN, once } = browserIndex(browser);
  const fv = once.firstVisit ?? {};
  const dist = once.dist ?? {};
  const v = (f) => (n) => at(byN, n, f);
  const m = [];
  m.push(
    {
      label: `First visit: navigation to interactive (demo workbook, empty storage; median of ${fv.visits ?? 'the'} visits)`,
      fmt: fmt.ms,
      once: () => fv.interactive,
    },
    {
      label: 'First visit: longest main-thread task before interactive (worst visit)',
      fmt: fmt.task,
      once: () => fv.longestTask,
      target: '≤ 100 ms',
      met: () => (ok(fv.longestTask) ? fv.longestTask <= 100 : null),
    },
    {
      label: 'First visit: downloaded by the page before interactive, brotli (raw)',
      fmt: (x) => (ok(x) ? `${fmt.kb(x)} (${fmt.kb(fv.page?.raw)})` : '—'),
      once: () => fv.page?.brotli,
      target: '≤ 450 KB brotli',
      met: () => (ok(fv.page?.brotli) ? fv.page.brotli <= 450 * 1024 : null),
    },
    {
      label: 'First visit: start-up .wasm among those, brotli (raw)',
      fmt: (x) => (ok(x) ? `${fmt.kb(x)} (${fmt.kb(fv.page?.wasmRaw)})` : '—'),
      once: () => fv.page?.wasmBrotli,
    },
    {
      label: 'First visit: fetched by the service worker before interactive (its script and precache), brotli',
      fmt: fmt.kb,
      once: () => fv.serviceWorker?.brotli,
    },
    {
      label: 'All of dist/ (what the service worker precaches), brotli (raw)',
      fmt: (x) => (ok(x) ? `${fmt.kb(x)} (${fmt.kb(dist.raw)})` : '—'),
      once: () => dist.brotli,
    },
    {
      label: 'Start-up .wasm in dist/, brotli',
      fmt: fmt.kb,
      once: () => dist.startWasm?.brotli,
    },
    { label: 'Workbook: records (of which incidents)', fmt: (x) => x, value: v((r) => r.records), show: (n) => {
      const r = byN.get(n);
      return r ? `${fmt.count(r.records)} (${fmt.count(r.incidents)})` : '—';
    } },
    { label: 'Workbook: snapshot size', fmt: fmt.bytes, value: v((r) => r.snapshotBytes) },
    {
      label: 'Warm start: navigation to the incident list showing "N records" (median)',
      fmt: fmt.ms,
      value: v((r) => r.warmStart.median),
      target: '≤ 300 ms at 10,000; ≤ 500 ms at 50,000',
    },
    {
      label: 'Warm start: longest main-thread task (worst run)',
      fmt: fmt.task,
      value: v((r) => r.warmStart.longestTask),
      target: '≤ 50 ms',
    },
    {
      label: 'Document load after the list is shown (in the document worker, when a record is opened)',
      fmt: fmt.ms,
      value: v((r) => r.documentLoad),
    },
    {
      label: 'Document load: longest main-thread task meanwhile',
      fmt: fmt.task,
      value: v((r) => r.documentLoadLongestTask),
      target: '≤ 50 ms',
    },
    { label: 'Edit → durable ("Saved"): first edit after the warm start', fmt: fmt.ms, value: v((r) => r.save.first) },
    { label: 'Edit → durable ("Saved"), p50', fmt: fmt.ms, value: v((r) => r.save.p50) },
    {
      label: 'Edit → durable ("Saved"), p95',
      fmt: fmt.ms,
      value: v((r) => r.save.p95),
      target: '≤ 20 ms; at 50,000 ≤ 1.5 × 1,000',
    },
    { label: 'Merge file: changes (file size)', fmt: (x) => x, value: v((r) => r.merge.changes), show: (n) => {
      const r = byN.get(n);
      return r?.merge && ok(r.merge.changes) ? `${fmt.count(r.merge.changes)} (${fmt.bytes(r.merge.bytes)})` : '—';
    } },
    { label: 'Merge: file chosen → summary shown', fmt: fmt.ms, value: v((r) => r.merge.preview) },
    {
      label: 'Merge: confirm → page shows "Merged …" (merge, read model, drawn)',
      fmt: fmt.ms,
      value: v((r) => r.merge.painted),
      target: '≤ 200 ms at 10,000',
    },
    { label: 'Merge: confirm → incident list drawn with the merged records', fmt: fmt.ms, value: v((r) => r.merge.list) },
    { label: 'Merge: confirm → durable ("Saved")', fmt: fmt.ms, value: v((r) => r.merge.saved) },
    { label: 'Merge: longest main-thread task', fmt: fmt.task, value: v((r) => r.merge.longestTask), target: '≤ 50 ms' },
    { label: 'Report: management review pack, navigation → drawn', fmt: fmt.ms, value: v((r) => r.report?.ms) },
    {
      label: 'Report: longest main-thread task',
      fmt: fmt.task,
      value: v((r) => r.report?.longestTask),
      target: '≤ 50 ms',
    },
    { label: 'Filter: search keystroke → drawn, median', fmt: fmt.ms, value: v((r) => r.keystroke.median) },
    {
      label: 'Filter: search keystroke → drawn, worst',
      fmt: fmt.ms,
      value: v((r) => r.keystroke.worst),
      target: '≤ 30 ms at 50,000',
    },
    { label: 'Filter: status choice → drawn', fmt: fmt.ms, value: v((r) => r.statusFilter) },
    { label: 'Scroll to the end of the list → last row drawn', fmt: fmt.ms, value: v((r) => r.scroll) },
    {
      label: 'Rows in the DOM (list of all incidents)',
      fmt: fmt.count,
      value: v((r) => r.rows),
      target: 'a few hundred at most (≤ 300)',
    },
    { label: 'JS heap in use (after garbage collection)', fmt: fmt.mib, value: v((r) => r.heap) },
    { label: 'Page wasm memory (after the edits; after the merge)', fmt: fmt.mib, value: v((r) => r.wasm), show: (n) => {
      const r = byN.get(n);
      return r ? `${fmt.mib(r.wasm)}; ${fmt.mib(r.merge?.wasmAfter)}` : '—';
    } },
    { label: 'Document worker wasm memory (after the edits; after the merge)', fmt: fmt.mib, value: v((r) => r.workerWasm), show: (n) => {
      const r = byN.get(n);
      return r ? `${fmt.mib(r.workerWasm)}; ${fmt.mib(r.merge?.workerWasmAfter)}` : '—';
    }, target: '< 1 GiB at 50,000 after the merge' },
  );
  // Targets that depend on particular sizes.
  const byLabel = (prefix) => m.find((x) => x.label.startsWith(prefix));
  const warm = byLabel('Warm start: navigation');
  warm.met = (sizes) => allMet(sizes, warm.value, (n) => (n >= 50000 ? 500 : 300), sizes.filter((n) => n >= 10000));
  const warmTask = byLabel('Warm start: longest');
  warmTask.met = (sizes) => allMet(sizes, warmTask.value, () => 50);
  const loadTask = byLabel('Document load: longest');
  loadTask.met = (sizes) => allMet(sizes, loadTask.value, () => 50);
  const reportTask = byLabel('Report: longest');
  reportTask.met = (sizes) => allMet(sizes, reportTask.value, () => 50);
  const save = byLabel('Edit → durable ("Saved"), p95');
  save.met = (sizes) => {
    const each = allMet(sizes, save.value, () => 20);
    const big = sizes.filter((n) => n >= 50000 && ok(save.value(n)));
    if (each === null) return null;
    if (!big.length || !ok(save.value(1000))) return each;
    return each && big.every((n) => save.value(n) <= 1.5 * save.value(1000));
  };
  const workerMem = byLabel('Document worker wasm memory');
  workerMem.met = (sizes) =>
    allMet(sizes, (n) => byN.get(n)?.merge?.workerWasmAfter, () => 1024 ** 3, [50000]);
  const mergeTask = byLabel('Merge: longest');
  mergeTask.met = (sizes) => allMet(sizes, mergeTask.value, () => 50);
  const merge = byLabel('Merge: confirm → page');
  merge.met = (sizes) => allMet(sizes, merge.value, () => 200, [10000]);
  const key = byLabel('Filter: search keystroke → drawn, worst');
  key.met = (sizes) => allMet(sizes, key.value, () => 30, [50000]);
  const rows = byLabel('Rows in the DOM');
  rows.met = (sizes) => allMet(sizes, rows.value, () => 300);
  return m;
}

const CRITERION_GROUPS = [
  ['load', 'open the saved snapshot (`Workbook::load`)'],
  ['edit', 'change one field of one record in an open workbook and take the bytes to store'],
  ['merge_1000', 'merge a copy with 1,000 changes by someone else, then bring the read model up to date'],
  ['preview_1000', 'preview merging those 1,000 changes, read from their operations (`Workbook::preview_incoming`, no copy of the workbook)'],
  ['materialize', 'read every record into the read model (`RecordIndex::build`)'],
  ['view_open', 'the fast start: decode and check the stored view and make it the read model (`View::assemble`, `RecordIndex::from_stored`)'],
  ['view_patch', "the view's part written with one edit's chunk (`ViewPart::patch`)"],
  ['filter', 'one search keystroke on the incident list (`SortedList::filter`)'],
  ['engine_edit', 'one form save through the document engine, its update read and the reply encoded (`Engine::edit`, `encode_edited`)'],
  ['engine_refresh', 'the whole read model as one engine message, read, encoded and decoded (`Engine::read_all`)'],
];

function criterionMeasures(dir, since) {
  const cache = new Map();
  const estimate = (group, n) => {
    const k = `${group}/${n}`;
    if (cache.has(k)) return cache.get(k);
    let value = null;
    const candidates = [path.join(dir, group, String(n), 'new', 'estimates.json')];
    // Also <group>/<function>/<n>/new/estimates.json.
    try {
      for (const sub of readdirSync(path.join(dir, group))) {
        candidates.push(path.join(dir, group, sub, String(n), 'new', 'estimates.json'));
      }
    } catch {}
    for (const f of candidates) {
      if (!existsSync(f)) continue;
      if (since && statSync(f).mtimeMs < since) continue;
      try {
        const e = JSON.parse(readFileSync(f, 'utf8'));
        value = (e.median?.point_estimate ?? e.mean?.point_estimate) / 1e6;
        break;
      } catch {}
    }
    cache.set(k, ok(value) ? value : null);
    return cache.get(k);
  };
  return CRITERION_GROUPS.map(([group, what]) => ({
    label: `Core \`${group}\` (criterion median): ${what}`,
    fmt: fmt.ms,
    value: (n) => (dir ? estimate(group, n) : null),
  }));
}

const SIZE_LABELS = {
  records: ['Core workbook: records', fmt.count],
  incidents: ['Core workbook: incidents', fmt.count],
  snapshot_bytes: ['Core workbook: saved snapshot', fmt.bytes],
  bytes: ['Core workbook: saved snapshot', fmt.bytes],
  snapshot: ['Core workbook: saved snapshot', fmt.bytes],
  changes: ['Core workbook: changes in its history', fmt.count],
  merge_changes: ['Core merge file: changes', fmt.count],
  merge_bytes: ['Core merge file: size', fmt.bytes],
  rss_kib: ['Core: resident memory growth over loading the snapshot (fresh process)', (x) => fmt.mib(x * 1024)],
};

function sizeMeasures(sizeLines) {
  const keys = [];
  for (const obj of sizeLines.values()) {
    for (const [k, v] of Object.entries(obj)) if (k !== 'n' && typeof v === 'number' && !keys.includes(k)) keys.push(k);
  }
  // Known figures in the order of SIZE_LABELS, then any others.
  const order = Object.keys(SIZE_LABELS);
  const rank = (k) => (order.includes(k) ? order.indexOf(k) : order.length);
  keys.sort((a, b) => rank(a) - rank(b));
  return keys.map((k) => {
    const [label, f] = SIZE_LABELS[k] ?? [
      `Core workbook: ${k.replace(/_/g, ' ')}`,
      /bytes/.test(k) ? fmt.bytes : /kib/.test(k) ? (x) => fmt.mib(x * 1024) : fmt.count,
    ];
    return { label, fmt: f, value: (n) => (ok(sizeLines.get(n)?.[k]) ? sizeLines.get(n)[k] : null) };
  });
}

/** `SIZE {json}` lines of the criterion run, by n. */
export function parseSizeLines(text) {
  const out = new Map();
  for (const line of text.split('\n')) {
    const m = line.match(/^SIZE\s+(\{.*\})\s*$/);
    if (!m) continue;
    try {
      const obj = JSON.parse(m[1]);
      const n = Number(obj.n ?? obj.records);
      if (n > 0) out.set(n, { ...(out.get(n) ?? {}), ...flatten(obj) });
    } catch {}
  }
  return out;
}

function flatten(obj, prefix = '') {
  const out = {};
  for (const [k, v] of Object.entries(obj)) {
    if (v && typeof v === 'object' && !Array.isArray(v)) Object.assign(out, flatten(v, `${prefix}${k}_`));
    else out[`${prefix}${k}`] = v;
  }
  return out;
}

/** Rows of the table: [label, ...per size, (target, met)]. */
export function tableRows(measures, sizes, { targets = true } = {}) {
  return measures.map((m) => {
    const cells = sizes.map((n, i) => {
      if (m.once) return i === 0 ? m.fmt(m.once()) : 'same';
      if (m.show) return m.show(n);
      const v = m.value(n);
      return v === null || v === undefined ? '—' : m.fmt(v);
    });
    if (!targets) return [m.label, ...cells];
    let met = '';
    if (m.target) {
      const r = m.met ? m.met(sizes) : null;
      met = r === null ? 'not measured' : r ? 'met' : 'not met';
    }
    return [m.label, ...cells, m.target ?? '', met];
  });
}

// --- machine --------------------------------------------------------------------

function machine(browser) {
  const read = (f) => {
    try {
      return readFileSync(f, 'utf8');
    } catch {
      return '';
    }
  };
  const cpuModel = read('/proc/cpuinfo').match(/^model name\s*:\s*(.+)$/m)?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown CPU';
  const cores = os.cpus().length;
  const osName = read('/etc/os-release').match(/^PRETTY_NAME="?([^"\n]+)"?$/m)?.[1] ?? `${os.type()} ${os.release()}`;
  let rustc = 'unknown';
  try {
    rustc = execFileSync('rustc', ['--version'], { encoding: 'utf8' }).trim();
  } catch {}
  return {
    cpu: `${cpuModel}, ${cores} ${cores === 1 ? 'core' : 'cores'}`,
    memory: `${(os.totalmem() / 1073741824).toFixed(0)} GiB`,
    os: `${osName} (kernel ${os.release()})`,
    chromium: browser?.chromium ?? 'not run',
    rustc,
    load: os.loadavg().map((x) => x.toFixed(1)).join(', '),
  };
}

// --- the report -------------------------------------------------------------------

export function report({ browser, criterionDir, sizeLines = new Map(), since, sizes, command }) {
  if (!sizes?.length) {
    const all = new Set([...(browser?.results ?? []).map((r) => r.n), ...sizeLines.keys()]);
    sizes = [...all].sort((a, b) => a - b);
  }
  if (!sizes.length) sizes = [1000];
  const measures = [
    ...(browser ? browserMeasures(browser) : []),
    ...criterionMeasures(criterionDir, since),
    ...sizeMeasures(sizeLines),
  ];
  const notes = [];
  for (const r of browser?.results ?? []) {
    if (r.error) notes.push(`- ${num(r.n)} records: the browser benchmark failed: ${r.error}`);
    if (r.merge?.skipped) {
      const memory = ok(r.merge.wasmAfter) ? ` (wasm memory then: ${fmt.mib(r.merge.wasmAfter)})` : '';
      notes.push(`- ${num(r.n)} records: merge not measured: ${r.merge.skipped}${memory}`);
    }
  }
  const header = ['Measure', ...sizes.map((n) => `${num(n)} records`), 'Target', 'Met'];
  const table = markdownTable(header, tableRows(measures, sizes), ['l', ...sizes.map(() => 'r'), 'l', 'l']);
  const mc = machine(browser);
  const date = `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  const lines = [
    BEGIN,
    '<!-- Written by scripts/perf-report.mjs (run by scripts/bench.sh); edit that script, not this block. -->',
    '',
    `**Measured** ${date} with \`${command}\`.`,
    '',
    `**Machine.** ${mc.cpu}, ${mc.memory} memory, ${mc.os}; ${mc.chromium === 'not run' ? 'browser not run' : `Chromium ${mc.chromium} (headless)`}; ${mc.rustc}. Load average at the end of the run: ${mc.load}.`,
    '',
    'Figures are measurements, not pass/fail: the "Met" column compares them with the targets for information. "—" means not measured in this run.',
    '',
    table,
    '',
    ...(notes.length ? ['**Not measured.**', '', ...notes, ''] : []),
    '**How each figure is taken.** Browser figures come from `tests/e2e/bench.mjs`: the release build in dist/ in headless Chromium (1280×800), served from 127.0.0.1 with no network throttling, and a workbook made by `generate_workbook <n> --mixed --merge` (records in several registers, and a copy with 1,000 changes) put into the app\'s storage. Times are on the page\'s clock.',
    '',
    '- *First visit*: a new browser profile (empty storage, no service worker) opens the app, which opens its demo workbook; from navigation start until `<body data-ready="true">`. Downloads are the page\'s own requests that started before then (Resource Timing), each counted as its file in dist/ compressed with brotli at quality 11; the service worker\'s precache requests that started meanwhile are shown apart. KB = 1,024 bytes.',
    '- *Warm start*: with the app\'s files cached by the service worker and the generated workbook stored, from navigation to `#/r/incident` until the list says "N records" (N incidents); median of 3. *Longest task*: the longest PerformanceObserver `longtask` that ran in that window, worst of the 3.',
    '- *Document load*: a workbook shown from its stored view has its Automerge document loaded by the document worker when a record is opened (or after the first paint), the page staying free; from the app\'s performance mark `sms:document-load-start` to `sms:document-loaded` (the last warm start), and the longest main-thread task in that time.',
    '- *Edit → durable*: "Save incident" on a changed title until the header says "Saved" (written to IndexedDB with strict durability). The first edit after the warm start is shown apart (it may wait for the document to load); p50 and p95 are of the 24 edits after it.',
    '- *Merge*: on the Workbooks page, "Open a workbook file…" with the 1,000-change copy: from the `change` event until the summary is drawn; then from the click on "Merge into this workbook" until the notice "Merged …" is drawn (the merge, the read-model update and the page redrawn), until the incident list (opened right after that notice) shows the merged count, and until the header says "Saved". "Drawn" means the next animation frame has run.',
    '- *Filter*: typing one character into the search box (8 characters) or choosing a status, until the next frame has been drawn. *Scroll*: jumping to the end of the list (again each frame while the end moves, as row heights become known) until its last row is drawn. *Rows in the DOM*: `<tr>` rows with a record in the list of all incidents.',
    '- *Memory*: `JSHeapUsedSize` after a forced garbage collection; the app\'s WebAssembly memory (it only grows).',
    '- *Core*: `cargo bench -p sms-core --bench suite` (native, the release profile the app ships with), the median of criterion\'s samples; its workbooks are made by `generate::workbook` like the browser\'s (another seed), and their sizes come from its `SIZE` lines.',
    END,
  ];
  return { block: lines.join('\n'), table };
}

/** `text` with the block between the markers replaced (or inserted near the top). */
export function insertBlock(text, block) {
  const b = text.indexOf(BEGIN);
  const e = text.indexOf(END);
  if (b >= 0 && e > b) return text.slice(0, b) + block + text.slice(e + END.length);
  const lines = text.split('\n');
  let i = lines.findIndex((l) => /^#\s/.test(l));
  if (i < 0) return `${block}\n\n${text}`;
  i += 1;
  // Skip blank lines, then an intro paragraph if one comes before the next heading.
  while (i < lines.length && lines[i].trim() === '') i++;
  let intro = [];
  if (i < lines.length && !/^#/.test(lines[i])) {
    while (i < lines.length && lines[i].trim() !== '') i++;
  } else {
    intro = [
      'The latest figures of the whole benchmark suite, written by `bash scripts/bench.sh`',
      '(core in criterion, the app in headless Chromium); the sections after them keep',
      'earlier measurements and what was learned from them.',
      '',
    ];
  }
  const before = lines.slice(0, i);
  while (before.length && before[before.length - 1].trim() === '') before.pop();
  const after = lines.slice(i);
  while (after.length && after[0].trim() === '') after.shift();
  return [...before, '', ...intro, block, '', ...after].join('\n');
}

// --- command line -------------------------------------------------------------------

function main(argv) {
  const opts = { sizes: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--browser') opts.browser = next();
    else if (a === '--criterion') opts.criterion = next();
    else if (a === '--size-log') opts.sizeLog = next();
    else if (a === '--since') opts.since = Number(next());
    else if (a === '--sizes') opts.sizes = next().split(/[ ,]+/).map(Number).filter((n) => n > 0);
    else if (a === '--command') opts.command = next();
    else if (a === '--out') opts.out = next();
    else if (a === '-h' || a === '--help') {
      console.log(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1, 27).map((l) => l.replace(/^\/\/ ?/, '')).join('\n'));
      return 0;
    } else throw new Error(`unknown argument: ${a}`);
  }
  const browser = opts.browser && existsSync(opts.browser) ? JSON.parse(readFileSync(opts.browser, 'utf8')) : null;
  if (opts.browser && !browser) console.error(`perf-report: ${opts.browser} not found; no browser figures`);
  const sizeLines = opts.sizeLog && existsSync(opts.sizeLog) ? parseSizeLines(readFileSync(opts.sizeLog, 'utf8')) : new Map();
  const criterionDir = opts.criterion && existsSync(opts.criterion) ? opts.criterion : null;
  if (opts.criterion && !criterionDir) console.error(`perf-report: ${opts.criterion} not found; no criterion figures`);
  const { block } = report({
    browser,
    criterionDir,
    sizeLines,
    since: opts.since,
    sizes: opts.sizes,
    command: opts.command ?? 'bash scripts/bench.sh',
  });
  console.log(block);
  if (opts.out) {
    const text = existsSync(opts.out) ? readFileSync(opts.out, 'utf8') : '';
    writeFileSync(opts.out, text ? insertBlock(text, block) : `${block}\n`);
    console.error(`perf-report: written to ${opts.out}`);
  }
  return 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (err) {
    console.error(`perf-report: ${err.message}`);
    process.exitCode = 2;
  }
}
