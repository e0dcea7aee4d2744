// Reading codes: a hand scanner that types like a keyboard, and the camera (zxing-wasm, served here).
// Shared by the kiosk and the door. Both report each code once while it stays in front of the reader.

import { prepareZXingModule, readBarcodes } from "../vendor/zxing-wasm-3.1.4/es/reader/index.js";

const WASM_DIR = new URL("../vendor/zxing-wasm-3.1.4/reader/", import.meta.url).href;
let prepared = false;

function prepare() {
  if (prepared) return;
  prepareZXingModule({
    overrides: { locateFile: (path, prefix) => (path.endsWith(".wasm") ? WASM_DIR + path : prefix + path) },
    fireImmediately: true,
  });
  prepared = true;
}

// Codes are upper-case base32; a scanner on any keyboard layout types them the same.
export const normaliseCode = (text) => text.trim().toUpperCase().replace(/[^A-Z2-7]/g, "");

export function onceWhileShown(onCode, quietMs = 2500) {
  // Wraps onCode so that a code held in front of the camera fires once, and again only after
  // it has been out of sight for quietMs.
  const lastSeen = new Map();
  return (code, source) => {
    const now = performance.now();
    const previous = lastSeen.get(code);
    lastSeen.set(code, now);
    for (const [other, at] of lastSeen) if (now - at > quietMs) lastSeen.delete(other);
    if (previous === undefined || now - previous > quietMs) onCode(code, source);
  };
}

export function listenForHandScanner(onCode, { minLength = 16, maxAverageMs = 60, resetAfterMs = 600 } = {}) {
  // A hand scanner types fast and ends with Enter, wherever the focus is; people type slowly.
  // Judged on the average pace of the whole code, not on each gap: a busy page (camera decoding,
  // rendering) delays some keystrokes, and a single late key must not cut a code in two.
  // Keys typed into a form field are left alone unless the field has data-scanner-input.
  let buffer = "";
  let first = 0;
  let last = 0;
  const onKey = (event) => {
    const target = event.target;
    const inField = target instanceof HTMLElement && target.matches("input, textarea, select, [contenteditable]");
    if (inField && !target.hasAttribute("data-scanner-input")) return;
    const now = event.timeStamp || performance.now();
    if (now - last > resetAfterMs) buffer = "";
    last = now;
    if (event.key === "Enter") {
      const code = normaliseCode(buffer);
      const pace = buffer.length > 1 ? (now - first) / buffer.length : Infinity;
      buffer = "";
      if (code.length >= minLength && pace <= maxAverageMs) {
        event.preventDefault();
        onCode(code, "scanner");
      }
    } else if (event.key.length === 1) {
      if (!buffer) first = now;
      buffer += event.key;
    }
  };
  document.addEventListener("keydown", onKey, true);
  return () => document.removeEventListener("keydown", onKey, true);
}

export async function startCamera(video, onCode, { intervalMs = 120 } = {}) {
  // Shows the camera in `video` and reads QR codes from it; returns a function that stops it.
  prepare();
  const stream = await navigator.mediaDevices.getUserMedia({
    audio: false,
    video: { facingMode: "environment", width: { ideal: 1280 }, height: { ideal: 720 } },
  });
  video.muted = true;
  video.playsInline = true;
  video.srcObject = stream;
  await video.play();
  const canvas = document.createElement("canvas");
  const context = canvas.getContext("2d", { willReadFrequently: true });
  let stopped = false;
  const tick = async () => {
    if (stopped) return;
    if (video.videoWidth && video.videoHeight) {
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      context.drawImage(video, 0, 0);
      try {
        const results = await readBarcodes(context.getImageData(0, 0, canvas.width, canvas.height), {
          formats: ["QRCode"],
          maxNumberOfSymbols: 1,
        });
        for (const result of results) {
          const code = result.isValid ? normaliseCode(result.text) : "";
          if (code && !stopped) onCode(code, "camera");
        }
      } catch (error) {
        console.warn("QR decoding failed", error);
      }
    }
    setTimeout(tick, intervalMs);
  };
  tick();
  return () => {
    stopped = true;
    for (const track of stream.getTracks()) track.stop();
    video.srcObject = null;
  };
}
