"""What the secretariat downloads: the List of participants (PDF) and the data exports (CSV, XLSX)."""

from __future__ import annotations

from pathlib import Path

from flask import Response, abort, current_app, redirect, render_template, request, send_file

from kiosk.extensions import db
from kiosk.models import Role
from kiosk.services import exports, participant_list
from kiosk.services.audit import record
from kiosk.views.auth import current_actor, staff_required
from kiosk.views.secretariat import bp
from kiosk.web.pages import event_or_404

# The List of participants


@bp.get("/events/<slug>/list-of-participants.pdf")
@staff_required(Role.ORGANIZER)
def list_of_participants(slug: str):
    """The PDF as it is now, or (202) a page that says it is being prepared and reloads until it is."""
    event = event_or_404(slug)
    language = request.args.get("language", "en")
    folder = Path(current_app.instance_path) / "list-of-participants"
    prepared = participant_list.prepare(db.session, event, language, folder)  # UnknownLanguage: 400 page
    db.session.rollback()  # read only: the transaction is not kept open while the PDF is sent
    if not prepared.ready:
        page = render_template(
            "dashboard/list_preparing.html",
            event=event,
            list_language=language,
            seconds=PREPARING_RELOAD_SECONDS,
        )
        headers = {"Retry-After": str(PREPARING_RELOAD_SECONDS), "Cache-Control": "no-store"}
        return page, 202, headers
    try:
        kept = prepared.path.open("rb")
    except FileNotFoundError:  # replaced by a newer list between the look and the read: look again
        return redirect(request.full_path)
    response = send_file(
        kept,
        mimetype="application/pdf",
        download_name=f"list-of-participants-{event.slug}-{language}.pdf",
        conditional=False,
        etag=False,
        max_age=0,
    )
    response.headers["Content-Disposition"] = (
        f'inline; filename="list-of-participants-{event.slug}-{language}.pdf"'
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


#: How often the "being prepared" page looks again (seconds).
PREPARING_RELOAD_SECONDS = 2


# Exports

MIMETYPES = {
    "csv": exports.CSV_CONTENT_TYPE,
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@bp.get("/events/<slug>/exports/<dataset>.<fmt>")
@staff_required(Role.ORGANIZER)
def export(slug: str, dataset: str, fmt: str):
    event = event_or_404(slug)
    if dataset not in exports.DATASETS or fmt not in exports.FORMATS:
        abort(404)
    # Identity details leave the server only when an organizer asks for them by name.
    with_identity = request.args.get("identity_details") == "yes"
    if with_identity and dataset != "participants":
        abort(404)
    table = exports.build(db.session, event, dataset, with_identity=with_identity)
    content = exports.to_csv(table) if fmt == "csv" else exports.to_xlsx(table)
    record(
        db.session,
        current_actor(),
        "event.export",
        "event",
        event.id,
        event_id=event.id,
        changes={"dataset": dataset, "format": fmt, "rows": len(table.rows)}
        | ({"identity_details": True} if with_identity else {}),
    )
    db.session.commit()
    return Response(
        content,
        content_type=MIMETYPES[fmt],
        headers={
            "Content-Disposition": f'attachment; filename="{event.slug}-{dataset}'
            f'{"-identity" if with_identity else ""}.{fmt}"',
            "Cache-Control": "private, no-store",
        },
    )
