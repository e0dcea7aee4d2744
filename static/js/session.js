// Warns before this browser's staff sign-in ends, so a guard is not surprised mid-queue.
//
// The server ends a sign-in after `data-idle` seconds without a request, or at the end of its
// shift (`data-ends-left` seconds after the page loaded). Every answer of the API (a scan, a
// check-in) renews it, and announces so with a "kiosk:activity" event (api.js). Five minutes
// before either end this box says so with a countdown; "Stay signed in" renews an idle sign-in.
// Times are counted on this device's monotonic clock: a tablet's wrong date does not matter.
import { api } from "./api.js";

const box = document.getElementById("session-expiry");
const WARN = 5 * 60 * 1000;
// The server writes a sign-in's last request at most once a minute: end a minute early here.
const MARGIN = 60 * 1000;

if (box) {
  const idle = Number(box.dataset.idle) * 1000;
  const shiftEnds = performance.now() + Number(box.dataset.endsLeft) * 1000;
  let idleEnds = performance.now() + Number(box.dataset.idleLeft) * 1000 - MARGIN;
  const countdown = document.getElementById("session-countdown");
  const keep = document.getElementById("session-keep");

  const show = (when) => {
    box.hidden = when === null;
    for (const part of box.querySelectorAll("[data-when]")) part.hidden = part.dataset.when !== when;
    keep.hidden = when !== "idle";
    countdown.hidden = when === "ended" || when === null;
  };
  const clock = (ms) => {
    const seconds = Math.max(0, Math.ceil(ms / 1000));
    return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
  };
  const tick = () => {
    const now = performance.now();
    const end = Math.min(idleEnds, shiftEnds);
    if (now >= end) {
      show("ended");
      return;
    }
    if (end - now > WARN) {
      show(null);
    } else {
      show(shiftEnds <= idleEnds ? "shift" : "idle");
      countdown.textContent = clock(end - now);
    }
    setTimeout(tick, 1000);
  };
  document.addEventListener("kiosk:activity", () => {
    idleEnds = Math.max(idleEnds, performance.now() + idle - MARGIN);
  });
  keep.addEventListener("click", async () => {
    keep.disabled = true;
    try {
      await api(box.dataset.keepAlive, { method: "POST" });
    } catch {
      // Already ended (or offline): the countdown goes on and says so.
    } finally {
      keep.disabled = false;
    }
  });
  tick();
}
