"""Credentials on the pages and the API: the focal point files, the secretariat reviews, the report."""

from __future__ import annotations

import base64
import io
import json

import openpyxl
from pypdf import PdfWriter
from sqlalchemy import select

from kiosk.extensions import db
from kiosk.models import CredentialDocument, Decision, Event, Participant, Role, Status
from tests.conftest import PASSWORD, bearer


def pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def javascript_pdf() -> bytes:
    return pdf().replace(
        b"/Type /Catalog", b"/Type /Catalog /OpenAction << /S /JavaScript /JS (app.alert(1)) >>"
    )


def form(person_id: int, data: bytes = b"", **overrides) -> dict:
    return {
        "kind": "note_verbale",
        "authority": "permanent_mission",
        "issued_on": "2024-05-30",
        "reference": "NV-118",
        "original": "copy",
        "participant_ids": [str(person_id)],
        "file": (io.BytesIO(data or pdf()), "letter.pdf"),
        **overrides,
    }


def documents_of(app, delegation_id: int) -> list[CredentialDocument]:
    with app.app_context():
        return list(
            db.session.execute(
                select(CredentialDocument).where(CredentialDocument.delegation_id == delegation_id)
            ).scalars()
        )


def test_the_focal_point_files_a_document_and_reads_why_it_was_sent_back_in_french(
    app, client, make_delegation, make_participant, delegation_link, make_user
):
    delegation = make_delegation()
    person = make_participant(delegation=delegation, given_name="Ana", family_name="Silva")
    client.get(f"/d/{delegation_link(delegation)}/")
    refused = client.post("/delegation/documents", data=form(person.id, javascript_pdf()))
    assert refused.status_code == 422 and "active content" in refused.text
    assert documents_of(app, delegation.id) == []
    done = client.post("/delegation/documents", data=form(person.id), follow_redirects=True)
    assert done.status_code == 200 and "sent to the secretariat for review" in done.text
    [document] = documents_of(app, delegation.id)
    assert document.kind.value == "note_verbale" and document.decision == Decision.PENDING
    download = client.get(f"/delegation/documents/{document.id}/file")
    assert download.status_code == 200 and download.data.startswith(b"%PDF-")
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["Content-Security-Policy"].startswith("sandbox")
    assert download.headers["X-Content-Type-Options"] == "nosniff"

    organizer = app.test_client()
    user = make_user(Role.ORGANIZER)
    organizer.post("/login", data={"email": user.email, "password": PASSWORD})
    with app.app_context():
        slug = db.session.get(Event, delegation.event_id).slug
    page = organizer.get(f"/admin/events/{slug}/delegations/{delegation.id}/documents")
    assert page.status_code == 200, page.text[:200]
    assert "silva" in page.text.lower() and f"document-{document.id}" in page.text
    preview = organizer.get(f"/admin/events/{slug}/documents/{document.id}/preview.png")
    assert preview.status_code == 200 and preview.data.startswith(b"\x89PNG")
    sent_back = organizer.post(
        f"/admin/events/{slug}/documents/{document.id}/decision",
        data={"decision": "returned", "reason": "unsigned", "note": ""},
    )
    assert sent_back.status_code == 302
    french = client.get("/delegation/?lang=fr")
    assert "Le document n’est pas signé" in french.text or "pas signé" in french.text, french.text[-3000:]


