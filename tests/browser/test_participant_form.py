"""The focal point's form in Chromium: "Other function" only while "Other" is chosen; the page's
language and, with no place left, "online" chosen first; the door scanner's heading."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from kiosk.extensions import db
from kiosk.models import Participant
from tests.browser.axe import report, serious_violations


@pytest.mark.parametrize("language", ["en", "ar"])
def test_other_function_appears_only_when_other_is_chosen(
    app, page: Page, live_server, make_event, make_delegation, make_participant, delegation_link, language
):
    delegation = make_delegation(event=make_event(default_cap=1), name="Chile")
    make_participant(delegation=delegation, given_name="Ana", family_name="Pérez")
    page.goto(f"{live_server}/d/{delegation_link(delegation)}/?lang={language}")
    other = page.locator("#new-function-other")
    expect(other).to_be_hidden()
    expect(page.locator("#new-language")).to_have_value(language)
    expect(page.locator("#new-mode")).to_have_value("online")
    expect(page.locator("#new-mode-note")).to_be_visible()
    violations = serious_violations(page)
    assert not violations, report(violations)

    page.select_option("#new-function", "other")
    expect(other).to_be_visible()
    expect(other).to_be_focused()
    other.fill("Press attaché")
    page.select_option("#new-function", "adviser")
    expect(other).to_be_hidden()
    page.select_option("#new-function", "other")
    page.fill("#new-given_name", "Bruno")
    page.fill("#new-family_name", "Soto")
    page.click("#add button[type=submit]")
    expect(page.locator(".notice-success")).to_be_visible()
    with app.app_context():
        bruno = db.session.query(Participant).filter_by(given_name="Bruno").one()
        assert (bruno.function, bruno.mode.value, bruno.language) == ("Press attaché", "online", language)


def test_without_a_choice_written_other_is_refused_and_the_field_stays_open(
    page: Page, live_server, make_delegation, delegation_link
):
    page.goto(f"{live_server}/d/{delegation_link(make_delegation())}/")
    page.fill("#new-given_name", "Carla")
    page.fill("#new-family_name", "Vidal")
    page.select_option("#new-function", "other")
    page.click("#add button[type=submit]")
    expect(page.locator("#new-function-error")).to_have_text(
        "Write the function, or choose one from the list."
    )
    expect(page.locator("#new-function")).to_have_value("other")
    expect(page.locator("#new-function-other")).to_be_visible()
