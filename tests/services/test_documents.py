"""Credentials documents: hostile uploads refused or rewritten, the review, the accreditation rule, purge."""

from __future__ import annotations

import io
import struct
import zlib
from datetime import date, timedelta
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

from kiosk.extensions import db
from kiosk.models import (
    AuditEntry,
    CredentialDocument,
    Decision,
    Delegation,
    Event,
    Participant,
    Role,
    Status,
)
from kiosk.services import documents, registration, retention
from kiosk.services.audit import Actor
from kiosk.services.errors import CredentialsMissing, ValidationFailed

ORGANIZER = Actor("user:1", Role.ORGANIZER)
MB = 1024 * 1024


def pdf(pages: int = 1, javascript: bool = False, open_action: bool = False) -> bytes:
    """A real PDF of blank pages, with active content when asked."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    if javascript:
        script = DictionaryObject(
            {
                NameObject("/S"): NameObject("/JavaScript"),
                NameObject("/JS"): TextStringObject("app.alert(1);"),
            }
        )
        names = ArrayObject([TextStringObject("hello"), writer._add_object(script)])
        writer._root_object[NameObject("/Names")] = DictionaryObject(
            {NameObject("/JavaScript"): DictionaryObject({NameObject("/Names"): names})}
        )
    if open_action:
        action = DictionaryObject(
            {NameObject("/S"): NameObject("/Launch"), NameObject("/F"): TextStringObject("calc.exe")}
        )
        writer._root_object[NameObject("/OpenAction")] = writer._add_object(action)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def raw_pdf(objects: list[bytes]) -> bytes:
    """A PDF written by hand (objects numbered from 1, the first the catalogue), with a correct xref."""
    out = b"%PDF-1.7\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return out


def png(width: int = 40, height: int = 30, **info) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, format="PNG", **info)
    return out.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG that claims huge dimensions: an image bomb's header."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def refusal(data: bytes, max_bytes: int = 5 * MB, max_pages: int = 5) -> str:
    with pytest.raises(ValidationFailed) as caught:
        documents.clean_file(data, max_bytes, max_pages)
    assert caught.value.errors["file"]
    return caught.value.detail


# Upload rules


def test_a_plain_pdf_is_rewritten_with_its_pages_and_a_preview(app):
    with app.test_request_context():
        clean = documents.clean_file(pdf(pages=2), 5 * MB, 5)
    assert clean.content_type == "application/pdf" and clean.pages == 2
    assert len(PdfReader(io.BytesIO(clean.content)).pages) == 2
    assert clean.preview is not None and clean.preview.startswith(b"\x89PNG")
    assert Image.open(io.BytesIO(clean.preview)).size[1] <= documents.PREVIEW_SIZE


def test_a_pdf_with_javascript_is_refused(app):
    with app.test_request_context():
        detail = refusal(pdf(javascript=True))
    assert "active content" in detail and "JavaScript" in detail


def test_javascript_hidden_in_a_page_annotation_behind_an_escaped_name_is_refused(app):
    hidden = raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Annots [4 0 R] >>",
            b"<< /Type /Annot /Subtype /Link /Rect [0 0 9 9] /A << /S /J#61vaScript /JS (app.alert(1)) >> >>",
        ]
    )
    with app.test_request_context():
        assert "active content" in refusal(hidden)


def test_a_pdf_that_launches_a_program_when_opened_is_refused(app):
    with app.test_request_context():
        detail = refusal(pdf(open_action=True))
    assert "active content" in detail


def test_a_malformed_pdf_is_refused_with_a_sentence(app):
    broken = b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF"
    with app.test_request_context():
        assert "damaged" in refusal(broken)
        assert "damaged" in refusal(pdf()[: len(pdf()) // 3])


def test_too_many_pages_and_too_many_bytes_are_refused(app):
    with app.test_request_context():
        assert "at most 3 pages" in refusal(pdf(pages=4), max_pages=3)
        assert "at most 1 MB" in refusal(b"%PDF-" + b"0" * (MB + 1), max_bytes=MB)
        assert refusal(b"")


def test_only_pdf_jpeg_and_png_are_accepted_whatever_the_name(app):
    gif = io.BytesIO()
    Image.new("RGB", (4, 4)).save(gif, format="GIF")
    with app.test_request_context():
        for data in (b"<html><script>alert(1)</script></html>", gif.getvalue(), b"MZ\x90\x00 an exe"):
            assert "not a PDF, JPEG or PNG" in refusal(data)


def test_an_image_bomb_is_refused_before_decoding(app):
    with app.test_request_context():
        assert "megapixels" in refusal(png_header_only(50_000, 50_000))


def test_an_image_is_re_encoded_without_its_metadata(app):
    with_text = png(pnginfo=_info("Author", "secret name"))
    assert b"secret name" in with_text
    with app.test_request_context():
        clean = documents.clean_file(with_text, 5 * MB, 5)
    assert clean.content_type == "image/png" and b"secret name" not in clean.content
    assert Image.open(io.BytesIO(clean.content)).size == (40, 30)


def _info(key: str, value: str):
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text(key, value)
    return info


# Filing, review, the rule


@pytest.fixture
def people(app, make_event, make_delegation, make_participant):
    event = make_event(credentials_required=True)
    delegation = make_delegation(event=event)
    ana = make_participant(delegation=delegation)
    ben = make_participant(delegation=delegation, given_name="Ben")
    stranger = make_participant(delegation=make_delegation(event=event, name="Peru", country="PE"))
    return delegation, ana, ben, stranger


def file_document(app, delegation_id: int, participant_ids: list[int], **overrides) -> int:
    with app.test_request_context():
        delegation = db.session.get(Delegation, delegation_id)
        clean = documents.clean_file(pdf(), 5 * MB, 5)
        data = {
            "kind": "credentials",
            "authority": "foreign_minister",
            "issued_on": (date.today() - timedelta(days=3)).isoformat(),
            "reference": "NV/2024/118",
            "original": "original",
            "participant_ids": [str(i) for i in participant_ids],
            **overrides,
        }
        document = documents.add_document(db.session, delegation, data, clean, ORGANIZER)
        db.session.commit()
        return document.id


def test_a_document_names_only_people_of_its_delegation(app, people):
    delegation, ana, _ben, stranger = people
    with pytest.raises(ValidationFailed) as caught:
        file_document(app, delegation.id, [ana.id, stranger.id])
    assert "participant_ids" in caught.value.errors
    with pytest.raises(ValidationFailed) as caught:
        file_document(app, delegation.id, [ana.id], kind="passport", issued_on="2999-01-01")
    assert {"kind", "issued_on"} <= set(caught.value.errors)


def test_with_the_setting_on_only_people_an_accepted_document_names_are_accredited(app, people):
    delegation, ana, ben, _stranger = people
    document_id = file_document(app, delegation.id, [ana.id])
    with app.test_request_context():
        participant = db.session.get(Participant, ana.id)
        with pytest.raises(CredentialsMissing) as caught:  # the document is not accepted yet
            registration.change_status(db.session, participant, Status.ACCREDITED, ORGANIZER)
        assert participant.full_name in caught.value.detail
        db.session.rollback()
        document = db.session.get(CredentialDocument, document_id)
        documents.decide(db.session, document, "accepted", ORGANIZER)
        db.session.commit()
        # In bulk: Ana (named) comes first and passes, Ben (named by nothing) is refused: none changes.
        with pytest.raises(registration.StatusChangeRefused) as bulk:
            registration.change_statuses(
                db.session, delegation.event_id, [ana.id, ben.id], Status.ACCREDITED, ORGANIZER
            )
        assert isinstance(bulk.value.cause, CredentialsMissing) and bulk.value.participant.id == ben.id
        db.session.rollback()
        assert db.session.get(Participant, ana.id).status == Status.PENDING
        assert db.session.get(Participant, ben.id).status == Status.PENDING
        # Alone, Ana is accredited; Ben is still missing.
        registration.change_status(
            db.session, db.session.get(Participant, ana.id), Status.ACCREDITED, ORGANIZER
        )
        db.session.commit()
        assert db.session.get(Participant, ana.id).status == Status.ACCREDITED
        assert [p.id for p in documents.missing(db.session, db.session.get(Delegation, delegation.id))] == [
            ben.id
        ]


def test_with_the_setting_off_accreditation_needs_no_document(app, make_participant):
    person = make_participant()
    with app.test_request_context():
        participant = db.session.get(Participant, person.id)
        assert participant.delegation.event.credentials_required is False
        registration.change_status(db.session, participant, Status.ACCREDITED, ORGANIZER)
        db.session.commit()
        assert db.session.get(Participant, person.id).status == Status.ACCREDITED


def test_sending_back_needs_a_reason_and_replacing_goes_back_to_review(app, people):
    delegation, ana, _ben, _stranger = people
    document_id = file_document(app, delegation.id, [ana.id])
    focal_point = Actor(f"delegation:{delegation.id}", Role.FOCAL_POINT, delegation.id)
    with app.test_request_context():
        document = db.session.get(CredentialDocument, document_id)
        with pytest.raises(ValidationFailed) as caught:
            documents.decide(db.session, document, "returned", ORGANIZER)
        assert "reason" in caught.value.errors
        with pytest.raises(ValidationFailed) as caught:
            documents.decide(db.session, document, "returned", ORGANIZER, reason="other")
        assert "note" in caught.value.errors
        documents.decide(db.session, document, "returned", ORGANIZER, reason="unsigned")
        db.session.commit()
        assert "not signed" in documents.reason_text(document)
        documents.replace_file(db.session, document, documents.clean_file(png(), 5 * MB, 5), focal_point)
        db.session.commit()
        document = db.session.get(CredentialDocument, document_id)
        assert document.decision == Decision.PENDING and document.content_type == "image/png"
        documents.decide(db.session, document, "accepted", ORGANIZER)
        db.session.commit()
        with pytest.raises(Exception) as refused:  # an accepted document is the secretariat's now
            documents.replace_file(db.session, document, documents.clean_file(png(), 5 * MB, 5), focal_point)
        assert "accepted" in str(refused.value)
        db.session.rollback()
        actions = [
            a
            for (a,) in db.session.execute(
                db.select(AuditEntry.action)
                .where(AuditEntry.entity == "credential_document", AuditEntry.entity_id == document_id)
                .order_by(AuditEntry.id)
            )
        ]
    assert actions == [
        "document.upload",
        "document.returned",
        "document.replace",
        "document.accepted",
    ]


def test_the_purge_removes_the_files_and_the_names(app, make_event, make_delegation, make_participant):
    event = make_event(starts_on=date(2020, 1, 1), ends_on=date(2020, 1, 2), registration_deadline=None)
    delegation = make_delegation(event=event)
    person = make_participant(delegation=delegation)
    document_id = file_document(app, delegation.id, [person.id])
    with app.test_request_context():
        report = retention.purge_personal_data(
            db.session, days=30, actor=ORGANIZER, outbox=Path(app.config["MAIL_OUTBOX"])
        )
        db.session.commit()
        assert report.events[0].documents == 1
        db.session.expire_all()
        document = db.session.get(CredentialDocument, document_id)
        assert document.content is None and document.preview is None and document.reference == ""
        assert document.participants == []
        assert document.kind.value == "credentials"  # the anonymous facts stay
        assert db.session.get(Event, event.id) is not None


def test_the_preview_runs_under_limits_and_a_failed_preview_does_not_stop_the_upload(app, monkeypatch):
    with app.test_request_context():
        assert documents.pdf_preview(pdf()) is not None
        monkeypatch.setattr(documents, "PREVIEW_MEMORY", 4 * 1024 * 1024)  # too little for pdftoppm
        assert documents.pdf_preview(pdf()) is None
        clean = documents.clean_file(pdf(), 5 * MB, 5)
    assert clean.preview is None and clean.content.startswith(b"%PDF-")
