"""Importing participants from a spreadsheet: upload, preview and map the columns, confirm."""

from __future__ import annotations

from pathlib import Path

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select

from kiosk.extensions import db
from kiosk.models import Delegation, Event, Role
from kiosk.services import countries, participant_import
from kiosk.services.delegations import read_rows
from kiosk.services.errors import ImportFailed
from kiosk.services.fields import PARTICIPANT_FIELDS
from kiosk.views.auth import current_actor, staff_required
from kiosk.views.forms import CsrfForm
from kiosk.views.secretariat import bp
from kiosk.web.pages import attempt, event_or_404

# Importing participants


def import_folder() -> Path:
    """Where uploaded participant lists wait for confirmation."""
    return Path(current_app.instance_path) / "imports"


def event_delegations(event: Event) -> list[Delegation]:
    """The event's delegations, in the page language's order of the names the page shows."""
    return countries.by_label(
        db.session.execute(select(Delegation).where(Delegation.event_id == event.id)).scalars()
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
