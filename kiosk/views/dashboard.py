"""The secretariat's live dashboard of an event: figures pushed by the event stream."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from babel.dates import format_date
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale, ngettext, pgettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import MultiDict

from kiosk.api.headcount import figures
from kiosk.extensions import db
from kiosk.models import (
    TRANSITIONS,
    AuditEntry,
    Category,
    Checkpoint,
    Delegation,
    Event,
    Gender,
    Meeting,
    Participant,
    PrintJob,
    Role,
    Scan,
    Status,
    User,
    Venue,
)
from kiosk.services import (
    badging,
    countries,
    delegations,
    events,
    exports,
    mail,
    participant_import,
    participant_list,
    registration,
)
from kiosk.services.audit import record
from kiosk.services.delegations import read_rows
from kiosk.services.door import REASON_TEXT
from kiosk.services.errors import ImportFailed
from kiosk.services.fields import CHOICE_LABELS, PARTICIPANT_FIELDS
from kiosk.services.vocabulary import CATEGORY_LABELS, FUNCTIONS, JOB_STATUS_LABELS, STATUS_LABELS
from kiosk.views.admin import admin_context, local_input
from kiosk.views.auth import current_actor, staff_required
from kiosk.views.forms import CsrfForm, participant_values, submitted_fields
from kiosk.web import responses
from kiosk.web.pages import attempt, delegation_or_404, event_or_404, participant_or_404

bp = Blueprint("dashboard", __name__, url_prefix="/admin")
bp.context_processor(admin_context)


@bp.context_processor
def dashboard_context() -> dict[str, Any]:
    return {"clock": clock, "job_status_labels": JOB_STATUS_LABELS, "reason_text": REASON_TEXT}


def clock(moment: datetime | None, event: Event) -> str:
    """A moment to the second in the event's zone, e.g. "18 June 2024, 09:15:02" (the page names the zone)."""
    if moment is None:
        return ""
    local = moment.astimezone(event.tz)
    return f"{format_date(local.date(), 'medium', locale=get_locale())}, {local:%H:%M:%S}"


def page_texts() -> dict[str, object]:
    """The words the dashboard's script shows, translated for the page."""
    return {
        "live": _("Live: figures change as people arrive."),
        "reconnecting": _("Connection lost. Reconnecting…"),
        "signed_out": _("You are signed out: the figures no longer change."),
        "sign_in_again": _("Sign in again"),
        "categories": {c.value: str(CATEGORY_LABELS[c.value]) for c in Category},
        "category_order": [c.value for c in Category],
        "genders": {g.value: str(CHOICE_LABELS["gender"][g.value]) for g in Gender},
        "no_capacity": _("capacity unknown"),
        "of_capacity": _("%(inside)s of %(capacity)s seats (%(share)s %%)"),
        "warning": _("%(venue)s is at %(share)s %% of its capacity."),
        "nobody": pgettext("list", "None"),
        "all": _("All participants"),
        "worker_stopped": _("The print worker has stopped: badges will not print."),
        "unreachable": _("Unreachable"),
        "reachable": _("Reachable"),
        "unchecked": _("Not checked yet"),
        "disabled": _("Disabled"),
        "arrivals": _("Check-ins"),
        "kiosk_states": {
            "online": pgettext("kiosk", "Online"),
            "offline": pgettext("kiosk", "Offline"),
            "not_enrolled": pgettext("kiosk", "Not enrolled"),
            "revoked": pgettext("kiosk", "Revoked"),
        },
        "no_arrivals": _("No check-in yet."),
    }


