"""The badges and print jobs API: badge images that verify, reissue, printing, roles."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import zxingcpp
from openapi_spec_validator import validate
from PIL import Image

from badges.codes import CodeKind, verify
from kiosk.extensions import db
from kiosk.models import Event, JobStatus, Participant, Printer, PrintJob, Role, Status
from kiosk.services import printing
from kiosk.services.keys import public_keys
from tests.conftest import bearer


@pytest.fixture
def chile(make_event, make_delegation):
    return make_delegation(event=make_event(slug="im2024"), name="Chile")


@pytest.fixture
def ana(make_participant, chile):
    return make_participant(chile, status=Status.ACCREDITED, given_name="Ana", family_name="Pérez")


@pytest.fixture
def organizer(make_token):
    return bearer(make_token(Role.ORGANIZER))


@pytest.fixture
def desk(make_token):
    return bearer(make_token(Role.DESK))


@pytest.fixture
def printers(app, tmp_path):
    """A badge printer (hot folder), a second one, and a dummy receipt printer; their ids."""
    with app.app_context():
        ids = {}
        for name, kind, connection in (
            ("Badges A", "badge", {"type": "hot_folder", "path": str(tmp_path / "a")}),
            ("Badges B", "badge", {"type": "hot_folder", "path": str(tmp_path / "b")}),
            ("Receipts", "receipt", {"type": "dummy"}),
        ):
            ids[name] = printing.save_printer(
                db.session, None, name=name, kind=kind, connection=connection
            ).id
        db.session.commit()
    return ids


def decode_and_verify(app, png: bytes, participant_id: int):
    with Image.open(io.BytesIO(png)) as image:
        barcodes = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    assert len(barcodes) == 1
    with app.app_context():
        participant = db.session.get(Participant, participant_id)
        event = db.session.get(Event, participant.event_id)
        during = event.local_midnight(event.starts_on) + timedelta(hours=10)
        result = verify(
            barcodes[0].text,
            public_keys(db.session, event),
            event_id=event.id,
            kind=CodeKind.BADGE,
            now=during,
        )
        before = verify(
            barcodes[0].text,
            public_keys(db.session, event),
            now=event.local_midnight(event.starts_on) - timedelta(seconds=1),
        )
        assert before.reason == "not_valid_now"  # a badge admits only on the event's days
        return result, participant.badge_serial


def test_badge_png_decodes_to_a_signed_badge_code(client, app, ana, desk):
    response = client.get(f"/api/v1/participants/{ana.id}/badge.png", headers=desk)
    assert response.status_code == 200 and response.mimetype == "image/png"
    result, serial = decode_and_verify(app, response.data, ana.id)
    assert result.ok, result.reason
    assert (result.payload.participant_id, result.payload.serial, serial) == (ana.id, 1, 1)
    with Image.open(io.BytesIO(response.data)) as image:
        assert image.size == (1011, 638)


def test_badge_formats_and_pdf(client, ana, organizer):
    portrait = client.get(f"/api/v1/participants/{ana.id}/badge.png?format=card_portrait", headers=organizer)
    with Image.open(io.BytesIO(portrait.data)) as image:
        assert image.width < image.height
    pdf = client.get(f"/api/v1/participants/{ana.id}/badge.pdf?format=a6", headers=organizer)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    bad = client.get(f"/api/v1/participants/{ana.id}/badge.pdf?format=poster", headers=organizer)
    assert bad.status_code == 422 and bad.json["code"] == "invalid"


def test_reissue_revokes_the_old_badge(client, app, ana, desk):
    old = client.get(f"/api/v1/participants/{ana.id}/badge.png", headers=desk).data
    response = client.post(f"/api/v1/participants/{ana.id}/badge/reissue", headers=desk)
    assert response.status_code == 200
    assert response.json == {"participant_id": ana.id, "badge_serial": 2}
    result, serial = decode_and_verify(app, old, ana.id)
    assert result.ok and result.payload.serial == 1 and serial == 2  # the door compares: revoked
    new = client.get(f"/api/v1/participants/{ana.id}/badge.png", headers=desk).data
    result, serial = decode_and_verify(app, new, ana.id)
    assert result.payload.serial == serial == 2
    with app.app_context():
        from sqlalchemy import select

        from kiosk.models import AuditEntry

        entry = db.session.execute(select(AuditEntry).filter_by(action="badge_reissued")).scalar_one()
        assert entry.changes == {"badge_serial": [1, 2]} and entry.entity_id == ana.id


def test_only_accredited_participants_get_badges(client, make_participant, chile, desk, printers):
    pending = make_participant(chile, status=Status.PENDING)
    for method, path in (
        ("get", "badge.png"),
        ("get", "badge.pdf"),
        ("post", "badge/reissue"),
        ("post", "print"),
    ):
        kwargs = {"json": {"kinds": ["badge"]}} if path == "print" else {}
        response = getattr(client, method)(
            f"/api/v1/participants/{pending.id}/{path}", headers=desk, **kwargs
        )
        assert response.status_code == 409, path
        assert response.json["code"] == "not_accredited"
        assert response.mimetype == "application/problem+json"


def test_print_then_follow_the_jobs(client, app, ana, desk, printers, make_token):
    response = client.post(
        f"/api/v1/participants/{ana.id}/print", json={"kinds": ["badge", "receipt"]}, headers=desk
    )
    assert response.status_code == 201, response.json
    jobs = response.json["print_jobs"]
    assert [(j["printer"], j["kind"], j["status"]) for j in jobs] == [
        ("Badges A", "badge", "queued"),
        ("Receipts", "receipt", "queued"),
    ]
    kiosk = bearer(make_token(Role.KIOSK))
    with app.app_context():
        assert printing.process_print_jobs(db.session) == (2, 0)
    for job in jobs:
        body = client.get(f"/api/v1/print-jobs/{job['id']}", headers=kiosk).json
        assert {k: body[k] for k in ("id", "printer", "kind", "status", "attempts", "error")} == {
            **{k: job[k] for k in ("id", "printer", "kind")},
            "status": "done",
            "attempts": 1,
            "error": None,
        }
    chosen = client.post(
        f"/api/v1/participants/{ana.id}/print",
        json={"kinds": ["badge"], "printer_id": printers["Badges B"]},
        headers=desk,
    )
    assert chosen.json["print_jobs"][0]["printer"] == "Badges B"
    wrong = client.post(
        f"/api/v1/participants/{ana.id}/print",
        json={"kinds": ["receipt"], "printer_id": printers["Badges B"]},
        headers=desk,
    )
    assert wrong.status_code == 422 and "printer_id" in wrong.json["errors"]


def test_print_without_a_printer(client, ana, desk):
    response = client.post(f"/api/v1/participants/{ana.id}/print", json={"kinds": ["badge"]}, headers=desk)
    assert response.status_code == 409 and response.json["code"] == "no_printer"


def test_organizer_cancels_retries_and_moves_jobs(client, app, ana, organizer, printers):
    job = client.post(
        f"/api/v1/participants/{ana.id}/print", json={"kinds": ["badge"]}, headers=organizer
    ).json["print_jobs"][0]
    url = f"/api/v1/print-jobs/{job['id']}"
    assert client.post(f"{url}/cancel", headers=organizer).json["status"] == "cancelled"
    assert client.post(f"{url}/cancel", headers=organizer).json["code"] == "invalid_transition"
    moved = client.post(f"{url}/move", json={"printer_id": printers["Badges B"]}, headers=organizer)
    assert moved.status_code == 200 and (moved.json["printer"], moved.json["status"]) == (
        "Badges B",
        "queued",
    )
    bad_move = client.post(f"{url}/move", json={"printer_id": printers["Receipts"]}, headers=organizer)
    assert bad_move.status_code == 422
    unknown = client.post(f"{url}/move", json={"printer_id": 999}, headers=organizer)
    assert unknown.status_code == 409 and unknown.json["code"] == "no_printer"
    with app.app_context():
        printing.cancel_job(db.session, db.session.get(PrintJob, job["id"]))
        db.session.commit()
    retried = client.post(f"{url}/retry", headers=organizer)
    assert retried.status_code == 200 and retried.json["status"] == "queued"
    with app.app_context():
        assert printing.process_print_jobs(db.session) == (1, 0)
        assert db.session.get(Printer, printers["Badges B"]).reachable is True
    done = client.post(f"{url}/retry", headers=organizer)
    assert done.status_code == 409 and done.json["code"] == "invalid_transition"
    assert client.get("/api/v1/print-jobs/999", headers=organizer).status_code == 404


def test_roles(client, ana, make_token, printers):
    job = client.post(
        f"/api/v1/participants/{ana.id}/print",
        json={"kinds": ["receipt"]},
        headers=bearer(make_token(Role.DESK)),
    ).json["print_jobs"][0]
    kiosk, security, desk = (bearer(make_token(r)) for r in (Role.KIOSK, Role.SECURITY, Role.DESK))
    p = f"/api/v1/participants/{ana.id}"
    j = f"/api/v1/print-jobs/{job['id']}"
    assert client.get(f"{j}", headers=kiosk).status_code == 200
    assert client.get(f"{j}", headers=desk).status_code == 200
    forbidden = [
        (kiosk, "get", f"{p}/badge.png"),
        (kiosk, "post", f"{p}/print"),
        (kiosk, "post", f"{p}/badge/reissue"),
        (kiosk, "post", f"{j}/retry"),
        (security, "get", f"{p}/badge.png"),
        (security, "get", f"{p}/badge.pdf"),
        (security, "post", f"{p}/print"),
        (security, "post", f"{p}/badge/reissue"),
        (security, "get", j),
        (desk, "post", f"{j}/retry"),
        (desk, "post", f"{j}/cancel"),
        (desk, "post", f"{j}/move"),
    ]
    for headers, method, url in forbidden:
        response = getattr(client, method)(url, headers=headers, json={})
        assert response.status_code == 403, (method, url)
        assert response.json["code"] == "forbidden"
    assert client.get(f"{p}/badge.png").status_code == 401
    assert client.get(j).status_code == 401


def test_event_bound_token_sees_only_its_event(client, make_token, make_event, ana, printers):
    other = bearer(make_token(Role.DESK, event=make_event()))
    assert client.get(f"/api/v1/participants/{ana.id}/badge.png", headers=other).status_code == 404


def test_openapi_documents_the_badge_routes(client):
    document = client.get("/api/v1/openapi.json").json
    validate(document)
    paths = document["paths"]
    png = paths["/api/v1/participants/{participant_id}/badge.png"]["get"]
    assert "image/png" in png["responses"]["200"]["content"]
    assert (
        "application/pdf"
        in paths["/api/v1/participants/{participant_id}/badge.pdf"]["get"]["responses"]["200"]["content"]
    )
    assert "409" in png["responses"] and "not_accredited" in png["responses"]["409"]["description"]
    for path in (
        "/api/v1/participants/{participant_id}/badge/reissue",
        "/api/v1/participants/{participant_id}/print",
        "/api/v1/print-jobs/{job_id}/retry",
        "/api/v1/print-jobs/{job_id}/cancel",
        "/api/v1/print-jobs/{job_id}/move",
    ):
        assert "post" in paths[path]
    assert paths["/api/v1/print-jobs/{job_id}"]["get"]["description"] == "Roles: organizer, desk, kiosk"
    assert JobStatus.QUEUED.value in str(paths["/api/v1/print-jobs/{job_id}"])
