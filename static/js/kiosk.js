// The kiosk: one screen at a time (scan or find me → proof or code → confirm → printing), every decision
// taken by the server, and nothing left on screen afterwards: each visit ends with a fresh page.

import { api, ApiError, apiRetrying, NetworkError } from "./api.js";
import { bdi, isolate } from "./bidi.js";
import { fill, fillNodes } from "./messages.js";
import { listenForHandScanner, onceWhileShown, startCamera } from "./scanner.js";

const ACCESSIBLE = "kiosk-accessible";
const POLL_MS = 400;
const FOLLOW_FOR_MS = 120000;
// Waits before the second and third try of a check-in that met a network or server error.
const RETRY_DELAYS_MS = [500, 1500];
// Chinese, Japanese and Korean characters (East Asian wide): each counts as two letters.
const WIDE = /[\u1100-\u115F\u2E80-\u303E\u3041-\uA4CF\uAC00-\uD7A3\uF900-\uFAFF\uFF01-\uFF60]/u;
// Names sorted as the page's language sorts them (pinyin for Chinese, the Arabic alphabet for
// Arabic …): the browser's CLDR collation, which the server does not have.
const collator = new Intl.Collator(document.documentElement.lang || undefined, { numeric: true });
const root = document.querySelector("main");

// --- accessible mode: every control in the lower half of the screen, larger text ----------------
function applyAccessible() {
  const on = sessionStorage.getItem(ACCESSIBLE) === "1";
  document.body.classList.toggle("accessible", on);
  for (const button of document.querySelectorAll("[data-accessible-toggle]")) {
    button.setAttribute("aria-pressed", String(on));
  }
}

document.addEventListener("click", (event) => {
  if (!event.target.closest("[data-accessible-toggle]")) return;
  sessionStorage.setItem(ACCESSIBLE, document.body.classList.contains("accessible") ? "0" : "1");
  applyAccessible();
});
applyAccessible();

// --- going back to the start: after 45 s without a touch, and after printing ---------------------
const startUrl = root.dataset.startUrl || location.pathname;

function restart({ forget = true } = {}) {
  // The next person starts afresh: a new page load leaves no name in the document.
  if (forget) sessionStorage.removeItem(ACCESSIBLE);
  location.replace(startUrl);
}

const idleMs = Number(root.dataset.idle || 45) * 1000;
// Someone reading their mail for the code is given longer before the kiosk gives up on them.
const codeIdleMs = Number(root.dataset.codeIdle || 180) * 1000;
let idleTimer = 0;
function touched() {
  clearTimeout(idleTimer);
  const waiting = document.body.dataset.kioskScreen === "code" ? codeIdleMs : idleMs;
  idleTimer = setTimeout(() => {
    if (root.hasAttribute("data-kiosk")) restart();
    else if (sessionStorage.getItem(ACCESSIBLE)) {
      sessionStorage.removeItem(ACCESSIBLE);
      applyAccessible();
    }
  }, waiting);
}
for (const type of ["pointerdown", "keydown", "touchstart", "input"]) {
  document.addEventListener(type, touched, { capture: true, passive: true });
}
touched();

if (root.hasAttribute("data-kiosk")) flow();
document.body.dataset.ready = "1";

