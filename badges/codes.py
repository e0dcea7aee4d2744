"""Signed confirmation and badge codes: Ed25519 over a compact payload, in base32."""

from __future__ import annotations

import base64
import binascii
import enum
import functools
import os
import struct
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

__all__ = [
    "CODE_LENGTH",
    "CodeKind",
    "CodePayload",
    "Verification",
    "decode_unverified",
    "generate_key",
    "load_private_key",
    "normalise",
    "public_key_raw",
    "save_private_key",
    "sign",
    "verify",
]

FORMAT_VERSION = 1
# version, kind, key_id, event_id, participant_id, serial, valid_from, valid_until
_PAYLOAD = struct.Struct(">BBIIIIII")
_SIGNATURE_LENGTH = 64
_RAW_LENGTH = _PAYLOAD.size + _SIGNATURE_LENGTH  # 90 bytes
CODE_LENGTH = _RAW_LENGTH * 8 // 5  # 144 base32 characters, no padding, no spare bits
_UINT32_MAX = 2**32 - 1


class CodeKind(enum.Enum):
    """What a code admits to: the kiosk (confirmation) or the doors (badge)."""

    CONFIRMATION = "confirmation"
    BADGE = "badge"


_KIND_TO_BYTE = {CodeKind.CONFIRMATION: 1, CodeKind.BADGE: 2}
_BYTE_TO_KIND = {value: kind for kind, value in _KIND_TO_BYTE.items()}


@dataclass(frozen=True)
class CodePayload:
    """The signed content of a code."""

    kind: CodeKind
    event_id: int
    participant_id: int
    serial: int
    valid_from: datetime
    valid_until: datetime
    key_id: int


@dataclass(frozen=True)
class Verification:
    """The outcome of checking a code; reason is None when ok."""

    ok: bool
    payload: CodePayload | None
    reason: str | None


def generate_key() -> tuple[bytes, bytes]:
    """Return a new (PKCS8 PEM private key, raw 32-byte public key) pair."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return pem, public_key_raw(key)


def public_key_raw(private_key: Ed25519PrivateKey | bytes | str | Path) -> bytes:
    """Return the raw 32-byte public key of a private key (object, PEM or path)."""
    key = _as_private_key(private_key)
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def save_private_key(path: Path, pem: bytes) -> None:
    """Write a private key PEM to path atomically, readable by its owner only (0600)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    os.chmod(path, 0o600)


def load_private_key(path_or_pem: Path | str | bytes) -> Ed25519PrivateKey:
    """Load an Ed25519 private key from a PEM (bytes or str) or from a file path."""
    if isinstance(path_or_pem, bytes):
        pem = path_or_pem
    elif isinstance(path_or_pem, str) and path_or_pem.lstrip().startswith("-----BEGIN"):
        pem = path_or_pem.encode("ascii")
    else:
        pem = Path(path_or_pem).read_bytes()
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("The key is not an Ed25519 private key.")
    return key


def _as_private_key(key: Ed25519PrivateKey | bytes | str | Path) -> Ed25519PrivateKey:
    """Return key as an Ed25519PrivateKey object."""
    if isinstance(key, Ed25519PrivateKey):
        return key
    return load_private_key(key)


