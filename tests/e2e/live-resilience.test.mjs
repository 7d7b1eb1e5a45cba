// Live sharing says what really happened: "Link copied." only once the
// clipboard took the link; settings the browser would not store are named;
// a message damaged on the way is asked for again and then applies; and a
// change that would break the workbook, pushed by a tampered client, is
// refused in words on every copy while everyone keeps working.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as Automerge from '@automerge/automerge';
import {
  useApp, openApp, launch, waitForText, assertNoProblems, assertNoAxeViolations, fieldLabel,
} from './support.mjs';
import { startRelay, shareLive, joinLink } from './relay.mjs';

const app = useApp();
const dir = mkdtempSync(path.join(os.tmpdir(), 'sms-live-resilience-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const live = (page) => page.locator('header a.live-state');
// The browser itself reports a refused WebSocket while reconnecting.
const ignore = [/WebSocket connection to .* failed/];
const alert = (page, words) => page.locator('p.field-error[role="alert"]', { hasText: words });

async function workbooksPage(page) {
  await page.goto(new URL('#/workbooks', app.url).href);
  await page.getByRole('heading', { name: 'Workbooks' }).waitFor();
}

async function addRisk(page, title) {
  await page.goto(new URL('#/r/risk', app.url).href);
  await page.getByRole('link', { name: 'Add risk' }).click();
  await page.getByLabel(fieldLabel('Title')).fill(title);
  await page.getByLabel(fieldLabel('Owner')).fill('Ana');
  await page.getByLabel(fieldLabel('Likelihood')).selectOption('2');
  await page.getByLabel(fieldLabel('Impact')).selectOption('3');
  await page.getByRole('button', { name: 'Save risk' }).click();
  await page.locator('.notice').waitFor();
}

async function count(page, words) {
  await page.goto(new URL('#/r/risk', app.url).href);
  await page.getByRole('searchbox', { name: 'Search' }).fill(words);
  return page.locator('p.count');
}

// Wraps the page's WebSocket so that the next `window.tamper` entries the
// relay sends arrive with one character of their sealed blob changed, as a
// faulty network or proxy could do.
function tamperable() {
  const Native = window.WebSocket;
  window.tamper = 0;
  window.WebSocket = class extends Native {
    set onmessage(handler) {
      super.onmessage = handler && ((ev) => {
        if (window.tamper > 0 && typeof ev.data === 'string') {
          const msg = JSON.parse(ev.data);
          if (msg.type === 'blob') {
            window.tamper -= 1;
            const i = Math.floor(msg.blob.length / 2);
            msg.blob = msg.blob.slice(0, i) + (msg.blob[i] === 'A' ? 'B' : 'A') + msg.blob.slice(i + 1);
            return handler.call(this, new MessageEvent('message', { data: JSON.stringify(msg) }));
          }
        }
        return handler.call(this, ev);
      });
    }

    get onmessage() {
      return super.onmessage;
    }
  };
}

// The room's secrets as the app derives them (crates/core/src/crypto.rs).
const SALT = Buffer.from('sms-workbook relay v1');
const derive = (key, info) => Buffer.from(hkdfSync('sha256', key, SALT, Buffer.from(info), 32));

function seal(key, room, plain) {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', derive(key, 'blob key'), nonce);
  cipher.setAAD(room);
  const body = Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
  return Buffer.concat([Buffer.from([1]), nonce, body]);
}

// The plaintext of an entry (crates/core/src/sync.rs, `Envelope`).
function envelope(workbook, heads, bytes) {
  const header = Buffer.from(JSON.stringify({ v: 1, workbook, heads, snapshot: false }));
  const len = Buffer.alloc(4);
  len.writeUInt32BE(header.length);
  return Buffer.concat([len, header, Buffer.from(bytes)]);
}

const text = (v) => (typeof v === 'string' ? v : String(v?.val ?? v));

// Pushes `blob` into the room as a member holding the link would, through a
// WebSocket of a blank page; resolves to the entry's sequence number.
async function pushAsMember(context, relayUrl, room, key, blob, { create = false } = {}) {
  const page = await context.newPage();
  try {
    return await page.evaluate(async ({ url, hello, push }) => {
      const ws = new WebSocket(url);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('the relay did not acknowledge')), 15_000);
        ws.onopen = () => ws.send(hello);
        ws.onclose = (e) => reject(new Error(`the relay closed the connection (${e.code} ${e.reason})`));
        ws.onmessage = (ev) => {
          const msg = JSON.parse(ev.data);
          if (msg.type === 'caught_up') ws.send(push);
          if (msg.type === 'ack') {
            clearTimeout(timer);
            ws.close();
            resolve(msg.seq);
          }
          if (msg.type === 'error') {
            clearTimeout(timer);
            reject(new Error(`${msg.code}: ${msg.message}`));
          }
        };
      });
    }, {
      // The relay's WebSocket endpoint, as the app derives it.
      url: `${relayUrl}/v1/ws`,
      hello: JSON.stringify({
        type: 'hello', room: room.toString('hex'), token: derive(key, 'room token').toString('base64url'), since: 0, create,
      }),
      push: JSON.stringify({ type: 'push', id: 1, blob: blob.toString('base64url') }),
    });
  } finally {
    await page.close();
  }
}

