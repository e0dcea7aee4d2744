"""The audit log of an event: who changed what, when, filtered and paged."""

from __future__ import annotations

import math
from datetime import date, timedelta

from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select
from werkzeug.datastructures import MultiDict

from kiosk.extensions import db
from kiosk.models import AuditEntry, Delegation, Event, Participant, Role, User
from kiosk.services import countries
from kiosk.views.auth import staff_required
from kiosk.views.secretariat import bp
from kiosk.web.pages import event_or_404

# The audit log

AUDIT_PAGE_SIZE = 100
#: How each kind of audit entry reads; unknown kinds show their code.
ACTION_LABELS = {
    "participant.create": _l("Participant registered"),
    "participant.update": _l("Participant edited"),
    "participant.photo": _l("Photo changed"),
    "participant.identity_details": _l("Identity details changed"),
    "participant.pending": _l("Back to pending"),
    "participant.accredited": _l("Accredited"),
    "participant.rejected": _l("Rejected"),
    "participant.withdrawn": _l("Withdrawn"),
    "participant.import": _l("Participants imported"),
    "badge.reissue": _l("Badge reissued"),
    "delegation.create": _l("Delegation added"),
    "delegation.import": _l("Delegations imported"),
    "delegation.cap": _l("Cap changed"),
    "delegation.names": _l("Names changed"),
    "delegation.link": _l("New private link"),
    "event.create": _l("Event created"),
    "event.settings": _l("Registration settings changed"),
    "event.details": _l("Event details changed"),
    "meeting.create": _l("Meeting added"),
    "meeting.update": _l("Meeting changed"),
    "meeting.delete": _l("Meeting removed"),
    "event.export": _l("Data exported"),
    "document.upload": _l("Credentials document uploaded"),
    "document.replace": _l("Credentials document replaced"),
    "document.accepted": _l("Credentials document accepted"),
    "document.returned": _l("Credentials document sent back"),
}


def audit_query(event: Event, args: MultiDict) -> Select:
    """The event's audit entries, newest first, narrowed by the page's filters."""
    query = select(AuditEntry).where(AuditEntry.event_id == event.id)
    if action := args.get("action", "").strip():
        query = query.where(AuditEntry.action.startswith(action, autoescape=True))
    if (entity := args.get("entity", "")) in ("participant", "delegation", "event", "meeting"):
        query = query.where(AuditEntry.entity == entity)
        if (entity_id := args.get("entity_id", "")).isdigit():
            query = query.where(AuditEntry.entity_id == int(entity_id))
    if actor := args.get("actor", "").strip():
        query = query.where(AuditEntry.actor == actor)
    for name, compare in (("since", AuditEntry.at.__ge__), ("until", AuditEntry.at.__lt__)):
        try:
            day = date.fromisoformat(args.get(name, ""))
        except ValueError:
            continue
        moment = event.local_midnight(day + timedelta(days=1 if name == "until" else 0))
        query = query.where(compare(moment))
    return query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())


def actor_names(entries: list[AuditEntry]) -> dict[str, str]:
    """Readable names for the actors of `entries` (users by e-mail, focal points by delegation)."""
    users = {
        int(a.split(":")[1]) for a in {e.actor for e in entries} if a.startswith("user:") and a[5:].isdigit()
    }
    delegations_ = {
        int(a.split(":")[1])
        for a in {e.actor for e in entries}
        if a.startswith("delegation:") and a[11:].isdigit()
    }
    names: dict[str, str] = {}
    if users:
        for ident, email in db.session.execute(select(User.id, User.email).where(User.id.in_(users))):
            names[f"user:{ident}"] = email
    if delegations_:
        rows = db.session.execute(select(Delegation).where(Delegation.id.in_(delegations_))).scalars()
        for delegation in rows:
            names[f"delegation:{delegation.id}"] = _(
                "Focal point of the delegation %(of_delegation)s",
                of_delegation=countries.of_delegation(delegation),
            )
    return names


@bp.get("/events/<slug>/audit")
@staff_required(Role.ORGANIZER)
def audit(slug: str):
    event = event_or_404(slug)
    query = audit_query(event, request.args)
    total = db.session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    pages = max(1, math.ceil(total / AUDIT_PAGE_SIZE))
    page = min(max(int(request.args["page"]) if request.args.get("page", "").isdigit() else 1, 1), pages)
    entries = (
        db.session.execute(query.limit(AUDIT_PAGE_SIZE).offset((page - 1) * AUDIT_PAGE_SIZE)).scalars().all()
    )
    filters = {
        name: request.args.get(name, "")
        for name in ("action", "entity", "entity_id", "actor", "since", "until")
        if request.args.get(name, "")
    }
    participant_ids = {e.entity_id for e in entries if e.entity == "participant" and e.entity_id}
    participant_names = (
        {
            person.id: person.full_name
            for person in db.session.execute(
                select(Participant).where(
                    Participant.id.in_(participant_ids), Participant.event_id == event.id
                )
            ).scalars()
        }
        if participant_ids
        else {}
    )
    return render_template(
        "dashboard/audit.html",
        event=event,
        entries=entries,
        total=total,
        page=page,
        pages=pages,
        filters=filters,
        actions=ACTION_LABELS,
        actors=actor_names(entries),
        participant_names=participant_names,
        page_url=lambda n: url_for(".audit", slug=event.slug, **filters, page=n),
    )
