// The holders' photos this scanner keeps for offline use: a small copy of each accredited
// holder's photo (at most 12 KB, 150 × 200), fetched in the background after each badge list,
// kept in this origin's Cache Storage (the door's own storage, like its service worker's cache),
// versioned by URL (a changed photo is a new URL; the old one is deleted), and dropped when the
// officer signs out or the event is over. HTTP caches never keep them (private, no-store).

export const PHOTOS_CACHE = "door-photos-v2";
// Budget: 20,000 participants × 12 KB = 240 MB at most; anything heavier is not kept.
const MAX_BYTES = 12 * 1024;
const MAX_PHOTOS = 25_000;
const AT_ONCE = 4;

const absolute = (url) => new URL(url, location.href).href;
const available = () => "caches" in self;

let syncing = null;
let dropped = false;

export async function dropPhotos() {
  // Every offline photo of this device, gone (sign-out, or the event is over), and none fetched
  // again by this page: a download still running stops first, so it cannot bring the cache back.
  dropped = true;
  await syncing?.catch(() => 0);
  if (available()) await caches.delete(PHOTOS_CACHE);
}

export function syncPhotos(bundle, onProgress = () => {}) {
  // Bring the kept photos in line with `bundle`: delete what it no longer lists, fetch what is missing.
  if (!available() || !bundle || dropped) return Promise.resolve(0);
  if (!syncing) syncing = sync(bundle, onProgress).finally(() => (syncing = null));
  return syncing;
}

async function sync(bundle, onProgress) {
  if (Date.now() >= Date.parse(bundle.event?.photos_until || 0)) {
    if (available()) await caches.delete(PHOTOS_CACHE);
    onProgress(0);
    return 0;
  }
  const wanted = new Set(
    Object.values(bundle.participants || {})
      .map((holder) => holder.photo_url)
      .filter(Boolean)
      .slice(0, MAX_PHOTOS)
      .map(absolute),
  );
  const cache = await caches.open(PHOTOS_CACHE);
  const held = new Set();
  for (const request of await cache.keys()) {
    if (wanted.has(request.url)) held.add(request.url);
    else await cache.delete(request);
  }
  onProgress(held.size);
  const missing = [...wanted].filter((url) => !held.has(url));
  let failed = false;
  const worker = async () => {
    while (missing.length && !failed && !dropped) {
      const url = missing.shift();
      try {
        const response = await fetch(url, { credentials: "same-origin", cache: "no-store" });
        if (!response.ok) continue; // e.g. withdrawn meanwhile: the next badge list says so
        const blob = await response.blob();
        if (blob.size > MAX_BYTES) continue;
        await cache.put(url, new Response(blob, { headers: { "Content-Type": blob.type || "image/jpeg" } }));
        held.add(url);
        onProgress(held.size);
      } catch {
        failed = true; // offline: the rest waits for the next badge list
      }
    }
  };
  await Promise.all(Array.from({ length: AT_ONCE }, worker));
  return held.size;
}

export async function offlinePhoto(url) {
  // The kept copy of a holder's photo as an object URL, or null when this device has none.
  if (!available() || !url) return null;
  const found = await caches.match(absolute(url), { cacheName: PHOTOS_CACHE });
  return found ? URL.createObjectURL(await found.blob()) : null;
}
