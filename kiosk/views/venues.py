"""The venues events take place in, with their capacity."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from kiosk.extensions import db
from kiosk.models import Role, Venue
from kiosk.services import events
from kiosk.views.auth import current_actor, staff_required
from kiosk.views.forms import CsrfForm
from kiosk.views.secretariat import bp
from kiosk.web.pages import attempt


def render_venues(status: int = 200, **context):
    context.setdefault("values", {})
    context.setdefault("errors", {})
    return render_template(
        "dashboard/venues.html",
        venues=db.session.execute(select(Venue).order_by(Venue.name)).scalars().all(),
        form=CsrfForm(),
        **context,
    ), status


@bp.route("/venues/", methods=["GET", "POST"])
@staff_required(Role.ORGANIZER)
def venues():
    if request.method == "GET":
        return render_venues()
    venue = None
    if (ident := request.form.get("venue_id", "")).isdigit():
        venue = db.session.get(Venue, int(ident))
        if venue is None:
            abort(404)
    values = {name: request.form.get(name, "") for name in ("name", "address", "capacity")}
    with attempt() as tried:
        saved = events.save_venue(db.session, venue, values, current_actor())
    if refused := tried.error:
        return render_venues(
            refused.status, error=refused.detail, errors=refused.errors, values=values, failed_id=ident
        )
    flash(_("The venue %(name)s is saved.", name=saved.name), "success")
    return redirect(url_for(".venues"))
