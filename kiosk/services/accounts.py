"""Staff accounts and device tokens."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.models import STAFF_ROLES, ApiToken, Event, Role, User
from kiosk.services.audit import Actor, record
from kiosk.services.auth import create_token, end_sessions
from kiosk.services.errors import ValidationFailed
from kiosk.services.fields import EMAIL_RE

MIN_PASSWORD_LENGTH = 10


def create_user(session: Session, email: str, role: str, password: str, actor: Actor) -> User:
    """Create a staff user; refuse a bad address, a short password or an address in use."""
    email = email.strip().lower()
    errors: dict[str, list[str]] = {}
    if not EMAIL_RE.match(email):
        errors["email"] = [_("Enter an e-mail address such as name@example.org.")]
    elif session.execute(select(User.id).filter_by(email=email)).first():
        errors["email"] = [_("A user with the e-mail %(email)s already exists.", email=email)]
    if role not in {r.value for r in STAFF_ROLES}:
        errors["role"] = [_("Choose a role.")]
    if len(password) < MIN_PASSWORD_LENGTH:
        errors["password"] = [_("The password must have at least %(n)d characters.", n=MIN_PASSWORD_LENGTH)]
    if errors:
        raise ValidationFailed(" ".join(m for ms in errors.values() for m in ms), errors)
    user = User(email=email, role=Role(role))
    user.set_password(password)
    session.add(user)
    session.flush()
    record(session, actor, "user.create", "user", user.id, changes={"role": role})
    return user


def set_user_active(session: Session, user: User, active: bool, actor: Actor) -> None:
    """Let a user sign in again, or stop them: they are then signed out of every browser."""
    user.active = active
    if not active:
        end_sessions(session, user.id)
    record(session, actor, "user.activate" if active else "user.deactivate", "user", user.id)


def revoke_token(session: Session, token: ApiToken, actor: Actor) -> None:
    """Stop a token from working."""
    token.revoked = True
    record(session, actor, "token.revoke", "api_token", token.id)


#: Roles a device or staff token can be created for (focal points use their delegation's link).
TOKEN_ROLES = (Role.ORGANIZER, Role.DESK, Role.KIOSK, Role.SECURITY)


def create_device_token(
    session: Session, name: str, role: str, event_id: int | None, actor: Actor
) -> tuple[ApiToken, str]:
    """Create a named token for a kiosk, a door scanner or a staff tool; the secret is returned once."""
    name = " ".join(name.split())[:120]
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("Give the token a name, e.g. “Kiosk 3” or “Door B”.")]
    if role not in {r.value for r in TOKEN_ROLES}:
        errors["role"] = [_("Choose a role.")]
    if event_id is not None and session.get(Event, event_id) is None:
        errors["event_id"] = [_("Unknown event.")]
    if errors:
        raise ValidationFailed(_("Some fields need correcting."), errors)
    token, secret = create_token(session, role=Role(role), name=name, event_id=event_id)
    record(session, actor, "token.create", "api_token", token.id, changes={"role": role, "name": name})
    return token, secret