def _to_seconds(moment: datetime, name: str) -> int:
    """Return a tz-aware datetime as unix seconds, checked to fit in a uint32."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware.")
    seconds = int(moment.timestamp())
    if not 0 <= seconds <= _UINT32_MAX:
        raise ValueError(f"{name} is outside the range a code can carry.")
    return seconds


def _check_uint32(value: int, name: str) -> int:
    """Return value if it fits in an unsigned 32-bit integer, else raise ValueError."""
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= _UINT32_MAX:
        raise ValueError(f"{name} must be an integer between 0 and {_UINT32_MAX}.")
    return value


def _pack(payload: CodePayload) -> bytes:
    """Return the binary form of a payload (the bytes that are signed)."""
    return _PAYLOAD.pack(
        FORMAT_VERSION,
        _KIND_TO_BYTE[payload.kind],
        _check_uint32(payload.key_id, "key_id"),
        _check_uint32(payload.event_id, "event_id"),
        _check_uint32(payload.participant_id, "participant_id"),
        _check_uint32(payload.serial, "serial"),
        _to_seconds(payload.valid_from, "valid_from"),
        _to_seconds(payload.valid_until, "valid_until"),
    )


def sign(payload: CodePayload, private_key: Ed25519PrivateKey | bytes | str | Path) -> str:
    """Return the code for payload: upper-case RFC 4648 base32 without padding."""
    message = _pack(payload)
    signature = _as_private_key(private_key).sign(message)
    return base64.b32encode(message + signature).decode("ascii").rstrip("=")


def normalise(code: str) -> str:
    """Return code without any whitespace and in upper case, as scanners may alter both."""
    return "".join(code.split()).upper()


#: How many codes, and checked signatures, each process remembers. A badge is read many times a
#: day (in, out, at each checkpoint), and decoding it and checking its Ed25519 signature were the
#: largest fixed costs of a scan. Both answers never change (a signature valid for a key stays
#: valid for it; revocation and validity are checked on every scan), so remembering them is safe.
CODES_REMEMBERED = 10_000


def _split(code: str) -> tuple[CodePayload, bytes, bytes] | None:
    """Return (payload, signed bytes, signature) of a code, or None if it is not well formed."""
    return _split_text(code) if isinstance(code, str) else None


@functools.lru_cache(maxsize=CODES_REMEMBERED)
def _split_text(code: str) -> tuple[CodePayload, bytes, bytes] | None:
    """`_split` of a string, remembered: the same badge is read again and again at the doors."""
    text = normalise(code)
    if len(text) != CODE_LENGTH or not text.isascii():
        return None
    try:
        raw = base64.b32decode(text, casefold=False)
    except (binascii.Error, ValueError):
        return None
    if len(raw) != _RAW_LENGTH:
        return None
    message, signature = raw[: _PAYLOAD.size], raw[_PAYLOAD.size :]
    version, kind_byte, key_id, event_id, participant_id, serial, start, end = _PAYLOAD.unpack(message)
    kind = _BYTE_TO_KIND.get(kind_byte)
    if version != FORMAT_VERSION or kind is None:
        return None
    payload = CodePayload(
        kind=kind,
        event_id=event_id,
        participant_id=participant_id,
        serial=serial,
        valid_from=datetime.fromtimestamp(start, tz=UTC),
        valid_until=datetime.fromtimestamp(end, tz=UTC),
        key_id=key_id,
    )
    return payload, message, signature


def decode_unverified(code: str) -> CodePayload | None:
    """Return the payload of a code without checking its signature; None if garbled."""
    parts = _split(code)
    return parts[0] if parts else None


@functools.lru_cache(maxsize=CODES_REMEMBERED)
def _signed_by(public: bytes, message: bytes, signature: bytes) -> bool:
    """Whether `signature` is the Ed25519 signature of `message` by the raw public key `public`."""
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


def _public_key(raw: bytes | Ed25519PublicKey) -> Ed25519PublicKey | None:
    """Return a public key object from raw bytes, or None if they are not a valid key."""
    if isinstance(raw, Ed25519PublicKey):
        return raw
    try:
        return Ed25519PublicKey.from_public_bytes(bytes(raw))
    except (ValueError, TypeError):
        return None


def verify(
    code: str,
    public_keys: Mapping[int, bytes],
    *,
    event_id: int | None = None,
    kind: CodeKind | None = None,
    now: datetime | None = None,
) -> Verification:
    """Check a code's format, key, signature, event, kind and validity window; never raises.

    The payload is returned only once the signature has been checked.
    """
    parts = _split(code)
    if parts is None:
        return Verification(False, None, "invalid_code")
    payload, message, signature = parts
    raw_key = public_keys.get(payload.key_id)
    key = _public_key(raw_key) if raw_key is not None else None
    if key is None:
        return Verification(False, None, "unknown_key")
    if not _signed_by(key.public_bytes_raw(), message, signature):
        return Verification(False, None, "invalid_code")
    if event_id is not None and payload.event_id != event_id:
        return Verification(False, payload, "wrong_event")
    if kind is not None and payload.kind is not kind:
        return Verification(False, payload, "wrong_kind")
    moment = now if now is not None else datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    if not payload.valid_from <= moment <= payload.valid_until:
        return Verification(False, payload, "not_valid_now")
    return Verification(True, payload, None)
