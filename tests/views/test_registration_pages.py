"""Focal-point pages behind a delegation's private link."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import select

from kiosk.extensions import db
from kiosk.models import Participant, Status
from kiosk.models.base import utcnow
from kiosk.services import titles

NEW = {
    "title": "Ms.",
    "given_name": "Ana",
    "family_name": "Pérez",
    "function": "Delegate",
    "gender": "female",
    "email": "",
    "mode": "in_person",
    "language": "es",
}


@pytest.fixture
def delegation(make_event, make_delegation):
    return make_delegation(event=make_event(title="Intersessional Meetings"), name="Chile")


def sign_in(client, secret: str) -> str:
    """Open the private link: it signs in and redirects to the pages' address, without the secret."""
    entered = client.get(f"/d/{secret}/")
    assert entered.status_code == 303 and entered.headers["Location"] == "/delegation/"
    return "/delegation"


@pytest.fixture
def link(client, delegation, delegation_link) -> str:
    return sign_in(client, delegation_link(delegation))


def jpeg_with_exif() -> bytes:
    image = Image.new("RGB", (300, 400), (120, 80, 40))
    exif = Image.Exif()
    exif[0x010F] = "SecretCameraMaker"  # Make
    exif[0x8825] = {2: (46.0, 13.0, 0.0)}  # GPS latitude
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def stored(app, delegation_id: int) -> list[Participant]:
    with app.app_context():
        rows = db.session.execute(select(Participant).filter_by(delegation_id=delegation_id)).scalars().all()
        for row in rows:
            db.session.expunge(row)
        return rows


def test_page_shows_places_and_registers_up_to_the_cap(client, app, delegation, link):
    page = client.get(link + "/")
    assert page.status_code == 200
    assert "0 of 3 places used" in page.text and "Chile" in page.text
    for n in range(3):
        response = client.post(link + "/participants", data={**NEW, "given_name": f"Ana{n}"})
        assert response.status_code == 302
    assert "3 of 3 places used" in client.get(link + "/").text
    refused = client.post(link + "/participants", data={**NEW, "given_name": "Fourth"})
    assert refused.status_code == 409
    assert "The delegation of Chile has 3 of 3 places." in refused.text
    assert 'value="Fourth"' in refused.text  # what was typed is kept
    assert len(stored(app, delegation.id)) == 3


def test_field_errors_are_shown_next_to_fields(client, app, delegation, link):
    response = client.post(link + "/participants", data={**NEW, "given_name": "", "email": "nope"})
    assert response.status_code == 422
    assert "Given name is required." in response.text
    assert "Enter an e-mail address" in response.text
    assert stored(app, delegation.id) == []


def test_edit_substitute_withdraw(client, app, delegation, link):
    client.post(link + "/participants", data=NEW)
    (ana,) = stored(app, delegation.id)
    assert client.get(f"{link}/participants/{ana.id}/edit").status_code == 200
    client.post(f"{link}/participants/{ana.id}/edit", data={**NEW, "function": "Head of delegation"})
    assert stored(app, delegation.id)[0].function == "head_of_delegation"
    response = client.post(f"{link}/participants/{ana.id}/substitute", data={**NEW, "given_name": "Bea"})
    assert response.status_code == 302
    people = {p.given_name: p for p in stored(app, delegation.id)}
    assert people["Ana"].status == Status.WITHDRAWN and people["Bea"].substitute_for_id == ana.id
    client.post(f"{link}/participants/{people['Bea'].id}/withdraw")
    assert {p.status for p in stored(app, delegation.id)} == {Status.WITHDRAWN}


