"""The organizer's page of one participant: every field, status, photo, history, badges, scans."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from kiosk.extensions import db
from kiosk.models import TRANSITIONS, AuditEntry, Checkpoint, Event, Participant, PrintJob, Role, Scan, Status
from kiosk.services import badging, identity_details, registration
from kiosk.services.fields import PARTICIPANT_FIELDS
from kiosk.services.vocabulary import FUNCTIONS, STATUS_LABELS
from kiosk.views.audit import ACTION_LABELS, actor_names
from kiosk.views.auth import current_actor, staff_required
from kiosk.views.forms import CsrfForm, participant_values, submitted_fields
from kiosk.views.secretariat import bp
from kiosk.web import responses
from kiosk.web.pages import attempt, event_or_404, participant_or_404

# The participant page

#: The button that moves a participant to each status.
STATUS_ACTIONS = {
    Status.ACCREDITED: _l("Accredit"),
    Status.REJECTED: _l("Reject"),
    Status.WITHDRAWN: _l("Withdraw"),
    Status.PENDING: _l("Back to pending"),
}


def scans_of(participant: Participant, limit: int = 100) -> list[tuple[Scan, str]]:
    """The participant's latest scans at the doors, with the checkpoint's name."""
    return [
        (scan, name)
        for scan, name in db.session.execute(
            select(Scan, Checkpoint.name)
            .join(Checkpoint, Checkpoint.id == Scan.checkpoint_id)
            .where(Scan.participant_id == participant.id)
            .order_by(Scan.scanned_at.desc(), Scan.id.desc())
            .limit(limit)
        )
    ]


def identity_shown(participant: Participant) -> dict[str, str] | None:
    """The participant's identity details in full, for organizers (None if none are on file)."""
    found = identity_details.read(db.session, participant)
    return found.shown(str(get_locale())) if found else None


def render_participant(event: Event, participant: Participant, status: int = 200, **context):
    """The participant page: every field, photo, history, badges, print jobs, scans."""
    entries = (
        db.session.execute(
            select(AuditEntry)
            .where(AuditEntry.entity == "participant", AuditEntry.entity_id == participant.id)
            .order_by(AuditEntry.at, AuditEntry.id)
        )
        .scalars()
        .all()
    )
    jobs = (
        db.session.execute(
            select(PrintJob)
            .where(PrintJob.participant_id == participant.id)
            .options(selectinload(PrintJob.printer))
            .order_by(PrintJob.created_at.desc())
        )
        .scalars()
        .all()
    )
    context.setdefault("values", participant_values(participant))
    context.setdefault("errors", {})
    return render_template(
        "dashboard/participant.html",
        event=event,
        participant=participant,
        entries=entries,
        actors=actor_names(entries),
        actions=ACTION_LABELS,
        jobs=jobs,
        scans=scans_of(participant),
        badge_number=badging.badge_number(participant),
        identity_shown=identity_shown(participant),
        printed_name=badging.printed_name(participant, participant.delegation.event.badge_language),
        next_statuses=[s for s in STATUS_ACTIONS if s in TRANSITIONS[participant.status]],
        status_actions=STATUS_ACTIONS,
        fields=PARTICIPANT_FIELDS,
        functions=FUNCTIONS,
        form=CsrfForm(),
        **context,
    ), status


@bp.get("/events/<slug>/participants/<int:participant_id>")
@staff_required(Role.ORGANIZER)
def participant(slug: str, participant_id: int):
    event = event_or_404(slug)
    return render_participant(event, participant_or_404(event, participant_id))


@bp.post("/events/<slug>/participants/<int:participant_id>")
@staff_required(Role.ORGANIZER)
def edit_participant(slug: str, participant_id: int):
    event = event_or_404(slug)
    someone = participant_or_404(event, participant_id)
    values = submitted_fields()
    with attempt() as tried:
        registration.update_participant(db.session, someone, values, current_actor())
    if refused := tried.error:
        return render_participant(
            event, someone, refused.status, error=refused.detail, errors=refused.errors, values=values
        )
    flash(_("The changes to %(name)s are saved.", name=someone.full_name), "success")
    return redirect(url_for(".participant", slug=event.slug, participant_id=someone.id))


@bp.post("/events/<slug>/participants/<int:participant_id>/status")
@staff_required(Role.ORGANIZER)
def participant_status(slug: str, participant_id: int):
    event = event_or_404(slug)
    someone = participant_or_404(event, participant_id)
    try:
        new = Status(request.form.get("status", ""))
    except ValueError:
        abort(400)
    was_accredited = someone.status == Status.ACCREDITED
    if new == Status.WITHDRAWN and was_accredited and request.form.get("confirm") != "yes":
        return render_participant(
            event,
            someone,
            409,
            error=_(
                "Tick the box to confirm: %(name)s's badge will no longer open any door.",
                name=someone.full_name,
            ),
        )
    with attempt() as tried:
        registration.change_status(db.session, someone, new, current_actor())
    if refused := tried.error:
        return render_participant(event, someone, refused.status, error=refused.detail)
    flash(
        _("%(name)s is now %(status)s.", name=someone.full_name, status=STATUS_LABELS[new.value]),
        "success",
    )
    return redirect(url_for(".participant", slug=event.slug, participant_id=someone.id))


@bp.get("/events/<slug>/participants/<int:participant_id>/photo")
@staff_required(Role.ORGANIZER)
def participant_photo(slug: str, participant_id: int):
    return responses.photo(participant_or_404(event_or_404(slug), participant_id))
