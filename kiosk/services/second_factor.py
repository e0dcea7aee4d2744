"""A second factor for staff sign-ins: TOTP codes from an authenticator app, and recovery codes.

- **Enrolment**: `begin_enrolment` gives the user a new secret (kept encrypted, not yet in use)
  and the `otpauth://` address its QR code carries; `confirm_enrolment` puts it in use once the
  user types a code from the app, and returns ten recovery codes, shown that once.
- **Sign-in**: after the password, `verify` takes a 6-digit code (this time step or the one
  before or after, each used once: `totp_last_step`) or an unused recovery code (then used up).
- **Reset** (a lost phone): `reset` removes the secret and the recovery codes; the user enrols
  again at the next sign-in if their role requires a second factor (`SECOND_FACTOR_ROLES`).

The secret is encrypted with a key derived from SECRET_KEY (HKDF, then Fernet), so a database
backup alone does not hold usable secrets; changing SECRET_KEY means enrolling again.
Every enrolment, reset and use of a recovery code goes to the audit log.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time

import pyotp
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from kiosk.models import RecoveryCode, User
from kiosk.models.base import utcnow
from kiosk.services.audit import Actor, record

RECOVERY_CODES = 10
#: A code of this time step or the one before or after it is accepted (clocks drift).
WINDOW = 1


def _fernet(secret_key: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"kiosk second factor").derive(
        secret_key.encode()
    )
    return Fernet(base64.urlsafe_b64encode(key))


def _secret(user: User, secret_key: str) -> str | None:
    if not user.totp_secret:
        return None
    try:
        return _fernet(secret_key).decrypt(user.totp_secret.encode()).decode()
    except InvalidToken:
        return None  # SECRET_KEY changed: the user enrols again (an organizer resets them)


def required(user: User, roles: list[str] | tuple[str, ...]) -> bool:
    """Whether the user's role must sign in with a second factor (SECOND_FACTOR_ROLES)."""
    return user.role.value in roles


def enrolled(user: User) -> bool:
    return bool(user.totp_secret and user.totp_confirmed)


def begin_enrolment(user: User, secret_key: str, issuer: str) -> str:
    """A new secret for `user`, not yet in use; the otpauth:// address for the app's QR code."""
    secret = pyotp.random_base32()
    user.totp_secret = _fernet(secret_key).encrypt(secret.encode()).decode()
    user.totp_confirmed = False
    user.totp_last_step = None
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=issuer)


def pending_secret(user: User, secret_key: str) -> str | None:
    """The secret being enrolled (to type by hand when the QR code cannot be scanned)."""
    return None if user.totp_confirmed else _secret(user, secret_key)


def provisioning_uri(user: User, secret_key: str, issuer: str) -> str | None:
    secret = pending_secret(user, secret_key)
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=issuer) if secret else None


def _accept_code(user: User, secret: str, code: str, now: float | None = None) -> bool:
    """Whether `code` is this secret's code near now, and not used before; records its step."""
    code = "".join(code.split())
    if len(code) != 6 or not code.isascii() or not code.isdigit():
        return False
    totp = pyotp.TOTP(secret)
    now = time.time() if now is None else now
    step = int(now // totp.interval)
    for candidate in range(step - WINDOW, step + WINDOW + 1):
        if hmac.compare_digest(totp.at(candidate * totp.interval), code):
            if user.totp_last_step is not None and candidate <= user.totp_last_step:
                return False  # used already (or an older one): a code works once
            user.totp_last_step = candidate
            return True
    return False


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def _normalise_recovery(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch.isascii() and ch.isalnum())


def confirm_enrolment(
    session: Session, user: User, code: str, secret_key: str, actor: Actor
) -> list[str] | None:
    """Put the pending secret in use if `code` matches it; the new recovery codes (else None)."""
    secret = pending_secret(user, secret_key)
    if secret is None or not _accept_code(user, secret, code):
        return None
    user.totp_confirmed = True
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [secrets.token_hex(5) for _ in range(RECOVERY_CODES)]
    session.add_all(RecoveryCode(user_id=user.id, code_hash=_hash(code)) for code in codes)
    record(session, actor, "user.second_factor.enrol", "user", user.id)
    return [f"{code[:5]}-{code[5:]}" for code in codes]


def verify(session: Session, user: User, code: str, secret_key: str) -> str | None:
    """How `code` signs `user` in: "totp", "recovery" (now used up), or None when it does not."""
    secret = _secret(user, secret_key) if enrolled(user) else None
    if secret is None:
        return None
    if _accept_code(user, secret, code):
        return "totp"
    digest = _hash(_normalise_recovery(code))
    row = session.execute(
        select(RecoveryCode).where(
            RecoveryCode.user_id == user.id, RecoveryCode.code_hash == digest, RecoveryCode.used_at.is_(None)
        )
    ).scalar_one_or_none()
    if row is None or not hmac.compare_digest(row.code_hash, digest):
        return None
    row.used_at = utcnow()
    record(session, Actor(f"user:{user.id}", user.role), "user.second_factor.recovery_code", "user", user.id)
    return "recovery"


def recovery_codes_left(session: Session, user: User) -> int:
    return session.execute(
        select(func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    ).scalar_one()


def reset(session: Session, user: User, actor: Actor) -> None:
    """Remove the user's second factor and recovery codes (a lost phone)."""
    user.totp_secret = None
    user.totp_confirmed = False
    user.totp_last_step = None
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    record(session, actor, "user.second_factor.reset", "user", user.id)
