// Browser benchmark: the release build in dist/ in headless Chromium, with a
// generated workbook of N incidents (sms_core::generate) in its storage.
//
//   node tests/e2e/bench.mjs [N ...]        (default: 1000 10000)
//
// Prints one Markdown table. Figures are measurements, never pass/fail.
// Measured per size, on a warm start (the app's files already cached):
//   start      navigation to the incident list showing "<N> records"
//   longest    longest main-thread task during that start (PerformanceObserver)
//   keystroke  typing one character in the search box until the page has
//              updated (all queued work done), median and worst of 8 keys
//   filter     choosing a status filter, likewise
//   scroll     jumping to the end of the list until the last row is drawn
//   save       submitting an edited record until the header says "Saved"
//              (written to IndexedDB with strict durability), p50 / p95
//   rows       <tr> elements in the list (the list draws only what is near
//              the screen)
//   heap       JavaScript heap in use after the run (wasm memory excluded)
//   wasm       WebAssembly memory of the app after the run
import { startServer } from './server.mjs';
import { launch, DIST, generatedWorkbook, seedWorkbook, waitReady } from './support.mjs';

const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
if (!sizes.length) sizes.push(1000, 10000);

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const ms = (x) => `${x.toFixed(x < 10 ? 1 : 0)} ms`;
const mb = (x) => `${(x / 1048576).toFixed(1)} MiB`;

/** Run `action` in the page, then wait until every task it queued has run. */
const TIMED = `async (action) => {
  const t0 = performance.now();
  action();
  await new Promise((r) => setTimeout(r, 0));
  await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
  return performance.now() - t0;
}`;

const log = (...a) => process.stderr.write(`bench: ${a.join(' ')}\n`);
const server = await startServer({ root: DIST });
const rows = [];
try {
  for (const n of sizes) {
    const wb = generatedWorkbook(n);
    const context = await launch();
    await context.addInitScript(() => {
      window.__longest = 0;
      addEventListener('TrunkApplicationStarted', (e) => {
        window.__smsWasmMemory = () => e.detail.wasm.memory.buffer.byteLength;
      });
      try {
        new PerformanceObserver((list) => {
          for (const e of list.getEntries()) window.__longest = Math.max(window.__longest, e.duration);
        }).observe({ type: 'longtask', buffered: true });
      } catch {}
    });
    const page = await context.newPage();
    await page.goto(server.url);
    await waitReady(page);
    await seedWorkbook(page, wb);

    log(n, 'seeded');
    // Warm start, straight to the list.
    const starts = [];
    const longest = [];
    for (let i = 0; i < 3; i++) {
      await page.goto('about:blank');
      await page.goto(new URL('#/r/incident', server.url).href);
      await page.waitForFunction(
        (n) => document.querySelector('p.count')?.textContent.startsWith(`${n} records`),
        n,
        { polling: 'raf', timeout: 300_000 },
      );
      starts.push(await page.evaluate(() => performance.now()));
      longest.push(await page.evaluate(() => window.__longest));
    }

    log(n, 'started');
    // Keystrokes in the search box.
    const keys = [];
    for (const ch of 'network ') {
      keys.push(
        await page.evaluate(
          ([timed, ch]) => {
            const input = document.querySelector('input[type=search]');
            return eval(timed)(() => {
              input.value += ch;
              input.dispatchEvent(new Event('input', { bubbles: true }));
            });
          },
          [TIMED, ch],
        ),
      );
    }
    await page.evaluate(() => {
      const input = document.querySelector('input[type=search]');
      input.value = '';
      input.dispatchEvent(new Event('input', { bubbles: true }));
    });
    const filter = await page.evaluate((timed) => {
      const select = [...document.querySelectorAll('label.filter')].find((l) => l.textContent.includes('Status')).querySelector('select');
      return eval(timed)(() => {
        select.value = 'open';
        select.dispatchEvent(new Event('change', { bubbles: true }));
      });
    }, TIMED);
    await page.evaluate(() => {
      const select = [...document.querySelectorAll('label.filter')].find((l) => l.textContent.includes('Status')).querySelector('select');
      select.value = '';
      select.dispatchEvent(new Event('change', { bubbles: true }));
    });
    log(n, 'filtered');
    const drawn = await page.locator('table.register tbody tr[data-record-id]').count();
    const scroll = await page.evaluate(async (n) => {
      const t0 = performance.now();
      window.scrollTo(0, document.documentElement.scrollHeight);
      for (;;) {
        await new Promise((r) => requestAnimationFrame(r));
        if (document.querySelector(`tr[aria-rowindex="${n + 1}"]`)) return performance.now() - t0;
        if (performance.now() - t0 > 10_000) return NaN;
      }
    }, n);
    await page.evaluate(() => window.scrollTo(0, 0));

    log(n, 'scrolled');
    // Edit and save, until durable.
    const ids = await page.locator('table.register tbody tr[data-record-id]').evaluateAll((trs) => trs.slice(0, 12).map((tr) => tr.dataset.recordId));
    const saves = [];
    for (const [i, id] of ids.entries()) {
      await page.goto(new URL(`#/record/${id}`, server.url).href);
      const title = page.getByLabel(/^Title/);
      await title.waitFor();
      await title.fill(`Benchmark edit ${i}`);
      await page.waitForFunction(() => document.querySelector('header .save-state')?.textContent.trim() === 'Saved');
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

    log(n, 'saved');
    const cdp = await context.newCDPSession(page);
    await cdp.send('HeapProfiler.collectGarbage').catch(() => {});
    await cdp.send('Performance.enable');
    const heap = (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? NaN;
    const wasm = await page.evaluate(() => window.__smsWasmMemory?.() ?? NaN);

    rows.push({
      n,
      start: Math.min(...starts),
      longest: Math.max(...longest),
      keyMedian: pct(keys, 50),
      keyWorst: Math.max(...keys),
      filter,
      scroll,
      save50: pct(saves, 50),
      save95: pct(saves, 95),
      drawn,
      heap,
      wasm,
    });
    await context.close();
  }
} finally {
  await server.close();
}

console.log('| Records | Start to list | Longest task | Keystroke (median / worst) | Filter | Scroll to end | Edit to saved (p50 / p95) | Rows drawn | JS heap | Wasm memory |');
console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const r of rows) {
  console.log(
    `| ${r.n.toLocaleString('en')} | ${ms(r.start)} | ${ms(r.longest)} | ${ms(r.keyMedian)} / ${ms(r.keyWorst)} | ${ms(r.filter)} | ${ms(r.scroll)} | ${ms(r.save50)} / ${ms(r.save95)} | ${r.drawn} | ${mb(r.heap)} | ${mb(r.wasm)} |`,
  );
}
