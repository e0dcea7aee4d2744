"""Identity details on the pages: asked only when the event's setting is on; who reads them in full;
the explicit export; badge photos at the desk; the camera allowed only where a page takes photos."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import select

from kiosk.extensions import db
from kiosk.models import AuditEntry, Event, IdentityDetails, Participant, Role, Status
from kiosk.services import identity_details
from kiosk.services.audit import Actor
from tests.views.test_registration_pages import NEW, jpeg_with_exif, sign_in

IDENTITY = {
    "nationality": "CL",
    "birth_date": "1975-03-21",
    "document_type": "passport",
    "document_number": "P1234567",
    "document_expiry": "2031-05-30",
}


@pytest.fixture
def event(make_event):
    return make_event(identity_details=True)


@pytest.fixture
def delegation(event, make_delegation):
    return make_delegation(event=event, name="Chile")


def people(app, delegation_id: int) -> list[Participant]:
    with app.app_context():
        rows = db.session.execute(select(Participant).filter_by(delegation_id=delegation_id)).scalars().all()
        for row in rows:
            db.session.expunge(row)
        return rows


def details_of(app, participant_id: int):
    with app.app_context():
        return identity_details.read(db.session, db.session.get(Participant, participant_id))


def test_the_focal_point_must_give_them_and_reads_them_back_masked(app, client, delegation, delegation_link):
    link = sign_in(client, delegation_link(delegation))
    page = client.get(link + "/")
    assert 'name="document_number"' in page.text and "Identity details for the security badge" in page.text

    refused = client.post(link + "/participants", data={**NEW, **IDENTITY, "document_expiry": "2020-01-31"})
    assert refused.status_code == 422
    assert "This document expired on" in refused.text
    assert people(app, delegation.id) == []  # nothing half-saved

    impossible = client.post(link + "/participants", data={**NEW, **IDENTITY, "birth_date": "1975-02-30"})
    assert impossible.status_code == 422 and "This date does not exist" in impossible.text

    assert client.post(link + "/participants", data={**NEW, **IDENTITY}).status_code == 302
    (ana,) = people(app, delegation.id)
    assert details_of(app, ana.id).document_number == "P1234567"

    edit = client.get(f"{link}/participants/{ana.id}/edit")
    assert "P1234567" not in edit.text and "1975" not in edit.text
    assert "•••• 67" in edit.text and "Passport" in edit.text
    # Blank fields keep what is on file; an edit of the name does not lose them.
    saved = client.post(f"{link}/participants/{ana.id}/edit", data={**NEW, "given_name": "Ana María"})
    assert saved.status_code == 302
    assert details_of(app, ana.id).document_number == "P1234567"


def test_an_event_that_does_not_ask_never_shows_or_keeps_them(
    app, client, make_event, make_delegation, delegation_link
):
    delegation = make_delegation(event=make_event())
    link = sign_in(client, delegation_link(delegation))
    assert 'name="document_number"' not in client.get(link + "/").text
    assert client.post(link + "/participants", data={**NEW, **IDENTITY}).status_code == 302
    with app.app_context():
        assert db.session.execute(select(IdentityDetails)).first() is None


def test_the_desk_registers_a_walk_in_with_details_and_a_photo_and_reads_them(
    app, client, event, delegation, login
):
    login(Role.DESK)
    form = {**NEW, **IDENTITY, "delegation_id": str(delegation.id), "accredit": "yes"}
    response = client.post(
        f"/desk/{event.slug}/walk-in",
        data={**form, "photo": (io.BytesIO(jpeg_with_exif()), "camera-photo.jpg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.text
    (ana,) = people(app, delegation.id)
    assert ana.status == Status.ACCREDITED
    assert ana.photo and b"SecretCameraMaker" not in ana.photo
    assert Image.open(io.BytesIO(ana.photo)).size == (300, 400)
    page = client.get(response.location)
    assert "P1234567" in page.text and "21 March 1975" in page.text and 'id="desk-photo"' in page.text

    # A new document at the desk replaces the old one.
    replaced = client.post(
        f"/desk/{event.slug}/p/{ana.id}/identity", data={**IDENTITY, "document_number": "P7654321"}
    )
    assert replaced.status_code == 302
    assert details_of(app, ana.id).document_number == "P7654321"
    refused = client.post(f"/desk/{event.slug}/p/{ana.id}/identity", data={**IDENTITY, "nationality": ""})
    assert refused.status_code == 422 and "Required for the security badge" in refused.text


def test_the_desk_takes_a_badge_photo_on_the_day(app, client, event, delegation, make_participant, login):
    login(Role.DESK)
    person = make_participant(delegation=delegation, status=Status.ACCREDITED)
    response = client.post(
        f"/desk/{event.slug}/p/{person.id}/photo",
        data={"photo": (io.BytesIO(jpeg_with_exif()), "camera-photo.jpg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert "The photo of" in client.get(response.location).text
    (stored,) = people(app, delegation.id)
    assert stored.photo_type == "image/jpeg" and b"SecretCameraMaker" not in stored.photo
    bad = client.post(
        f"/desk/{event.slug}/p/{person.id}/photo",
        data={"photo": (io.BytesIO(b"GIF89a" + b"\0" * 20), "x.gif")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "is not a JPEG or PNG image" in bad.text


def test_organizers_read_them_and_export_them_only_by_name(
    app, client, event, delegation, make_participant, login
):
    person = make_participant(delegation=delegation)
    with app.app_context():
        identity = identity_details.clean(IDENTITY, required=True)
        identity_details.store(
            db.session,
            db.session.get(Participant, person.id),
            identity,
            Actor("user:organizer", Role.ORGANIZER),
        )
        db.session.commit()
    login(Role.ORGANIZER)
    page = client.get(f"/admin/events/{event.slug}/participants/{person.id}")
    assert "P1234567" in page.text and "Nationality" in page.text

    plain = client.get(f"/admin/events/{event.slug}/exports/participants.csv")
    assert plain.status_code == 200 and "P1234567" not in plain.text and "document_number" not in plain.text
    asked = client.get(f"/admin/events/{event.slug}/exports/participants.csv?identity_details=yes")
    assert asked.status_code == 200 and "P1234567" in asked.text
    assert "identity" in asked.headers["Content-Disposition"]
    assert client.get(f"/admin/events/{event.slug}/exports/scans.csv?identity_details=yes").status_code == 404
    live = client.get(f"/admin/events/{event.slug}/dashboard")
    assert "identity_details=yes" in live.text
    with app.app_context():
        entries = (
            db.session.execute(
                select(AuditEntry).where(AuditEntry.action == "event.export").order_by(AuditEntry.id)
            )
            .scalars()
            .all()
        )
        assert [e.changes.get("identity_details") for e in entries] == [None, True]
        assert "P1234567" not in repr([e.changes for e in entries])


def test_the_event_setting_is_off_by_default_and_switched_on_the_event_page(app, client, make_event, login):
    event = make_event()
    assert event.identity_details is False
    login(Role.ORGANIZER)
    page = client.get(f"/admin/events/{event.slug}")
    assert (
        'name="identity_details"' in page.text
        and "checked" not in page.text.split('id="identity_details"')[1][:30]
    )
    form = {
        "registration_opens_at": "",
        "registration_deadline": "",
        "default_cap": "3",
        "cap_in_person": "1",
        "identity_details": "1",
        "contact_email": "isu@example.org",
        "badge_language": "en",
    }
    assert client.post(f"/admin/events/{event.slug}", data=form).status_code == 302
    with app.app_context():
        assert db.session.get(Event, event.id).identity_details is True


def test_the_camera_is_allowed_only_on_pages_that_take_photos(
    client, delegation, delegation_link, login, event
):
    link = sign_in(client, delegation_link(delegation))
    assert client.get(link + "/").headers["Permissions-Policy"].startswith("camera=(self)")
    login(Role.DESK)
    assert client.get(f"/desk/{event.slug}/walk-in").headers["Permissions-Policy"].startswith("camera=(self)")
    assert client.get("/login").headers["Permissions-Policy"] == "camera=(), microphone=(), geolocation=()"
