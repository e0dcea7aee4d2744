"""Credentials documents of a delegation: hostile-input checks, upload, replacement, review, and the rule
that accreditation may need an accepted document naming the person.

Every file is treated as hostile. Its first bytes decide what it is (PDF, JPEG or PNG; the name and
the declared type are ignored). A PDF is parsed with pypdf, refused when it is encrypted, malformed,
too long or carries active content (JavaScript, an open action, a launch or submit action, embedded
files, rich media, XFA forms), then rewritten with its pages only: no catalogue actions, no
annotations, no metadata. An image is decoded by Pillow under a pixel limit (an image bomb is
refused) and re-encoded without metadata. The first-page preview of a PDF is drawn at upload by
poppler's `pdftoppm` in a subprocess with a timeout and memory and CPU limits, never in the web
process; the file itself is only ever served as an attachment, in a sandbox (web/responses.py).
"""

from __future__ import annotations

import io
import logging
import subprocess
import tempfile
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from kiosk.models import (
    ACTIVE_STATUSES,
    Authority,
    CredentialDocument,
    Decision,
    Delegation,
    DocumentKind,
    Participant,
)
from kiosk.models.base import utcnow
from kiosk.services import live, photos
from kiosk.services.audit import Actor, record
from kiosk.services.errors import CredentialsMissing, InvalidTransition, NotFound, ValidationFailed

# A hostile PDF makes pypdf log every oddity it repairs; the refusal sentence says what matters.
logging.getLogger("pypdf").setLevel(logging.ERROR)

#: Largest image accepted, in pixels, checked before decoding (a decompression-bomb guard).
MAX_PIXELS = 40_000_000
#: An image is kept at most this size (an A4 page at 300 dpi fits).
STORED_SIZE = (2480, 3508)
#: The preview of the first page, in pixels (longest side).
PREVIEW_SIZE = 800
#: Limits of the preview subprocess.
PREVIEW_SECONDS = 10
PREVIEW_MEMORY = 512 * 1024 * 1024
PREVIEW_FILE_BYTES = 32 * 1024 * 1024
#: PDF names that mean active content: a document carrying one is refused.
ACTIVE_CONTENT = frozenset(
    {
        "/JavaScript",
        "/JS",
        "/OpenAction",
        "/AA",
        "/Launch",
        "/EmbeddedFile",
        "/EmbeddedFiles",
        "/RichMedia",
        "/XFA",
        "/SubmitForm",
        "/ImportData",
        "/GoToR",
        "/GoToE",
    }
)
#: At most this many PDF objects are examined (a bound on the time a hostile file can take).
MAX_PDF_OBJECTS = 200_000
PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"
EXTENSIONS = {PDF: "pdf", JPEG: "jpg", PNG: "png"}
#: Why the secretariat sends a document back: the focal point reads the sentence in their language.
RETURN_REASONS: dict[str, Any] = {
    "illegible": _l("The document cannot be read. Please send a clearer copy."),
    "unsigned": _l("The document is not signed by the issuing authority."),
    "names_missing": _l("The document does not name the participants it was sent for."),
    "wrong_meeting": _l("The document is for another meeting."),
    "other": _l("Please see the secretariat's note."),
}


@dataclass
class CleanFile:
    """A file that passed the checks, rewritten; with its type, pages and first-page preview."""

    content: bytes
    content_type: str
    pages: int
    preview: bytes | None


def _refuse(message: str) -> ValidationFailed:
    return ValidationFailed(message, {"file": [message]})


def sniff(data: bytes) -> str | None:
    """The type the first bytes show (PDF, JPEG or PNG), or None."""
    head = data[:1024]
    if head.lstrip(b"\x00\t\n\r ").startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    return None


