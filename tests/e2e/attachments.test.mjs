// Attached files: on a risk and on checklist item 6.1, stored once by
// content, kept offline, shown, downloaded byte for byte, removed and
// brought back by undo; refused in words (too large, storage full) with
// nothing stored. The workbook file carries them to a second browser.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { unzipSync } from 'fflate';
import {
  useApp, openApp, launch, waitReady, waitForText, assertNoProblems, assertNoAxeViolations, fieldLabel,
} from './support.mjs';

const app = useApp();
const dir = mkdtempSync(path.join(os.tmpdir(), 'sms-attach-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');
const saved = (page) => waitForText(page.locator('header .save-state[role="status"]'), 'Saved');
const TITLE = 'Backups never restored';

// A small, valid PDF and PNG.
const PDF = Buffer.from(
  '%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n'
  + '3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 100]>>endobj\n'
  + 'xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000052 00000 n \n0000000101 00000 n \n'
  + 'trailer<</Size 4/Root 1 0 R>>\nstartxref\n165\n%%EOF\n',
);
const PNG = png2x2();

/** A valid 2×2 RGB PNG, built with real checksums. */
function png2x2() {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(body));
    return Buffer.concat([len, body, sum]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(2, 0);
  ihdr.writeUInt32BE(2, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const rows = Buffer.from([0, 255, 0, 0, 0, 255, 0, 0, 0, 0, 255, 255, 255, 255]);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
const pdf = { name: 'Backup policy.pdf', mimeType: 'application/pdf', buffer: PDF };
const png = { name: 'backup-job.png', mimeType: 'image/png', buffer: PNG };

const section = (page) => page.locator('section.attachments');
const listed = (page) => section(page).locator('.attachment-name');
const alertIn = (page) => section(page).locator('p.field-error[role="alert"]');

/** How many files IndexedDB holds, and their total bytes. */
function storedFiles(page) {
  return page.evaluate(() => new Promise((resolve, reject) => {
    const open = indexedDB.open('sms-workbook');
    open.onsuccess = () => {
      const db = open.result;
      const req = db.transaction('files').objectStore('files').getAll();
      req.onsuccess = () => {
        db.close();
        resolve({ count: req.result.length, bytes: req.result.reduce((n, b) => n + b.size, 0) });
      };
      req.onerror = () => reject(req.error);
    };
    open.onerror = () => reject(open.error);
  }));
}

async function openRisk(page) {
  await page.goto(new URL('#/r/risk', app.url).href);
  await page.getByRole('searchbox', { name: 'Search' }).fill(TITLE);
  await page.getByRole('link', { name: TITLE, exact: true }).click();
  await page.getByRole('heading', { name: 'Edit risk' }).waitFor();
}

async function attach(page, files, words) {
  await section(page).locator('input[type="file"]').setInputFiles(files);
  await waitForText(section(page).locator('p.notice[role="status"]'), words, { timeout: 60_000 });
}

async function downloaded(page, name) {
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    section(page).getByRole('button', { name: `Download ${name}` }).click(),
  ]);
  assert.equal(download.suggestedFilename(), name);
  return readFileSync(await download.path());
}

test('files attach to a risk and a checklist item, are stored once, kept offline, shown, downloaded, removed and undone', async (t) => {
  const page = await openApp(app.context, app.url, { path: '#/r/risk' });
  await saved(page);
  await page.getByRole('link', { name: 'Add risk' }).click();
  await page.getByLabel(fieldLabel('Title')).fill(TITLE);
  await page.getByLabel(fieldLabel('Owner')).fill('Ana');
  await page.getByLabel(fieldLabel('Likelihood')).selectOption('2');
  await page.getByLabel(fieldLabel('Impact')).selectOption('3');
  await page.getByRole('button', { name: 'Save risk' }).click();
  await page.locator('.notice').waitFor();

  // A PDF and an image on the risk, with the date the evidence refers to.
  await openRisk(page);
  await waitForText(section(page), /No files attached yet\./);
  await section(page).getByLabel('Date of the evidence (optional)').fill('2026-03-01');
  await section(page).getByLabel('Valid until (optional)').fill('2026-06-30');
  await attach(page, [pdf, png], 'Attached 2 files.');
  assert.deepEqual((await listed(page).allInnerTexts()).sort(), [pdf.name, png.name].sort());
  const row = section(page).locator('li.attachment', { hasText: pdf.name });
  await waitForText(row, /PDF, \d+ bytes/);
  await waitForText(row, /Evidence of 1 Mar 2026 · Valid until 30 Jun 2026/);
  await waitForText(row, /Expired/);
  await saved(page);
  assert.deepEqual(await storedFiles(page), { count: 2, bytes: PDF.length + PNG.length });

  // The same files on checklist item 6.1: described again, stored once.
  await page.goto(new URL('#/checklist/6.1', app.url).href);
  await waitForText(section(page), /No files attached yet\./);
  await attach(page, [pdf, png], 'Attached 2 files.');
  await attach(page, [png], `Attached “${png.name}”.`);
  assert.equal(await listed(page).count(), 3);
  assert.equal((await storedFiles(page)).count, 2, 'the same bytes are stored once');
  await assertNoAxeViolations(page);

  // Shown in the app, and downloaded with the original name and bytes.
  await openRisk(page);
  await section(page).getByRole('button', { name: `Show ${png.name}` }).click();
  const img = section(page).getByRole('img', { name: `Preview of ${png.name}` });
  await img.waitFor();
  await page.waitForFunction((el) => el.complete && el.naturalWidth === 2, await img.elementHandle());
  await section(page).getByRole('button', { name: `Show ${pdf.name}` }).click();
  await section(page).locator(`iframe[title="Preview of ${pdf.name}"]`).waitFor();
  await section(page).getByRole('button', { name: 'Close preview' }).click();
  assert.equal(sha256(await downloaded(page, pdf.name)), sha256(PDF));
  assert.equal(sha256(await downloaded(page, png.name)), sha256(PNG));
  await assertNoAxeViolations(page);

  // Dates change in place, in the same two fields.
  await section(page).getByRole('button', { name: `Dates of ${pdf.name}` }).click();
  assert.equal(await section(page).getByLabel('Valid until (optional)').inputValue(), '2026-06-30');
  await section(page).getByLabel('Valid until (optional)').fill('2030-12-31');
  await section(page).getByRole('button', { name: 'Save dates' }).click();
  await waitForText(section(page).locator('p.notice'), `Saved the dates of “${pdf.name}”.`);
  const dated = section(page).locator('li.attachment', { hasText: pdf.name });
  await waitForText(dated, /Evidence of 1 Mar 2026 · Valid until 31 Dec 2030/);
  assert.equal(await dated.getByText('Expired').count(), 0);
  assert.equal(await section(page).getByLabel('Valid until (optional)').inputValue(), '', 'the fields are for new files again');

  // Removing is a change like any other: the history says so, undo brings
  // the file back.
  await section(page).getByRole('button', { name: `Remove ${png.name}` }).click();
  await waitForText(section(page).locator('p.notice'), `Removed “${png.name}”. Undo brings it back.`);
  assert.deepEqual(await listed(page).allInnerTexts(), [pdf.name]);
  await page.getByRole('button', { name: 'Undo my last change' }).click();
  await waitForText(listed(page).nth(1), /./);
  assert.equal(await listed(page).count(), 2);
  await page.locator('.record-history summary').click();
  const entries = page.locator('.timeline > li');
  await waitForText(entries.first(), /brought back “backup-job.png”/);
  await waitForText(entries.nth(1), /removed “backup-job.png”/);
  await saved(page);

  // Offline: the page reloads from the app's offline copy, and the files
  // come from this device.
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 30_000 });
  await app.context.setOffline(true);
  try {
    await page.reload();
    await openRisk(page);
    assert.equal(await listed(page).count(), 2);
    assert.equal(sha256(await downloaded(page, png.name)), sha256(PNG));
  } finally {
    await app.context.setOffline(false);
  }

  // Too large: refused in words, nothing stored.
  const big = path.join(dir, 'too big.bin');
  writeFileSync(big, Buffer.alloc(50 * 1024 * 1024 + 1, 7));
  await section(page).locator('input[type="file"]').setInputFiles(big);
  await waitForText(alertIn(page), /^“too big.bin” is 52 MB, more than the 50 MB a file may have; it was not added\.$/);
  assert.equal(await listed(page).count(), 2);
  assert.equal((await storedFiles(page)).count, 2);

  // The largest file allowed: attached, and the time it took reported.
  const largest = path.join(dir, 'largest.bin');
  writeFileSync(largest, Buffer.alloc(50 * 1024 * 1024, 9));
  const started = Date.now();
  await attach(page, largest, 'Attached “largest.bin”.');
  t.diagnostic(`attaching and hashing a 50 MiB file took ${Date.now() - started} ms`);
  assert.equal((await storedFiles(page)).count, 3);

  // The browser's storage is full: refused in words, nothing stored.
  await page.evaluate(() => {
    const put = IDBObjectStore.prototype.put;
    window.restorePut = () => { IDBObjectStore.prototype.put = put; };
    IDBObjectStore.prototype.put = function patched(value, key) {
      if (value instanceof Blob) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      return put.call(this, value, key);
    };
  });
  await section(page).locator('input[type="file"]').setInputFiles({ name: 'minutes.txt', mimeType: 'text/plain', buffer: Buffer.from('Management review minutes') });
  await waitForText(alertIn(page), '“minutes.txt” does not fit: the disk is full or the browser\'s storage quota is used up. Nothing was added.');
  await page.evaluate(() => window.restorePut());
  assert.equal(await listed(page).count(), 3);
  assert.equal((await storedFiles(page)).count, 3);
  assertNoProblems(page);
});

