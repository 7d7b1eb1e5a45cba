// Post-build step for the offline app (a Trunk `post_build` hook, see
// Trunk.toml). It runs on the files Trunk has just emitted and:
//
// 1. in release builds, puts the Content-Security-Policy into index.html as a
//    <meta http-equiv> (the same policy README.md gives for hosts that send
//    headers; inline scripts, if any, are allowed by their sha256 hash);
// 2. computes a build version: a hash of every emitted file's name and
//    contents;
// 3. writes sw.js from the template public/sw.js with the precache list (every
//    emitted file, with its hashed name, relative to the app's folder) and the
//    version, and records the version in index.html
//    (<meta name="sms-build">);
// 4. fails the build if index.html or the manifest refers to a file that was
//    not emitted.
//
// The list is never maintained by hand, so it cannot go stale.
//
//   node scripts/pwa-build.mjs [DIR]   # DIR defaults to $TRUNK_STAGING_DIR
//
// Environment (set by Trunk): TRUNK_STAGING_DIR, TRUNK_PROFILE (release or
// debug; default release), TRUNK_PUBLIC_URL. Running it again on the same
// directory gives the same result.

import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const SW_TEMPLATE = path.join(ROOT, 'public', 'sw.js');
const BUILD_PLACEHOLDER = '/*__SMS_BUILD__*/ null';
const MARK = 'data-sms-pwa';

/**
 * The Content-Security-Policy: only what the app needs. Everything is served
 * from the app's own origin; 'wasm-unsafe-eval' lets it compile its
 * WebAssembly. connect-src also allows secure WebSockets anywhere (the
 * live-sync relay a person chooses; it only ever sees sealed messages) and
 * plain WebSockets to this computer (a relay run locally). blob: images and
 * frames are attached files shown in the app (only images and PDFs, from
 * object URLs the app makes itself).
 */
export const CSP_DIRECTIVES = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' blob:",
  "frame-src blob:",
  "connect-src 'self' wss: ws://localhost:* ws://127.0.0.1:*",
  "manifest-src 'self'",
  "worker-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
];

/** The policy as a response header value (what README.md documents). */
export function cspHeader() {
  return CSP_DIRECTIVES.join('; ');
}

/**
 * The policy for a <meta http-equiv> tag: without frame-ancestors (ignored
 * in a meta tag), with extra script hashes ('sha256-…') if given.
 */
export function cspMeta(scriptHashes = []) {
  return CSP_DIRECTIVES.filter((d) => !d.startsWith('frame-ancestors'))
    .map((d) => (d.startsWith('script-src ') && scriptHashes.length ? `${d} ${scriptHashes.join(' ')}` : d))
    .join('; ');
}

const sha256 = (data) => createHash('sha256').update(data).digest();

function walk(dir, base = dir) {
  return readdirSync(dir)
    .filter((name) => !name.startsWith('.'))
    .flatMap((name) => {
      const p = path.join(dir, name);
      return statSync(p).isDirectory() ? walk(p, base) : [path.relative(base, p).split(path.sep).join('/')];
    });
}

const escapeAttr = (s) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;');

/** Remove what an earlier run added, so that running twice changes nothing. */
function stripOurTags(html) {
  return html.replace(new RegExp(`\\n?[ \\t]*<meta [^>]*${MARK}[^>]*>`, 'g'), '');
}

/** sha256 CSP sources of the inline scripts in `html`. */
export function inlineScriptHashes(html) {
  const hashes = [];
  for (const m of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
    if (/\bsrc\s*=/.test(m[1]) || m[2].trim() === '') continue;
    hashes.push(`'sha256-${sha256(m[2]).toString('base64')}'`);
  }
  return hashes;
}

function insertAfterCharset(html, tag) {
  const charset = html.match(/<meta charset[^>]*>/i);
  if (charset) {
    const at = charset.index + charset[0].length;
    return `${html.slice(0, at)}\n    ${tag}${html.slice(at)}`;
  }
  return html.replace(/<head>/i, (h) => `${h}\n    ${tag}`);
}

