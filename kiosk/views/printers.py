"""Organizer pages for printers and the print queue: reachability, settings, retry, cancel, move."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from badges.printers import PrinterError
from kiosk.extensions import db
from kiosk.inputs import optional_number
from kiosk.models import JobStatus, Participant, Printer, PrinterKind, PrintJob, Role
from kiosk.services import printing
from kiosk.services.errors import DomainError
from kiosk.services.vocabulary import JOB_STATUS_LABELS
from kiosk.views.auth import staff_required
from kiosk.views.forms import CsrfForm
from kiosk.web.pages import attempt

bp = Blueprint("printers", __name__, url_prefix="/admin/printers")

#: Connection settings shown as form fields, in order; every one is optional on its own.
CONNECTION_FIELDS = (
    ("host", _l("Host or IP address"), "network"),
    ("port", _l("Port"), "network"),
    ("queue", _l("CUPS queue"), "cups"),
    ("path", _l("Folder or file"), "hot_folder, png_folder, file, folder"),
    ("devfile", _l("Serial device"), "serial"),
    ("vendor_id", _l("USB vendor id"), "usb"),
    ("product_id", _l("USB product id"), "usb"),
    ("profile", _l("python-escpos profile"), "network, usb, serial, file, folder"),
)
CONNECTION_TYPE_LABELS = {
    "network": _l("Receipt: network (TCP 9100)"),
    "usb": _l("Receipt: USB"),
    "serial": _l("Receipt: serial port"),
    "file": _l("Receipt: device file"),
    "folder": _l("Receipt: folder (one file per receipt)"),
    "dummy": _l("Receipt: dummy (discards)"),
    "cups": _l("Badge: CUPS queue"),
    "hot_folder": _l("Badge: hot folder (PDF)"),
    "png_folder": _l("Badge: hot folder (PNG)"),
}
FORMAT_LABELS = {
    "card_landscape": _l("Card (CR80), landscape"),
    "card_portrait": _l("Card (CR80), portrait"),
    "a6": _l("A6, portrait"),
}
#: The status pill of each job status (the classes of the participants' statuses).
JOB_STATUS_CLASSES = {
    JobStatus.QUEUED: "status-pending",
    JobStatus.PRINTING: "status-pending",
    JobStatus.DONE: "status-accredited",
    JobStatus.FAILED: "status-rejected",
    JobStatus.CANCELLED: "status-withdrawn",
    JobStatus.UNCERTAIN: "status-rejected",
}
RECENT_JOBS = 50


@bp.context_processor
def printers_context() -> dict[str, Any]:
    return {
        "job_status_classes": JOB_STATUS_CLASSES,
        "job_status_labels": JOB_STATUS_LABELS,
        "format_labels": FORMAT_LABELS,
        "JobStatus": JobStatus,
    }


def printer_or_404(printer_id: int) -> Printer:
    printer = db.session.get(Printer, printer_id)
    if printer is None:
        abort(404)
    return printer


def job_or_404(job_id: int) -> PrintJob:
    job = db.session.get(PrintJob, job_id)
    if job is None:
        abort(404)
    return job


@bp.get("/")
@staff_required(Role.ORGANIZER)
def index():
    printers = db.session.execute(select(Printer).order_by(Printer.kind, Printer.name)).scalars().all()
    load = select(PrintJob).options(
        selectinload(PrintJob.printer),
        selectinload(PrintJob.participant).selectinload(Participant.delegation),
    )
    waiting = (
        db.session.execute(
            load.where(
                PrintJob.status.in_(
                    (JobStatus.QUEUED, JobStatus.PRINTING, JobStatus.FAILED, JobStatus.UNCERTAIN)
                )
            ).order_by(PrintJob.id)
        )
        .scalars()
        .all()
    )
    recent = (
        db.session.execute(
            load.where(PrintJob.status.in_((JobStatus.DONE, JobStatus.CANCELLED)))
            .order_by(PrintJob.updated_at.desc(), PrintJob.id.desc())
            .limit(RECENT_JOBS)
        )
        .scalars()
        .all()
    )
    return render_template(
        "admin/printers.html", printers=printers, waiting=waiting, recent=recent, form=CsrfForm()
    )


@bp.post("/check")
@staff_required(Role.ORGANIZER)
def check():
    checked = printing.check_printers(db.session, timeout=1.0)
    db.session.commit()
    down = [p.name for p in checked if p.enabled and not p.reachable]
    if down:
        flash(_("Not reachable: %(names)s.", names=", ".join(down)), "error")
    else:
        flash(_("Every enabled printer answered."), "success")
    return redirect(url_for("printers.index"))


def _form_values(printer: Printer | None) -> dict[str, str]:
    if printer is None:
        return {"kind": "receipt", "type": "network", "badge_format": "card_landscape", "enabled": "1"}
    values = {key: str(value) for key, value in printer.connection.items() if not isinstance(value, dict)}
    values.update(
        name=printer.name,
        kind=printer.kind.value,
        badge_format=printer.badge_format or "card_landscape",
        kiosks=printer.kiosks,
        enabled="1" if printer.enabled else "",
    )
    return values


def _connection_from_form(printer: Printer | None) -> dict[str, Any]:
    connection: dict[str, Any] = {}
    if printer is not None:  # keep settings the form does not show (e.g. CUPS options)
        shown = {name for name, _label, _types in CONNECTION_FIELDS}
        connection.update({k: v for k, v in printer.connection.items() if k not in shown and k != "type"})
    connection["type"] = request.form.get("type", "").strip()
    for name, _label, _types in CONNECTION_FIELDS:
        value = request.form.get(name, "").strip()
        if value:
            is_number = value.isascii() and value.isdecimal()
            connection[name] = int(value) if name == "port" and is_number else value
    return connection


def _edit(printer: Printer | None):
    form = CsrfForm()
    errors: dict[str, list[str]] = {}
    values = _form_values(printer)
    if request.method == "POST":
        values = {key: request.form.get(key, "") for key in request.form if key != "csrf_token"}
        with attempt() as tried:
            saved = printing.save_printer(
                db.session,
                printer,
                name=request.form.get("name", ""),
                kind=request.form.get("kind", ""),
                connection=_connection_from_form(printer),
                badge_format=request.form.get("badge_format") or None,
                kiosks=request.form.get("kiosks", ""),
                enabled=bool(request.form.get("enabled")),
            )
        if refused := tried.error:
            errors = refused.errors
            flash(refused.detail, "error")
        else:  # not probed now: the form would probe any host and port (Check printers asks saved ones)
            flash(_("Printer %(name)s saved.", name=saved.name), "success")
            return redirect(url_for("printers.index"))
    return render_template(
        "admin/printers_form.html",
        printer=printer,
        values=values,
        errors=errors,
        form=form,
        kinds=[k.value for k in PrinterKind],
        connection_fields=CONNECTION_FIELDS,
        connection_types=CONNECTION_TYPE_LABELS,
    ), (422 if errors else 200)


@bp.route("/new", methods=["GET", "POST"])
@staff_required(Role.ORGANIZER)
def new():
    return _edit(None)


@bp.route("/<int:printer_id>", methods=["GET", "POST"])
@staff_required(Role.ORGANIZER)
def edit(printer_id: int):
    return _edit(printer_or_404(printer_id))


@bp.post("/<int:printer_id>/test")
@staff_required(Role.ORGANIZER)
def test_page(printer_id: int):
    printer = printer_or_404(printer_id)
    try:
        printing.print_test_page(db.session, printer)
    except (DomainError, PrinterError) as exc:
        flash(getattr(exc, "detail", str(exc)), "error")
    else:
        flash(_("A test page was sent to %(name)s.", name=printer.name), "success")
    db.session.commit()  # either way: whether the printer answered is recorded on it
    return redirect(url_for("printers.index"))


def _job_action(job_id: int, action) -> Any:
    job = job_or_404(job_id)
    with attempt() as tried:
        action(job)
    if refused := tried.error:
        flash(refused.detail, "error")
    else:
        flash(_("Print job %(id)d: %(status)s.", id=job.id, status=JOB_STATUS_LABELS[job.status]), "success")
    return redirect(url_for("printers.index") + "#queue")


@bp.post("/jobs/<int:job_id>/retry")
@staff_required(Role.ORGANIZER)
def retry(job_id: int):
    return _job_action(job_id, lambda job: printing.retry_job(db.session, job))


@bp.post("/jobs/<int:job_id>/cancel")
@staff_required(Role.ORGANIZER)
def cancel(job_id: int):
    return _job_action(job_id, lambda job: printing.cancel_job(db.session, job))


@bp.post("/jobs/<int:job_id>/move")
@staff_required(Role.ORGANIZER)
def move(job_id: int):
    target = optional_number(request.form, "printer_id", minimum=1)
    printer = db.session.get(Printer, target) if target else None
    if printer is None:
        abort(400)
    return _job_action(job_id, lambda job: printing.move_job(db.session, job, printer))
