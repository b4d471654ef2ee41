// The driver app's service worker (served as /api/v1/driver-app/sw.js, scope /driver).
// It keeps the app shell (the page, its scripts and styles) and the driver's last answers
// (the route, the hours) so the app opens and shows the route with no network. It always
// asks the network first, so online the driver sees the server's latest; the cache is the
// fallback. Writes are never handled here: the page's outbox queues and resends them.

const CACHE = "doorstep-driver-v1";
const SHELL = [
  "/driver",
  "/static/css/app.css",
  "/static/css/driver.css",
  "/static/leaflet/leaflet.css",
  "/static/leaflet/leaflet.js",
  "/static/img/icon.svg",
  "/static/js/app.js",
  "/static/js/shell.js",
  "/static/js/driver.js",
  "/static/js/driver_queue.js",
  "/static/js/driver_store.js",
  "/static/js/driver_proof.js",
  "/static/js/driver_hours.js",
  "/static/js/driver_trip.js",
  "/api/v1/driver-app/manifest.webmanifest",
  "/api/v1/inspections/checklist",
];
// API answers worth keeping for offline use: the driver's own route and clock.
const KEPT_API = ["/api/v1/me/", "/api/v1/inspections/checklist", "/api/v1/driver-app/"];
const WAIT_MS = 6000; // a slow network: show the cached copy rather than a blank page

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    // One by one: a file that fails (a redirect to sign in, say) must not lose the rest.
    await Promise.all(SHELL.map(async (path) => {
      try {
        const answer = await fetch(path, { credentials: "same-origin", cache: "no-store" });
        if (answer.ok && !answer.redirected) await cache.put(path, answer);
      } catch { /* fetched again on the next visit */ }
    }));
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) if (name !== CACHE) await caches.delete(name);
    await self.clients.claim();
  })());
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    if (url.pathname === "/driver") event.respondWith(networkFirst(request, "/driver", true));
    return;
  }
  const kept = url.pathname.startsWith("/static/") || KEPT_API.some((p) => url.pathname.startsWith(p));
  if (kept) event.respondWith(networkFirst(request, url.pathname + url.search, false));
});

// The network's answer (kept for later), else the cached one, else an offline answer.
async function networkFirst(request, key, page) {
  const cache = await caches.open(CACHE);
  try {
    const answer = await withTimeout(fetch(request), await cache.match(key) ? WAIT_MS : 0);
    if (answer.ok && !answer.redirected) await cache.put(key, answer.clone());
    return answer;
  } catch {
    const kept = await cache.match(key);
    if (kept) return kept;
    if (page) return new Response("<h1>Offline</h1><p>Open the driver app once online first.</p>",
      { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
    return new Response(JSON.stringify({ title: "Offline", status: 503, detail: "no network, nothing saved" }),
      { status: 503, headers: { "Content-Type": "application/problem+json" } });
  }
}

// A fetch that gives up after `ms` when there is a cached copy to fall back on (0: wait).
function withTimeout(pending, ms) {
  if (!ms) return pending;
  return Promise.race([pending, new Promise((_, reject) => setTimeout(() => reject(new Error("slow")), ms))]);
}
