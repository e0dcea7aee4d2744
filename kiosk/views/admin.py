"""Organizer pages: events, delegations, participants and accreditation."""

from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import select

from kiosk.extensions import db
from kiosk.models import Event, Role
from kiosk.views.auth import staff_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/")
@staff_required(Role.ORGANIZER)
def index():
    events = db.session.execute(select(Event).order_by(Event.starts_on.desc())).scalars().all()
    return render_template("admin/index.html", events=events)
