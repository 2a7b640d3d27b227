// Service worker of the team app: the app shell is cached so the app opens on a poor or missing
// connection. Shell files are answered from the cache and refreshed in the background
// (stale-while-revalidate); the API is never cached here (the app keeps its own copies).
const CACHE = 'paidan-team-v4';
const SHELL = [
  '/team/',
  '/team/app.js',
  '/team/lib.js',
  '/team/messages.js',
  '/team/net.js',
  '/team/jobs.js',
  '/team/job.js',
  '/team/complete.js',
  '/team/checkin.js',
  '/team/attendance.js',
  '/team/photos.js',
  '/team/hours.js',
  '/team/services.js',
  '/team/outbox.js',
  '/team/style.css',
  '/common/api.js',
  '/common/base.css',
  '/common/dom.js',
  '/common/forms.js',
  '/common/glossary.js',
  '/common/i18n.js',
  '/common/messages.js',
  '/common/prefs.js',
  '/common/sse.js',
  '/common/photos.js',
  '/team/manifest.webmanifest',
  '/team/icon.svg',
  '/team/icon-192.png',
  '/team/icon-512.png',
];

self.addEventListener('install', (event) => {
  // The QR decoder too, so a door without signal can still be scanned; without it the app still works.
  event.waitUntil(caches.open(CACHE).then((c) => c.addAll(SHELL).then(() => c.add('/common/vendor/jsQR.js').catch(() => {})))
    .then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k.startsWith('paidan-team-') && k !== CACHE).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  const url = new URL(req.url);
  if (req.method !== 'GET' || url.origin !== self.location.origin || !/^\/(team|common)\//.test(url.pathname)) return;
  // Every page of the app is the one shell.
  const key = req.mode === 'navigate' ? '/team/' : url.pathname;
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    const cached = await cache.match(key);
    const fresh = fetch(req.mode === 'navigate' ? '/team/' : req).then((res) => {
      if (res.ok) cache.put(key, res.clone());
      return res;
    });
    if (cached) {
      event.waitUntil(fresh.catch(() => undefined));
      return cached;
    }
    return fresh;
  })());
});
