"""Staff sign-in and sign-out, and the role check for staff pages."""

from __future__ import annotations

import functools
import logging
import re
import time
from collections.abc import Callable
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    has_request_context,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from limits import parse_many
from limits.errors import StorageError
from sqlalchemy import select
from werkzeug.exceptions import Forbidden
from werkzeug.security import check_password_hash, generate_password_hash
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired

from kiosk.extensions import db, limiter, login_manager
from kiosk.models import Role, User
from kiosk.models.base import utcnow
from kiosk.services import mail, ratelimit, second_factor
from kiosk.services.audit import Actor
from kiosk.services.auth import SessionRules, end_session, session_user, start_session

bp = Blueprint("auth", __name__)
log = logging.getLogger(__name__)

login_manager.login_view = "auth.login"
login_manager.session_protection = "strong"

#: Checked when the e-mail is unknown, so a wrong address takes as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not a real password")


#: Characters that never belong in a same-site path: whitespace, controls, backslashes.
_UNSAFE_IN_PATH = re.compile(r"[\x00-\x20\x7f-\x9f\\]")


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The user of a session cookie, while that browser's sign-in lasts (see auth.session_user)."""
    ident, _sep, key = user_id.partition(":")
    if not ident.isascii() or not ident.isdecimal() or len(ident) > 10 or not key or len(key) > 100:
        return None
    return session_user(db.session, int(ident), key, session_rules())


def session_rules() -> SessionRules:
    """How long sign-ins last, from the configuration (STAFF_IDLE_MINUTES, STAFF_MAX_MINUTES …)."""
    return SessionRules.from_config(current_app.config)


def safe_next(target: str | None) -> str | None:
    """`target` if it is a path on this site, else None: no scheme, host, backslash or control character."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if _UNSAFE_IN_PATH.search(target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def _account_key() -> str:
    """The rate-limit key of the account being signed in to."""
    return "account:" + (request.form.get("email") or "").strip().lower()[:200]


def _address_key() -> str:
    """The rate-limit key of the address the attempt comes from."""
    return "address:" + (request.remote_addr or "unknown")


def _account_and_address_key() -> str:
    """The rate-limit key of one account tried from one address."""
    return f"{_account_key()} {_address_key()}"


#: The scope under which failed sign-ins to an account are counted, from every address.
ACCOUNT_SCOPE = "login-account"


def _account_limits():
    return parse_many(current_app.config["LOGIN_LIMIT_PER_ACCOUNT"])


def _account_under_attack(key: str) -> bool:
    """Whether the account's failed sign-ins, from every address, are beyond LOGIN_LIMIT_PER_ACCOUNT."""
    try:
        return any(not limiter.limiter.test(item, ACCOUNT_SCOPE, key) for item in _account_limits())
    except StorageError as error:  # the limits' storage is down: no slowing down meanwhile
        log.warning("sign-in limits: storage unavailable (%s)", error)
        return False


def _count_account_failure(key: str) -> None:
    try:
        for item in _account_limits():
            limiter.limiter.hit(item, ACCOUNT_SCOPE, key)
    except StorageError as error:
        log.warning("sign-in limits: storage unavailable (%s)", error)


#: E-mails to the owner of an account under attack: one an hour.
NOTICES = {"sign-in-notice": (1, 3600.0)}


def _tell_owner(user: User) -> None:
    """E-mail the owner of an account under attack, once an hour at most (on every server)."""
    notices = ratelimit.app_limit(current_app._get_current_object(), "sign-in-notice", NOTICES)
    if notices.allowed(f"user:{user.id}"):
        mail.queue_sign_in_warning(db.session, user)
        db.session.commit()


def _pause(seconds: float) -> None:
    """Wait before answering a sign-in to an account under attack (tests replace it)."""
    time.sleep(seconds)


def _failed(response) -> bool:
    """Only failed sign-ins count against the limits."""
    return response.status_code != 302


def _too_many() -> str:
    return _("Too many sign-in attempts. Wait a few minutes, then try again.")


def staff_required(*roles: Role) -> Callable:
    """Only signed-in users with one of `roles` may see the page."""

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                raise Forbidden(_("Your account may not open this page."))
            return view(*args, **kwargs)

        return wrapped

    return decorator


def current_actor() -> Actor:
    """The signed-in user as an actor for the audit log."""
    return Actor(f"user:{current_user.id}", current_user.role)


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired()])
    password = PasswordField(_l("Password"), validators=[DataRequired()])


