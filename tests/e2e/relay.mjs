// Starts the real relay (crates/relay) on loopback for end-to-end tests.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, waitForText, waitReady } from './support.mjs';

/** The relay binary: SMS_RELAY_BIN, else the release build in the target dir. */
export const RELAY_BIN = process.env.SMS_RELAY_BIN
  ?? path.join(process.env.CARGO_TARGET_DIR ?? path.join(ROOT, 'target'), 'release', 'sms-relay');

/**
 * Starts the relay with a fresh data directory (or `dataDir`) on `port`
 * (0: any free one). Resolves to { url, port, dataDir, stop(), kill() }.
 */
export async function startRelay({ port = 0, dataDir } = {}) {
  if (!existsSync(RELAY_BIN)) {
    throw new Error(`${RELAY_BIN} not found; build it: cargo build --release -p sms-relay`);
  }
  const dir = dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'sms-relay-'));
  const child = spawn(RELAY_BIN, ['--listen', `127.0.0.1:${port}`, '--data-dir', dir], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? 'warn' },
  });
  let output = '';
  const bound = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the relay did not start:\n${output}`)), 15_000);
    const onData = (d) => {
      output += d;
      const m = output.match(/listening on (?:http:\/\/)?127\.0\.0\.1:(\d+)/);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the relay exited (${code}):\n${output}`));
    });
  });
  const exited = new Promise((r) => child.on('exit', r));
  return {
    port: bound,
    url: `ws://127.0.0.1:${bound}`,
    dataDir: dir,
    /** Stops it hard (as a crash would) and waits for the exit. */
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
    /** Stops it and removes its data (unless given). */
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      if (!dataDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

const liveState = (page) => page.locator('header a.live-state');

/**
 * Shares the workbook open in `page` (on its Workbooks page) through the
 * relay at `relayUrl`, waits for "Live: connected", and resolves to the
 * share link.
 */
export async function shareLive(page, relayUrl) {
  await page.getByLabel('Relay address').fill(relayUrl);
  await page.getByRole('button', { name: 'Start sharing live' }).click();
  await waitForText(liveState(page), 'Live: connected');
  return page.getByLabel('Link to this shared workbook').inputValue();
}

/**
 * Opens `link` in `page` and joins it (a workbook this browser does not
 * have: the page reloads into it), then waits for "Live: connected".
 */
export async function joinLink(page, link) {
  await page.goto(link);
  await page.getByRole('heading', { name: 'Join a shared workbook' }).waitFor();
  await Promise.all([
    page.waitForEvent('load'),
    page.getByRole('button', { name: 'Join this workbook' }).click(),
  ]);
  await waitReady(page);
  await waitForText(liveState(page), 'Live: connected');
}
