"""Responses built one way for pages and API alike: a participant's photo, a credentials document."""

from __future__ import annotations

from flask import Response
from flask_babel import gettext as _

from kiosk.models import CredentialDocument, Participant
from kiosk.services import documents
from kiosk.services.errors import NotFound


def photo(participant: Participant) -> Response:
    """The participant's photo, or NotFound; each route keeps its own access rule.

    Kept in no cache: desk screens and door phones are shared (the door's service worker keeps
    the last few hundred photos itself, for scanning offline).
    """
    if participant.photo is None:
        raise NotFound(_("There is no photo of this participant."))
    return Response(
        participant.photo,
        mimetype=participant.photo_type or "image/jpeg",
        headers={"Cache-Control": "private, no-store"},
    )


#: Headers of every credentials file and preview: never run, never sniffed, never cached.
DOCUMENT_HEADERS = {
    "Content-Security-Policy": "sandbox; default-src 'none'",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "private, no-store",
}


def document_file(document: CredentialDocument) -> Response:
    """A credentials document, only as an attachment, in a sandbox; each route keeps its own access rule."""
    if document.content is None:
        raise NotFound(_("The file of this document has been removed."))
    return Response(
        document.content,
        mimetype=document.content_type,
        headers={
            **DOCUMENT_HEADERS,
            "Content-Disposition": f'attachment; filename="{documents.file_name(document)}"',
        },
    )


def document_preview(document: CredentialDocument) -> Response:
    """The first page of a document as the PNG drawn at upload (never drawn here)."""
    if document.preview is None:
        raise NotFound(_("There is no preview of this document."))
    return Response(document.preview, mimetype="image/png", headers=DOCUMENT_HEADERS)