#: Failed sign-ins are limited per account *and* address (then refused, 429) and per address (then
#: refused); failures to one account from every address do not lock its owner out: beyond
#: LOGIN_LIMIT_PER_ACCOUNT every sign-in to it waits LOGIN_SLOWDOWN_SECONDS, the right password too.
@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS"],
    key_func=_account_and_address_key,
    methods=["POST"],
    deduct_when=_failed,
    scope="login-account-address",
    error_message=_too_many,
)
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"],
    key_func=_address_key,
    methods=["POST"],
    deduct_when=_failed,
    scope="login-address",
    error_message=_too_many,
)
def login():
    form = LoginForm()
    if form.validate_on_submit():
        account = _account_key()
        if _account_under_attack(account):
            _pause(current_app.config["LOGIN_SLOWDOWN_SECONDS"])
        user = db.session.execute(
            select(User).filter_by(email=form.email.data.strip().lower()[:200])
        ).scalar_one_or_none()
        password_ok = (
            user.check_password(form.password.data)
            if user
            else bool(check_password_hash(_DUMMY_HASH, form.password.data) and False)
        )
        if user and user.active and password_ok:
            target = safe_next(request.args.get("next"))
            if second_factor.enrolled(user) or second_factor.required(
                user, current_app.config["SECOND_FACTOR_ROLES"]
            ):
                return second_step(user, target)
            return redirect(finish_sign_in(user, target))
        _count_account_failure(account)
        if user is not None and _account_under_attack(account):
            _tell_owner(user)
        flash(_("The e-mail or password is not right."), "error")
    return render_template("auth/login.html", form=form)


def finish_sign_in(user: User, target: str | None) -> str:
    """Sign `user` in on this browser (password, and second factor if any, checked); where to go next."""
    start_session(db.session, user, session_rules())
    db.session.commit()
    login_user(user)
    return target or landing_page(user)


#: The sign-in waiting for its second step: who, since when, and where to go after.
PENDING = "pending_sign_in"
#: Seconds the second step may take after the password.
PENDING_SECONDS = 300


def second_step(user: User, target: str | None) -> Response:
    """After the right password: ask for the code (or the enrolment the role requires)."""
    session[PENDING] = {"user": user.id, "at": int(time.time()), "next": target}
    step = "second_factor.code" if second_factor.enrolled(user) else "second_factor.enrol"
    return redirect(url_for(step))


def pending_user() -> User | None:
    """The user whose password this browser gave in the last five minutes, waiting for the second step."""
    held = session.get(PENDING)
    if not isinstance(held, dict) or not isinstance(held.get("user"), int):
        return None
    if not isinstance(held.get("at"), int) or time.time() - held["at"] > PENDING_SECONDS:
        return None
    user = db.session.get(User, held["user"])
    return user if user is not None and user.active else None


@bp.post("/logout")
@login_required
def logout():
    """Sign out of this browser, on the server too: a copy of its cookie no longer works."""
    end_session(db.session, current_user)
    db.session.commit()
    logout_user()
    return redirect(url_for("auth.login"))


@bp.app_context_processor
def sign_in_clock() -> dict:
    """For the warning pages show before a staff sign-in ends (templates/base.html, static/js/session.js)."""
    # Templates are also rendered outside requests (e-mail), with no user at all.
    if not has_request_context() or not current_user.is_authenticated or current_user.sign_in is None:
        return {"sign_in_clock": None}
    sign_in, now = current_user.sign_in, utcnow()
    return {
        "sign_in_clock": {
            "idle": int(session_rules().staff[current_user.role].idle.total_seconds()),
            "idle_left": max(0, int((sign_in.idle_ends_at - now).total_seconds())),
            "ends_left": max(0, int((sign_in.ends_at - now).total_seconds())),
        }
    }


@bp.post("/session/keep-alive")
@login_required
def keep_alive():
    """Stay signed in ("Stay signed in" on the warning before an idle sign-out): when the sign-in now ends.

    Loading the user for this request already renewed the sign-in; this answers with its new ends.
    """
    sign_in = current_user.sign_in
    return {"idle_ends_at": sign_in.idle_ends_at.isoformat(), "ends_at": sign_in.ends_at.isoformat()}


#: The page each role works on: where its users land after signing in, and the way back from a refusal.
HOME_OF_ROLE = {
    Role.ORGANIZER: "admin.index",
    Role.DESK: "desk.index",  # the desk of the event running today, or a choice of events
    Role.SECURITY: "door.index",  # the door scanner
    Role.KIOSK: "kiosk.start",
}


def landing_page(user: User) -> str:
    """Where a user lands after signing in: each role on its own pages."""
    return url_for(HOME_OF_ROLE.get(user.role, "admin.index"))


@bp.get("/")
def home():
    if current_user.is_authenticated:
        return redirect(landing_page(current_user))
    return redirect(url_for("auth.login"))
