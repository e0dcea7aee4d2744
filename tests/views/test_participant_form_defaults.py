"""The focal point's form: the page's language first, online when no place is left, "Other" needs a
function written; the door scanner has a heading and the dashboard no empty column header."""

from __future__ import annotations

import re

import pytest

from kiosk.extensions import db
from kiosk.models import Participant, Role


def selected(page: str, select_id: str) -> str:
    """The value of the selected option of a <select> in a page."""
    block = re.search(rf'<select id="{select_id}"(.*?)</select>', page, re.S).group(1)
    return re.search(r'<option value="([^"]*)" selected', block).group(1)


@pytest.mark.parametrize("language", ["en", "fr", "es", "ar", "zh", "ru"])
def test_the_language_of_a_new_participant_is_the_page_s(client, make_delegation, delegation_link, language):
    secret = delegation_link(make_delegation())
    page = client.get(f"/d/{secret}/?lang={language}", follow_redirects=True).text
    assert selected(page, "new-language") == language


def test_with_places_left_in_person_comes_first_and_nothing_is_explained(
    client, make_delegation, delegation_link
):
    secret = delegation_link(make_delegation())
    page = client.get(f"/d/{secret}/", follow_redirects=True).text
    assert selected(page, "new-mode") == "in_person"
    assert 'id="new-mode-note"' not in page and 'id="places-full"' not in page


@pytest.mark.parametrize(
    ("language", "why"),
    [
        ("en", "Online is chosen because all in-person places are taken."),
        ("ar", "تم اختيار «عبر الإنترنت» لأن جميع الأماكن الحضورية مشغولة."),
    ],
)
def test_with_no_place_left_online_comes_first_and_the_page_says_why(
    client, make_event, make_delegation, make_participant, delegation_link, language, why
):
    delegation = make_delegation(event=make_event(default_cap=1))
    make_participant(delegation=delegation)
    secret = delegation_link(delegation)
    page = client.get(f"/d/{secret}/?lang={language}", follow_redirects=True).text
    assert selected(page, "new-mode") == "online"
    assert f'<p class="hint field-note" id="new-mode-note">{why}</p>' in page
    assert re.search(r'<select id="new-mode" name="mode"\s+aria-describedby="new-mode-note"', page)
    assert 'id="places-full"' in page


def test_other_with_nothing_written_is_refused_and_written_is_kept(
    app, client, make_delegation, delegation_link
):
    delegation = make_delegation()
    client.get(f"/d/{delegation_link(delegation)}/", follow_redirects=True)
    person = {"given_name": "Ana", "family_name": "Pérez", "mode": "in_person", "language": "es"}
    refused = client.post(
        "/delegation/participants", data={**person, "function": "other", "function_other": " "}
    )
    assert refused.status_code == 422
    assert "Write the function, or choose one from the list." in refused.text
    assert selected(refused.text, "new-function") == "other"
    assert 'name="function_other" value=""' in refused.text  # "other" is not written in the field
    saved = client.post(
        "/delegation/participants", data={**person, "function": "other", "function_other": "Press attaché"}
    )
    assert saved.status_code == 302
    listed = client.post(
        "/delegation/participants",
        data={**person, "given_name": "Bruno", "function": "adviser", "function_other": "stale text"},
    )
    assert listed.status_code == 302
    with app.app_context():
        functions = dict(db.session.query(Participant.given_name, Participant.function).all())
    assert functions == {"Ana": "Press attaché", "Bruno": "adviser"}


def test_the_other_function_field_is_there_for_pages_without_javascript(
    client, make_delegation, delegation_link
):
    client.get(f"/d/{delegation_link(make_delegation())}/", follow_redirects=True)
    page = client.get("/delegation/").text
    assert '<div class="function-other" data-other-of="new-function">' in page  # not hidden by the server
    assert "/static/js/function-other.js" in page


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_door_scanner_has_a_heading(client, login, make_event, language):
    event = make_event()
    login(Role.SECURITY)
    page = client.get(f"/door/{event.slug}/?lang={language}").text
    headings = re.findall(r"<h1[^>]*>(.*?)</h1>", page, re.S)
    assert headings == ["Badge check" if language == "en" else "التحقق من الشارات"]


def test_the_dashboard_has_no_empty_column_header(client, login, make_event):
    event = make_event()
    login(Role.ORGANIZER)
    page = client.get(f"/admin/events/{event.slug}/dashboard").text
    assert "<th" in page
    assert not re.search(r"<th[^>]*>\s*</th>", page)
