"""Who is calling: a bearer token, an enrolled kiosk's device cookie, or a signed-in user."""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app, g, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.orm import Session

from kiosk.extensions import csrf, db
from kiosk.models import Kiosk, Role
from kiosk.services import kiosks
from kiosk.services.auth import Principal, SessionRules, authenticate, session_user

#: The cookie that holds an enrolled kiosk's device secret.
KIOSK_COOKIE = "kiosk_device"


class CsrfMissing(Exception):
    """A page's request to the API that changes something came without the page's CSRF token."""


def bearer_secret() -> str:
    """The secret of an `Authorization: Bearer …` header, or an empty string."""
    scheme, _sep, secret = request.headers.get("Authorization", "").partition(" ")
    return secret.strip() if scheme.lower() == "bearer" else ""


def _require_page_csrf() -> None:
    """A page's request that changes something must carry the page's CSRF token."""
    if request.method not in ("GET", "HEAD", "OPTIONS") and current_app.config.get("WTF_CSRF_ENABLED", True):
        try:
            csrf.protect()
        except CSRFError:
            raise CsrfMissing from None


def request_principal() -> Principal | None:
    """Who is calling: a bearer token, else an enrolled kiosk's browser, else the signed-in user.

    Pages of this application (the kiosk, the desk, the door, the dashboard) call the API with
    a cookie: the kiosk device cookie (`KIOSK_COOKIE`, set at enrolment) or the user's session.
    A request that changes something must then carry the page's CSRF token in the `X-CSRFToken`
    header, which another site cannot read nor send. A browser enrolled as a kiosk acts as that
    kiosk even if someone signs in on it: staff work on their own screens.
    """
    secret = bearer_secret()
    if secret:
        return authenticate(db.session, secret)
    device = kiosk_from_cookie()
    if device is not None:
        _require_page_csrf()
        return Principal(
            role=Role.KIOSK, label=f"kiosk:{device.id}", event_id=device.event_id, kiosk_id=device.id
        )
    if not current_user.is_authenticated:
        return None
    _require_page_csrf()
    return Principal(role=current_user.role, label=f"user:{current_user.id}", user_id=current_user.id)


def still_signed_in() -> Callable[[Session], bool]:
    """A check, for later, that this request's credentials still sign its caller in.

    A long response (an event stream) outlives the request: it asks again now and then, so that
    a sign-out, a deactivated user or a revoked token ends it. For bearer tokens and staff
    sign-ins (kiosks have no long responses).
    """
    principal: Principal = g.principal
    secret = bearer_secret()
    if secret:
        return lambda session: authenticate(session, secret) == principal
    user_id, key = current_user.id, current_user.session_key
    rules = SessionRules.from_config(current_app.config)

    def check(session: Session) -> bool:
        # An open stream is not activity: it does not keep an idle sign-in alive.
        user = session_user(session, user_id, key, rules, touch=False)
        return user is not None and user.is_active

    return check


def kiosk_from_cookie() -> Kiosk | None:
    """The enrolled, unrevoked kiosk whose device cookie this request carries."""
    secret = request.cookies.get(KIOSK_COOKIE, "")
    return kiosks.kiosk_for_secret(db.session, secret) if secret else None
