"""The registration desk: search anyone, check in, reprint, reissue lost badges, walk-ins, stuck jobs."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import selectinload

from kiosk.extensions import db
from kiosk.models import (
    CheckInMethod,
    Delegation,
    Event,
    JobKind,
    JobStatus,
    Participant,
    Printer,
    PrinterKind,
    PrintJob,
    Role,
    Status,
)
from kiosk.models.base import utcnow
from kiosk.services import (
    badging,
    checkin,
    countries,
    identity_details,
    photos,
    printing,
    printworker,
    registration,
    titles,
)
from kiosk.services import events as events_service
from kiosk.services.errors import DomainError
from kiosk.services.fields import PARTICIPANT_FIELDS
from kiosk.services.vocabulary import JOB_STATUS_LABELS
from kiosk.views.auth import current_actor, staff_required
from kiosk.views.forms import (
    CsrfForm,
    identity_form,
    participant_values,
    submitted_fields,
    submitted_identity,
)
from kiosk.web.pages import attempt, event_or_404, participant_or_404

bp = Blueprint("desk", __name__, url_prefix="/desk")

DESK_ROLES = (Role.DESK, Role.ORGANIZER)
#: A queued job that has not printed within this time is shown as stuck.
STUCK_AFTER = timedelta(seconds=30)


def printers_of(kind: PrinterKind) -> list[Printer]:
    return list(
        db.session.execute(
            select(Printer).where(Printer.kind == kind, Printer.enabled.is_(True)).order_by(Printer.name)
        ).scalars()
    )


def chosen_printer(field: str, kind: PrinterKind) -> Printer | None:
    printer = db.session.get(Printer, request.form.get(field, type=int) or 0)
    return printer if printer is not None and printer.kind == kind else None


def stuck_jobs_query(event: Event, now=None):
    now = now or utcnow()
    return (
        select(PrintJob)
        .join(Participant, Participant.id == PrintJob.participant_id)
        .where(
            Participant.event_id == event.id,
            or_(
                PrintJob.status.in_((JobStatus.FAILED, JobStatus.UNCERTAIN)),
                and_(
                    PrintJob.status.in_((JobStatus.QUEUED, JobStatus.PRINTING)),
                    or_(PrintJob.attempts > 0, PrintJob.created_at < now - STUCK_AFTER),
                ),
            ),
        )
    )


def render_desk(template: str, event: Event, status: int = 200, **context: Any):
    stuck = len(db.session.execute(stuck_jobs_query(event).with_only_columns(PrintJob.id)).all())
    any_printer = db.session.execute(select(Printer.id).where(Printer.enabled.is_(True)).limit(1)).first()
    return (
        render_template(
            template,
            event=event,
            stuck_count=stuck,
            worker_stopped=any_printer is not None and not printworker.worker_status(db.session).running,
            form=CsrfForm(),
            job_status_labels=JOB_STATUS_LABELS,
            **context,
        ),
        status,
    )


@bp.get("/")
@staff_required(*DESK_ROLES)
def index():
    """The desk of the event running today (or of the only event); else the events to choose from."""
    events = db.session.execute(select(Event).order_by(Event.starts_on.desc())).scalars().all()
    today = events_service.running_today(events, utcnow())
    only = today if len(today) == 1 else events if len(events) == 1 else []
    if only:
        return redirect(url_for("desk.search", slug=only[0].slug))
    today_ids = {event.id for event in today}
    events = [e for e in events if e.id in today_ids] + [e for e in events if e.id not in today_ids]
    return render_template("desk/events.html", events=events, today_ids=today_ids)


@bp.get("/<slug>/")
@staff_required(*DESK_ROLES)
def search(slug: str):
    event = event_or_404(slug)
    q = request.args.get("q", "").strip()
    found = checkin.search(db.session, event, q, titles.current_language()) if q else []
    arrivals = checkin.checkins_of(db.session, [p.id for p in found])
    return render_desk("desk/search.html", event, q=q, found=found, arrivals=arrivals)


@bp.get("/<slug>/p/<int:participant_id>")
@staff_required(*DESK_ROLES)
def participant(slug: str, participant_id: int):
    event = event_or_404(slug)
    return participant_page(event, participant_or_404(event, participant_id))


def participant_page(event: Event, person: Participant, status: int = 200, **context: Any):
    """The desk's page of one participant."""
    context.setdefault("values", {})
    context.setdefault("errors", {})
    jobs = (
        db.session.execute(
            select(PrintJob)
            .options(selectinload(PrintJob.printer))
            .where(PrintJob.participant_id == person.id)
            .order_by(PrintJob.id.desc())
        )
        .scalars()
        .all()
    )
    return render_desk(
        "desk/participant.html",
        event,
        status,
        person=person,
        arrival=checkin.existing_checkin(db.session, person),
        jobs=jobs,
        badge_printers=printers_of(PrinterKind.BADGE),
        receipt_printers=printers_of(PrinterKind.RECEIPT),
        identity_form=identity_form(event),
        identity_shown=identity_shown(person),
        **context,
    )