def test_photo_is_reencoded_without_metadata(client, app, delegation, link):
    client.post(link + "/participants", data=NEW)
    (ana,) = stored(app, delegation.id)
    original = jpeg_with_exif()
    assert b"SecretCameraMaker" in original
    response = client.post(
        f"{link}/participants/{ana.id}/photo",
        data={"photo": (io.BytesIO(original), "me.jpg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    photo = client.get(f"{link}/participants/{ana.id}/photo")
    assert photo.mimetype == "image/jpeg"
    assert b"SecretCameraMaker" not in photo.data
    assert not Image.open(io.BytesIO(photo.data)).getexif()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"%PDF-1.4 not an image", "is not a JPEG or PNG image"),
        (b"GIF89a" + b"\x00" * 20, "is not a JPEG or PNG image"),
        (b"", "Choose a photo"),
    ],
)
def test_anything_but_an_image_is_refused_with_a_sentence(client, app, delegation, link, content, message):
    client.post(link + "/participants", data=NEW)
    (ana,) = stored(app, delegation.id)
    response = client.post(
        f"{link}/participants/{ana.id}/photo",
        data={"photo": (io.BytesIO(content), "x.jpg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert message in response.text
    assert stored(app, delegation.id)[0].photo is None


def test_after_the_deadline_the_page_is_read_only(
    client, app, make_event, make_delegation, delegation_link, make_participant
):
    event = make_event(registration_deadline=utcnow() - timedelta(days=1), contact_email="isu@example.org")
    delegation = make_delegation(event=event)
    person = make_participant(delegation=delegation)
    link = sign_in(client, delegation_link(delegation))
    page = client.get(link + "/")
    assert "Registration is closed" in page.text and "isu@example.org" in page.text
    assert "Register a participant" not in page.text
    refused = client.post(link + "/participants", data=NEW)
    assert refused.status_code == 403 and "closed on" in refused.text
    assert client.post(f"{link}/participants/{person.id}/withdraw").status_code == 403


def test_unknown_link_and_other_delegations_people_are_404(client, link, make_participant):
    assert client.get("/d/not-a-real-secret/").status_code == 404
    other = make_participant()
    assert client.get(f"{link}/participants/{other.id}/edit").status_code == 404


def test_page_speaks_the_chosen_language_and_arabic_is_rtl(client, link):
    page = client.get(link + "/?lang=ar")
    assert 'lang="ar" dir="rtl"' in page.text


def test_csrf_is_enforced(app, delegation, delegation_link):
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    link = sign_in(client, delegation_link(delegation))
    refused = client.post(link + "/participants", data=NEW)
    assert refused.status_code == 400
    page = client.get(link + "/")
    token = page.text.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    accepted = client.post(link + "/participants", data={**NEW, "csrf_token": token})
    assert accepted.status_code == 302


def test_the_focal_point_chooses_the_name_order(client, app, delegation, link):
    form = client.get(link + "/").get_data(as_text=True)
    assert 'name="family_name_first"' in form and 'value="yes"' in form
    client.post(link + "/participants", data={**NEW, "given_name": "Thị Minh Khai", "family_name": "Nguyễn"})
    client.post(link + "/participants", data={**NEW, "given_name": "Anna", "family_name": "Müller"})
    client.post(
        link + "/participants",
        data={**NEW, "given_name": "Péter", "family_name": "Nagy", "family_name_first": "yes"},
    )
    people = {p.given_name: p for p in stored(app, delegation.id)}
    assert {name: p.family_name_first for name, p in people.items()} == {
        "Thị Minh Khai": True,  # as usual: Vietnamese letters
        "Anna": False,
        "Péter": True,  # chosen
    }
    edit = client.get(f"{link}/participants/{people['Péter'].id}/edit").get_data(as_text=True)
    assert '<option value="yes" selected>' in edit
    client.post(
        f"{link}/participants/{people['Péter'].id}/edit",
        data={**NEW, "given_name": "Péter", "family_name": "Nagy", "family_name_first": "no"},
    )
    assert {p.given_name: titles.participant_name(p, "en") for p in stored(app, delegation.id)}[
        "Péter"
    ] == f"{NEW['title']} Péter NAGY".strip()
