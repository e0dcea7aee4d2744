"""What the secretariat downloads: the List of participants (PDF) and the data exports (CSV, XLSX)."""

from __future__ import annotations

from flask import Response, abort, request

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
