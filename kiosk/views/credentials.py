"""The secretariat's credentials pages: a delegation's documents, their review, and the credentials report."""

from __future__ import annotations

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from kiosk.extensions import db
from kiosk.models import Event, Role
from kiosk.services import credentials, documents, exports, titles
from kiosk.services.audit import record
from kiosk.services.participant_list import LANGUAGES
from kiosk.services.vocabulary import AUTHORITY_LABELS, DECISION_LABELS, DOCUMENT_KIND_LABELS
from kiosk.views.auth import current_actor, staff_required
from kiosk.views.forms import CsrfForm
from kiosk.views.secretariat import bp
from kiosk.web import responses
from kiosk.web.pages import attempt, delegation_or_404, event_or_404


def upload_form() -> dict:
    """What the upload form sends: the description and the participants it names."""
    return {**request.form.to_dict(), "participant_ids": request.form.getlist("participant_ids")}


def cleaned_upload() -> documents.CleanFile:
    """The uploaded file, checked and rewritten (ValidationFailed otherwise)."""
    upload = request.files.get("file")
    return documents.clean_file(
        upload.read() if upload else b"",
        current_app.config["DOCUMENT_MAX_BYTES"],
        current_app.config["DOCUMENT_MAX_PAGES"],
    )


def document_context() -> dict:
    """The words the document lists and forms show."""
    return {
        "document_kind_labels": DOCUMENT_KIND_LABELS,
        "authority_labels": AUTHORITY_LABELS,
        "decision_labels": DECISION_LABELS,
        "return_reasons": documents.RETURN_REASONS,
        "reason_text": documents.reason_text,
    }


def render_documents(event: Event, delegation_id: int, status: int = 200, **context):
    delegation = delegation_or_404(event, delegation_id)
    context.setdefault("values", {})
    context.setdefault("errors", {})
    return render_template(
        "dashboard/delegation_documents.html",
        event=event,
        delegation=delegation,
        documents=documents.documents_of(db.session, delegation.id),
        missing=documents.missing(db.session, delegation),
        form=CsrfForm(),
        **document_context(),
        **context,
    ), status


@bp.get("/events/<slug>/delegations/<int:delegation_id>/documents")
@staff_required(Role.ORGANIZER)
def delegation_documents(slug: str, delegation_id: int):
    return render_documents(event_or_404(slug), delegation_id)


@bp.post("/events/<slug>/delegations/<int:delegation_id>/documents")
@staff_required(Role.ORGANIZER)
def upload_document(slug: str, delegation_id: int):
    event = event_or_404(slug)
    delegation = delegation_or_404(event, delegation_id)
    data = upload_form()
    with attempt() as tried:
        documents.add_document(db.session, delegation, data, cleaned_upload(), current_actor())
    if refused := tried.error:
        return render_documents(
            event, delegation_id, refused.status, error=refused.detail, errors=refused.errors, values=data
        )
    flash(_("The document is filed."), "success")
    return redirect(url_for(".delegation_documents", slug=event.slug, delegation_id=delegation_id))


@bp.post("/events/<slug>/documents/<int:document_id>/decision")
@staff_required(Role.ORGANIZER)
def document_decision(slug: str, document_id: int):
    event = event_or_404(slug)
    document = documents.document_of(db.session, document_id, event_id=event.id)
    delegation_id = document.delegation_id
    with attempt() as tried:
        documents.decide(
            db.session,
            document,
            request.form.get("decision", ""),
            current_actor(),
            reason=request.form.get("reason", ""),
            note=request.form.get("note", ""),
        )
    if refused := tried.error:
        return render_documents(
            event,
            delegation_id,
            refused.status,
            error=refused.detail,
            errors=refused.errors,
            failed_document=document_id,
        )
    if document.decision.value == "accepted":
        flash(_("The document is accepted."), "success")
    else:
        flash(_("The document is sent back to the focal point."), "success")
    return redirect(url_for(".delegation_documents", slug=event.slug, delegation_id=delegation_id))


@bp.post("/events/<slug>/documents/<int:document_id>/file")
@staff_required(Role.ORGANIZER)
def replace_document(slug: str, document_id: int):
    event = event_or_404(slug)
    document = documents.document_of(db.session, document_id, event_id=event.id)
    delegation_id = document.delegation_id
    with attempt() as tried:
        documents.replace_file(db.session, document, cleaned_upload(), current_actor())
    if refused := tried.error:
        return render_documents(event, delegation_id, refused.status, error=refused.detail)
    flash(_("The file is replaced; the document waits for review again."), "success")
    return redirect(url_for(".delegation_documents", slug=event.slug, delegation_id=delegation_id))


@bp.get("/events/<slug>/documents/<int:document_id>/file")
@staff_required(Role.ORGANIZER)
def document_file(slug: str, document_id: int):
    event = event_or_404(slug)
    return responses.document_file(documents.document_of(db.session, document_id, event_id=event.id))


@bp.get("/events/<slug>/documents/<int:document_id>/preview.png")
@staff_required(Role.ORGANIZER)
def document_preview(slug: str, document_id: int):
    event = event_or_404(slug)
    return responses.document_preview(documents.document_of(db.session, document_id, event_id=event.id))


# The credentials report


@bp.get("/events/<slug>/credentials")
@staff_required(Role.ORGANIZER)
def credentials_report(slug: str):
    """The report on a page that refreshes itself (static/js/poll-section.js), in the page's language
    (States by their UN names, dates as that language writes them) unless `language` asks another."""
    event = event_or_404(slug)
    language = request.args.get("language") or titles.current_language()
    language = language if language in LANGUAGES else "en"
    report = credentials.build(db.session, event, language)
    return render_template(
        "dashboard/credentials_report.html",
        event=event,
        report=report,
        language=language,
        groups=credentials.GROUPS,
        standings=[(key, credentials.STANDING_LABELS[key]) for key in credentials.STANDINGS],
        day=lambda line: credentials.day(line, language),
        authority=credentials.authority_label,
        standing_labels=credentials.STANDING_LABELS,
    )


@bp.get("/events/<slug>/credentials.<any(pdf, xlsx):report_format>")
@staff_required(Role.ORGANIZER)
def credentials_download(slug: str, report_format: str):
    event = event_or_404(slug)
    language = request.args.get("language", "en")
    language = language if language in LANGUAGES else "en"
    fmt = report_format
    if fmt == "pdf":
        content, mimetype = credentials.render_pdf(db.session, event, language), "application/pdf"
    elif fmt == "xlsx":
        content = exports.to_xlsx(credentials.to_table(credentials.build(db.session, event, language)))
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        abort(404)
    record(
        db.session,
        current_actor(),
        "event.export",
        "event",
        event.id,
        event_id=event.id,
        changes={"dataset": "credentials", "format": fmt, "language": language},
    )
    db.session.commit()
    name = f"credentials-{event.slug}-{language}.{fmt}"
    return Response(
        content,
        mimetype=mimetype,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "private, no-store",
        },
    )
