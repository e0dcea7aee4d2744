"""Organizer pages for staff accounts and device tokens."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from kiosk.extensions import db
from kiosk.inputs import optional_number
from kiosk.models import STAFF_ROLES, ApiToken, Event, Role, User
from kiosk.services import accounts
from kiosk.services.vocabulary import label
from kiosk.views.auth import current_actor, staff_required
from kiosk.views.forms import CsrfForm
from kiosk.web.pages import attempt

bp = Blueprint("accounts", __name__, url_prefix="/admin/accounts")


def render(status: int = 200, **context):
    """The accounts page with its users, tokens and forms."""
    users = db.session.execute(select(User).order_by(User.email)).scalars().all()
    tokens = (
        db.session.execute(
            select(ApiToken).where(ApiToken.delegation_id.is_(None)).order_by(ApiToken.id.desc())
        )
        .scalars()
        .all()
    )
    events = db.session.execute(select(Event).order_by(Event.starts_on.desc())).scalars().all()
    context.setdefault("errors", {})
    context.setdefault("values", {})
    return render_template(
        "admin/accounts.html",
        users=users,
        tokens=tokens,
        events=events,
        staff_roles=STAFF_ROLES,
        token_roles=accounts.TOKEN_ROLES,
        form=CsrfForm(),
        **context,
    ), status


@bp.get("/")
@staff_required(Role.ORGANIZER)
def index():
    return render()


@bp.post("/users")
@staff_required(Role.ORGANIZER)
def create_user():
    values = {k: request.form.get(k, "") for k in ("email", "role")}
    with attempt() as tried:
        user = accounts.create_user(
            db.session, values["email"], values["role"], request.form.get("password", ""), current_actor()
        )
    if refused := tried.error:
        return render(refused.status, error=refused.detail, errors=refused.errors, values=values)
    flash(
        _("%(email)s can now sign in with the role “%(role)s”.", email=user.email, role=label(user.role)),
        "success",
    )
    return redirect(url_for(".index"))


@bp.post("/users/<int:user_id>/active")
@staff_required(Role.ORGANIZER)
def set_active(user_id: int):
    user = db.get_or_404(User, user_id)
    active = request.form.get("active") == "1"
    if user.id == current_user.id and not active:
        return render(409, error=_("You cannot deactivate your own account."))
    accounts.set_user_active(db.session, user, active, current_actor())
    db.session.commit()
    flash(
        _("%(email)s can sign in.", email=user.email)
        if active
        else _("%(email)s can no longer sign in.", email=user.email),
        "success",
    )
    return redirect(url_for(".index"))


@bp.post("/tokens")
@staff_required(Role.ORGANIZER)
def create_token():
    values = {"name": request.form.get("name", ""), "role": request.form.get("role", "")}
    with attempt() as tried:
        token, secret = accounts.create_device_token(
            db.session,
            values["name"],
            values["role"],
            optional_number(request.form, "event_id", minimum=1),
            current_actor(),
        )
    if refused := tried.error:
        return render(refused.status, error=refused.detail, errors=refused.errors, values=values)
    return render(new_token=token, new_secret=secret)


@bp.post("/tokens/<int:token_id>/revoke")
@staff_required(Role.ORGANIZER)
def revoke_token(token_id: int):
    token = db.get_or_404(ApiToken, token_id)
    accounts.revoke_token(db.session, token, current_actor())
    db.session.commit()
    flash(_("The token “%(name)s” no longer works.", name=token.name), "success")
    return redirect(url_for(".index"))
