// The door scanner page: a badge is read (camera or hand scanner), the server decides, and the
// verdict fills the screen. When the server cannot be reached, this device decides with the last
// offline bundle (door-offline.js), keeps the scans in IndexedDB and sends them when it is back.

import { api, ApiError, apiRetrying, NetworkError } from "./api.js";
import { bdi, isolated } from "./bidi.js";
import { clockFormat } from "./clock.js";
import { decideOffline } from "./door-offline.js";
import { dropPhotos, offlinePhoto, syncPhotos } from "./door-photos.js";
import { openStore } from "./door-store.js";
import { fill } from "./messages.js";
import { listenForHandScanner, normaliseCode, onceWhileShown, startCamera } from "./scanner.js";

const root = document.getElementById("door");
const strings = JSON.parse(document.getElementById("door-strings").textContent);
const checkpoints = JSON.parse(document.getElementById("door-checkpoints").textContent);
const slug = root.dataset.slug;
const $ = (id) => document.getElementById(id);

const BUNDLE_EVERY_MS = 60_000;
const RETRY_EVERY_MS = 5_000;
const ONLINE_TIMEOUT_MS = 3_000;
// Wait before the second try of a scan the server failed (5xx).
const SCAN_RETRY_DELAYS_MS = [300];
const VERDICT_SHOWN_MS = 4_000;
const SETTINGS_KEY = `door:${slug}:settings`;
const DEVICE_KEY = "door:device";

const state = {
  online: true,
  bundle: null,
  bundleEtag: null,
  queued: 0,
  store: null,
  hideTimer: null,
  // Movements this device saw (online or not) since the bundle it holds: participant -> {inside, at}.
  moves: new Map(),
};

const deviceName = () => {
  let name = localStorage.getItem(DEVICE_KEY);
  if (!name) {
    name = `door-${crypto.randomUUID().slice(0, 8)}`;
    localStorage.setItem(DEVICE_KEY, name);
  }
  return name;
};

// Times in the event's zone on the 24-hour clock, whatever the device's zone and habits.
const clock = clockFormat(root.dataset.timezone);

const plurals = new Intl.PluralRules(document.documentElement.lang || "en");
const counted = (forms, count, values = {}) => fill(forms[plurals.select(count)] || forms.other, { ...values, count });

// --- settings: checkpoint and direction, remembered on this device --------------------------------

const select = $("door-checkpoint");
const directionInputs = [...document.querySelectorAll('input[name="direction"]')];

function checkpoint() {
  const id = Number(select.value);
  const fromBundle = state.bundle?.checkpoints?.find((c) => c.id === id);
  return fromBundle || checkpoints.find((c) => c.id === id) || null;
}

const direction = () => directionInputs.find((i) => i.checked)?.value || "in";

function applyCheckpoint() {
  const chosen = checkpoint();
  for (const input of directionInputs) {
    input.disabled = Boolean(chosen && chosen.direction !== "both" && chosen.direction !== input.value);
    if (chosen && chosen.direction === input.value) input.checked = true;
  }
  localStorage.setItem(SETTINGS_KEY, JSON.stringify({ checkpoint: select.value, direction: direction() }));
  if (chosen) askForCheckpoint(false);
  showInside();
}

function askForCheckpoint(ask) {
  // A code read before a checkpoint is chosen is not judged: the page asks for the checkpoint instead.
  $("door-setup-prompt").hidden = !ask;
  select.closest(".field").classList.toggle("door-needs-checkpoint", ask);
  if (ask) {
    select.setAttribute("aria-invalid", "true");
    select.setAttribute("aria-describedby", "door-setup-prompt");
  } else {
    select.removeAttribute("aria-invalid");
    select.removeAttribute("aria-describedby");
  }
  root.dataset.needsCheckpoint = ask ? "1" : "0";
}

function restoreSettings() {
  const saved = JSON.parse(localStorage.getItem(SETTINGS_KEY) || "{}");
  if (saved.checkpoint && [...select.options].some((o) => o.value === saved.checkpoint)) select.value = saved.checkpoint;
  else if (checkpoints.length === 1) select.value = String(checkpoints[0].id);
  for (const input of directionInputs) input.checked = input.value === (saved.direction || "in");
  applyCheckpoint();
}

