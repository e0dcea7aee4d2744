"""Staff users, API tokens and their roles."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from kiosk.models.base import Base, UTCDateTime, str_enum, utcnow


class Role(enum.StrEnum):
    """What a user or a device may do."""

    ORGANIZER = "organizer"
    DESK = "desk"
    KIOSK = "kiosk"
    SECURITY = "security"
    FOCAL_POINT = "focal_point"


#: Roles a staff user (who logs in with a password) may hold.
STAFF_ROLES = (Role.ORGANIZER, Role.DESK, Role.SECURITY, Role.KIOSK)

_role_type = str_enum(Role)


class User(UserMixin, Base):
    """A member of the secretariat, the desk or security who signs in with a password."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(200), unique=True)
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[Role] = mapped_column(_role_type)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The second factor: a TOTP secret, encrypted with a key derived from SECRET_KEY
    #: (kiosk.services.second_factor); set when enrolment starts, in use once confirmed.
    totp_secret: Mapped[str | None] = mapped_column(String(300))
    totp_confirmed: Mapped[bool] = mapped_column(default=False)
    #: The last time step a code was accepted for: a code is used once.
    totp_last_step: Mapped[int | None]

    #: The secret of the signed-in browser this user object was loaded for (see UserSession).
    session_key = ""
    #: When that sign-in ends (kiosk.services.auth.SignIn), once loaded.
    sign_in = None

    def get_id(self) -> str:
        """What the session cookie keeps: the row id and the secret of this browser's sign-in."""
        return f"{self.id}:{self.session_key}"

    def set_password(self, password: str) -> None:
        """Store a salted hash of `password`."""
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        """Whether `password` matches the stored hash."""
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.active


class UserSession(Base):
    """A browser signed in as a user; only the SHA-256 of its secret is stored.

    Signing out deletes its row, so a copy of the cookie stops working there, and only there.
    Deactivating the user deletes all of them (kiosk.services.auth).
    """

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The last request of this browser (renewed at most once a minute): the idle timeout counts from it.
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DelegationSession(Base):
    """A browser signed in to a delegation through its private link; only the SHA-256 of its secret.

    Signing out deletes its row; a new private link deletes all of the delegation's rows.
    """

    __tablename__ = "delegation_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    delegation_id: Mapped[int] = mapped_column(ForeignKey("delegations.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RecoveryCode(Base):
    """A one-time code that replaces the second factor (a lost phone); only its SHA-256 is stored."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ApiToken(Base):
    """A bearer token for a user or a device; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[Role] = mapped_column(_role_type)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    delegation_id: Mapped[int | None] = mapped_column(ForeignKey("delegations.id"))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"))
    revoked: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