/** Deletes every stored file's bytes from this browser. */
function forgetFiles(page) {
  return page.evaluate(() => new Promise((resolve, reject) => {
    const open = indexedDB.open('sms-workbook');
    open.onsuccess = () => {
      const db = open.result;
      const tx = db.transaction('files', 'readwrite');
      tx.objectStore('files').clear();
      tx.oncomplete = () => { db.close(); resolve(); };
      tx.onerror = () => reject(tx.error);
    };
    open.onerror = () => reject(open.error);
  }));
}

test('the workbook file carries the attached files to a second browser; a damaged one changes nothing', async (t) => {
  const ana = await openApp(app.context, app.url, { path: '#/workbooks' });
  await saved(ana);
  const workbook = (await ana.locator('h1').innerText()).trim();
  const started = Date.now();
  const [dl] = await Promise.all([
    ana.waitForEvent('download'),
    ana.getByRole('button', { name: 'Download this workbook' }).click(),
  ]);
  const file = path.join(dir, 'with files.smsw');
  await dl.saveAs(file);
  await waitForText(ana.locator('p.notice', { hasText: 'Downloaded' }), /^Downloaded “.+\.smsw” \([\d.]+ MB, with 3 attached files\)\.$/);
  t.diagnostic(`downloading the workbook with its 3 files (50 MiB) took ${Date.now() - started} ms`);

  // A zip any program opens: the marker, the document, each file once by hash.
  const bytes = readFileSync(file);
  const entries = unzipSync(new Uint8Array(bytes));
  const largest = Buffer.alloc(50 * 1024 * 1024, 9);
  const hashes = [sha256(PDF), sha256(PNG), sha256(largest)];
  assert.deepEqual(
    Object.keys(entries),
    ['sms-workbook-container', 'workbook.smsw', ...hashes.sort().map((h) => `files/${h}`)],
  );
  assert.equal(Buffer.from(entries['sms-workbook-container']).toString(), 'SMS Workbook container 1\n');
  for (const h of hashes) assert.equal(sha256(entries[`files/${h}`]), h);

  const ben = await launch();
  try {
    const page = await openApp(ben, app.url, { path: '#/workbooks' });
    await saved(page);
    const alert = page.locator('p.field-error[role="alert"]');

    // One changed byte inside the PDF: refused whole, nothing stored.
    const damaged = Buffer.from(bytes);
    damaged[damaged.indexOf(PDF) + 20] ^= 0x01;
    const bad = path.join(dir, 'damaged.smsw');
    writeFileSync(bad, damaged);
    await page.locator('input[type=file]').setInputFiles(bad);
    await waitForText(alert, '“damaged.smsw” could not be opened: the file is damaged or cut short. Nothing was changed.');
    assert.equal((await storedFiles(page)).count, 0);
    assert.equal(await page.getByRole('button', { name: `Open ${workbook}` }).count(), 0);

    // The file as written: the workbook and its three files are kept.
    await page.locator('input[type=file]').setInputFiles(file);
    await waitForText(
      page.locator('p.notice', { hasText: 'was added' }),
      `“${workbook}” was added to the workbooks in this browser, with 3 attached files. Open it from the list.`,
      { timeout: 60_000 },
    );
    assert.deepEqual(await storedFiles(page), { count: 3, bytes: PDF.length + PNG.length + largest.length });
    await Promise.all([
      page.waitForEvent('load'),
      page.getByRole('button', { name: `Open ${workbook}` }).click(),
    ]);
    await waitReady(page);
    await openRisk(page);
    assert.deepEqual((await listed(page).allInnerTexts()).sort(), [pdf.name, png.name, 'largest.bin'].sort());
    assert.equal(sha256(await downloaded(page, pdf.name)), sha256(PDF));
    assert.equal(sha256(await downloaded(page, png.name)), sha256(PNG));

    // Without the bytes here, a file says so; opening the workbook file
    // again brings nothing new to merge but fills them in.
    await forgetFiles(page);
    await page.reload();
    await waitReady(page);
    await openRisk(page);
    const row = section(page).locator('li.attachment', { hasText: pdf.name });
    await waitForText(row, /Not on this device yet/);
    await page.goto(new URL('#/workbooks', app.url).href);
    await page.locator('input[type=file]').setInputFiles(file);
    await waitForText(
      page.locator('p.notice', { hasText: 'holds nothing new' }),
      '“with files.smsw” holds nothing new: every change in it is already in this workbook. Its 3 attached files are now stored here.',
      { timeout: 60_000 },
    );
    await openRisk(page);
    assert.equal(await row.getByText(/Not on this device yet/).count(), 0);
    assert.equal(sha256(await downloaded(page, pdf.name)), sha256(PDF));
    assertNoProblems(page);
  } finally {
    await ben.close();
  }
  assertNoProblems(ana);
});

