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

// Web Push (docs/notifications.md): the server's pushes for direct messages, mentions and thread replies, shown when no
// window of the app is in front. The tag matches the one the open app uses (src/notifications.ts): one notification each.
self.addEventListener("push", event => {
  let data = {};
  try { data = event.data?.json() ?? {}; } catch { /* not ours */ }
  if (typeof data.conversationId !== "number") return;
  event.waitUntil((async () => {
    const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
    if (windows.some(w => w.focused && w.visibilityState === "visible")) return;      // the person is looking at the app
    const french = (self.navigator.language || "").toLowerCase().startsWith("fr");
    const fallback = {
      direct: french ? "Nouveau message" : "New message",
      mention: french ? "Vous a mentionné" : "Mentioned you",
      reply: french ? "A répondu dans un fil" : "Replied in a thread",
    }[data.reason] ?? "";
    const title = data.conversation ? `${data.sender} · #${data.conversation}` : `${data.sender}`;
    await self.registration.showNotification(title, {
      body: data.preview || fallback,
      tag: `c${data.conversationId}-${data.seq}`,
      icon: "/icons/icon-192.png",
      badge: "/icons/icon-192.png",
      data: { url: `/c/${data.conversationId}` },
    });
  })());
});

self.addEventListener("notificationclick", event => {
  event.notification.close();
  const url = event.notification.data?.url ?? "/";
  event.waitUntil((async () => {
    const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
    const open = windows.find(w => new URL(w.url).origin === location.origin);
    if (open) {
      await open.focus();
      open.postMessage({ type: "open", url });
    } else {
      await self.clients.openWindow(url);
    }
  })());
});
