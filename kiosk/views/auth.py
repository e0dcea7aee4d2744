"""Staff sign-in and sign-out, and the role check for staff pages."""

from __future__ import annotations

import functools
from collections.abc import Callable

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.exceptions import Forbidden
from werkzeug.security import check_password_hash, generate_password_hash
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired

from kiosk.extensions import db, login_manager
from kiosk.models import Role, User
from kiosk.services.audit import Actor

bp = Blueprint("auth", __name__)

login_manager.login_view = "auth.login"
login_manager.session_protection = "strong"

#: Checked when the e-mail is unknown, so a wrong address takes as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not a real password")


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    return db.session.get(User, int(user_id))


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


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = db.session.execute(
            select(User).filter_by(email=form.email.data.strip().lower())
        ).scalar_one_or_none()
        password_ok = (
            user.check_password(form.password.data)
            if user
            else bool(check_password_hash(_DUMMY_HASH, form.password.data) and False)
        )
        if user and user.active and password_ok:
            login_user(user)
            target = request.args.get("next", "")
            if not target.startswith("/") or target.startswith("//"):
                target = landing_page(user)
            return redirect(target)
        flash(_("The e-mail or password is not right."), "error")
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    return redirect(url_for("auth.login"))


def landing_page(user: User) -> str:
    """Where a user lands after signing in: security officers at the door scanner."""
    return url_for("door.index") if user.role == Role.SECURITY else url_for("admin.index")


@bp.get("/")
def home():
    if current_user.is_authenticated:
        return redirect(landing_page(current_user))
    return redirect(url_for("auth.login"))