def identity_shown(person: Participant) -> dict[str, str] | None:
    """The person's identity details in full, for the desk (None if none are on file)."""
    found = identity_details.read(db.session, person)
    return found.shown(str(get_locale())) if found else None


def uploaded_photo() -> tuple[bytes, str] | None:
    """The photo posted with the form (a file or the camera's picture), checked and cleaned; None if none."""
    upload = request.files.get("photo")
    data = upload.read() if upload else b""
    if not data:
        return None
    return photos.clean_photo(data, current_app.config["PHOTO_MAX_BYTES"])


def back_to(person: Participant):
    return redirect(url_for("desk.participant", slug=person.delegation.event.slug, participant_id=person.id))


def act(slug: str, participant_id: int, action) -> Any:
    """Run one desk action on a participant: commit and say what happened, or say why not."""
    event = event_or_404(slug)
    person = participant_or_404(event, participant_id)
    with attempt() as tried:
        message = action(person)
    if refused := tried.error:
        flash(refused.detail, "error")
    else:
        flash(message, "success")
    return back_to(person)


@bp.post("/<slug>/p/<int:participant_id>/check-in")
@staff_required(*DESK_ROLES)
def check_in(slug: str, participant_id: int):
    def run(person: Participant) -> str:
        arrival = checkin.check_in(
            db.session,
            person,
            current_actor(),
            method=CheckInMethod.DESK,
            user_id=current_user.id,
            badge_printer=chosen_printer("badge_printer_id", PrinterKind.BADGE),
            receipt_printer=chosen_printer("receipt_printer_id", PrinterKind.RECEIPT),
        )
        printers = ", ".join(printing.shown_name(job.printer) for job in arrival.jobs) or _("no printer")
        return _(
            "%(name)s is checked in. Printing on: %(printers)s.", name=person.full_name, printers=printers
        )

    return act(slug, participant_id, run)


@bp.post("/<slug>/p/<int:participant_id>/reprint")
@staff_required(*DESK_ROLES)
def reprint(slug: str, participant_id: int):
    def run(person: Participant) -> str:
        job = printing.queue_print(
            db.session, person, JobKind.BADGE, chosen_printer("badge_printer_id", PrinterKind.BADGE)
        )
        return _(
            "The badge of %(name)s is queued on %(printer)s.",
            name=person.full_name,
            printer=printing.shown_name(job.printer),
        )

    return act(slug, participant_id, run)


def reissue_and_print(person: Participant, printer: Printer | None) -> tuple[int, PrintJob]:
    """A new badge serial (every earlier badge revoked) and its badge queued: a lost badge, or one
    that may have printed."""
    serial = badging.reissue_badge(db.session, person, current_actor())
    db.session.refresh(person)
    job = printing.queue_print(db.session, person, JobKind.BADGE, printer)
    return serial, job  # before check-in, reissue_badge queued the new confirmation e-mail


@bp.post("/<slug>/p/<int:participant_id>/reissue")
@staff_required(*DESK_ROLES)
def reissue(slug: str, participant_id: int):
    def run(person: Participant) -> str:
        if request.form.get("confirm") != "yes":
            raise DomainError(_("Tick the box to confirm that the old badge is lost."))
        serial, job = reissue_and_print(person, chosen_printer("badge_printer_id", PrinterKind.BADGE))
        return _(
            "Badge %(serial)d of %(name)s is queued on %(printer)s; every earlier badge is revoked.",
            serial=serial,
            name=person.full_name,
            printer=printing.shown_name(job.printer),
        )

    return act(slug, participant_id, run)


@bp.post("/<slug>/p/<int:participant_id>/accredit")
@staff_required(*DESK_ROLES)
def accredit(slug: str, participant_id: int):
    def run(person: Participant) -> str:
        registration.change_status(db.session, person, Status.ACCREDITED, current_actor())
        return _("%(name)s is accredited.", name=person.full_name)

    return act(slug, participant_id, run)


@bp.post("/<slug>/p/<int:participant_id>/photo")
@staff_required(*DESK_ROLES)
def photo(slug: str, participant_id: int):
    """A badge photo taken on the day (the camera) or chosen from a file."""

    def run(person: Participant) -> str:
        upload = request.files.get("photo")
        data, kind = photos.clean_photo(
            upload.read() if upload else b"", current_app.config["PHOTO_MAX_BYTES"]
        )
        registration.set_photo(db.session, person, data, kind, current_actor())
        return _("The photo of %(name)s is saved.", name=person.full_name)

    return act(slug, participant_id, run)