test('the evidence pack holds a folder per checklist item with its files, and an index', async () => {
  const page = await openApp(app.context, app.url, { path: '#/reports/compliance' });
  await saved(page);
  const [dl] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download the evidence pack' }).click(),
  ]);
  assert.match(dl.suggestedFilename(), /^.+ evidence pack \d{4}-\d{2}-\d{2}\.zip$/);
  await waitForText(page.locator('.report-actions p.notice[role="status"]'), `Downloaded “${dl.suggestedFilename()}”, with 3 attached files.`);
  const zip = unzipSync(new Uint8Array(readFileSync(await dl.path())));

  // Item 6.1's three attachments (the image twice, under two names).
  const folder = '6.1 Actions to address risks and opportunities';
  assert.deepEqual(Object.keys(zip).sort(), [
    `${folder}/Backup policy.pdf`,
    `${folder}/backup-job (2).png`,
    `${folder}/backup-job.png`,
    'index.csv',
    'index.html',
  ]);
  assert.equal(sha256(zip[`${folder}/Backup policy.pdf`]), sha256(PDF));
  assert.equal(sha256(zip[`${folder}/backup-job.png`]), sha256(PNG));
  assert.equal(sha256(zip[`${folder}/backup-job (2).png`]), sha256(PNG));

  const csv = Buffer.from(zip['index.csv']).toString().trim().split(/\r?\n/);
  assert.equal(csv[0], 'Clause,Item,Status,Owner,File,SHA-256,Effective date,Valid until,Attached to,In this pack');
  assert.equal(csv.length, 4);
  const pdfRow = csv.find((r) => r.includes('Backup policy.pdf'));
  assert.ok(pdfRow.startsWith('6.1,Actions to address risks and opportunities,'), pdfRow);
  assert.ok(pdfRow.includes(`,${sha256(PDF)},`), pdfRow);
  assert.ok(pdfRow.endsWith(',This checklist item,yes'), pdfRow);
  const html = Buffer.from(zip['index.html']).toString();
  assert.match(html, /<h2>6\.1 Actions to address risks and opportunities<\/h2>/);
  assert.ok(html.includes(`<a href="6.1%20Actions%20to%20address%20risks%20and%20opportunities/Backup%20policy.pdf">`), 'each file links to itself in the pack');
  await assertNoAxeViolations(page);

  // Evidence past its "valid until" is overdue on the dashboard, on a
  // record and on a checklist item alike, each a link to where it is.
  await page.goto(new URL('#/checklist/8.1', app.url).href);
  await section(page).getByLabel('Date of the evidence (optional)').fill('2025-01-01');
  await section(page).getByLabel('Valid until (optional)').fill('2025-12-31');
  await attach(page, { name: 'minutes.txt', mimeType: 'text/plain', buffer: Buffer.from('Review minutes') }, 'Attached “minutes.txt”.');
  await saved(page);
  await page.goto(new URL('#/', app.url).href);
  const overdue = page.locator('article[aria-labelledby="card-overdue"] .dash-list');
  const item = overdue.getByRole('link', { name: 'minutes.txt on checklist item 8.1' });
  await item.waitFor();
  assert.equal(await item.getAttribute('href'), '#/checklist/8.1');
  await waitForText(overdue.locator('li', { hasText: 'minutes.txt' }), /checklist item, evidence valid until 31 Dec 2025/);
  await overdue.getByRole('link', { name: `${png.name} on ${TITLE}` }).waitFor();
  assertNoProblems(page);
});
