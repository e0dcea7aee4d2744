// The door's verdict while the server cannot be reached. It re-implements only what it must,
// in the same order as kiosk/services/door.py: the code's format and Ed25519 signature (WebCrypto),
// its kind, event and validity window, revocation, accreditation, the checkpoint's meetings, and
// anti-passback from the last synced presence plus this scanner's own scans.
// Tested against the same cases as the server (tests/door/cases.json).

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const PAYLOAD_LENGTH = 26; // >BBIIIIII: version, kind, key id, event, participant, serial, from, until
const RAW_LENGTH = PAYLOAD_LENGTH + 64;
const BADGE = 2;
const KINDS = new Set([1, 2]);

export function base32Decode(text) {
  // RFC 4648 base32 without padding; null if any character is outside the alphabet.
  const out = new Uint8Array(Math.floor((text.length * 5) / 8));
  let bits = 0;
  let value = 0;
  let index = 0;
  for (const char of text) {
    const digit = ALPHABET.indexOf(char);
    if (digit < 0) return null;
    value = (value << 5) | digit;
    bits += 5;
    if (bits >= 8) {
      out[index++] = (value >>> (bits - 8)) & 0xff;
      bits -= 8;
    }
  }
  return out;
}

export function parseCode(code) {
  // The payload of a code, without checking its signature; null if it is not well formed.
  const text = String(code).replace(/\s+/g, "").toUpperCase();
  if (text.length !== (RAW_LENGTH * 8) / 5) return null;
  const raw = base32Decode(text);
  if (!raw || raw.length !== RAW_LENGTH) return null;
  const view = new DataView(raw.buffer, 0, PAYLOAD_LENGTH);
  const payload = {
    version: view.getUint8(0),
    kind: view.getUint8(1),
    keyId: view.getUint32(2),
    eventId: view.getUint32(6),
    participantId: view.getUint32(10),
    serial: view.getUint32(14),
    validFrom: view.getUint32(18) * 1000,
    validUntil: view.getUint32(22) * 1000,
    message: raw.slice(0, PAYLOAD_LENGTH),
    signature: raw.slice(PAYLOAD_LENGTH),
  };
  if (payload.version !== 1 || !KINDS.has(payload.kind)) return null;
  return payload;
}

const hexBytes = (hex) => new Uint8Array(hex.match(/../g).map((pair) => parseInt(pair, 16)));
const keyCache = new Map();

async function publicKey(hex) {
  if (!keyCache.has(hex)) {
    keyCache.set(hex, crypto.subtle.importKey("raw", hexBytes(hex), { name: "Ed25519" }, false, ["verify"]));
  }
  return keyCache.get(hex);
}

export async function verifySignature(bundle, payload) {
  // Whether the code was signed by one of the event's keys.
  const hex = bundle.public_keys?.[String(payload.keyId)];
  if (!hex) return false;
  try {
    return await crypto.subtle.verify({ name: "Ed25519" }, await publicKey(hex), payload.signature, payload.message);
  } catch {
    return false;
  }
}

function revokedBelow(bundle) {
  if (!bundle._revoked) {
    bundle._revoked = new Map((bundle.revoked || []).map((r) => [r.participant_id, r.below_serial]));
  }
  return bundle._revoked;
}

function meetingOpen(checkpoint, now) {
  const meetings = checkpoint.meetings || [];
  if (!meetings.length) return true;
  return meetings.some((m) => Date.parse(m.opens_at) <= now && now <= Date.parse(m.ends_at));
}

const refuse = (reason, participant = null, payload = null) => ({ result: "refused", reason, participant, payload });

export async function decideOffline(bundle, code, { checkpoint, direction, now = Date.now(), isInside }) {
  // The verdict on `code` at `checkpoint` going `direction`; isInside(participantId) is the local presence.
  const payload = parseCode(code);
  if (!payload) return refuse("invalid_code");
  if (payload.eventId !== bundle.event.id) return refuse("wrong_event");
  if (!(await verifySignature(bundle, payload))) return refuse("invalid_code");
  const holder = bundle.participants?.[String(payload.participantId)] || null;
  if (payload.kind !== BADGE) return refuse("not_a_badge", holder, payload);
  if (now < payload.validFrom || now > payload.validUntil) return refuse("not_valid_now", holder, payload);
  const below = revokedBelow(bundle).get(payload.participantId);
  if (below !== undefined && payload.serial < below) return refuse("revoked", holder, payload);
  if (!holder) return refuse("not_accredited", null, payload);
  if (payload.serial > holder.serial) return refuse("invalid_code", null, payload);
  if (direction === "in" && !meetingOpen(checkpoint, now)) return refuse("not_valid_now", holder, payload);
  if (checkpoint.anti_passback) {
    const inside = isInside(payload.participantId);
    if (direction === "in" && inside) return refuse("already_inside", holder, payload);
    if (direction === "out" && !inside) return refuse("not_inside", holder, payload);
  }
  return { result: "accepted", reason: null, participant: holder, payload };
}
