"""The event's details (title, dates, venue) and its meetings."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from kiosk.extensions import db
from kiosk.models import Event, Meeting, Role, Venue
from kiosk.services import events
from kiosk.views.admin import local_input
from kiosk.views.auth import current_actor, staff_required
from kiosk.views.forms import CsrfForm
from kiosk.views.secretariat import bp
from kiosk.web.pages import attempt, event_or_404

# The event's details and meetings; venues

EVENT_FIELDS = ("title", "starts_on", "ends_on", "venue_id")
MEETING_FIELDS = ("title", "starts_at", "ends_at", "room")


def render_details(event: Event, status: int = 200, **context):
    context.setdefault(
        "values",
        {
            "title": event.title,
            "starts_on": event.starts_on.isoformat(),
            "ends_on": event.ends_on.isoformat(),
            "venue_id": str(event.venue_id or ""),
        },
    )
    context.setdefault("errors", {})
    context.setdefault("meeting_errors", {})
    return render_template(
        "dashboard/event_details.html",
        event=event,
        venues=db.session.execute(select(Venue).order_by(Venue.name)).scalars().all(),
        local_input=local_input,
        form=CsrfForm(),
        **context,
    ), status


@bp.route("/events/<slug>/details", methods=["GET", "POST"])
@staff_required(Role.ORGANIZER)
def event_details(slug: str):
    event = event_or_404(slug)
    if request.method == "GET":
        return render_details(event)
    values = {name: request.form.get(name, "") for name in EVENT_FIELDS}
    with attempt() as tried:
        events.update_event_details(db.session, event, values, current_actor())
    if refused := tried.error:
        return render_details(
            event, refused.status, values=values, errors=refused.errors, error=refused.detail
        )
    flash(_("The details of %(event)s are saved.", event=event.title), "success")
    return redirect(url_for(".event_details", slug=event.slug))


def meeting_of(event: Event, meeting_id: int) -> Meeting:
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None or meeting.event_id != event.id:
        abort(404)
    return meeting


@bp.post("/events/<slug>/meetings/<int:meeting_id>")
@staff_required(Role.ORGANIZER)
def edit_meeting(slug: str, meeting_id: int):
    event = event_or_404(slug)
    meeting = meeting_of(event, meeting_id)
    if request.form.get("delete") == "yes":
        title = meeting.title
        events.delete_meeting(db.session, meeting, current_actor())
        db.session.commit()
        flash(_("The meeting %(title)s is removed.", title=title), "success")
        return redirect(url_for(".event_details", slug=event.slug))
    values = {name: request.form.get(name, "") for name in MEETING_FIELDS}
    with attempt() as tried:
        events.update_meeting(db.session, meeting, values, current_actor())
    if refused := tried.error:
        return render_details(
            event, refused.status, error=refused.detail, meeting_errors={meeting_id: refused.errors}
        )
    flash(_("The meeting %(title)s is saved.", title=meeting.title), "success")
    return redirect(url_for(".event_details", slug=event.slug))