test('live sharing tells the truth about copying, storing, damaged messages and refused changes', async () => {
  const relay = await startRelay();
  after(() => relay.stop());
  const anaContext = await launch();
  const benContext = await launch();
  await benContext.addInitScript(tamperable);
  try {
    const ana = await openApp(anaContext, app.url, { path: '#/workbooks', ignore });
    const link = await shareLive(ana, relay.url);

    // A clipboard that refuses: no "Link copied.", and the link is selected
    // for copying by hand.
    await ana.evaluate(() => {
      navigator.clipboard.writeText = () => Promise.reject(new DOMException('Write permission denied.', 'NotAllowedError'));
    });
    await ana.getByRole('button', { name: 'Copy link' }).click();
    await alert(ana, 'Could not copy the link; select it and copy it yourself.').waitFor();
    assert.equal(await ana.getByText('Link copied.').count(), 0);
    const selected = await ana.evaluate(() => {
      const input = document.getElementById('share-link');
      return document.activeElement === input ? input.value.slice(input.selectionStart, input.selectionEnd) : null;
    });
    assert.equal(selected, link);
    // One that takes it: "Link copied.".
    await ana.evaluate(() => {
      navigator.clipboard.writeText = () => Promise.resolve();
    });
    await ana.getByRole('button', { name: 'Copy link' }).click();
    await ana.getByText('Link copied.').waitFor();
    assert.equal(await alert(ana, 'Could not copy the link').count(), 0);

    // Ben joins.
    const ben = await openApp(benContext, app.url, { ignore });
    await joinLink(ben, link);

    // Storage that refuses the sharing settings is named, and the words go
    // once it stores them again; sharing goes on meanwhile.
    await ana.evaluate(() => {
      const native = Storage.prototype.setItem;
      window.restoreStorage = () => { Storage.prototype.setItem = native; };
      Storage.prototype.setItem = function setItem(k, v) {
        if (String(k).startsWith('sms-workbook.live.')) throw new DOMException('Quota exceeded', 'QuotaExceededError');
        return native.call(this, k, v);
      };
    });
    await addRisk(ana, 'Written while storage refused');
    await workbooksPage(ana);
    await alert(ana, 'This browser would not store the sharing settings (storage full or blocked); sharing works until you close this tab.').waitFor();
    await waitForText(await count(ben, 'while storage refused'), /^1 of \d+ records match$/);
    await ana.evaluate(() => window.restoreStorage());
    await addRisk(ana, 'Written once storage worked again');
    await workbooksPage(ana);
    await alert(ana, 'would not store the sharing settings').waitFor({ state: 'detached' });

    // A message damaged on the way: Ben is told, his copy asks the relay
    // again, and the change arrives; the words go.
    await workbooksPage(ben);
    await ben.evaluate(() => { window.tamper = 1; });
    await addRisk(ana, 'Sent through a faulty network');
    await alert(ben, /could not be applied yet .*; retrying\./).waitFor();
    await alert(ben, 'retrying').waitFor({ state: 'detached', timeout: 30_000 });
    assert.equal(await ben.evaluate(() => window.tamper), 0);
    await waitForText(await count(ben, 'faulty network'), /^1 of \d+ records match$/);

    // A member with a tampered app pushes a change that would remove a
    // record for good: both copies refuse it in words and keep the record.
    await workbooksPage(ana);
    const [download] = await Promise.all([
      ana.waitForEvent('download'),
      ana.getByRole('button', { name: 'Download this workbook' }).click(),
    ]);
    const file = path.join(dir, 'shared.smsw');
    await download.saveAs(file);
    const doc = Automerge.load(new Uint8Array(readFileSync(file)));
    const victim = Object.keys(doc.records).find((id) => text(doc.records[id].register) === 'risk' && !doc.records[id].deleted);
    const total = async (page) => (await count(page, '')).textContent();
    const before = { ana: await total(ana), ben: await total(ben) };
    assert.equal(before.ana, before.ben);
    const hostile = Automerge.change(Automerge.clone(doc), {
      message: JSON.stringify({ author: 'Mallory', summary: 'Tidied up' }),
      time: 1_780_000_000,
    }, (d) => { delete d.records[victim]; });
    const change = Automerge.getLastLocalChange(hostile);
    const [, roomHex, keyText] = link.match(/#\/join\/([0-9a-f]{32})\/([A-Za-z0-9_-]{43})\?/);
    const room = Buffer.from(roomHex, 'hex');
    const key = Buffer.from(keyText, 'base64url');
    const plain = envelope(text(doc.workbook_id), Automerge.getHeads(hostile), change);
    await pushAsMember(anaContext, relay.url, room, key, seal(key, room, plain));
    const refused = new RegExp(
      `^A change from the shared workbook was not applied: a change by Mallory of .* would remove record ${victim} for good; it was not applied\\. Your copy keeps working\\.$`,
    );
    for (const [name, page] of Object.entries({ ana, ben })) {
      await workbooksPage(page);
      await waitForText(page.locator('p.field-error[role="alert"]', { hasText: 'Mallory' }), refused, { timeout: 30_000 });
      assert.equal(await total(page), before[name], `${name} keeps every record`);
      await waitForText(live(page), 'Live: connected');
    }

    // Everyone keeps working.
    await addRisk(ana, 'Written after the refusal');
    await waitForText(await count(ben, 'after the refusal'), /^1 of \d+ records match$/, { timeout: 30_000 });
    assertNoProblems(ana);
    assertNoProblems(ben);
  } finally {
    await anaContext.close();
    await benContext.close();
  }
});

// How many messages a room holds, read as a member holding the link would.
async function roomMessages(context, relayUrl, room, key) {
  const page = await context.newPage();
  try {
    return await page.evaluate(async ({ url, hello }) => {
      const ws = new WebSocket(url);
      return new Promise((resolve, reject) => {
        let n = 0;
        const timer = setTimeout(() => reject(new Error('the relay did not answer')), 15_000);
        ws.onopen = () => ws.send(hello);
        ws.onmessage = (ev) => {
          const msg = JSON.parse(ev.data);
          if (msg.type === 'blob' || msg.type === 'snapshot') n += 1;
          if (msg.type === 'caught_up') {
            clearTimeout(timer);
            ws.close();
            resolve(n);
          }
          if (msg.type === 'error') reject(new Error(`${msg.code}: ${msg.message}`));
        };
      });
    }, {
      url: `${relayUrl}/v1/ws`,
      hello: JSON.stringify({
        type: 'hello', room: room.toString('hex'), token: derive(key, 'room token').toString('base64url'), since: 0, create: false,
      }),
    });
  } finally {
    await page.close();
  }
}

test('a link to a room holding a copy of your own workbook sends nothing until you agree, and its key leaves the address bar', async () => {
  const relay = await startRelay();
  after(() => relay.stop());
  const anaContext = await launch();
  try {
    const ana = await openApp(anaContext, app.url, { path: '#/workbooks', ignore });
    // Unencrypted connections are only for a relay on this computer.
    await ana.getByLabel('Relay address').fill('ws://relay.example.org');
    await ana.getByRole('button', { name: 'Start sharing live' }).click();
    await alert(ana, 'does not use an encrypted connection (ws://)').waitFor();
    assert.equal(await live(ana).count(), 0, 'not shared');

    // Someone who got a file of Ana's workbook puts it in a room of their own.
    const [download] = await Promise.all([
      ana.waitForEvent('download'),
      ana.getByRole('button', { name: 'Download this workbook' }).click(),
    ]);
    const file = path.join(dir, 'taken.smsw');
    await download.saveAs(file);
    const bytes = readFileSync(file);
    const doc = Automerge.load(new Uint8Array(bytes));
    const room = randomBytes(16);
    const key = randomBytes(32);
    const plain = envelope(text(doc.workbook_id), Automerge.getHeads(doc), bytes);
    await pushAsMember(anaContext, relay.url, room, key, seal(key, room, plain), { create: true });
    // A message that does not open with the key is left out, not fatal.
    await pushAsMember(anaContext, relay.url, room, key, seal(randomBytes(32), room, plain));
    assert.equal(await roomMessages(anaContext, relay.url, room, key), 2);

    // Ana writes something only she should see, then opens the link.
    await addRisk(ana, 'Only for Ana: supplier exit plan');
    const name = (await ana.locator('h1').textContent()).trim();
    const keyText = key.toString('base64url');
    const link = `${app.url}#/join/${room.toString('hex')}/${keyText}?relay=${encodeURIComponent(relay.url)}`;
    await ana.goto(link);
    await ana.getByRole('heading', { name: 'Join a shared workbook' }).waitFor();
    // The key is read once and taken out of the address and history.
    assert.ok(ana.url().endsWith('#/join'), ana.url());
    assert.equal(await ana.evaluate((k) => window.location.href.includes(k), keyText), false);
    await ana.getByRole('button', { name: 'Join this workbook' }).click();
    const warning = ana.locator('.join-warning');
    await warning.getByRole('heading', { name: 'You already have this workbook' }).waitFor();
    await waitForText(warning, /sends your copy — \d+ records, with their history — to everyone who has this link/);
    assert.ok((await warning.textContent()).includes(`your “${name}” in this browser`), await warning.textContent());
    await ana.getByText('One message in the shared workbook could not be read').waitFor();
    await assertNoAxeViolations(ana);
    // Nothing was sent: the room holds what it held.
    await ana.waitForTimeout(1_000);
    assert.equal(await roomMessages(anaContext, relay.url, room, key), 2, 'nothing sent before agreeing');
    await ana.getByRole('link', { name: 'Do not join' }).click();
    await ana.waitForURL(/#\/dashboard$/);
    assert.equal(await roomMessages(anaContext, relay.url, room, key), 2, 'nothing sent after declining');
    assert.equal(await live(ana).count(), 0, 'not shared');

    // Kept as a separate copy: what the room holds becomes a workbook of
    // its own, Ana's stays as it is, and nothing is sent.
    await ana.goto(link);
    await ana.getByRole('button', { name: 'Join this workbook' }).click();
    await ana.getByRole('button', { name: 'Keep as a separate copy' }).click();
    await waitForText(ana.locator('h1'), `${name} (separate copy)`, { timeout: 30_000 });
    await waitForText(await count(ana, 'supplier exit plan'), /^0 of \d+ records match$/);
    assert.equal(await live(ana).count(), 0, 'the separate copy is not shared');
    await ana.waitForTimeout(1_000);
    assert.equal(await roomMessages(anaContext, relay.url, room, key), 2, 'nothing sent for a separate copy');
    await ana.goto(new URL('#/workbooks', app.url).href);
    await ana.getByRole('button', { name: `Open ${name}`, exact: true }).click();
    await waitForText(ana.locator('h1'), name);
    await waitForText(await count(ana, 'supplier exit plan'), /^1 of \d+ records match$/);

    // Agreeing joins: Ana's copy, with what she wrote, goes to the room.
    await ana.goto(link);
    await ana.getByRole('button', { name: 'Join this workbook' }).click();
    await ana.getByRole('button', { name: 'Join and send my copy' }).click();
    await waitForText(live(ana), 'Live: connected', { timeout: 30_000 });
    await waitForText(await count(ana, 'supplier exit plan'), /^1 of \d+ records match$/);
    for (let i = 0; i < 50 && (await roomMessages(anaContext, relay.url, room, key)) < 3; i += 1) {
      await ana.waitForTimeout(200);
    }
    assert.ok((await roomMessages(anaContext, relay.url, room, key)) >= 3, 'sent once agreed');
    assertNoProblems(ana);
  } finally {
    await anaContext.close();
  }
});