select.addEventListener("change", applyCheckpoint);
// No type-ahead in the picker: a hand scanner typing a code while it has the focus must not choose a
// checkpoint by its first letters (the arrow keys still do); the code itself reaches the scanner listener.
select.addEventListener("keydown", (event) => {
  if (event.key.length === 1 && !event.ctrlKey && !event.metaKey && !event.altKey) event.preventDefault();
});
for (const input of directionInputs) input.addEventListener("change", applyCheckpoint);

// --- status line ----------------------------------------------------------------------------------

let insideNow = null;
let insideAt = 0; // when insideNow came from the server's answer to a scan

function showInside() {
  $("door-inside").textContent = insideNow === null ? "" : counted(strings.inside_now, insideNow);
  $("door-inside").dataset.count = insideNow === null ? "" : String(insideNow);
}

function networkText() {
  let text = state.online ? strings.online : strings.offline;
  if (state.queued) text += " " + counted(strings.queued, state.queued);
  return text;
}

function showNetwork() {
  const line = $("door-network");
  line.textContent = networkText();
  const banner = $("door-verdict-mode");
  banner.textContent = state.online ? "" : networkText();
  banner.hidden = state.online;
  line.classList.toggle("door-online", state.online);
  line.classList.toggle("door-offline", !state.online);
  root.dataset.online = state.online ? "1" : "0";
  root.dataset.queued = String(state.queued);
}

function insideFromBundle() {
  // How many are inside the checkpoint's venue as far as this device knows (a scan's answer is fresher).
  if (!state.bundle || Date.parse(state.bundle.generated_at) < insideAt) return;
  insideNow = insideIds(venueOf(checkpoint())).length;
  showInside();
}

function showBundle() {
  const line = $("door-bundle");
  if (!state.bundle) {
    line.textContent = strings.bundle_never;
    return;
  }
  const at = new Date(state.bundle.checked_at || state.bundle.generated_at);
  line.textContent = fill(strings.bundle_at, { time: clock.format(at) });
  root.dataset.bundleAt = at.toISOString();
}

function setOnline(online) {
  if (state.online === online) return;
  state.online = online;
  showNetwork();
  if (online) flushQueue().then(refreshBundle);
}

// --- the verdict ------------------------------------------------------------------------------------

let audio = null;

function beep(accepted) {
  // Two rising tones for accepted, one low buzz for refused; no sound file needed.
  try {
    audio = audio || new AudioContext();
    const now = audio.currentTime;
    const tones = accepted ? [[880, 0, 0.12], [1320, 0.14, 0.16]] : [[196, 0, 0.5]];
    for (const [frequency, start, length] of tones) {
      const oscillator = audio.createOscillator();
      const gain = audio.createGain();
      oscillator.type = accepted ? "sine" : "square";
      oscillator.frequency.value = frequency;
      gain.gain.setValueAtTime(0.25, now + start);
      gain.gain.exponentialRampToValueAtTime(0.001, now + start + length);
      oscillator.connect(gain).connect(audio.destination);
      oscillator.start(now + start);
      oscillator.stop(now + start + length + 0.02);
    }
  } catch {
    // No audio device: the colour and the words remain.
  }
}

const unlockAudio = () => {
  audio = audio || new AudioContext();
  if (audio.state === "suspended") audio.resume();
};
document.addEventListener("pointerdown", unlockAudio, { once: true });
document.addEventListener("keydown", unlockAudio, { once: true });

// A delegation in the page's language: the server's verdicts already are; offline, the bundle's
// labels turn a State's registered name into its UN name in this language.
const delegationName = (name) => state.bundle?.delegation_labels?.[name] || name || "";

