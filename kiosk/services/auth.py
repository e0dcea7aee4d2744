"""Bearer tokens, delegation links and signed-in browsers: secrets stored only as a hash."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import Session

from kiosk.models import ApiToken, Delegation, Role, User, UserSession
from kiosk.models.base import utcnow
from kiosk.services.audit import Actor


def hash_secret(secret: str) -> str:
    """SHA-256 of a token, in hex: what the database keeps."""
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret() -> str:
    """A fresh random secret, safe in a URL."""
    return secrets.token_urlsafe(32)


@dataclass(frozen=True)
class Principal:
    """Whoever presented a valid token."""

    role: Role
    label: str
    delegation_id: int | None = None
    event_id: int | None = None
    user_id: int | None = None
    #: An enrolled kiosk (the device cookie), whose printers and name go with its check-ins.
    kiosk_id: int | None = None

    @property
    def actor(self) -> Actor:
        """The principal as an actor for the audit log."""
        return Actor(self.label, self.role, self.delegation_id)


def create_token(
    session: Session,
    *,
    role: Role,
    name: str,
    user_id: int | None = None,
    delegation_id: int | None = None,
    event_id: int | None = None,
) -> tuple[ApiToken, str]:
    """Create an API token; return the row and the secret, which is shown only this once."""
    secret = new_secret()
    token = ApiToken(
        name=name,
        role=role,
        token_hash=hash_secret(secret),
        user_id=user_id,
        delegation_id=delegation_id,
        event_id=event_id,
    )
    session.add(token)
    session.flush()
    return token, secret


def reset_delegation_link(session: Session, delegation: Delegation) -> str:
    """Give a delegation a new private link secret; the old link stops working."""
    secret = new_secret()
    delegation.access_token_hash = hash_secret(secret)
    return secret


def delegation_for_secret(session: Session, secret: str) -> Delegation | None:
    """The delegation whose private link carries `secret`, if any."""
    digest = hash_secret(secret)
    delegation = session.execute(
        select(Delegation).where(Delegation.access_token_hash == digest)
    ).scalar_one_or_none()
    if delegation and hmac.compare_digest(delegation.access_token_hash or "", digest):
        return delegation
    return None


def link_version(delegation: Delegation) -> str:
    """A short fingerprint of the delegation's current link; a new link changes it."""
    return (delegation.access_token_hash or "")[:16]


def delegation_for_session(session: Session, delegation_id: object, version: object) -> Delegation | None:
    """The delegation a focal point signed in to, if its link has not been replaced since."""
    if not isinstance(delegation_id, int) or not isinstance(version, str) or not version:
        return None
    delegation = session.get(Delegation, delegation_id)
    if delegation is None or not hmac.compare_digest(link_version(delegation).encode(), version.encode()):
        return None
    return delegation


#: An unrevoked token by its hash: a plain statement (every API call runs it; no ORM objects).
_TOKEN = select(
    ApiToken.id,
    ApiToken.token_hash,
    ApiToken.role,
    ApiToken.delegation_id,
    ApiToken.event_id,
    ApiToken.user_id,
).where(ApiToken.token_hash == bindparam("digest"), ApiToken.revoked.is_(False))


def authenticate(session: Session, secret: str) -> Principal | None:
    """Resolve a bearer secret: an API token, or a delegation's private link secret."""
    if not secret:
        return None
    digest = hash_secret(secret)
    token = session.connection().execute(_TOKEN, {"digest": digest}).one_or_none()
    if token and hmac.compare_digest(token.token_hash, digest):
        return Principal(
            role=token.role,
            label=f"token:{token.id}",
            delegation_id=token.delegation_id,
            event_id=token.event_id,
            user_id=token.user_id,
        )
    delegation = delegation_for_secret(session, secret)
    if delegation:
        return Principal(
            role=Role.FOCAL_POINT,
            label=f"delegation:{delegation.id}",
            delegation_id=delegation.id,
            event_id=delegation.event_id,
        )
    return None


# --- signed-in browsers ---------------------------------------------------------------------------


def start_session(session: Session, user: User, lifetime: timedelta) -> None:
    """Sign `user` in on one more browser: a new secret for its cookie (`user.session_key`).

    Expired sign-ins (older than `lifetime`), anyone's, are dropped on the way.
    """
    key = new_secret()
    session.execute(delete(UserSession).where(UserSession.created_at < utcnow() - lifetime))
    session.add(UserSession(user_id=user.id, key_hash=hash_secret(key)))
    user.session_key = key


def session_user(session: Session, user_id: int, key: str, lifetime: timedelta) -> User | None:
    """The user a browser signed in as, while that sign-in is neither ended nor older than `lifetime`."""
    digest = hash_secret(key)
    row = session.execute(
        select(User, UserSession.key_hash)
        .join(UserSession, UserSession.user_id == User.id)
        .where(
            User.id == user_id,
            UserSession.key_hash == digest,
            UserSession.created_at >= utcnow() - lifetime,
        )
    ).one_or_none()
    if row is None or not hmac.compare_digest(row.key_hash, digest):
        return None
    user = row.User
    user.session_key = key
    return user


def end_session(session: Session, user: User) -> None:
    """Sign `user` out of the browser they were loaded for: a copy of its cookie stops working."""
    session.execute(delete(UserSession).where(UserSession.key_hash == hash_secret(user.session_key)))


def end_sessions(session: Session, user_id: int) -> None:
    """Sign a user out of every browser."""
    session.execute(delete(UserSession).where(UserSession.user_id == user_id))
