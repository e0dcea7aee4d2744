"""The organizer's page of an organisation's names in six languages (issue #19)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from kiosk.extensions import db
from kiosk.models import AuditEntry, Category, Delegation, Event, Role


def names_url(delegation: Delegation, app) -> str:
    with app.app_context():
        slug = db.session.get(Event, delegation.event_id).slug
    return f"/admin/events/{slug}/delegations/{delegation.id}/names"


@pytest.fixture
def eu(make_delegation) -> Delegation:
    return make_delegation(name="EU", category=Category.IGO, country=None)


def test_the_form_starts_from_the_file_and_explains_after_delegation(app, client, login, eu):
    login()
    page = client.get(names_url(eu, app))
    assert page.status_code == 200
    assert 'name="name_fr" value="Union européenne"' in page.text
    assert 'name="after_delegation_ru" value="Европейского союза"' in page.text
    assert 'name="after_delegation_en" value="of the European Union"' in page.text
    assert 'id="name_ar"' in page.text and 'lang="ar" dir="rtl"' in page.text
    assert "In Russian, after the word “delegation” (genitive)" in page.text
    # Each words field says, with an example in its own language, what comes after "delegation".
    assert (
        '<span lang="fr" dir="ltr">la délégation <strong>de l&#39;Union européenne</strong></span>'
        in page.text
    )
    assert 'aria-describedby="after_delegation_es-hint"' in page.text


def test_the_organizer_saves_the_names_and_every_page_uses_them(app, client, login, make_delegation):
    ngo = make_delegation(name="World Wide Fund for Nature", category=Category.NGO, country=None)
    user = login()
    url = names_url(ngo, app)
    page = client.get(url)
    assert 'name="name_fr" value=""' in page.text  # not in the file: empty
    form = {
        "name_fr": "Fonds mondial pour la nature",
        "after_delegation_fr": "du Fonds mondial pour la nature",
        "name_ru": "Всемирный фонд дикой природы",
        "after_delegation_ru": "",
        "name_zh": "世界自然基金会",
    }
    response = client.post(url, data=form)
    assert response.status_code == 302 and response.headers["Location"] == url
    saved = client.get(url)
    assert "The names of the delegation of World Wide Fund for Nature are saved." in saved.text
    # The preview: the Russian sentence without a genitive stays grammatical.
    assert "организации «Всемирный фонд дикой природы»" in saved.text
    with app.app_context():
        stored = db.session.get(Delegation, ngo.id).names
        assert stored == {
            "fr": {
                "name": "Fonds mondial pour la nature",
                "after_delegation": "du Fonds mondial pour la nature",
            },
            "ru": {"name": "Всемирный фонд дикой природы"},
            "zh": {"name": "世界自然基金会"},
        }
        (entry,) = db.session.execute(select(AuditEntry).filter_by(action="delegation.names")).scalars()
        assert entry.actor == f"user:{user.id}" and entry.entity_id == ngo.id
    audit = client.get(url.split("/delegations/")[0] + "/audit").text
    assert "Names changed" in audit and "<span>name_zh</span>: — → 世界自然基金会" in audit


def test_a_wrong_field_is_named_in_a_sentence_and_nothing_is_saved(app, client, login, eu):
    login()
    response = client.post(
        names_url(eu, app), data={"name_zh": "欧" * 201, "after_delegation_en": "of \u202ethe EU"}
    )
    assert response.status_code == 422
    assert "“Name in Chinese” is too long (at most 200 characters)." in response.text
    assert (
        "“In English, after the word “delegation”” contains characters that are not allowed." in response.text
    )
    assert re.search(r'id="name_zh"[^>]*aria-invalid="true"', response.text)
    with app.app_context():
        assert db.session.get(Delegation, eu.id).names == {}


def test_a_state_has_no_names_page(app, client, login, make_delegation):
    chile = make_delegation()
    login()
    response = client.get(names_url(chile, app), follow_redirects=True)
    assert "A State is named by its UN names" in response.text
    assert client.post(names_url(chile, app), data={"name_fr": "Chili"}).status_code == 302
    with app.app_context():
        assert db.session.get(Delegation, chile.id).names == {}


def test_the_list_links_organisations_to_their_names_not_states(app, client, login, eu, make_delegation):
    chile = make_delegation(event=db_event(app, eu))
    login()
    page = client.get(names_url(eu, app).rsplit("/", 2)[0])
    assert f"/delegations/{eu.id}/names" in page.text
    assert f"/delegations/{chile.id}/names" not in page.text


def db_event(app, delegation: Delegation) -> Event:
    with app.app_context():
        event = db.session.get(Event, delegation.event_id)
        db.session.expunge(event)
        return event


@pytest.mark.parametrize("role", [Role.DESK, Role.SECURITY])
def test_other_roles_may_neither_see_nor_change_the_names(app, client, login, eu, role):
    login(role)
    assert client.get(names_url(eu, app)).status_code == 403
    assert client.post(names_url(eu, app), data={"name_fr": "UE"}).status_code == 403
    with app.app_context():
        assert db.session.get(Delegation, eu.id).names == {}


def test_a_delegation_of_another_event_is_not_found(app, client, login, eu, make_event):
    other = make_event()
    login()
    assert client.get(f"/admin/events/{other.slug}/delegations/{eu.id}/names").status_code == 404


def test_saving_needs_the_form_s_csrf_token(app, client, login, eu):
    login()
    app.config["WTF_CSRF_ENABLED"] = True
    url = names_url(eu, app)
    assert client.post(url, data={"name_zh": "欧盟"}).status_code == 400
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get(url).text).group(1)
    assert client.post(url, data={"name_zh": "欧盟", "csrf_token": token}).status_code == 302
    with app.app_context():
        assert db.session.get(Delegation, eu.id).names == {"zh": {"name": "欧盟"}}


def test_the_arabic_page_labels_each_field_in_arabic_and_shows_the_arabic_name(app, client, login, eu):
    login()
    page = client.get(names_url(eu, app) + "?lang=ar")
    assert 'lang="ar" dir="rtl"' in page.text
    assert "الاسم بالصينية" in page.text  # "Name in Chinese"
    assert "بالروسية، بعد كلمة «وفد» (حالة الإضافة)" in page.text
    assert 'value="الاتحاد الأوروبي"' in page.text