function show(verdict, { offline, startedAt }) {
  const section = $("door-verdict");
  const accepted = verdict.result === "accepted";
  section.hidden = false;
  section.className = `door-verdict ${accepted ? "door-accepted" : "door-refused"}`;
  $("door-verdict-word").textContent = accepted ? strings.accepted : strings.refused;
  $("door-verdict-reason").textContent = verdict.reason ? strings.reasons[verdict.reason] || verdict.detail || verdict.reason : "";
  const who = verdict.participant;
  isolated($("door-name"), who?.name);
  isolated($("door-delegation"), delegationName(who?.delegation));
  $("door-category").textContent = who ? strings.categories[who.category] || who.category_label || who.category : "";
  showPhoto(who, offline);
  const point = checkpoint();
  const where = $("door-verdict-where");
  where.replaceChildren();
  if (point?.name) where.append(bdi(point.name), " · ");
  where.append(strings[direction()]);
  section.dataset.result = verdict.result;
  section.dataset.reason = verdict.reason || "";
  section.dataset.offline = offline ? "1" : "0";
  if (typeof verdict.inside_now === "number") {
    insideNow = verdict.inside_now;
    insideAt = Date.now();
    showInside();
  }
  if (insideNow !== null) where.append(" · " + counted(strings.inside_now, insideNow));
  askForCheckpoint(false);
  beep(accepted);
  requestAnimationFrame(() => {
    section.dataset.latencyMs = String(Math.round(performance.now() - startedAt));
    section.dataset.count = String(Number(section.dataset.count || 0) + 1);
  });
  clearTimeout(state.hideTimer);
  state.hideTimer = setTimeout(() => {
    section.hidden = true;
  }, VERDICT_SHOWN_MS);
}

let photoShown = null; // the object URL of the offline photo on screen, released when replaced
let photoTurn = 0;

async function showPhoto(who, offline) {
  // Online, the server's photo; offline, this device's copy, or plainly "Photo not available offline".
  const photo = $("door-photo");
  const missing = $("door-photo-missing");
  const turn = ++photoTurn;
  if (photoShown) URL.revokeObjectURL(photoShown);
  photoShown = null;
  photo.hidden = true;
  photo.removeAttribute("src");
  missing.hidden = true;
  if (!who) return;
  // After the event, the photos are dropped and none is shown offline.
  const over = Date.now() >= Date.parse(state.bundle?.event?.photos_until || 0);
  if (offline && over) dropPhotos();
  const src = offline ? (over ? null : await offlinePhoto(who.photo_url).catch(() => null)) : who.photo_url;
  if (turn !== photoTurn) {
    if (offline && src) URL.revokeObjectURL(src);
    return;
  }
  if (!src) {
    missing.hidden = !offline;
    return;
  }
  if (offline) photoShown = src;
  photo.alt = who.name;
  photo.src = src;
  photo.hidden = false;
}

$("door-photo").addEventListener("error", () => {
  // The network went between the verdict and its photo: say so rather than show a broken image.
  $("door-photo").hidden = true;
  $("door-photo-missing").hidden = false;
});

function keepPhotos(bundle) {
  // In the background after each badge list: this device's copy of every holder's photo.
  syncPhotos(bundle, (count) => {
    root.dataset.photos = String(count);
  }).then(() => {
    root.dataset.photosSynced = bundle.generated_at;
  });
}

function signedOut(error) {
  // The session ended (signed out, account deactivated): say so, and keep the queue for later.
  if (!(error instanceof ApiError && error.status === 401)) return false;
  $("door-signed-out").hidden = false;
  root.dataset.signedOut = "1";
  dropPhotos();
  return true;
}

function problem(text) {
  show({ result: "refused", reason: null, participant: null }, { offline: !state.online, startedAt: performance.now() });
  $("door-verdict-reason").textContent = text;
}

// --- presence this device knows of --------------------------------------------------------------

function venueOf(point) {
  return String(point?.venue_id ?? root.dataset.venueId ?? 0);
}

function isInsideAt(venue) {
  const inside = new Set(state.bundle?.inside?.[venue] || []);
  const since = state.bundle ? Date.parse(state.bundle.generated_at) : 0;
  return (participantId) => {
    const move = state.moves.get(`${venue}:${participantId}`);
    if (move && move.at >= since) return move.inside;
    return inside.has(participantId);
  };
}

function remember(venue, participantId, dir) {
  state.moves.set(`${venue}:${participantId}`, { inside: dir === "in", at: Date.now() });
  state.store?.set("moves", [...state.moves]);
}

// --- the evacuation list from what this device knows -------------------------------------------

function insideIds(venue) {
  // Who is inside `venue` as far as this device knows: the last bundle, then its own movements since.
  const isInside = isInsideAt(venue);
  const ids = new Set(state.bundle?.inside?.[venue] || []);
  for (const key of state.moves.keys()) if (key.startsWith(`${venue}:`)) ids.add(Number(key.split(":")[1]));
  return [...ids].filter((id) => isInside(id));
}

// Names in the page language's alphabetical order (the browser's default locale may be another).
const byName = new Intl.Collator(document.documentElement.lang || undefined);

