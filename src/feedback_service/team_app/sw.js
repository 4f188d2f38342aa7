// The team app's service worker. The server prepends VERSION (a digest of the app's files) and
// SHELL (their URLs): a new version installs a new cache, so a phone never mixes old and new files.
// App files come from the cache first, so the app opens with no network at all; API calls are never
// cached here (the app keeps its data in IndexedDB and its outbox decides what to resend).
const CACHE = `team-app-${VERSION}`;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      // Revalidated, never taken from the HTTP cache unasked: a file the page has just loaded is a
      // 304 with no body (its ETag is a digest of its bytes), any other is fetched whole.
      .then((cache) => cache.addAll(SHELL.map((url) => new Request(url, { cache: "no-cache" }))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("team-app-") && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin) return;
  if (!url.pathname.startsWith("/team/") || url.pathname === "/team/sw.js") return;
  // Navigations (with or without a #enroll=... fragment, which never reaches here) get the shell.
  const key = event.request.mode === "navigate" ? "/team/" : url.pathname;
  event.respondWith(
    caches.open(CACHE).then((cache) =>
      cache.match(key).then((hit) => {
        if (hit) return hit;
        return fetch(event.request).then((response) => {
          if (response.ok) cache.put(key, response.clone());
          return response;
        });
      }),
    ),
  );
});