@bp.get("/events/<slug>/dashboard")
@staff_required(Role.ORGANIZER)
def live(slug: str):
    event = event_or_404(slug)
    initial = figures(event)
    db.session.commit()
    config = {
        "stream": url_for("api_headcount.stream", slug=event.slug),
        "headcount": url_for("api_headcount.get_headcount", slug=event.slug),
        "sign_in": url_for("auth.login", next=request.path),
        "timezone": event.timezone,
        "texts": page_texts(),
        "figures": initial,
        # The live figures name delegations as registered (every watcher shares them): the page
        # shows them in its own language (States by their UN name).
        "delegation_names": countries.delegation_labels(
            db.session.execute(
                select(Delegation.id, Delegation.name, Delegation.category, Delegation.country).where(
                    Delegation.event_id == event.id
                )
            )
        ),
    }
    return render_template("dashboard/live.html", event=event, figures=initial, config=config)


# The audit log

AUDIT_PAGE_SIZE = 100
#: How each kind of audit entry reads; unknown kinds show their code.
ACTION_LABELS = {
    "participant.create": _l("Participant registered"),
    "participant.update": _l("Participant edited"),
    "participant.photo": _l("Photo changed"),
    "participant.pending": _l("Back to pending"),
    "participant.accredited": _l("Accredited"),
    "participant.rejected": _l("Rejected"),
    "participant.withdrawn": _l("Withdrawn"),
    "participant.import": _l("Participants imported"),
    "badge.reissue": _l("Badge reissued"),
    "delegation.create": _l("Delegation added"),
    "delegation.import": _l("Delegations imported"),
    "delegation.cap": _l("Cap changed"),
    "delegation.link": _l("New private link"),
    "event.create": _l("Event created"),
    "event.settings": _l("Registration settings changed"),
    "event.details": _l("Event details changed"),
    "meeting.create": _l("Meeting added"),
    "meeting.update": _l("Meeting changed"),
    "meeting.delete": _l("Meeting removed"),
    "event.export": _l("Data exported"),
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
        rows = db.session.execute(
            select(Delegation.id, Delegation.name).where(Delegation.id.in_(delegations_))
        )
        for ident, name in rows:
            names[f"delegation:{ident}"] = _("Focal point of %(delegation)s", delegation=name)
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
        dict(
            db.session.execute(
                select(Participant.id, Participant.given_name + " " + Participant.family_name).where(
                    Participant.id.in_(participant_ids), Participant.event_id == event.id
                )
            ).all()
        )
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
        printed_name=badging.printed_name(participant),
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


# The List of participants


@bp.get("/events/<slug>/list-of-participants.pdf")
@staff_required(Role.ORGANIZER)
def list_of_participants(slug: str):
    event = event_or_404(slug)
    language = request.args.get("language", "en")
    language = language if language in participant_list.LANGUAGES else "en"
    pdf = participant_list.render_pdf(db.session, event, language)
    name = f"list-of-participants-{event.slug}-{language}.pdf"
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{name}"', "Cache-Control": "private, no-store"},
    )


# Exports

MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@bp.get("/events/<slug>/exports/<dataset>.<fmt>")
@staff_required(Role.ORGANIZER)
def export(slug: str, dataset: str, fmt: str):
    event = event_or_404(slug)
    if dataset not in exports.DATASETS or fmt not in exports.FORMATS:
        abort(404)
    table = exports.build(db.session, event, dataset)
    content = exports.to_csv(table) if fmt == "csv" else exports.to_xlsx(table)
    record(
        db.session,
        current_actor(),
        "event.export",
        "event",
        event.id,
        event_id=event.id,
        changes={"dataset": dataset, "format": fmt, "rows": len(table.rows)},
    )
    db.session.commit()
    return Response(
        content,
        mimetype=MIMETYPES[fmt],
        headers={
            "Content-Disposition": f'attachment; filename="{event.slug}-{dataset}.{fmt}"',
            "Cache-Control": "private, no-store",
        },
    )


# Importing participants


def import_folder() -> Path:
    """Where uploaded participant lists wait for confirmation."""
    return Path(current_app.instance_path) / "imports"


def event_delegations(event: Event) -> list[Delegation]:
    return list(
        db.session.execute(
            select(Delegation).where(Delegation.event_id == event.id).order_by(Delegation.name)
        )
        .scalars()
        .all()
    )


