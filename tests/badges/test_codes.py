"""Tests for signed confirmation and badge codes."""

from __future__ import annotations

import os
import re
import stat
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import qrcode
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from badges.codes import (
    CODE_LENGTH,
    CodeKind,
    CodePayload,
    decode_unverified,
    generate_key,
    load_private_key,
    public_key_raw,
    save_private_key,
    sign,
    verify,
)

NOW = datetime(2024, 6, 10, 9, 30, tzinfo=UTC)


def make_payload(**overrides: object) -> CodePayload:
    """Return a badge payload valid around NOW, with overrides applied."""
    values: dict[str, object] = {
        "kind": CodeKind.BADGE,
        "event_id": 12,
        "participant_id": 3456,
        "serial": 2,
        "valid_from": NOW - timedelta(days=1),
        "valid_until": NOW + timedelta(days=4),
        "key_id": 1,
    }
    values.update(overrides)
    return CodePayload(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def keypair() -> tuple[bytes, bytes]:
    """Return one (private PEM, raw public key) pair for the module."""
    return generate_key()


@pytest.fixture
def code(keypair: tuple[bytes, bytes]) -> str:
    """Return a valid badge code signed with key 1."""
    return sign(make_payload(), keypair[0])


def test_generate_key_shapes(keypair: tuple[bytes, bytes]) -> None:
    pem, public = keypair
    assert pem.startswith(b"-----BEGIN PRIVATE KEY-----")
    assert len(public) == 32
    assert public_key_raw(pem) == public


def test_roundtrip(keypair: tuple[bytes, bytes], code: str) -> None:
    result = verify(code, {1: keypair[1]}, event_id=12, kind=CodeKind.BADGE, now=NOW)
    assert result.ok and result.reason is None
    assert result.payload == make_payload()


def test_code_alphabet_and_length(code: str) -> None:
    assert re.fullmatch(r"[A-Z2-7]+", code)
    assert len(code) == CODE_LENGTH <= 154


def test_code_fits_qr_version_6_m_alphanumeric(code: str) -> None:
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M)
    qr.add_data(code)
    qr.make(fit=True)
    assert qr.version <= 6
    assert qr.data_list[0].mode == qrcode.util.MODE_ALPHA_NUM


def test_large_values_roundtrip(keypair: tuple[bytes, bytes]) -> None:
    payload = make_payload(
        kind=CodeKind.CONFIRMATION,
        event_id=2**32 - 1,
        participant_id=2**31,
        serial=0,
        key_id=70000,
        valid_until=datetime(2100, 1, 1, tzinfo=UTC),
    )
    signed = sign(payload, keypair[0])
    assert decode_unverified(signed) == payload
    result = verify(signed, {70000: keypair[1]}, now=NOW)
    assert result.ok and result.payload == payload


def test_sign_truncates_to_seconds_and_converts_to_utc(keypair: tuple[bytes, bytes]) -> None:
    paris = datetime(2024, 6, 10, 11, 30, 15, 999999, tzinfo=timezone(timedelta(hours=2)))
    payload = make_payload(valid_from=paris)
    decoded = decode_unverified(sign(payload, keypair[0]))
    assert decoded is not None
    assert decoded.valid_from.tzinfo is UTC
    assert decoded.valid_from == paris.replace(microsecond=0)
    assert decoded.valid_from.hour == 9


def test_sign_rejects_naive_and_out_of_range(keypair: tuple[bytes, bytes]) -> None:
    with pytest.raises(ValueError):
        sign(make_payload(valid_from=datetime(2024, 1, 1)), keypair[0])
    with pytest.raises(ValueError):
        sign(make_payload(participant_id=-1), keypair[0])
    with pytest.raises(ValueError):
        sign(make_payload(event_id=2**32), keypair[0])


def test_normalises_case_and_whitespace(keypair: tuple[bytes, bytes], code: str) -> None:
    messy = "  " + code[:50].lower() + "\n" + code[50:100] + " \t" + code[100:].lower() + "\r\n"
    assert verify(messy, {1: keypair[1]}, now=NOW).ok


@pytest.mark.parametrize("position", [0, 1, 5, 20, 40, 60, 80, 100, 120, 143])
def test_any_altered_character_fails(keypair: tuple[bytes, bytes], code: str, position: int) -> None:
    replacement = "A" if code[position] != "A" else "B"
    altered = code[:position] + replacement + code[position + 1 :]
    result = verify(altered, {1: keypair[1]}, now=NOW)
    assert not result.ok
    assert result.reason in {"invalid_code", "unknown_key"}
    assert result.payload is None


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "   ",
        "hello world",
        "not a code at all!",
        "1" * CODE_LENGTH,
        "=" * CODE_LENGTH,
        "É" * CODE_LENGTH,
        "A" * CODE_LENGTH,
        "A" * (CODE_LENGTH - 1),
        "A" * (CODE_LENGTH + 8),
    ],
)
def test_garbage_is_invalid(keypair: tuple[bytes, bytes], garbage: str) -> None:
    result = verify(garbage, {1: keypair[1]}, now=NOW)
    assert result == result.__class__(False, None, "invalid_code")
    assert decode_unverified(garbage) is None


