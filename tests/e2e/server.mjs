// A small dependency-free static file server for the built app (dist/).
//
//   import { startServer } from './server.mjs';
//   const server = await startServer({ root: DIST, basePath: '/sms/' });
//   // server.url === 'http://127.0.0.1:<port>/sms/'
//   await server.close();
//
// Options for tests: `headers` (added to every response, e.g. a
// Content-Security-Policy), `onResponse({url, file, status})` (called for
// every response), and `server.setRoot(dir)` (serve another build from now on,
// as a new deployment would).
//
// Or from the command line (defaults: ../../dist, an ephemeral port, base /):
//   node tests/e2e/server.mjs [root] [--port 8080] [--base /sms/]
//
// Unknown paths without a file extension fall back to index.html (SPA
// routing); unknown files are 404. Responses are never cached.

import { createServer } from 'node:http';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const MIME_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.xml': 'application/xml; charset=utf-8',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

/** Content type for a file name (application/octet-stream if unknown). */
export function mimeType(file) {
  return MIME_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

function normalizeBase(basePath) {
  let base = basePath || '/';
  if (!base.startsWith('/')) base = `/${base}`;
  if (!base.endsWith('/')) base = `${base}/`;
  return base;
}

async function fileAt(file) {
  try {
    const info = await stat(file);
    return info.isFile() ? info : null;
  } catch {
    return null;
  }
}

/**
 * Serve `root` on 127.0.0.1.
 * @param {{root: string, basePath?: string, port?: number, host?: string, log?: boolean,
 *   headers?: Record<string, string>, onResponse?: (r: {url: string, file: string|null, status: number}) => void}} options
 * @returns {Promise<{url: string, port: number, close: () => Promise<void>, setRoot: (dir: string) => void}>}
 */
export async function startServer({
  root, basePath = '/', port = 0, host = '127.0.0.1', log = false, headers: extraHeaders = {}, onResponse,
} = {}) {
  if (!root) throw new Error('startServer: `root` is required');
  let rootDir = path.resolve(root);
  const base = normalizeBase(basePath);
  let indexFile = path.join(rootDir, 'index.html');

  async function handle(req, res) {
    const send = (status, body, headers = {}) => {
      onResponse?.({ url: req.url, file: null, status });
      res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', ...extraHeaders, ...headers });
      res.end(req.method === 'HEAD' ? undefined : body);
    };

    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return send(405, 'Method Not Allowed\n', { Allow: 'GET, HEAD' });
    }

    const { pathname, search } = new URL(req.url, 'http://localhost');
    // `/sms` -> `/sms/`, so relative URLs in index.html resolve under the base.
    if (`${pathname}/` === base) return send(301, '', { Location: base + search });
    if (!pathname.startsWith(base)) return send(404, 'Not Found\n');

    let rel;
    try {
      rel = decodeURIComponent(pathname.slice(base.length));
    } catch {
      return send(400, 'Bad Request\n');
    }
    if (rel.includes('\0')) return send(400, 'Bad Request\n');
    let file = path.resolve(rootDir, `.${path.posix.sep}${rel}`);
    if (file !== rootDir && !file.startsWith(rootDir + path.sep)) return send(403, 'Forbidden\n');

    let info = null;
    if (rel === '' || rel.endsWith('/')) {
      file = path.join(file, 'index.html');
      info = await fileAt(file);
    } else {
      info = await fileAt(file);
      if (!info) {
        // A directory (served as its index.html) or a client-side route.
        const dirIndex = path.join(file, 'index.html');
        const dirInfo = await fileAt(dirIndex);
        if (dirInfo) {
          file = dirIndex;
          info = dirInfo;
        }
      }
    }
    if (!info && path.posix.extname(rel) === '') {
      // SPA fallback: unknown non-file paths get the app shell.
      file = indexFile;
      info = await fileAt(file);
    }
    if (!info) return send(404, 'Not Found\n');

    onResponse?.({ url: req.url, file, status: 200 });
    res.writeHead(200, {
      'Content-Type': mimeType(file),
      'Content-Length': info.size,
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      ...extraHeaders,
    });
    if (req.method === 'HEAD') return res.end();
    createReadStream(file)
      .on('error', (err) => res.destroy(err))
      .pipe(res);
  }

  const server = createServer((req, res) => {
    if (log) res.on('finish', () => console.log(`${res.statusCode} ${req.method} ${req.url}`));
    handle(req, res).catch((err) => {
      console.error(err);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const actualPort = server.address().port;

  let closing = null;
  const close = () => {
    closing ??= new Promise((resolve, reject) => {
      server.close((err) => (err ? reject(err) : resolve()));
      server.closeAllConnections();
    });
    return closing;
  };

  const setRoot = (dir) => {
    rootDir = path.resolve(dir);
    indexFile = path.join(rootDir, 'index.html');
  };

  return { url: `http://${host}:${actualPort}${base}`, port: actualPort, close, setRoot };
}

// Command-line use: node server.mjs [root] [--port N] [--base /path/] [--quiet]
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const args = process.argv.slice(2);
  const opts = {
    root: path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist'),
    port: 0,
    basePath: '/',
    log: true,
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--port') opts.port = Number(args[++i]);
    else if (arg === '--base') opts.basePath = args[++i];
    else if (arg === '--quiet') opts.log = false;
    else if (!arg.startsWith('--')) opts.root = path.resolve(arg);
    else {
      console.error(`unknown option: ${arg}`);
      process.exit(2);
    }
  }
  const { url, close } = await startServer(opts);
  console.log(`serving ${opts.root} at ${url}`);
  const stop = () => close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
