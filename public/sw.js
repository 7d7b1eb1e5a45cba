// SMS Workbook's service worker: makes the app start with no network.
//
// This file is a template. scripts/pwa-build.mjs (a Trunk post_build hook)
// writes it to dist/sw.js with BUILD filled in from the files Trunk actually
// emitted: their relative URLs and a version hash of their contents. Never
// list files here by hand.
//
// - install: fetch every file of this build into a new cache (in the
//   background; the running page is not disturbed). The new worker then
//   waits: it takes over only when the person clicks "Reload" in the app
//   (the page posts {type: "skip-waiting"}) or every tab of the app is closed.
// - activate: delete this scope's caches of older builds; take control.
// - fetch: the app shell and its files are answered from the cache first;
//   anything else goes to the network untouched.
// - In a debug build (`trunk serve`), BUILD.dev is true: the worker removes
//   itself and its caches, so a cache-first worker left behind by a release
//   build never serves stale files during development.

const BUILD = /*__SMS_BUILD__*/ null;

const SCOPE = new URL(self.registration.scope);
// Cache Storage is shared by the whole origin: name caches by scope, so two
// copies of the app under different paths never delete each other's files.
const PREFIX = `sms-workbook:${SCOPE.pathname}:`;
const CACHE = `${PREFIX}${BUILD?.version ?? 'none'}`;
// Trunk's content-hashed names (name-0123456789abcdef.ext) never change
// content, so a copy in the HTTP cache is as good as the network; every
// other file is revalidated.
const HASHED = /-[0-9a-f]{16}(_bg)?\.[a-z0-9]+$/;

const urlOf = (rel) => new URL(rel, SCOPE).href;

self.addEventListener('install', (event) => {
  if (!BUILD || BUILD.dev) {
    self.skipWaiting();
    return;
  }
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      await Promise.all(
        BUILD.precache.map(async (rel) => {
          const request = new Request(urlOf(rel), { cache: HASHED.test(rel) ? 'default' : 'no-cache' });
          const response = await fetch(request);
          if (!response.ok || response.redirected) {
            throw new Error(`precache: ${request.url} answered ${response.status}${response.redirected ? ' (redirected)' : ''}`);
          }
          await cache.put(request.url, response);
        }),
      );
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      const names = await caches.keys();
      const keep = BUILD && !BUILD.dev ? CACHE : null;
      await Promise.all(names.filter((n) => n.startsWith(PREFIX) && n !== keep).map((n) => caches.delete(n)));
      if (!BUILD || BUILD.dev) {
        await self.registration.unregister();
        return;
      }
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('message', (event) => {
  if (event.data?.type === 'skip-waiting') self.skipWaiting();
});

/** Is `url` the app's page itself (the scope, or its index.html)? */
function isShell(url) {
  return url.origin === SCOPE.origin && (url.pathname === SCOPE.pathname || url.pathname === `${SCOPE.pathname}index.html`);
}

self.addEventListener('fetch', (event) => {
  if (!BUILD || BUILD.dev) return;
  const { request } = event;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== SCOPE.origin || !url.pathname.startsWith(SCOPE.pathname)) return;

  if (request.mode === 'navigate') {
    if (!isShell(url)) return;
    event.respondWith(
      (async () => {
        const cache = await caches.open(CACHE);
        return (await cache.match(SCOPE.href)) ?? fetch(request);
      })(),
    );
    return;
  }
  event.respondWith(
    (async () => {
      const cache = await caches.open(CACHE);
      return (await cache.match(request, { ignoreSearch: true })) ?? fetch(request);
    })(),
  );
});