/** Local files index.html refers to, relative to the app's folder. */
function referencedFiles(html, publicUrl) {
  const refs = [];
  for (const m of html.matchAll(/<(?:link|script)\b[^>]*>/gi)) {
    for (const a of m[0].matchAll(/\s(?:href|src|data-js|data-wasm)="([^"]+)"/g)) refs.push(a[1]);
  }
  return refs
    .filter((r) => !/^(?:[a-z][a-z0-9+.-]*:|\/\/|#)/i.test(r))
    .map((r) => {
      let rel = r.split(/[?#]/)[0];
      if (publicUrl.startsWith('/') && rel.startsWith(publicUrl)) rel = rel.slice(publicUrl.length);
      return rel.replace(/^\.\//, '').replace(/^\//, '');
    });
}

/**
 * Do the work on `dir` (a Trunk staging or dist directory).
 * @returns {{version: string, precache: string[], dev: boolean}}
 */
export function buildPwa(dir, { profile = 'release', publicUrl = './', log = () => {} } = {}) {
  const indexPath = path.join(dir, 'index.html');
  if (!existsSync(indexPath)) throw new Error(`${indexPath} not found`);
  const dev = profile !== 'release';
  let html = stripOurTags(readFileSync(indexPath, 'utf8'));

  if (!dev) {
    const hashes = inlineScriptHashes(html);
    html = insertAfterCharset(html, `<meta http-equiv="Content-Security-Policy" content="${escapeAttr(cspMeta(hashes))}" ${MARK} />`);
    if (hashes.length) log(`allowing ${hashes.length} inline script(s) by hash`);
  }
  writeFileSync(indexPath, html);

  const files = walk(dir).filter((f) => f !== 'sw.js').sort();
  const missing = referencedFiles(html, publicUrl).filter((f) => f && !files.includes(f));
  const manifest = files.find((f) => f.endsWith('.webmanifest'));
  if (manifest) {
    const { icons = [] } = JSON.parse(readFileSync(path.join(dir, manifest), 'utf8'));
    const folder = path.posix.dirname(manifest);
    for (const icon of icons) {
      const rel = path.posix.normalize(path.posix.join(folder, icon.src));
      if (!files.includes(rel)) missing.push(rel);
    }
  }
  if (missing.length) throw new Error(`index.html or the manifest refers to files that were not emitted: ${[...new Set(missing)].join(', ')}`);

  const digest = createHash('sha256');
  for (const f of files) digest.update(`${f}\0`).update(sha256(readFileSync(path.join(dir, f)))).update('\n');
  const version = digest.digest('hex').slice(0, 16);

  html = insertAfterCharset(html, `<meta name="sms-build" content="${version}" ${MARK} />`);
  writeFileSync(indexPath, html);

  // The app's page is precached as './' (the folder itself), never as
  // index.html: some hosts redirect /index.html to /.
  const precache = dev ? [] : ['./', ...files.filter((f) => f !== 'index.html')];
  const template = readFileSync(SW_TEMPLATE, 'utf8');
  if (!template.includes(BUILD_PLACEHOLDER)) throw new Error(`${SW_TEMPLATE} lacks ${BUILD_PLACEHOLDER}`);
  const build = { version, dev, precache };
  writeFileSync(path.join(dir, 'sw.js'), template.replace(BUILD_PLACEHOLDER, JSON.stringify(build, null, 2)));
  log(`sw.js: version ${version}, ${dev ? 'debug build: removes itself' : `${precache.length} files precached`}`);
  return build;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const dir = process.argv[2] ?? process.env.TRUNK_STAGING_DIR;
  if (!dir) {
    console.error('usage: node scripts/pwa-build.mjs DIR (or set TRUNK_STAGING_DIR)');
    process.exit(2);
  }
  try {
    buildPwa(path.resolve(dir), {
      profile: process.env.TRUNK_PROFILE ?? 'release',
      publicUrl: process.env.TRUNK_PUBLIC_URL || './',
      log: (m) => console.log(`pwa-build: ${m}`),
    });
  } catch (err) {
    console.error(`pwa-build: error: ${err.message}`);
    process.exit(1);
  }
}
