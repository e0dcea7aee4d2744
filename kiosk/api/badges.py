"""Badges and print jobs API: badge images, reissue, printing and the print queue."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, g, jsonify, request
from flask_babel import gettext as _

from kiosk.api.registration import json_body, participant_or_404
from kiosk.api.spec import route
from kiosk.extensions import db
from kiosk.inputs import MAX_ID, whole_number
from kiosk.models import JobKind, JobStatus, Printer, PrintJob, Role
from kiosk.services import badging, printing
from kiosk.services.errors import (
    InvalidTransition,
    NoPrinter,
    NotAccredited,
    NotFound,
    ValidationFailed,
)

bp = Blueprint("api_badges", __name__, url_prefix="/api/v1")

ORGANIZER, DESK, KIOSK = Role.ORGANIZER, Role.DESK, Role.KIOSK
FORMAT_QUERY = (
    (
        "format",
        {"type": "string", "enum": sorted(badging.FORMAT_NAMES)},
        "card (default), card_portrait or a6",
    ),
)

PRINT_JOB_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["id", "printer", "kind", "status"],
    "properties": {
        "id": {"type": "integer"},
        "printer": {"type": "string"},
        "printer_id": {"type": "integer"},
        "kind": {"type": "string", "enum": [k.value for k in JobKind]},
        "status": {"type": "string", "enum": [s.value for s in JobStatus]},
        "attempts": {"type": "integer"},
        "error": {"type": ["string", "null"]},
        "participant_id": {"type": "integer"},
        "badge_serial": {"type": ["integer", "null"]},
        "next_attempt_at": {"type": "string", "format": "date-time"},
        "updated_at": {"type": "string", "format": "date-time"},
    },
}


def job_json(job: PrintJob) -> dict[str, Any]:
    """A print job as the API shows it."""
    return {
        "id": job.id,
        "printer": job.printer.name,
        "printer_id": job.printer_id,
        "kind": job.kind.value,
        "status": job.status.value,
        "attempts": job.attempts,
        "error": job.last_error,
        "participant_id": job.participant_id,
        "badge_serial": job.badge_serial,
        "next_attempt_at": job.next_attempt_at.isoformat(),
        "updated_at": job.updated_at.isoformat(),
    }


def job_or_404(job_id: int) -> PrintJob:
    """A print job the caller may see (tokens bound to an event see only that event's jobs)."""
    job = printing.get_job(db.session, job_id)
    if g.principal.event_id and job.participant.event_id != g.principal.event_id:
        raise NotFound(_("There is no print job %(id)d.", id=job_id))
    return job


def printer_or_422(printer_id: Any) -> Printer:
    """The printer named by `printer_id` in the request body."""
    printer = db.session.get(Printer, whole_number(printer_id, "printer_id", minimum=1, text=False))
    if printer is None:
        raise ValidationFailed(
            _("There is no printer %(id)s.", id=printer_id), {"printer_id": [_("Unknown printer.")]}
        )
    return printer


def _badge_file(participant_id: int, render, mimetype: str, suffix: str) -> Response:
    participant = participant_or_404(participant_id)
    fmt = badging.badge_format(request.args.get("format"))
    content = render(db.session, participant, fmt)
    db.session.commit()  # the event's signing key is created on first use
    response = Response(content, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'inline; filename="badge-{participant.id}.{suffix}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@route(
    bp,
    "/participants/<int:participant_id>/badge.png",
    "GET",
    summary="The participant's badge as printed, as a 300 dpi PNG",
    roles=(ORGANIZER, DESK),
    response={"type": "string", "format": "binary"},
    media_type="image/png",
    errors=(NotFound, NotAccredited, ValidationFailed),
    query=FORMAT_QUERY,
    tag="badges",
)
def badge_png(participant_id: int):
    return _badge_file(participant_id, badging.badge_png, "image/png", "png")


@route(
    bp,
    "/participants/<int:participant_id>/badge.pdf",
    "GET",
    summary="The participant's badge as printed, as a PDF page of the badge's size",
    roles=(ORGANIZER, DESK),
    response={"type": "string", "format": "binary"},
    media_type="application/pdf",
    errors=(NotFound, NotAccredited, ValidationFailed),
    query=FORMAT_QUERY,
    tag="badges",
)
def badge_pdf(participant_id: int):
    return _badge_file(participant_id, badging.badge_pdf, "application/pdf", "pdf")


@route(
    bp,
    "/participants/<int:participant_id>/badge/reissue",
    "POST",
    summary="Issue a new badge serial; every earlier badge of the participant is revoked",
    roles=(ORGANIZER, DESK),
    response={
        "type": "object",
        "required": ["participant_id", "badge_serial"],
        "properties": {"participant_id": {"type": "integer"}, "badge_serial": {"type": "integer"}},
    },
    errors=(NotFound, NotAccredited),
    tag="badges",
)
def reissue_badge(participant_id: int):
    participant = participant_or_404(participant_id)
    serial = badging.reissue_badge(db.session, participant, g.principal.actor)
    db.session.commit()
    return jsonify({"participant_id": participant.id, "badge_serial": serial})


@route(
    bp,
    "/participants/<int:participant_id>/print",
    "POST",
    summary="Queue the participant's badge and/or receipt for printing",
    roles=(ORGANIZER, DESK),
    status=201,
    request_body={
        "type": "object",
        "properties": {
            "kinds": {
                "type": "array",
                "items": {"type": "string", "enum": [k.value for k in JobKind]},
                "minItems": 1,
                "default": ["badge", "receipt"],
            },
            "printer_id": {
                "type": "integer",
                "minimum": 1,
                "maximum": MAX_ID,
                "description": "A printer of that kind; default: the first",
            },
        },
        "additionalProperties": False,
    },
    response={
        "type": "object",
        "required": ["print_jobs"],
        "properties": {"print_jobs": {"type": "array", "items": PRINT_JOB_SCHEMA}},
    },
    errors=(NotFound, NotAccredited, NoPrinter, ValidationFailed),
    tag="badges",
)
def print_participant(participant_id: int):
    participant = participant_or_404(participant_id)
    data = json_body(allowed=("kinds", "printer_id"))
    kinds = data.get("kinds", [JobKind.BADGE.value, JobKind.RECEIPT.value])
    if not isinstance(kinds, list) or not kinds or not all(isinstance(k, str) for k in kinds):
        raise ValidationFailed(
            _("Say what to print."), {"kinds": [_('Send a list such as ["badge", "receipt"].')]}
        )
    printer = printer_or_422(data["printer_id"]) if data.get("printer_id") is not None else None
    jobs = [printing.queue_print(db.session, participant, kind, printer) for kind in dict.fromkeys(kinds)]
    db.session.commit()
    return jsonify({"print_jobs": [job_json(job) for job in jobs]}), 201


@route(
    bp,
    "/print-jobs/<int:job_id>",
    "GET",
    summary="A print job and its state",
    roles=(ORGANIZER, DESK, KIOSK),
    response=PRINT_JOB_SCHEMA,
    errors=(NotFound,),
    tag="badges",
)
def get_print_job(job_id: int):
    return jsonify(job_json(job_or_404(job_id)))


@route(
    bp,
    "/print-jobs/<int:job_id>/retry",
    "POST",
    summary="Try a waiting, failed or cancelled job again now",
    roles=(ORGANIZER,),
    response=PRINT_JOB_SCHEMA,
    errors=(NotFound, InvalidTransition),
    tag="badges",
)
def retry_print_job(job_id: int):
    job = printing.retry_job(db.session, job_or_404(job_id))
    db.session.commit()
    return jsonify(job_json(job))


@route(
    bp,
    "/print-jobs/<int:job_id>/cancel",
    "POST",
    summary="Cancel a job that has not been printed",
    roles=(ORGANIZER,),
    response=PRINT_JOB_SCHEMA,
    errors=(NotFound, InvalidTransition),
    tag="badges",
)
def cancel_print_job(job_id: int):
    job = printing.cancel_job(db.session, job_or_404(job_id))
    db.session.commit()
    return jsonify(job_json(job))


@route(
    bp,
    "/print-jobs/<int:job_id>/move",
    "POST",
    summary="Send a job that has not been printed to another printer of the same kind",
    roles=(ORGANIZER,),
    request_body={
        "type": "object",
        "required": ["printer_id"],
        "properties": {"printer_id": {"type": "integer", "minimum": 1, "maximum": MAX_ID}},
        "additionalProperties": False,
    },
    response=PRINT_JOB_SCHEMA,
    errors=(NotFound, InvalidTransition, ValidationFailed),
    tag="badges",
)
def move_print_job(job_id: int):
    job = job_or_404(job_id)
    printer = printer_or_422(json_body(allowed=("printer_id",)).get("printer_id"))
    printing.move_job(db.session, job, printer)
    db.session.commit()
    return jsonify(job_json(job))