def clean_file(data: bytes, max_bytes: int, max_pages: int) -> CleanFile:
    """Check an uploaded document and return it rewritten; ValidationFailed with a sentence otherwise."""
    if not data:
        raise _refuse(_("Choose a file to upload."))
    if len(data) > max_bytes:
        raise _refuse(_("The file is too large: at most %(mb)d MB.", mb=max(1, max_bytes // (1024 * 1024))))
    kind = sniff(data)
    if kind is None:
        raise _refuse(_("This file is not a PDF, JPEG or PNG file."))
    if kind == PDF:
        content, pages = _clean_pdf(data, max_pages)
        return CleanFile(content, PDF, pages, pdf_preview(content))
    content, preview = _clean_image(data, kind)
    return CleanFile(content, kind, 1, preview)


def _active_content(root: Any) -> str | None:
    """The first name of active content reachable from the document's catalogue, or None."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    seen: set[tuple[int, int]] = set()
    stack = [root]
    examined = 0
    while stack:
        item = stack.pop()
        examined += 1
        if examined > MAX_PDF_OBJECTS:
            raise _refuse(_("This PDF is too complex to check. Print it to a new PDF and try again."))
        if isinstance(item, IndirectObject):
            key = (item.idnum, item.generation)
            if key in seen:
                continue
            seen.add(key)
            item = item.get_object()
        if isinstance(item, DictionaryObject):
            for name, value in item.items():
                if name in ACTIVE_CONTENT:
                    return str(name)
                if name == "/S" and str(value) in ACTIVE_CONTENT:
                    return str(value)
                if name != "/Parent":
                    stack.append(value)
        elif isinstance(item, ArrayObject):
            stack.extend(item)
    return None


def _clean_pdf(data: bytes, max_pages: int) -> tuple[bytes, int]:
    """A PDF's pages rewritten into a new file (nothing else kept), or a refusal with a sentence."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.errors import PyPdfError

    malformed = _refuse(
        _("This PDF file is damaged and cannot be read. Save or print it to a new PDF and try again.")
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted:
                raise _refuse(_("This PDF is protected by a password. Send it without a password."))
            pages = len(reader.pages)
            if pages < 1:
                raise malformed
            if pages > max_pages:
                raise _refuse(_("The document is too long: at most %(num)d pages.", num=max_pages))
            found = _active_content(reader.trailer["/Root"])
            if found:
                raise _refuse(
                    _(
                        "This PDF contains active content (%(what)s) and is refused. "
                        "Print it to a new PDF, or scan the paper document, and upload that.",
                        what=found.lstrip("/"),
                    )
                )
            writer = PdfWriter()
            for page in reader.pages:
                added = writer.add_page(page)
                for name in ("/Annots", "/AA", "/Metadata", "/PieceInfo"):
                    if name in added:
                        del added[name]
            out = io.BytesIO()
            writer.write(out)
    except ValidationFailed:
        raise
    except (
        PyPdfError,
        ValueError,
        TypeError,
        KeyError,
        IndexError,
        AttributeError,
        OSError,
        RecursionError,
        AssertionError,
        ZeroDivisionError,
    ):
        raise malformed from None
    return out.getvalue(), pages


def _clean_image(data: bytes, kind: str) -> tuple[bytes, bytes]:
    """An image decoded under the pixel limit and re-encoded with pixels only; and its preview."""
    clean = photos.pixels_only(
        data,
        max_pixels=MAX_PIXELS,
        size=STORED_SIZE,
        too_many_pixels=_refuse(
            _(
                "The image is too large: at most %(mp)d megapixels. Use a smaller image.",
                mp=MAX_PIXELS // 1_000_000,
            )
        ),
        not_an_image=_refuse(_("This file is not a PDF, JPEG or PNG file.")),
    )
    out = io.BytesIO()
    if kind == PNG:
        clean.save(out, format="PNG", optimize=True)
    else:
        clean.save(out, format="JPEG", quality=90, optimize=True)
    preview = clean.copy()
    preview.thumbnail((PREVIEW_SIZE, PREVIEW_SIZE))
    small = io.BytesIO()
    preview.save(small, format="PNG")
    return out.getvalue(), small.getvalue()


def pdf_preview(pdf: bytes) -> bytes | None:
    """The first page as a PNG, drawn by pdftoppm in a limited subprocess; None if it could not be drawn."""
    with tempfile.TemporaryDirectory(prefix="kiosk-preview-") as folder:
        source = Path(folder) / "in.pdf"
        source.write_bytes(pdf)
        try:
            subprocess.run(
                [
                    # prlimit (util-linux) sets the child's limits: no preexec_fn, which is unsafe
                    # in a threaded server.
                    "prlimit",
                    f"--as={PREVIEW_MEMORY}",
                    f"--cpu={PREVIEW_SECONDS}",
                    f"--fsize={PREVIEW_FILE_BYTES}",
                    "--",
                    "pdftoppm",
                    "-f",
                    "1",
                    "-l",
                    "1",
                    "-singlefile",
                    "-scale-to",
                    str(PREVIEW_SIZE),
                    "-png",
                    str(source),
                    str(Path(folder) / "page"),
                ],
                check=True,
                capture_output=True,
                timeout=PREVIEW_SECONDS,
                env={"PATH": "/usr/bin:/bin"},
            )
        except (OSError, subprocess.SubprocessError):
            return None
        page = Path(folder) / "page.png"
        return page.read_bytes() if page.exists() else None


# The description of a document


def _choice(data: Mapping[str, Any], name: str, enum_type: type, errors: dict, message: str) -> Any:
    try:
        return enum_type(str(data.get(name) or ""))
    except ValueError:
        errors[name] = [message]
        return None


def clean_description(data: Mapping[str, Any], delegation: Delegation) -> dict[str, Any]:
    """Validate what a document is, who issued it, when, and whom it names (people of the delegation)."""
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {
        "kind": _choice(data, "kind", DocumentKind, errors, _("Choose what the document is.")),
        "authority": _choice(data, "authority", Authority, errors, _("Choose who issued the document.")),
    }
    raw_date = str(data.get("issued_on") or "").strip()
    values["issued_on"] = None
    if raw_date:
        try:
            values["issued_on"] = date.fromisoformat(raw_date)
        except ValueError:
            errors["issued_on"] = [_("Enter the date of the document such as 2024-05-31.")]
        else:
            if values["issued_on"] > utcnow().date():
                errors["issued_on"] = [_("The date of the document cannot be in the future.")]
    reference = str(data.get("reference") or "").strip()
    if len(reference) > 120:
        errors["reference"] = [_("The reference is too long (at most 120 characters).")]
    values["reference"] = reference
    held = str(data.get("original") or "").strip().lower()
    values["original"] = held in ("1", "true", "on", "yes", "original")
    raw_ids = data.get("participant_ids") or []
    if isinstance(raw_ids, (str, int)):
        raw_ids = [raw_ids]
    ids: set[int] = set()
    own = {p.id: p for p in delegation.participants}
    for raw in raw_ids:
        try:
            ids.add(int(raw))
        except (TypeError, ValueError):
            errors["participant_ids"] = [_("Choose the participants from your delegation's list.")]
    if ids - set(own):
        errors["participant_ids"] = [_("Choose the participants from your delegation's list.")]
    values["participants"] = [own[i] for i in sorted(ids) if i in own]
    if errors:
        raise ValidationFailed(_("Some fields need correcting."), errors)
    return values


def described(document: CredentialDocument) -> dict[str, Any]:
    """What the audit log keeps of a document, and the API shows of it: no file, no names."""
    return {
        "kind": document.kind.value,
        "authority": document.authority.value,
        "issued_on": document.issued_on.isoformat() if document.issued_on else None,
        "reference": document.reference,
        "original": document.original,
        "participant_ids": [p.id for p in document.participants],
        "content_type": document.content_type,
        "size": document.size,
        "pages": document.pages,
    }


def _attach(document: CredentialDocument, clean: CleanFile) -> None:
    document.content = clean.content
    document.content_type = clean.content_type
    document.size = len(clean.content)
    document.pages = clean.pages
    document.preview = clean.preview
    document.uploaded_at = utcnow()
    document.decision = Decision.PENDING
    document.decision_reason = ""
    document.decision_note = ""
    document.decided_at = None


def add_document(
    session: Session,
    delegation: Delegation,
    data: Mapping[str, Any],
    clean: CleanFile,
    actor: Actor,
) -> CredentialDocument:
    """File a new document for `delegation` (its description checked, its file already cleaned)."""
    values = clean_description(data, delegation)
    document = CredentialDocument(event_id=delegation.event_id, delegation_id=delegation.id, **values)
    _attach(document, clean)
    session.add(document)
    session.flush()
    live.touch(session, delegation.event_id)
    record(
        session,
        actor,
        "document.upload",
        "credential_document",
        document.id,
        event_id=delegation.event_id,
        changes=described(document),
    )
    return document


def replace_file(
    session: Session, document: CredentialDocument, clean: CleanFile, actor: Actor
) -> CredentialDocument:
    """Put a new file in place of a document's file; it goes back to the secretariat for review.

    A focal point may not replace a document the secretariat has accepted.
    """
    if actor.role is not None and not actor.is_staff and document.decision == Decision.ACCEPTED:
        raise InvalidTransition(
            _("The secretariat has accepted this document; write to the secretariat to change it.")
        )
    was = document.decision.value
    _attach(document, clean)
    live.touch(session, document.event_id)
    record(
        session,
        actor,
        "document.replace",
        "credential_document",
        document.id,
        event_id=document.event_id,
        changes={"decision": [was, Decision.PENDING.value], "size": document.size, "pages": document.pages},
    )
    return document


def decide(
    session: Session,
    document: CredentialDocument,
    decision: str,
    actor: Actor,
    *,
    reason: str = "",
    note: str = "",
) -> CredentialDocument:
    """Accept a document, or send it back with a reason (and a note) the focal point reads."""
    errors: dict[str, list[str]] = {}
    if decision not in (Decision.ACCEPTED.value, Decision.RETURNED.value):
        errors["decision"] = [_("Choose to accept the document or to send it back.")]
    note = (note or "").strip()
    if len(note) > 1000:
        errors["note"] = [_("The note is too long (at most 1000 characters).")]
    if decision == Decision.RETURNED.value:
        if reason not in RETURN_REASONS:
            errors["reason"] = [_("Choose why the document is sent back.")]
        elif reason == "other" and not note:
            errors["note"] = [_("Write a sentence for the focal point: what should they send?")]
    else:
        reason = ""
    if errors:
        raise ValidationFailed(_("Some fields need correcting."), errors)
    old = document.decision.value
    document.decision = Decision(decision)
    document.decision_reason = reason
    document.decision_note = note
    document.decided_at = utcnow()
    live.touch(session, document.event_id)
    record(
        session,
        actor,
        f"document.{decision}",
        "credential_document",
        document.id,
        event_id=document.event_id,
        changes={"decision": [old, decision], "reason": reason},
    )
    return document


def reason_text(document: CredentialDocument) -> str:
    """Why a document was sent back, in the reader's language ("" when it was not)."""
    if document.decision != Decision.RETURNED:
        return ""
    return str(RETURN_REASONS.get(document.decision_reason, RETURN_REASONS["other"]))


def documents_of(session: Session, delegation_id: int) -> list[CredentialDocument]:
    """A delegation's documents, newest first, with the people they name."""
    return list(
        session.execute(
            select(CredentialDocument)
            .where(CredentialDocument.delegation_id == delegation_id)
            .options(selectinload(CredentialDocument.participants))
            .order_by(CredentialDocument.uploaded_at.desc(), CredentialDocument.id.desc())
        ).scalars()
    )


def document_of(
    session: Session, document_id: int, *, event_id: int | None = None, delegation_id: int | None = None
) -> CredentialDocument:
    """A document of this event (or this delegation), or NotFound."""
    document = session.get(CredentialDocument, document_id)
    if (
        document is None
        or (event_id is not None and document.event_id != event_id)
        or (delegation_id is not None and document.delegation_id != delegation_id)
    ):
        raise NotFound(_("There is no document %(id)d.", id=document_id))
    return document


def covered_ids(session: Session, participant_ids: Iterable[int]) -> set[int]:
    """The participants among these whom an accepted document names."""
    from kiosk.models.document import document_participants as named

    ids = list(participant_ids)
    if not ids:
        return set()
    return set(
        session.execute(
            select(named.c.participant_id)
            .join(CredentialDocument, CredentialDocument.id == named.c.document_id)
            .where(named.c.participant_id.in_(ids), CredentialDocument.decision == Decision.ACCEPTED)
        ).scalars()
    )


def naming(session: Session, participant_ids: Iterable[int]) -> dict[int, list[CredentialDocument]]:
    """The documents that name each of these participants (any decision), for the accreditation list."""
    from kiosk.models.document import document_participants as named

    ids = list(participant_ids)
    found: dict[int, list[CredentialDocument]] = {}
    if not ids:
        return found
    rows = session.execute(
        select(named.c.participant_id, CredentialDocument)
        .join(CredentialDocument, CredentialDocument.id == named.c.document_id)
        .where(named.c.participant_id.in_(ids))
        .order_by(CredentialDocument.id)
    ).all()
    for participant_id, document in rows:
        found.setdefault(participant_id, []).append(document)
    return found


def ensure_may_accredit(session: Session, participant: Participant) -> None:
    """The event's rule: when it asks for credentials, accredit only people an accepted document names."""
    if not participant.delegation.event.credentials_required:
        return
    if participant.id not in covered_ids(session, [participant.id]):
        raise CredentialsMissing(
            _(
                "%(name)s cannot be accredited yet: no accepted credentials document names them. "
                "Accept a document that names %(name)s first.",
                name=participant.full_name,
            )
        )


def missing(session: Session, delegation: Delegation) -> list[Participant]:
    """The delegation's pending or accredited people whom no accepted document names yet."""
    active = [p for p in delegation.participants if p.status in ACTIVE_STATUSES]
    covered = covered_ids(session, [p.id for p in active])
    return [p for p in active if p.id not in covered]


def file_name(document: CredentialDocument) -> str:
    """A safe download name: no user text in it."""
    return f"document-{document.id}.{EXTENSIONS.get(document.content_type, 'bin')}"