function showEvacuation() {
  // Everyone inside the checkpoint's venue: the last bundle, then this device's own movements since.
  const body = $("door-evacuation-rows");
  body.replaceChildren();
  if (!state.bundle) {
    $("door-evacuation-note").textContent = strings.bundle_never;
    return;
  }
  const people = insideIds(venueOf(checkpoint()))
    .map((id) => state.bundle.participants?.[String(id)] || { name: `#${id}`, delegation: "", category: "" })
    .map((person) => ({ ...person, delegation: delegationName(person.delegation) }))
    .sort((a, b) => byName.compare(a.delegation, b.delegation) || byName.compare(a.name, b.name));
  people.forEach((person, index) => {
    const row = document.createElement("tr");
    for (const [text, header, typed] of [[String(index + 1), false, false], [person.name, true, true],
      [person.delegation, false, true], [strings.categories[person.category] || person.category, false, false]]) {
      const cell = document.createElement(header ? "th" : "td");
      if (header) cell.scope = "row";
      if (typed) isolated(cell, text);
      else cell.textContent = text;
      row.append(cell);
    }
    body.append(row);
  });
  const at = clock.format(new Date(state.bundle.generated_at));
  $("door-evacuation-note").textContent = counted(strings.evacuation_note, people.length, { time: at });
}

$("door-evacuation").addEventListener("toggle", () => {
  if ($("door-evacuation").open) showEvacuation();
});
$("door-print").addEventListener("click", () => {
  showEvacuation();
  window.print();
});

// --- a scan ---------------------------------------------------------------------------------------

async function scanOffline(code, point, dir, nonce, scannedAt, startedAt) {
  if (!state.bundle) {
    problem(strings.bundle_never);
    return;
  }
  const verdict = await decideOffline(state.bundle, code, {
    checkpoint: point,
    direction: dir,
    now: Date.parse(scannedAt),
    isInside: isInsideAt(venueOf(point)),
  });
  await state.store.enqueue({
    code,
    checkpoint: point.id,
    direction: dir,
    nonce,
    scanned_at: scannedAt,
    device: deviceName(),
    result: verdict.result,
    reason: verdict.reason,
  });
  if (verdict.result === "accepted") {
    remember(venueOf(point), verdict.payload.participantId, dir);
    // One figure on the screen: the status line and the verdict both show this one.
    if (insideNow !== null) insideNow = Math.max(0, insideNow + (dir === "in" ? 1 : -1));
    showInside();
  }
  state.queued = await state.store.countQueued();
  showNetwork();
  show(verdict, { offline: true, startedAt });
}

async function onCode(code) {
  const startedAt = performance.now();
  $("door-code").value = "";
  const point = checkpoint();
  if (!point) {
    // Not a verdict: nothing was judged, stored or queued. The officer picks the checkpoint, then scans again.
    clearTimeout(state.hideTimer);
    $("door-verdict").hidden = true;
    askForCheckpoint(true);
    select.scrollIntoView({ block: "center" });
    select.focus();
    return;
  }
  const dir = direction();
  const nonce = crypto.randomUUID();
  const scannedAt = new Date().toISOString();
  if (state.online) {
    try {
      // A server error (e.g. a proxy's 502 during a restart) is tried once more, with the same
      // nonce: the server records the scan once. No answer at all goes offline at once instead
      // (the queued scan keeps its nonce too): a queue at the door does not wait for the network.
      const verdict = await apiRetrying(
        `/api/v1/events/${slug}/scans`,
        {
          method: "POST",
          body: { code, checkpoint: point.id, direction: dir, nonce, scanned_at: scannedAt, device: deviceName() },
          timeout: ONLINE_TIMEOUT_MS,
        },
        { delays: SCAN_RETRY_DELAYS_MS, retryIf: (error) => error instanceof ApiError && error.status >= 500 },
      );
      if (verdict.result === "accepted" && verdict.participant) remember(venueOf(point), verdict.participant.id, dir);
      show(verdict, { offline: false, startedAt });
      return;
    } catch (error) {
      if (signedOut(error)) {
        problem(strings.signed_out);
        return;
      }
      if (error instanceof ApiError && error.status < 500) {
        problem(fill(strings.server_error, { detail: error.message }));
        return;
      }
      if (!(error instanceof NetworkError || error instanceof ApiError)) throw error;
      setOnline(false);
    }
  }
  await scanOffline(code, point, dir, nonce, scannedAt, startedAt);
}

