"""The second step of a staff sign-in (a code from an authenticator app), enrolment, and resets."""

from __future__ import annotations

import qrcode
import qrcode.image.svg
from flask import Blueprint, current_app, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import StringField
from wtforms.validators import DataRequired

from kiosk.extensions import db
from kiosk.models import Role, User
from kiosk.services import ratelimit, second_factor
from kiosk.services.audit import Actor
from kiosk.services.ratelimit import SharedRateLimit
from kiosk.views.auth import (
    PENDING,
    current_actor,
    finish_sign_in,
    landing_page,
    pending_user,
    staff_required,
)

bp = Blueprint("second_factor", __name__)

#: Wrong codes allowed per account in this many seconds, counted on every server (Redis).
LIMITS = {"second-factor": (5, 300.0)}


class CodeForm(FlaskForm):
    code = StringField(validators=[DataRequired()])


def wrong_codes() -> SharedRateLimit:
    return ratelimit.app_limit(current_app._get_current_object(), "second-factor", LIMITS)


def qr_svg(uri: str) -> Markup:
    """The otpauth:// address as an inline SVG QR code (no image request, nothing leaves the page)."""
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    return Markup(image.to_string(encoding="unicode"))  # noqa: S704 - made here from a URI, not user HTML


def start_over():
    session.pop(PENDING, None)
    flash(_("Sign in again: the time for the code has run out."), "error")
    return redirect(url_for("auth.login"))


@bp.route("/login/code", methods=["GET", "POST"])
def code():
    """The code from the authenticator app, or a recovery code, after the right password."""
    user = pending_user()
    if user is None:
        return start_over()
    if not second_factor.enrolled(user):
        return redirect(url_for(".enrol"))
    form, error = CodeForm(), None
    if form.validate_on_submit():
        key, limit = f"user:{user.id}", wrong_codes()
        if limit.exceeded(key):
            session.pop(PENDING, None)
            flash(_("Too many wrong codes. Wait a few minutes, then sign in again."), "error")
            return redirect(url_for("auth.login"))
        how = second_factor.verify(db.session, user, form.code.data, current_app.config["SECRET_KEY"])
        if how is not None:
            target = session.pop(PENDING, {}).get("next")
            if how == "recovery":
                left = second_factor.recovery_codes_left(db.session, user)
                flash(
                    _(
                        "You signed in with a recovery code: %(n)d left. Ask an organizer to reset "
                        "your second factor if your phone is lost.",
                        n=left,
                    ),
                    "warning",
                )
            return redirect(finish_sign_in(user, target))
        db.session.rollback()
        limit.hit(key)
        error = _("That code is not right. Type the newest code from the app (check the phone's clock).")
    return render_template("auth/code.html", form=form, error=error), 422 if error else 200


def enrolment(user: User, form: CodeForm, signing_in: bool):
    """Show the QR code of a new secret; with a right code put it in use and show the recovery codes."""
    key, issuer = current_app.config["SECRET_KEY"], current_app.config["TOTP_ISSUER"]
    error = None
    if form.validate_on_submit():
        actor = Actor(f"user:{user.id}", user.role) if signing_in else current_actor()
        codes = second_factor.confirm_enrolment(db.session, user, form.code.data, key, actor)
        if codes is not None:
            if signing_in:
                target = session.pop(PENDING, {}).get("next")
                onward = finish_sign_in(user, target)  # commits the enrolment too
            else:
                db.session.commit()
                onward = landing_page(user)
            return render_template("auth/recovery_codes.html", codes=codes, onward=onward)
        db.session.rollback()
        error = _("That code is not right. Type the newest code from the app (check the phone's clock).")
    uri = second_factor.provisioning_uri(user, key, issuer)
    if uri is None:
        uri = second_factor.begin_enrolment(user, key, issuer)
        db.session.commit()
    secret = second_factor.pending_secret(user, key) or ""
    return render_template(
        "auth/enrol.html",
        form=form,
        error=error,
        qr=qr_svg(uri),
        secret=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        required=second_factor.required(user, current_app.config["SECOND_FACTOR_ROLES"]),
    ), 422 if error else 200


@bp.route("/login/enrol", methods=["GET", "POST"])
def enrol():
    """Enrolment during a sign-in, for a role that must have a second factor."""
    user = pending_user()
    if user is None:
        return start_over()
    if second_factor.enrolled(user):
        return redirect(url_for(".code"))
    return enrolment(user, CodeForm(), signing_in=True)


@bp.route("/account/second-factor", methods=["GET", "POST"])
@login_required
def account():
    """A signed-in user's second factor: whether it is on, or enrol now."""
    user = current_user._get_current_object()
    if second_factor.enrolled(user):
        return render_template(
            "auth/second_factor.html", left=second_factor.recovery_codes_left(db.session, user)
        )
    return enrolment(user, CodeForm(), signing_in=False)


@bp.post("/admin/accounts/users/<int:user_id>/second-factor/reset")
@staff_required(Role.ORGANIZER)
def reset(user_id: int):
    """An organizer removes a user's second factor (a lost phone): they enrol again at the next sign-in."""
    user = db.get_or_404(User, user_id)
    second_factor.reset(db.session, user, current_actor())
    db.session.commit()
    flash(
        _(
            "The second factor of %(email)s is removed: they set it up again at their next sign-in.",
            email=user.email,
        ),
        "success",
    )
    return redirect(url_for("accounts.index"))
