"""Names and words on badges through the app: the name on the badge, name order, badge language."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from kiosk.extensions import db
from kiosk.models import Category, Event, Gender, Participant, Role, Status
from kiosk.services import badging, printing
from tests.conftest import bearer

WANG = {
    "title": "先生",
    "given_name": "小明",
    "family_name": "王",
    "gender": "male",
    "mode": "in_person",
    "language": "zh",
}


@pytest.fixture
def china(make_event, make_delegation):
    return make_delegation(event=make_event(slug="im2024", title="Intersessional Meetings"), name="China")


def only_participant(app, delegation_id: int) -> Participant:
    with app.app_context():
        person = db.session.execute(select(Participant).filter_by(delegation_id=delegation_id)).scalar_one()
        db.session.expunge(person)
        return person


def test_focal_point_sees_the_badge_name_field_and_the_name_in_its_order(client, app, china, delegation_link):
    client.get(f"/d/{delegation_link(china)}/")  # the private link signs in; pages are under /delegation/
    link = "/delegation"
    form = client.get(link + "/").text
    assert 'name="badge_name"' in form and "Name on the badge" in form
    assert re.search(r'aria-describedby="([a-z]+-)?badge_name-hint"', form)
    response = client.post(link + "/participants", data=WANG, follow_redirects=True)
    assert "王小明 has been registered." in response.text
    assert (
        '<bdi dir="ltr">Mr. 王小明</bdi>' in response.text
    )  # "先生" is the title Mr., in the page's language
    assert '<bdi dir="ltr">王小明先生</bdi>' in client.get(link + "/?lang=zh").text
    wang = only_participant(app, china.id)
    edited = client.post(
        f"{link}/participants/{wang.id}/edit",
        data={**WANG, "badge_name": "WANG Xiaoming"},
        follow_redirects=True,
    )
    assert only_participant(app, china.id).badge_name == "WANG Xiaoming"
    assert '<bdi dir="ltr">WANG Xiaoming 先生</bdi>' in edited.text  # the page is in Chinese now
    assert '<bdi dir="ltr">Mr. WANG Xiaoming</bdi>' in client.get(link + "/?lang=en").text


def test_badge_name_through_the_api_and_its_schema(client, app, china, delegation_link, make_token):
    focal = bearer(delegation_link(china))
    created = client.post(
        "/api/v1/events/im2024/participants",
        json={"given_name": "Péter", "family_name": "Nagy", "title": "Mr.", "badge_name": "NAGY Péter"},
        headers=focal,
    )
    assert created.status_code == 201, created.json
    assert created.json["badge_name"] == "NAGY Péter"
    desk = bearer(make_token(Role.DESK))
    # Found by the one search (name_search.search_ids), by name: the badge name is not searched.
    found = client.get("/api/v1/events/im2024/participants?q=nagy", headers=desk)
    assert [p["id"] for p in found.json] == [created.json["id"]]
    too_long = client.patch(
        f"/api/v1/participants/{created.json['id']}", json={"badge_name": "x" * 121}, headers=focal
    )
    assert too_long.status_code == 422 and "badge_name" in too_long.json["errors"]
    schema = client.get("/api/v1/openapi.json").json
    text = str(schema)
    assert "badge_name" in text and "exactly as printed on the badge" in text


def test_badge_prints_the_composed_name_and_the_band_in_the_badge_language(
    app, make_event, make_delegation, make_participant
):
    event = make_event(badge_language="fr")
    observer = make_delegation(event=event, name="Chine", category=Category.STATE_NOT_PARTY)
    wang = make_participant(
        observer, status=Status.ACCREDITED, **{k: WANG[k] for k in ("title", "given_name", "family_name")}
    )
    amina = make_participant(
        observer,
        status=Status.ACCREDITED,
        title="ms",
        gender=Gender.FEMALE,
        given_name="Amina",
        family_name="Diallo",
        function="head_of_delegation",
    )
    nagy = make_participant(
        observer,
        status=Status.ACCREDITED,
        title="mr",
        given_name="Péter",
        family_name="Nagy",
        badge_name="NAGY Péter",
    )
    with app.app_context():
        data = {
            p.id: badging.badge_data(db.session, db.session.get(Participant, p.id))
            for p in (wang, amina, nagy)
        }
        receipt = printing._receipt_data(db.session, db.session.get(Participant, amina.id))
    assert data[wang.id].name == "王小明先生"  # a title typed in Chinese and kept as typed
    # Listed titles in the badge's language (French), the receipt in the participant's (English).
    assert data[amina.id].name == "Mme Amina DIALLO" and receipt.name == "Ms. Amina DIALLO"
    assert data[nagy.id].name == "M. NAGY Péter"
    assert {d.category_label for d in data.values()} == {"OBSERVATEUR"}
    assert data[amina.id].function == "Cheffe de délégation"
    with app.app_context():
        assert data[amina.id].event_dates == badging.event_dates(db.session.get(Event, event.id), "fr")


def test_english_is_the_default_badge_language(app, make_event, make_delegation, make_participant):
    observer = make_delegation(event=make_event(), category=Category.STATE_NOT_PARTY)
    person = make_participant(observer, status=Status.ACCREDITED)
    with app.app_context():
        assert (
            badging.badge_data(db.session, db.session.get(Participant, person.id)).category_label
            == "OBSERVER"
        )


SETTINGS = {
    "registration_opens_at": "2030-05-01T09:00",
    "registration_deadline": "2030-06-11T23:59",
    "default_cap": "3",
    "contact_email": "isu@example.org",
}


def test_organizer_sets_the_badge_language(app, client, login, make_event):
    event = make_event()
    login(Role.ORGANIZER)
    page = client.get(f"/admin/events/{event.slug}").text
    assert '<select id="badge_language" name="badge_language"' in page and "Français" in page
    assert (
        client.post(f"/admin/events/{event.slug}", data={**SETTINGS, "badge_language": "fr"}).status_code
        == 302
    )
    with app.app_context():
        assert db.session.get(Event, event.id).badge_language == "fr"
    refused = client.post(f"/admin/events/{event.slug}", data={**SETTINGS, "badge_language": "xx"})
    assert refused.status_code == 422 and "Choose the language of the badges from the list." in refused.text
    with app.app_context():
        assert db.session.get(Event, event.id).badge_language == "fr"


def test_lists_show_family_name_first_in_capitals(
    client, login, make_event, make_delegation, make_participant
):
    event = make_event()
    delegation = make_delegation(event=event, name="Senegal")
    make_participant(delegation, title="Ms.", given_name="Amina", family_name="Diallo")
    login(Role.ORGANIZER)
    page = client.get(f"/admin/events/{event.slug}/participants").text
    assert '<bdi dir="ltr">DIALLO, Amina</bdi>' in page