// --- the offline bundle and the queue -------------------------------------------------------------

async function refreshBundle() {
  try {
    const bundle = await api(`/api/v1/events/${slug}/offline-bundle`, { timeout: 15_000 });
    // When this device last heard from the server (an unchanged bundle keeps its generated_at).
    bundle.checked_at = new Date().toISOString();
    state.bundle = bundle;
    await state.store.set("bundle", bundle);
    setOnline(true);
    showBundle();
    insideFromBundle();
    keepPhotos(bundle);
  } catch (error) {
    if (error instanceof NetworkError || (error instanceof ApiError && error.status >= 500)) setOnline(false);
    else signedOut(error);
  }
}

let flushing = false;

async function flushQueue() {
  if (flushing || !state.store) return;
  flushing = true;
  try {
    for (;;) {
      const waiting = (await state.store.queued()).slice(0, 200);
      if (!waiting.length) break;
      await api(`/api/v1/events/${slug}/scans/batch`, { method: "POST", body: { scans: waiting }, timeout: 15_000 });
      await state.store.dequeue(waiting.map((s) => s.nonce));
      state.queued = await state.store.countQueued();
      showNetwork();
    }
    setOnline(true);
  } catch (error) {
    if (error instanceof NetworkError || (error instanceof ApiError && error.status >= 500)) setOnline(false);
    else signedOut(error);
  } finally {
    flushing = false;
  }
}

function retryLoop() {
  setTimeout(async () => {
    if (!state.online || state.queued) {
      if (state.queued) await flushQueue();
      else await refreshBundle();
    }
    retryLoop();
  }, RETRY_EVERY_MS);
}

// --- start ----------------------------------------------------------------------------------------

async function registerWorker() {
  if (!("serviceWorker" in navigator)) return;
  try {
    await navigator.serviceWorker.register(root.dataset.sw, { scope: "/door/" });
    const ready = await navigator.serviceWorker.ready;
    const urls = [location.pathname + location.search, ...performance.getEntriesByType("resource").map((e) => e.name)];
    ready.active?.postMessage({ type: "cache", urls: urls.filter((u) => !new URL(u, location.href).pathname.startsWith("/api/")) });
    root.dataset.worker = "ready";
  } catch (error) {
    console.warn("The offline worker could not be installed", error);
  }
}

function dropOnSignOut() {
  // Signing out on this device drops what it keeps of people: the photos and the badge list
  // (scans still waiting are kept, and sent at the next sign-in).
  for (const form of document.querySelectorAll('form[action$="/logout"]')) {
    form.addEventListener("submit", async (event) => {
      if (form.dataset.dropped) return;
      event.preventDefault();
      try {
        await Promise.all([dropPhotos(), state.store?.set("bundle", null)]);
      } finally {
        form.dataset.dropped = "1";
        form.submit();
      }
    });
  }
}

async function start() {
  restoreSettings();
  dropOnSignOut();
  state.store = await openStore(`door-${slug}`);
  state.bundle = (await state.store.get("bundle")) || null;
  state.moves = new Map((await state.store.get("moves")) || []);
  state.queued = await state.store.countQueued();
  showBundle();
  insideFromBundle();
  showNetwork();
  const once = onceWhileShown((code) => onCode(code));
  listenForHandScanner((code) => onCode(code));
  $("door-setup").addEventListener("submit", (event) => event.preventDefault());
  // A code typed or pasted into the field (or a hand scanner typing into it) is sent with Enter.
  $("door-code").addEventListener("keydown", (event) => {
    if (event.key !== "Enter") return;
    event.preventDefault();
    const code = normaliseCode($("door-code").value);
    if (code) onCode(code);
  });
  $("door-camera-button").addEventListener("click", async () => {
    try {
      await startCamera($("door-video"), once);
      $("door-camera-button").hidden = true;
      root.dataset.camera = "on";
    } catch (error) {
      $("door-ready").textContent = strings.camera_failed;
    }
  });
  registerWorker();
  await refreshBundle();
  if (state.queued) await flushQueue();
  setInterval(refreshBundle, BUNDLE_EVERY_MS);
  retryLoop();
  root.dataset.started = "1";
}

start();