function flow() {
  const T = JSON.parse(document.getElementById("kiosk-strings").textContent);
  const base = `/api/v1/events/${encodeURIComponent(root.dataset.event)}/checkins`;
  const $ = (id) => document.getElementById(id);
  let current = "scan";
  let busy = false;
  let pending = null; // what the person showed: {code} or {participant_id, proof}
  let requestId = "";
  let stopCamera = null;
  let cameraStarting = false;

  const sentence = (error) => {
    // 401: this browser's kiosk was revoked (or its cookie lost) since the page was shown.
    if (error instanceof ApiError) return error.status === 401 ? T.out_of_service : error.message;
    return error instanceof NetworkError ? T.network : T.error;
  };

  function show(name) {
    current = name;
    for (const screen of document.querySelectorAll("section[data-screen]")) screen.hidden = screen.dataset.screen !== name;
    const field = { find: "family-name", proof: "proof", code: "one-time-code" }[name];
    (field ? $(field) : document.querySelector(`[data-screen="${name}"] h1`))?.focus();
    if (name === "scan") openCamera();
    else closeCamera();
    document.body.dataset.kioskScreen = name;
    touched();
  }

  function refuse(text) {
    $("refusal").textContent = text;
    show("refused");
  }

  // --- reading codes: the camera on the scan screen, the hand scanner on any screen ---------------
  async function openCamera() {
    const video = $("camera");
    if (stopCamera || cameraStarting) return;
    if (!navigator.mediaDevices?.getUserMedia) {
      video.hidden = true;
      $("scan-hint").textContent = T.camera_off;
      return;
    }
    cameraStarting = true;
    try {
      stopCamera = await startCamera(video, seen);
      if (current !== "scan") closeCamera();
    } catch (error) {
      video.hidden = true;
      $("scan-hint").textContent = T.camera_off;
    } finally {
      cameraStarting = false;
    }
  }

  function closeCamera() {
    if (stopCamera) stopCamera();
    stopCamera = null;
  }

  const seen = onceWhileShown((code) => {
    if (busy || !["scan", "find", "proof", "code", "refused"].includes(current)) return;
    $("family-name").value = "";
    $("proof").value = "";
    lookUp({ code });
  });
  listenForHandScanner(seen);

  // --- who is it? ---------------------------------------------------------------------------------
  async function lookUp(body) {
    busy = true;
    try {
      const answer = await api(`${base}/preview`, { method: "POST", body });
      pending = body;
      showConfirm(answer.participant);
    } catch (error) {
      // A wrong reference or code, or a code out of date: said beside the field, to try again.
      const inline = current === "code" ? $("code-error") : $("proof-error");
      const again = ["proof_mismatch", "code_expired"];
      if (body.participant_id && error instanceof ApiError && again.includes(error.code)) {
        inline.textContent = error.message;
        inline.hidden = false;
      } else {
        refuse(sentence(error));
      }
    } finally {
      busy = false;
    }
  }

  function showConfirm(person) {
    $("confirm-name").replaceChildren(bdi(person.name));
    $("confirm-delegation").replaceChildren(bdi(person.delegation));
    $("confirm-function").textContent = person.function || "";
    const photo = $("confirm-photo");
    photo.hidden = !person.photo;
    if (person.photo) photo.src = person.photo;
    else photo.removeAttribute("src");
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    requestId = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    $("confirm-print").disabled = false;
    show("confirm");
  }

  // --- find me: family name → delegation → name → proof ---------------------------------------------
  let searchTimer = 0;
  let searchSeq = 0;
  $("family-name").addEventListener("input", () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(search, 250);
  });

  async function search() {
    const text = $("family-name").value.trim();
    const seq = ++searchSeq;
    // As the server counts: a Chinese, Japanese or Korean character is two letters (王 is a name).
    const letters = [...text.replace(/\s/g, "")].reduce((n, c) => n + (WIDE.test(c) ? 2 : 1), 0);
    if (letters < 2) {
      results.replaceChildren();
      return;
    }
    let found;
    try {
      found = await api(`${base}/find?family_name=${encodeURIComponent(text)}`);
    } catch (error) {
      if (error instanceof ApiError && error.status === 429) refuse(error.message);
      else results.replaceChildren(paragraph(sentence(error)));
      return;
    }
    if (seq !== searchSeq) return;
    if (!found.delegations.length) {
      results.replaceChildren(paragraph(T.nobody));
      return;
    }
    found.delegations.sort((a, b) => collator.compare(a.name, b.name));
    for (const delegation of found.delegations) {
      delegation.people.sort((a, b) => collator.compare(a.list_name, b.list_name));
    }
    results.replaceChildren(
      ...found.delegations.map((delegation) =>
        choice([bdi(delegation.name)], () => showPeople(delegation), "delegation"),
      ),
    );
  }

  function showPeople(delegation) {
    const heading = document.createElement("p");
    heading.className = "choices-heading";
    heading.append(...fillNodes(T.people_in, { delegation: delegation.name }));
    $("find-results").replaceChildren(
      heading,
      ...delegation.people.map((person) =>
        choice(
          person.function ? [bdi(person.name), ` — ${person.function}`] : [bdi(person.name)],
          () => askProof(person),
          "person",
        ),
      ),
    );
  }

  // --- results that do not fit: arrows beside them page through, a fade shows where more are -------
  const results = $("find-results");
  const pager = document.querySelector("[data-pager]");

  function updatePager() {
    const over = results.scrollHeight > results.clientHeight + 1;
    const above = over && results.scrollTop > 1;
    const below = over && results.scrollTop + results.clientHeight < results.scrollHeight - 1;
    pager.hidden = !over;
    pager.querySelector('[data-page="-1"]').disabled = !above;
    pager.querySelector('[data-page="1"]').disabled = !below;
    results.classList.toggle("more-above", above);
    results.classList.toggle("more-below", below);
  }

  function page(direction) {
    // A page on: the first result not wholly shown comes to the top (back: to the bottom).
    const top = results.scrollTop;
    const bottom = top + results.clientHeight;
    const items = [...results.children];
    if (direction > 0) {
      const next = items.find((item) => item.offsetTop + item.offsetHeight > bottom + 1);
      results.scrollTo({ top: next ? next.offsetTop : results.scrollHeight, behavior: "smooth" });
    } else {
      const previous = items.findLast((item) => item.offsetTop < top - 1);
      const target = previous ? previous.offsetTop + previous.offsetHeight - results.clientHeight : 0;
      results.scrollTo({ top: Math.max(0, target), behavior: "smooth" });
    }
  }

  for (const button of pager.querySelectorAll("[data-page]")) {
    button.addEventListener("click", () => page(Number(button.dataset.page)));
  }
  results.addEventListener("scroll", updatePager, { passive: true });
  new ResizeObserver(updatePager).observe(results);
  new MutationObserver(() => {
    results.scrollTop = 0;
    updatePager();
  }).observe(results, { childList: true });

  function askProof(person) {
    pending = null;
    $("proof-name").replaceChildren(bdi(person.name));
    $("proof").value = "";
    $("proof-error").hidden = true;
    $("proof-continue").onclick = () => {
      const proof = $("proof").value.trim();
      if (proof && !busy) lookUp({ participant_id: person.id, proof });
    };
    $("proof-send").onclick = () => sendCode(person, false);
    $("code-again").onclick = () => sendCode(person, true);
    $("code-continue").onclick = () => {
      const code = $("one-time-code").value.replace(/\D/g, "");
      if (code && !busy) lookUp({ participant_id: person.id, proof: code });
    };
    show("proof");
  }

  // --- send me a code: six digits e-mailed to the address registered (never shown) ----------------
  async function sendCode(person, again) {
    if (busy) return;
    busy = true;
    try {
      await api(`${base}/codes`, { method: "POST", body: { participant_id: person.id } });
    } catch (error) {
      const inline = again ? $("code-error") : $("proof-error");
      if (error instanceof ApiError && error.status !== 429 && error.status !== 401) {
        inline.textContent = error.message;
        inline.hidden = false;
      } else {
        refuse(sentence(error));
      }
      return;
    } finally {
      busy = false;
    }
    $("code-name").replaceChildren(bdi(person.name));
    $("one-time-code").value = "";
    $("code-error").hidden = true;
    $("code-sent").textContent = again ? T.code_again : "";
    show("code");
  }

  $("proof").addEventListener("input", () => {
    $("proof-error").hidden = true;
  });
  $("one-time-code").addEventListener("input", () => {
    const field = $("one-time-code");
    const digits = field.value.replace(/\D/g, "").slice(0, 6);
    if (field.value !== digits) field.value = digits;
    $("code-error").hidden = true;
  });
  $("one-time-code").addEventListener("keydown", (event) => {
    if (event.key === "Enter") $("code-continue").click();
  });
  $("proof").addEventListener("keydown", (event) => {
    if (event.key === "Enter") $("proof-continue").click();
  });

  function paragraph(text) {
    const p = document.createElement("p");
    p.textContent = text;
    return p;
  }

  function choice(parts, onChoose, kind) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = `choice choice-${kind}`;
    const text = document.createElement("span");
    text.append(...parts);
    button.append(text);
    button.addEventListener("click", onChoose);
    return button;
  }

  // --- the on-screen keyboard ---------------------------------------------------------------------
  document.addEventListener("click", (event) => {
    const layoutSwitch = event.target.closest("[data-layout-switch]");
    if (layoutSwitch) {
      // Show the layout named on the key; the key to come back appears in its place.
      const board = layoutSwitch.closest("[data-keyboard]");
      const wanted = layoutSwitch.dataset.layoutSwitch;
      for (const layout of board.querySelectorAll("[data-layout]")) layout.hidden = layout.dataset.layout !== wanted;
      for (const other of board.querySelectorAll("[data-layout-switch]")) {
        other.hidden = other.dataset.layoutSwitch === wanted;
      }
      return;
    }
    const key = event.target.closest("[data-key]");
    if (!key) return;
    const field = $(key.closest("[data-keyboard]").dataset.keyboard);
    field.value = key.dataset.key === "Backspace" ? field.value.slice(0, -1) : field.value + key.dataset.key;
    field.dispatchEvent(new Event("input", { bubbles: true }));
    field.focus();
  });

  // --- check in, print, follow the badge to the printer --------------------------------------------
  $("confirm-print").addEventListener("click", async () => {
    if (busy || !pending) return;
    busy = true;
    $("confirm-print").disabled = true;
    const body = { ...pending, request_id: requestId };
    let answer;
    try {
      // Three tries over about 2 s: the same request_id makes a retry safe (never two check-ins),
      // so a check-in that succeeded behind a failed answer is shown as the success it was.
      answer = await apiRetrying(base, { method: "POST", body }, { delays: RETRY_DELAYS_MS });
    } catch (error) {
      busy = false;
      refuse(sentence(error));
      return;
    }
    busy = false;
    printing(answer);
  });

  function printing(answer) {
    const badge = answer.print_jobs.find((job) => job.kind === "badge");
    const receipt = answer.print_jobs.find((job) => job.kind === "receipt");
    if (!badge) {
      refuse(T.no_printer);
      return;
    }
    // Names put into a sentence are isolated (FSI … PDI), so "Printer 2." reads right in Arabic too.
    $("collect").textContent = fill(T.collect, { printer: badge.printer }, isolate);
    $("collect-receipt").textContent = receipt ? fill(T.collect_receipt, { printer: receipt.printer }, isolate) : "";
    $("print-state").textContent = T.printing;
    show("printing");
    follow(badge.id, Date.now());
  }

  async function follow(jobId, since) {
    let job;
    try {
      job = await api(`/api/v1/print-jobs/${jobId}`);
    } catch (error) {
      job = null;
    }
    if (current !== "printing") return;
    const state = $("print-state");
    if (job?.status === "done") {
      state.textContent = T.printed;
      document.body.dataset.printed = "1";
      setTimeout(() => restart(), Number(root.dataset.doneReturn || 10) * 1000);
      return;
    }
    if (job && ["failed", "cancelled", "uncertain"].includes(job.status)) {
      state.textContent = T.print_failed;
      return;
    }
    if (job?.status === "queued" && job.attempts > 0 && job.error) state.textContent = T.printer_waiting;
    if (Date.now() - since < FOLLOW_FOR_MS) setTimeout(() => follow(jobId, since), POLL_MS);
  }

  $("done").addEventListener("click", (event) => {
    event.preventDefault();
    restart();
  });
  for (const link of document.querySelectorAll("[data-restart]:not(#done)")) {
    link.addEventListener("click", (event) => {
      event.preventDefault();
      restart({ forget: false });
    });
  }
  document.querySelector('[data-go="find"]').addEventListener("click", () => show("find"));
  $("proof-scan").addEventListener("click", () => show("scan"));

  show("scan");
}
