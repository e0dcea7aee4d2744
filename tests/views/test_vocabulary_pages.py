"""Words the data carries, on pages and in the API: functions, countries, roles and categories."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from kiosk.extensions import db
from kiosk.models import Category, Delegation, Event, Participant, Role, Status
from kiosk.services.vocabulary import function_label
from tests.conftest import bearer


def stored(app, delegation_id: int) -> list[Participant]:
    with app.app_context():
        query = select(Participant).filter_by(delegation_id=delegation_id).order_by(Participant.id)
        return list(db.session.execute(query).scalars())


@pytest.fixture
def chile(make_event, make_delegation):
    return make_delegation(event=make_event(slug="im2024"), name="Chile")


def test_function_is_chosen_from_the_list_or_written_as_other(app, client, chile, delegation_link):
    secret = delegation_link(chile)
    form = client.get(f"/d/{secret}/?lang=fr", follow_redirects=True).text
    assert '<option value="head_of_delegation" >Chef de délégation</option>' in form
    assert "Autre (à préciser ci-dessous)" in form
    client.post(
        "/delegation/participants",
        data={"given_name": "Ana", "family_name": "Pérez", "function": "alternate_representative"},
    )
    client.post(
        "/delegation/participants",
        data={
            "given_name": "Luis",
            "family_name": "Soto",
            "function": "other",
            "function_other": "Attaché de presse",
        },
    )
    assert [p.function for p in stored(app, chile.id)] == ["alternate_representative", "Attaché de presse"]
    page = client.get("/delegation/?lang=ru").text
    assert "Альтернативный представитель" in page and "Attaché de presse" in page


def test_edit_form_shows_a_free_text_function_under_other(
    app, client, chile, delegation_link, make_participant
):
    participant = make_participant(delegation=chile, function="Attaché de presse")
    client.get(f"/d/{delegation_link(chile)}/")
    form = client.get(f"/delegation/participants/{participant.id}/edit").text
    assert re.search(r'<option value="other" selected>', form)
    assert 'name="function_other" value="Attaché de presse"' in form


def test_api_accepts_codes_names_in_any_language_and_free_text(app, client, chile, delegation_link):
    focal = bearer(delegation_link(chile))
    sent = [
        ("head_of_delegation", "head_of_delegation"),
        ("Conseiller juridique", "legal_adviser"),
        ("глава делегации", "head_of_delegation"),
        ("Press attaché", "Press attaché"),
    ]
    for n, (function, _stored) in enumerate(sent):
        response = client.post(
            "/api/v1/events/im2024/participants",
            headers=focal,
            json={"given_name": f"P{n}", "family_name": "Q", "function": function, "mode": "online"},
        )
        assert response.status_code == 201, response.json
        assert response.json["function"] == _stored
    too_long = client.post(
        "/api/v1/events/im2024/participants",
        headers=focal,
        json={"given_name": "X", "family_name": "Y", "function": "x" * 121},
    )
    assert too_long.status_code == 422 and "function" in too_long.json["errors"]
    schema = client.get("/api/v1/openapi.json").json["components"]["schemas"]
    documented = next(
        s["properties"]["function"] for s in schema.values() if "function" in s.get("properties", {})
    )
    assert "head_of_delegation" in documented["examples"] and documented["type"] == "string"
    assert "free text" in documented["description"]


def test_function_label_in_the_badge_language(app):
    with app.app_context():
        assert function_label("head_of_delegation", "fr") == "Chef de délégation"
        assert function_label("head_of_delegation", "zh") == "代表团团长"
        assert function_label("Attaché de presse", "zh") == "Attaché de presse"


def test_delegations_show_un_country_names_sorted_in_the_page_language(app, client, login, make_event):
    event = make_event()
    with app.app_context():
        for name, code in [("Korea", "KR"), ("Viet Nam", "VN"), ("Türkiye", "TR")]:
            db.session.add(
                Delegation(event_id=event.id, name=name, category=Category.STATE_PARTY, country=code)
            )
        db.session.commit()
    login(Role.ORGANIZER)
    page = client.get(f"/admin/events/{event.slug}/delegations?lang=fr").text
    assert "République de Corée" in page and "Viet Nam" in page and "Türkiye" in page
    options = re.findall(r'<option value="([A-Z]{2})" >([^<]+)</option>', page)
    names = [html.unescape(name) for _code, name in options]
    assert (
        names.index("Égypte")
        < names.index("Espagne")
        < names.index("États-Unis d'Amérique")
        < names.index("Éthiopie")
    )
    chinese = client.get(f"/admin/events/{event.slug}/delegations?lang=zh").text
    assert "大韩民国" in chinese and "越南" in chinese and "土耳其" in chinese
    found = client.get(f"/admin/events/{event.slug}/delegations?q=Corée").text
    assert ">Korea</bdi>" in found and ">Türkiye</bdi>" not in found  # registered names, under the shown ones


def test_adding_a_delegation_with_a_country_from_the_list(app, client, login, make_event):
    event = make_event()
    login(Role.ORGANIZER)
    response = client.post(
        f"/admin/events/{event.slug}/delegations",
        data={"name": "Viet Nam", "category": "state_party", "country": "VN"},
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.execute(select(Delegation.country).filter_by(name="Viet Nam")).scalar_one() == "VN"


def test_roles_and_categories_are_shown_translated(app, client, login, make_participant):
    participant = make_participant(status=Status.ACCREDITED)
    login(Role.ORGANIZER)
    accounts = client.get("/admin/accounts/?lang=es").text
    assert ">Mostrador de inscripción</option>" in accounts and ">desk</option>" not in accounts
    with app.app_context():
        slug = db.session.get(Event, participant.event_id).slug
    listing = client.get(f"/admin/events/{slug}/participants?lang=ar").text
    assert "دولة طرف" in listing and "State party" not in listing