def test_non_string_input_is_invalid(keypair: tuple[bytes, bytes]) -> None:
    assert verify(None, {1: keypair[1]}).reason == "invalid_code"  # type: ignore[arg-type]
    assert verify(b"ABC", {1: keypair[1]}).reason == "invalid_code"  # type: ignore[arg-type]


def test_truncated_and_extended(keypair: tuple[bytes, bytes], code: str) -> None:
    assert verify(code[:-1], {1: keypair[1]}, now=NOW).reason == "invalid_code"
    assert verify(code[:100], {1: keypair[1]}, now=NOW).reason == "invalid_code"
    assert verify(code + "A", {1: keypair[1]}, now=NOW).reason == "invalid_code"
    assert verify(code + "AAAAAAAA", {1: keypair[1]}, now=NOW).reason == "invalid_code"


def test_unknown_key(keypair: tuple[bytes, bytes], code: str) -> None:
    assert verify(code, {2: keypair[1]}, now=NOW).reason == "unknown_key"
    assert verify(code, {}, now=NOW).reason == "unknown_key"
    assert verify(code, {1: b"short"}, now=NOW).reason == "unknown_key"


def test_other_events_key_is_invalid(code: str) -> None:
    _, other_public = generate_key()
    result = verify(code, {1: other_public}, now=NOW)
    assert (result.ok, result.reason, result.payload) == (False, "invalid_code", None)


def test_key_rotation(keypair: tuple[bytes, bytes], code: str) -> None:
    new_pem, new_public = generate_key()
    new_code = sign(make_payload(key_id=2), new_pem)
    keys = {1: keypair[1], 2: new_public}
    assert verify(code, keys, now=NOW).ok
    assert verify(new_code, keys, now=NOW).ok
    forged = sign(make_payload(key_id=1), new_pem)
    assert verify(forged, keys, now=NOW).reason == "invalid_code"


def test_wrong_event(keypair: tuple[bytes, bytes], code: str) -> None:
    result = verify(code, {1: keypair[1]}, event_id=13, now=NOW)
    assert (result.ok, result.reason) == (False, "wrong_event")
    assert result.payload == make_payload()


def test_wrong_kind(keypair: tuple[bytes, bytes], code: str) -> None:
    result = verify(code, {1: keypair[1]}, kind=CodeKind.CONFIRMATION, now=NOW)
    assert (result.ok, result.reason) == (False, "wrong_kind")


def test_validity_window(keypair: tuple[bytes, bytes], code: str) -> None:
    keys = {1: keypair[1]}
    payload = make_payload()
    assert verify(code, keys, now=payload.valid_from).ok
    assert verify(code, keys, now=payload.valid_until).ok
    early = verify(code, keys, now=payload.valid_from - timedelta(seconds=1))
    late = verify(code, keys, now=payload.valid_until + timedelta(seconds=1))
    assert early.reason == late.reason == "not_valid_now"
    assert late.payload == payload


def test_default_now_is_current_time(keypair: tuple[bytes, bytes]) -> None:
    current = datetime.now(UTC)
    fresh = sign(
        make_payload(valid_from=current - timedelta(minutes=1), valid_until=current + timedelta(1)),
        keypair[0],
    )
    assert verify(fresh, {1: keypair[1]}).ok
    assert verify(sign(make_payload(), keypair[0]), {1: keypair[1]}).reason == "not_valid_now"


def test_check_order_event_before_kind_before_window(keypair: tuple[bytes, bytes]) -> None:
    expired = sign(make_payload(kind=CodeKind.CONFIRMATION, valid_until=NOW), keypair[0])
    later = NOW + timedelta(days=30)
    keys = {1: keypair[1]}
    assert verify(expired, keys, event_id=99, kind=CodeKind.BADGE, now=later).reason == ("wrong_event")
    assert verify(expired, keys, event_id=12, kind=CodeKind.BADGE, now=later).reason == ("wrong_kind")
    assert verify(expired, keys, event_id=12, now=later).reason == "not_valid_now"


def test_decode_unverified_reads_without_key(code: str) -> None:
    assert decode_unverified(code) == make_payload()
    assert decode_unverified(code.lower()) == make_payload()


def test_save_and_load_private_key(tmp_path: Path, keypair: tuple[bytes, bytes]) -> None:
    path = tmp_path / "keys" / "event-12-key-1.pem"
    save_private_key(path, keypair[0])
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == [path.name]
    for source in (path, str(path), keypair[0], keypair[0].decode()):
        assert isinstance(load_private_key(source), Ed25519PrivateKey)
    assert public_key_raw(load_private_key(path)) == keypair[1]
    save_private_key(path, generate_key()[0])  # overwriting keeps 0600
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_load_private_key_rejects_other_key_types(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    with pytest.raises(ValueError):
        load_private_key(pem)
