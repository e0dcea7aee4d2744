// The door scanner's service worker (scope /door/): the page and its files come from the network
// when it answers and from the cache when it does not, so the scanner opens and works offline,
// even after a reload. The API is left to the network: the page itself decides what to do when it
// is unreachable. Holders' offline photos are kept by the page (door-photos.js), in PHOTOS.

const SHELL = "door-shell-v2";
const PHOTOS = "door-photos-v2";
const PRECACHE = [
  "/static/css/app.css",
  "/static/js/api.js",
  "/static/js/bidi.js",
  "/static/js/messages.js",
  "/static/js/scanner.js",
  "/static/js/clock.js",
  "/static/js/door.js",
  "/static/js/door-offline.js",
  "/static/js/door-photos.js",
  "/static/js/door-store.js",
  "/static/vendor/zxing-wasm-3.1.4/es/reader/index.js",
  "/static/vendor/zxing-wasm-3.1.4/es/share.js",
  "/static/vendor/zxing-wasm-3.1.4/reader/zxing_reader.wasm",
];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL).then((cache) => cache.addAll(PRECACHE)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((n) => n !== SHELL && n !== PHOTOS).map((n) => caches.delete(n))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("message", (event) => {
  // The page asks to keep the files it loaded before this worker controlled it (its own URL too).
  if (event.data?.type === "cache" && Array.isArray(event.data.urls)) {
    const urls = event.data.urls.filter((u) => new URL(u, self.location).origin === self.location.origin);
    event.waitUntil(caches.open(SHELL).then((cache) => Promise.all(urls.map((u) => cache.add(u).catch(() => null)))));
  }
});

async function networkFirst(request) {
  try {
    const response = await fetch(request);
    if (response.ok && response.type === "basic") {
      const copy = response.clone();
      caches.open(SHELL).then((cache) => cache.put(request, copy));
    }
    return response;
  } catch (error) {
    const cached = await caches.match(request, { cacheName: SHELL, ignoreVary: true });
    if (cached) return cached;
    throw error;
  }
}

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/api/")) return;
  event.respondWith(networkFirst(event.request));
});
