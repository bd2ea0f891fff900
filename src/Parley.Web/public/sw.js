// Parley's service worker: keeps the app shell so the app opens without a network, and never caches the API.
const SHELL = "parley-shell-v1";
const PRECACHE = ["/", "/offline.html", "/manifest.webmanifest", "/icons/icon.svg", "/icons/icon-192.png", "/icons/icon-512.png"];

self.addEventListener("install", event => {
  event.waitUntil(caches.open(SHELL).then(cache => cache.addAll(PRECACHE)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", event => {
  event.waitUntil(caches.keys()
    .then(keys => Promise.all(keys.filter(key => key !== SHELL).map(key => caches.delete(key))))
    .then(() => self.clients.claim()));
});

self.addEventListener("fetch", event => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== location.origin) return;
  if (url.pathname.startsWith("/api/") || url.pathname.startsWith("/hubs/")) return;   // live data is never cached

  if (request.mode === "navigate") {
    // The network first, so a deployment is picked up at once; the cached shell, then the offline page, without it.
    event.respondWith(fetch(request)
      .then(response => { const copy = response.clone(); caches.open(SHELL).then(c => c.put("/", copy)); return response; })
      .catch(async () => (await caches.match("/")) ?? (await caches.match("/offline.html"))));
    return;
  }

  // Hashed bundles and icons: from the cache when there, else from the network, keeping a copy.
  event.respondWith(caches.match(request).then(cached => cached ?? fetch(request).then(response => {
    if (response.ok) { const copy = response.clone(); caches.open(SHELL).then(c => c.put(request, copy)); }
    return response;
  })));
});
