"""Bearer tokens, delegation links and signed-in browsers that time out: secrets kept only as a hash."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.orm import Session

from kiosk.models import STAFF_ROLES, ApiToken, Delegation, DelegationSession, Role, User, UserSession
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
    """A new private link secret: the old link, and every browser signed in with it, stop working."""
    secret = new_secret()
    delegation.access_token_hash = hash_secret(secret)
    if delegation.id is not None:
        session.execute(delete(DelegationSession).where(DelegationSession.delegation_id == delegation.id))
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
#
# A signed-in browser (a staff user's, or a focal point's through the private link) is a row
# holding the SHA-256 of the secret its cookie carries. It ends when signed out (the row is
# deleted, so a copy of the cookie stops working too), after `Lifetime.idle` without a request,
# and `Lifetime.absolute` after signing in, whichever comes first.


@dataclass(frozen=True)
class Lifetime:
    """How long a sign-in lasts without a request, and at most."""

    idle: timedelta
    absolute: timedelta


@dataclass(frozen=True)
class SessionRules:
    """The lifetimes of sign-ins, per staff role and for focal points (from the configuration)."""

    staff: dict[Role, Lifetime]
    focal_point: Lifetime

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> SessionRules:
        idle, most = config["STAFF_IDLE_MINUTES"], config["STAFF_MAX_MINUTES"]
        return cls(
            staff={
                role: Lifetime(timedelta(minutes=idle[role.value]), timedelta(minutes=most[role.value]))
                for role in STAFF_ROLES
            },
            focal_point=Lifetime(
                timedelta(minutes=config["FOCAL_POINT_IDLE_MINUTES"]),
                timedelta(minutes=config["FOCAL_POINT_MAX_MINUTES"]),
            ),
        )

    @property
    def longest(self) -> timedelta:
        return max(lifetime.absolute for lifetime in self.staff.values())


#: A sign-in's last-seen time is written at most this often (not on every request).
TOUCH_EVERY = timedelta(seconds=60)


@dataclass(frozen=True)
class SignIn:
    """When a sign-in ends if nothing more happens, and at the latest."""

    idle_ends_at: datetime
    ends_at: datetime

    @classmethod
    def of(cls, lifetime: Lifetime, created_at: datetime, last_seen_at: datetime) -> SignIn:
        return cls(last_seen_at + lifetime.idle, created_at + lifetime.absolute)

    def over(self, now: datetime) -> bool:
        return now >= self.idle_ends_at or now >= self.ends_at


def _touch(
    session: Session, model: type[UserSession] | type[DelegationSession], row_id: int, now: datetime
) -> None:
    """Renew a sign-in's last-seen time, on a connection of its own.

    A request happened whatever its outcome, so this is committed at once, apart from the
    request's own transaction (which may yet roll back). Called before the request writes.
    """
    with session.get_bind().begin() as connection:
        connection.execute(update(model).where(model.id == row_id).values(last_seen_at=now))


def _alive(
    session: Session,
    model: type[UserSession] | type[DelegationSession],
    row: Any,
    lifetime: Lifetime,
    touch: bool,
) -> SignIn | None:
    """The sign-in of `row` (id, created_at, last_seen_at) if it has not ended; renewed when `touch`."""
    now = utcnow()
    last_seen = row.last_seen_at
    if SignIn.of(lifetime, row.created_at, last_seen).over(now):
        return None
    if touch and now - last_seen >= TOUCH_EVERY:
        _touch(session, model, row.id, now)
        last_seen = now
    return SignIn.of(lifetime, row.created_at, last_seen)


def start_session(session: Session, user: User, rules: SessionRules) -> None:
    """Sign `user` in on one more browser: a new secret for its cookie (`user.session_key`).

    Sign-ins older than the longest lifetime, anyone's, are dropped on the way.
    """
    key = new_secret()
    now = utcnow()
    session.execute(delete(UserSession).where(UserSession.created_at < now - rules.longest))
    session.add(UserSession(user_id=user.id, key_hash=hash_secret(key), created_at=now, last_seen_at=now))
    user.session_key = key
    user.sign_in = SignIn.of(rules.staff[user.role], now, now)


def session_user(
    session: Session, user_id: int, key: str, rules: SessionRules, touch: bool = True
) -> User | None:
    """The user a browser signed in as, while that sign-in lasts (renewed by this request if `touch`)."""
    digest = hash_secret(key)
    row = session.execute(
        select(User, UserSession.id, UserSession.key_hash, UserSession.created_at, UserSession.last_seen_at)
        .join(UserSession, UserSession.user_id == User.id)
        .where(User.id == user_id, UserSession.key_hash == digest)
    ).one_or_none()
    if row is None or not hmac.compare_digest(row.key_hash, digest):
        return None
    user = row.User
    lifetime = rules.staff.get(user.role)
    sign_in = _alive(session, UserSession, row, lifetime, touch) if lifetime else None
    if sign_in is None:
        return None
    user.session_key = key
    user.sign_in = sign_in
    return user


def end_session(session: Session, user: User) -> None:
    """Sign `user` out of the browser they were loaded for: a copy of its cookie stops working."""
    session.execute(delete(UserSession).where(UserSession.key_hash == hash_secret(user.session_key)))


def end_sessions(session: Session, user_id: int) -> None:
    """Sign a user out of every browser."""
    session.execute(delete(UserSession).where(UserSession.user_id == user_id))


def start_delegation_session(session: Session, delegation: Delegation, rules: SessionRules) -> str:
    """Sign a focal point's browser in to `delegation`; the secret for its cookie.

    The focal points' sign-ins older than their lifetime are dropped on the way.
    """
    key = new_secret()
    now = utcnow()
    session.execute(
        delete(DelegationSession).where(DelegationSession.created_at < now - rules.focal_point.absolute)
    )
    session.add(
        DelegationSession(
            delegation_id=delegation.id, key_hash=hash_secret(key), created_at=now, last_seen_at=now
        )
    )
    return key


def delegation_for_session(
    session: Session, key: object, rules: SessionRules, touch: bool = True
) -> Delegation | None:
    """The delegation a focal point's browser is signed in to, while that sign-in lasts."""
    if not isinstance(key, str) or not key or len(key) > 100:
        return None
    digest = hash_secret(key)
    row = session.execute(
        select(
            DelegationSession.id,
            DelegationSession.delegation_id,
            DelegationSession.key_hash,
            DelegationSession.created_at,
            DelegationSession.last_seen_at,
        ).where(DelegationSession.key_hash == digest)
    ).one_or_none()
    if row is None or not hmac.compare_digest(row.key_hash, digest):
        return None
    if _alive(session, DelegationSession, row, rules.focal_point, touch) is None:
        return None
    return session.get(Delegation, row.delegation_id)


def end_delegation_session(session: Session, key: object) -> None:
    """Sign a focal point's browser out: a copy of its cookie stops working."""
    if isinstance(key, str) and key:
        session.execute(delete(DelegationSession).where(DelegationSession.key_hash == hash_secret(key)))
