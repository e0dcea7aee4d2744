"""Badges and print jobs API: badge images, reissue, printing and the print queue."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, g, jsonify
from flask_babel import gettext as _

from kiosk.api.registration import participant_or_404
from kiosk.extensions import db
from kiosk.inputs import MAX_ID
from kiosk.models import JobKind, JobStatus, Participant, Printer, PrintJob, Role
from kiosk.services import badging, printing
from kiosk.services.errors import (
    InvalidTransition,
    NoPrinter,
    NotAccredited,
    NotFound,
    ValidationFailed,
)
from kiosk.web.api import operation

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
    "additionalProperties": False,
    "required": [
        "id",
        "printer",
        "printer_id",
        "kind",
        "status",
        "attempts",
        "error",
        "participant_id",
        "badge_serial",
        "next_attempt_at",
        "updated_at",
    ],
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
        "printer": printing.shown_name(job.printer),
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


def printer_or_409(printer_id: int) -> Printer:
    """The printer named by `printer_id` in the request body, or the problem `no_printer`.

    Not a 422: the body is valid as documented; which printers exist is the state of the server.
    """
    printer = db.session.get(Printer, printer_id)
    if printer is None:
        raise NoPrinter(
            _("There is no printer %(id)s.", id=printer_id), {"printer_id": [_("Unknown printer.")]}
        )
    return printer


def _badge_file(
    participant: Participant, query: dict[str, Any], render, mimetype: str, suffix: str
) -> Response:
    fmt = badging.badge_format(query.get("format"))
    content = render(db.session, participant, fmt)  # the event's signing key is created on first use
    response = Response(content, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'inline; filename="badge-{participant.id}.{suffix}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@operation(
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
    find=participant_or_404,
)
def badge_png(participant: Participant, query: dict[str, Any]):
    return _badge_file(participant, query, badging.badge_png, "image/png", "png")


@operation(
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
    find=participant_or_404,
)
def badge_pdf(participant: Participant, query: dict[str, Any]):
    return _badge_file(participant, query, badging.badge_pdf, "application/pdf", "pdf")


@operation(
    bp,
    "/participants/<int:participant_id>/badge/reissue",
    "POST",
    summary="Issue a new badge serial; every earlier badge of the participant is revoked",
    roles=(ORGANIZER, DESK),
    response={
        "type": "object",
        "additionalProperties": False,
        "required": ["participant_id", "badge_serial"],
        "properties": {"participant_id": {"type": "integer"}, "badge_serial": {"type": "integer"}},
    },
    errors=(NotFound, NotAccredited),
    tag="badges",
)
def reissue_badge(participant_id: int):
    participant = participant_or_404(participant_id)
    serial = badging.reissue_badge(
        db.session, participant, g.principal.actor
    )  # and a new confirmation e-mail
    return jsonify({"participant_id": participant.id, "badge_serial": serial})


@operation(
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
        "additionalProperties": False,
        "required": ["print_jobs"],
        "properties": {"print_jobs": {"type": "array", "items": PRINT_JOB_SCHEMA}},
    },
    errors=(NotFound, NotAccredited, NoPrinter, ValidationFailed),
    tag="badges",
    find=participant_or_404,
)
def print_participant(participant: Participant, body: dict[str, Any]):
    kinds = body.get("kinds", [JobKind.BADGE.value, JobKind.RECEIPT.value])
    printer = printer_or_409(body["printer_id"]) if "printer_id" in body else None
    jobs = [printing.queue_print(db.session, participant, kind, printer) for kind in dict.fromkeys(kinds)]
    return jsonify({"print_jobs": [job_json(job) for job in jobs]}), 201


@operation(
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


@operation(
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
    return jsonify(job_json(job))


@operation(
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
    return jsonify(job_json(job))


@operation(
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
    errors=(NotFound, InvalidTransition, NoPrinter, ValidationFailed),
    tag="badges",
    find=job_or_404,
)
def move_print_job(job: PrintJob, body: dict[str, Any]):
    printing.move_job(db.session, job, printer_or_409(body["printer_id"]))
    return jsonify(job_json(job))