def test_with_the_setting_on_the_accreditation_list_refuses_and_the_focal_point_sees_what_is_missing(
    app, client, login, make_event, make_delegation, make_participant, delegation_link
):
    event = make_event(credentials_required=True)
    delegation = make_delegation(event=event)
    ana = make_participant(delegation=delegation, given_name="Ana", family_name="Silva")
    ben = make_participant(delegation=delegation, given_name="Ben", family_name="Okafor")
    focal = app.test_client()
    focal.get(f"/d/{delegation_link(delegation)}/")
    page = focal.get("/delegation/")
    assert 'id="missing"' in page.text and "silva" in page.text.lower() and "okafor" in page.text.lower()

    login(Role.ORGANIZER)
    one = client.post(
        f"/admin/events/{event.slug}/participants/status", data={"single": f"accredit:{ana.id}"}
    )
    assert one.status_code == 409 and "no accepted credentials document names them" in one.text
    bulk = client.post(
        f"/admin/events/{event.slug}/participants/status",
        data={"action": "accredit", "ids": [ana.id, ben.id]},
    )
    assert bulk.status_code == 409 and "Nothing was changed" in bulk.text
    with app.app_context():
        assert {db.session.get(Participant, i).status for i in (ana.id, ben.id)} == {Status.PENDING}

    # The secretariat files and accepts a document naming Ana: Ana is accredited, Ben still missing.
    filed = client.post(
        f"/admin/events/{event.slug}/delegations/{delegation.id}/documents",
        data=form(ana.id, kind="credentials", authority="head_of_state", original="original"),
    )
    assert filed.status_code == 302
    [document] = documents_of(app, delegation.id)
    client.post(f"/admin/events/{event.slug}/documents/{document.id}/decision", data={"decision": "accepted"})
    listing = client.get(f"/admin/events/{event.slug}/participants")
    assert "Formal credentials: Accepted" in listing.text
    one = client.post(
        f"/admin/events/{event.slug}/participants/status", data={"single": f"accredit:{ana.id}"}
    )
    assert one.status_code == 302
    page = focal.get("/delegation/")
    missing = page.text.split('id="missing"')[1].split("</p>")[0].lower()
    assert "okafor" in missing and "silva" not in missing

    report = client.get(f"/admin/events/{event.slug}/credentials")
    assert report.status_code == 200 and "data-poll" in report.text
    french = client.get(f"/admin/events/{event.slug}/credentials?lang=fr")  # in the page's language
    assert ">Chili</a>" in french.text and ">Chile</a>" not in french.text
    xlsx = client.get(f"/admin/events/{event.slug}/credentials.xlsx")
    rows = list(openpyxl.load_workbook(io.BytesIO(xlsx.data)).active.iter_rows(values_only=True))
    assert rows[1][2] == "Formal credentials (original)" and rows[1][6] == 1


def test_the_api_lists_uploads_decides_and_reports(app, make_delegation, make_participant, make_token):
    delegation = make_delegation()
    other = make_delegation(event=None)
    person = make_participant(delegation=delegation)
    client = app.test_client()
    focal = bearer(make_token(Role.FOCAL_POINT, delegation=delegation))
    organizer = bearer(make_token(Role.ORGANIZER))
    with app.app_context():
        slug = db.session.get(Event, delegation.event_id).slug
    base = f"/api/v1/events/{slug}/delegations/{delegation.id}/documents"
    body = {
        "delegation_id": delegation.id,
        "kind": "credentials",
        "authority": "foreign_minister",
        "issued_on": "2024-05-29",
        "reference": "C/77",
        "original": False,
        "participant_ids": [person.id],
        "content_base64": base64.b64encode(javascript_pdf()).decode(),
    }
    upload = f"/api/v1/events/{slug}/documents"
    elsewhere_upload = client.post(upload, json={**body, "delegation_id": other.id}, headers=focal)
    assert elsewhere_upload.status_code == 404
    refused = client.post(upload, json=body, headers=focal)
    assert (
        refused.status_code == 422
        and refused.json["code"] == "invalid"
        and "active content" in refused.json["detail"]
    )
    created = client.post(
        upload, json={**body, "content_base64": base64.b64encode(pdf()).decode()}, headers=focal
    )
    assert created.status_code == 201, created.text
    assert created.json["participant_ids"] == [person.id] and created.json["decision"] == "pending"
    assert client.get(base, headers=focal).json[0]["id"] == created.json["id"]
    elsewhere = f"/api/v1/events/{slug}/delegations/{other.id}/documents"
    assert client.get(elsewhere, headers=focal).status_code == 404
    decision = f"/api/v1/events/{slug}/documents/{created.json['id']}/decision"
    assert client.post(decision, json={"decision": "accepted"}, headers=focal).status_code == 403
    accepted = client.post(decision, json={"decision": "accepted"}, headers=organizer)
    assert accepted.status_code == 200 and accepted.json["decision"] == "accepted"
    report = client.get(f"/api/v1/events/{slug}/credentials", headers=organizer)
    assert report.status_code == 200
    assert report.json["counts"]["copy"] == 1 and report.json["states_parties"][0]["representatives"] == 1


def test_the_cli_prints_the_report(app, runner, make_delegation, make_participant):
    delegation = make_delegation(name="Chile", country="CL")
    with app.app_context():
        slug = db.session.get(Event, delegation.event_id).slug
    text = runner.invoke(args=["credentials-report", slug])
    assert text.exit_code == 0, text.output
    assert "States Parties: 1;" in text.output and "nothing: 1." in text.output
    as_json = runner.invoke(args=["credentials-report", slug, "--format", "json"])
    assert json.loads(as_json.output)["counts"]["none"] == 1
    assert runner.invoke(args=["credentials-report", slug, "--format", "pdf"]).exit_code != 0