@bp.post("/<slug>/p/<int:participant_id>/identity")
@staff_required(*DESK_ROLES)
def set_identity(slug: str, participant_id: int):
    """Enter or replace a participant's identity details (when the event asks for them)."""
    event = event_or_404(slug)
    person = participant_or_404(event, participant_id)
    if not identity_details.enabled(event):
        abort(404)
    details = submitted_identity()
    with attempt() as tried:
        identity_details.save(db.session, person, details, current_actor(), required=True)
    if refused := tried.error:
        flash(refused.detail, "error")
        return participant_page(event, person, 422, values=details, errors=refused.errors)
    flash(_("The identity details of %(name)s are saved.", name=person.full_name), "success")
    return back_to(person)


@bp.route("/<slug>/walk-in", methods=["GET", "POST"])
@staff_required(*DESK_ROLES)
def walk_in(slug: str):
    event = event_or_404(slug)
    delegations = countries.by_label(
        db.session.execute(select(Delegation).where(Delegation.event_id == event.id)).scalars()
    )
    values, errors, error = participant_values(None), {}, None
    delegation_id = request.form.get("delegation_id", type=int)
    asked = identity_details.enabled(event)
    if request.method == "POST":
        values = {**values, **submitted_fields()}
        details = submitted_identity() if asked else {}
        delegation = db.session.get(Delegation, delegation_id or 0)
        with attempt() as tried:
            if delegation is None or delegation.event_id != event.id:
                raise DomainError(_("Choose the delegation of the walk-in."))
            checked = identity_details.clean(details, required=True) if asked else None
            cleaned = uploaded_photo()
            person = registration.add_participant(db.session, delegation, values, current_actor())
            if checked is not None:
                identity_details.store(db.session, person, checked, current_actor())
            if cleaned is not None:
                registration.set_photo(db.session, person, *cleaned, current_actor())
            if request.form.get("accredit") == "yes" and person.status != Status.ACCREDITED:
                registration.change_status(db.session, person, Status.ACCREDITED, current_actor())
        values = {**values, **details}
        if refused := tried.error:
            error, errors = refused.detail, refused.errors
        else:
            flash(_("%(name)s has been registered.", name=person.full_name), "success")
            return back_to(person)
    return render_desk(
        "desk/walk_in.html",
        event,
        422 if error else 200,
        delegations=delegations,
        delegation_id=delegation_id,
        fields=PARTICIPANT_FIELDS,
        identity_form=identity_form(event),
        values=values,
        errors=errors,
        error=error,
    )


@bp.get("/<slug>/jobs")
@staff_required(*DESK_ROLES)
def jobs(slug: str):
    event = event_or_404(slug)
    stuck = (
        db.session.execute(
            stuck_jobs_query(event)
            .options(
                selectinload(PrintJob.printer),
                selectinload(PrintJob.participant).selectinload(Participant.delegation),
            )
            .order_by(PrintJob.id)
        )
        .scalars()
        .all()
    )
    printers = db.session.execute(
        select(Printer).where(Printer.enabled.is_(True)).order_by(Printer.name)
    ).scalars()
    return render_desk("desk/jobs.html", event, stuck=stuck, printers=list(printers))


@bp.post("/<slug>/jobs/<int:job_id>/<any(retry, cancel, move, printed, reprint):action>")
@staff_required(*DESK_ROLES)
def job_action(slug: str, job_id: int, action: str):
    event = event_or_404(slug)
    job = db.session.get(PrintJob, job_id)
    if job is None or job.participant.event_id != event.id:
        abort(404)
    with attempt() as tried:
        if action == "retry":
            printing.retry_job(db.session, job)
            message = _("Print job %(id)d will be tried again now.", id=job.id)
        elif action == "cancel":
            printing.cancel_job(db.session, job)
            message = _("Print job %(id)d is cancelled.", id=job.id)
        elif action == "printed":
            printing.mark_printed(db.session, job)
            message = _("Print job %(id)d is marked printed.", id=job.id)
        elif action == "reprint":
            # Never the same serial twice: the badge that may be in the tray is revoked.
            printing.supersede_uncertain(db.session, job)
            serial, new_job = reissue_and_print(job.participant, job.printer)
            message = _(
                "Badge %(serial)d of %(name)s is queued on %(printer)s; every earlier badge is revoked.",
                serial=serial,
                name=job.participant.full_name,
                printer=printing.shown_name(new_job.printer),
            )
        else:
            printer = db.session.get(Printer, request.form.get("printer_id", type=int) or 0)
            if printer is None:
                raise DomainError(_("Choose a printer."))
            printing.move_job(db.session, job, printer)
            message = _(
                "Print job %(id)d moved to %(printer)s.", id=job.id, printer=printing.shown_name(printer)
            )
    if refused := tried.error:
        flash(refused.detail, "error")
    else:
        flash(message, "success")
    return redirect(url_for("desk.jobs", slug=event.slug))
