"""The language switch: on every page, after a form is posted too, it leads to a page that exists."""

from __future__ import annotations

import html
import re

from kiosk.extensions import db
from kiosk.models import Event, Participant, Role, Status


def switch_links(page: str) -> dict[str, str]:
    """The language switch's links of a page, by language code."""
    nav = re.search(r'<nav class="languages".*?</nav>', page, re.S).group(0)
    return {code: html.unescape(href) for href, code in re.findall(r'href="([^"]+)" lang="(\w+)"', nav)}


def test_switch_keeps_the_filters_of_a_list(client, login, make_participant):
    participant = make_participant()
    login(Role.ORGANIZER)
    with client.application.app_context():
        slug = db.session.get(Event, participant.event_id).slug
    page = client.get(f"/admin/events/{slug}/participants?status=pending&q=Ana")
    links = switch_links(page.text)
    assert set(links) == {"ar", "zh", "en", "fr", "ru", "es"}
    assert links["ru"] == f"/admin/events/{slug}/participants?status=pending&q=Ana&lang=ru"
    switched = client.get(links["ru"])
    assert switched.status_code == 200
    assert 'lang="ru"' in switched.text
    assert "Ana" in switched.text


def test_switch_after_a_refused_post_leads_to_the_list_with_its_filters(client, login, make_participant):
    participant = make_participant()
    login(Role.ORGANIZER)
    with client.application.app_context():
        slug = db.session.get(Event, participant.event_id).slug
    # Withdrawn participants cannot be accredited: the POST answers with the list and an error.
    with client.application.app_context():
        db.session.get(Participant, participant.id).status = Status.WITHDRAWN
        db.session.commit()
    response = client.post(
        f"/admin/events/{slug}/participants/status",
        data={"single": f"accredit:{participant.id}", "status": "withdrawn", "q": "Ana"},
    )
    assert response.status_code == 409
    target = switch_links(response.text)["ar"]
    assert target == f"/admin/events/{slug}/participants?status=withdrawn&q=Ana&lang=ar"
    page = client.get(target)
    assert page.status_code == 200
    assert 'lang="ar" dir="rtl"' in page.text


def test_switch_after_a_refused_registration_leads_to_the_delegation_page(
    client, make_delegation, delegation_link
):
    secret = delegation_link(make_delegation())
    client.get(f"/d/{secret}/")  # the private link signs in; the pages are under /delegation/
    response = client.post("/delegation/participants", data={"given_name": ""})
    assert response.status_code == 422
    for code, target in switch_links(response.text).items():
        assert target == f"/delegation/?lang={code}"
        assert client.get(target).status_code == 200


def test_switch_after_a_post_without_a_page_of_its_own(client, login, make_event):
    event = make_event()
    login(Role.ORGANIZER)
    response = client.post(f"/admin/events/{event.slug}/meetings", data={"meeting_title": ""})
    assert response.status_code == 422
    target = switch_links(response.text)["zh"]
    assert target == f"/admin/events/{event.slug}?lang=zh"
    assert client.get(target).status_code == 200
