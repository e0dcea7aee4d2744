"""Desk staff sign in and land on the desk of today's event; a refusal shows them the way back and out."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from kiosk.models import Role
from tests.browser.axe import report, serious_violations
from tests.conftest import PASSWORD
from tests.views.test_landing import today

#: Set SCREENSHOTS_DIR to keep the screens (docs/desk/landing.png and forbidden.png come from here).
SHOTS = os.environ.get("SCREENSHOTS_DIR")


def look(page: Page, name: str) -> None:
    violations = serious_violations(page)
    assert not violations, report(violations)
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / name), full_page=True)


@pytest.mark.parametrize("language", ["en", "ar"])
def test_a_desk_user_lands_on_the_desk_and_is_shown_the_way_back(
    browser, live_server, make_user, make_event, language
):
    make_event(slug="later", title="Fifth Review Conference")
    event = make_event(slug="im2024", title="Intersessional Meetings", starts_on=today(), ends_on=today())
    user = make_user(Role.DESK)
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    suffix = "" if language == "en" else f"-{language}"

    page.goto(f"{live_server}/login?lang={language}")
    page.fill("#email", user.email)
    page.fill("#password", PASSWORD)
    page.locator("form.login-form button[type=submit]").click()
    expect(page).to_have_url(f"{live_server}/desk/{event.slug}/")
    expect(page.locator("h1")).to_be_visible()
    expect(page.locator("#q")).to_be_focused()
    assert page.evaluate("document.documentElement.dir") == ("rtl" if language == "ar" else "ltr")
    look(page, f"landing{suffix}.png")

    response = page.goto(f"{live_server}/admin/")
    assert response is not None and response.status == 403
    home = page.locator("#own-pages")
    expect(home).to_be_visible()
    expect(page.locator("#sign-out")).to_be_visible()
    if language == "en":
        expect(page.locator("h1")).to_have_text("No access")
        expect(home).to_have_text("Go to the registration desk")
    else:
        expect(page.locator("h1")).to_have_text("لا يوجد إذن بالدخول")
        expect(home).to_have_text("الانتقال إلى مكتب التسجيل")
    look(page, f"forbidden{suffix}.png")

    home.click()
    expect(page).to_have_url(f"{live_server}/desk/{event.slug}/")
    page.goto(f"{live_server}/admin/")
    page.locator("#sign-out").click()
    expect(page).to_have_url(f"{live_server}/login")
    page.goto(f"{live_server}/desk/")
    expect(page).to_have_url(f"{live_server}/login?next=%2Fdesk%2F")  # signed out for real
    context.close()