def render_import(event: Event, status: int = 200, **context):
    context.setdefault("preview", None)
    context.setdefault("token", "")
    context.setdefault("delegation_id", "")
    return render_template(
        "dashboard/import.html",
        event=event,
        delegations=event_delegations(event),
        fields=participant_import.FIELDS,
        field_labels=IMPORT_FIELD_LABELS,
        form=CsrfForm(),
        **context,
    ), status


IMPORT_FIELD_LABELS = {
    "delegation": _l("Delegation"),
    **{f.name: f.label for f in PARTICIPANT_FIELDS},
}


@bp.get("/events/<slug>/participants/import")
@staff_required(Role.ORGANIZER)
def import_participants(slug: str):
    return render_import(event_or_404(slug))


@bp.post("/events/<slug>/participants/import")
@staff_required(Role.ORGANIZER)
def preview_import(slug: str):
    event = event_or_404(slug)
    upload = request.files.get("file")
    delegation_id = request.form.get("delegation_id", "")
    with attempt() as tried:
        if upload is None or not upload.filename:
            raise ImportFailed(_("Choose a .csv or .xlsx file to import."))
        content = upload.read()
        rows = read_rows(upload.filename, content)
        shown = participant_import.preview(rows)
    if refused := tried.error:
        return render_import(event, refused.status, error=refused.detail, delegation_id=delegation_id)
    token = participant_import.store_upload(import_folder(), upload.filename, content)
    return render_import(
        event, preview=shown, token=token, delegation_id=delegation_id, filename=upload.filename
    )


@bp.post("/events/<slug>/participants/import/confirm")
@staff_required(Role.ORGANIZER)
def confirm_import(slug: str):
    event = event_or_404(slug)
    token = request.form.get("token", "")
    delegation_id = request.form.get("delegation_id", "")
    target = None
    if delegation_id.isdigit():
        target = db.session.get(Delegation, int(delegation_id))
        if target is None or target.event_id != event.id:
            abort(404)
    shown = None
    with attempt() as tried:
        rows = participant_import.load_upload(import_folder(), token)
        mapping = (
            {
                field: request.form.get(f"map_{field}", "")
                for field in participant_import.FIELDS
                if request.form.get(f"map_{field}", "") in rows[0]
            }
            if rows
            else {}
        )
        shown = participant_import.preview(rows, mapping)
        created = participant_import.import_participants(
            db.session, event, rows, mapping, current_actor(), delegation=target
        )
    if refused := tried.error:
        return render_import(
            event,
            refused.status,
            error=refused.detail,
            import_errors=refused.errors,
            preview=shown,
            token=token if shown else "",
            delegation_id=delegation_id,
        )
    participant_import.upload_path(import_folder(), token).unlink(missing_ok=True)
    flash(
        ngettext("%(num)d participant was imported.", "%(num)d participants were imported.", len(created)),
        "success",
    )
    return redirect(url_for("admin.participants", slug=event.slug))


# A new private link for a delegation


@bp.route("/events/<slug>/delegations/<int:delegation_id>/new-link", methods=["GET", "POST"])
@staff_required(Role.ORGANIZER)
def confirm_new_link(slug: str, delegation_id: int):
    """Ask before issuing a new private link; then issue it and, if asked, e-mail it to the focal point."""
    event = event_or_404(slug)
    delegation = delegation_or_404(event, delegation_id)
    if request.method == "GET":
        return render_template(
            "dashboard/link_confirm.html", event=event, delegation=delegation, form=CsrfForm()
        )
    secret = delegations.issue_private_link(db.session, delegation, current_actor())
    link = url_for("link.enter", secret=secret, _external=True)
    sent = request.form.get("send_email") == "yes" and mail.queue_private_link(
        db.session, delegation, link, get_locale().language if get_locale() else "en"
    )
    db.session.commit()
    if sent:
        flash(_("The new link was e-mailed to %(email)s.", email=delegation.focal_point_email), "success")
    response = render_template("admin/link.html", event=event, delegation=delegation, link=link)
    return response, 200, {"Cache-Control": "no-store"}


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
