"""The language switch and the admin date fields in headless Chromium."""

from __future__ import annotations

from datetime import date

from playwright.sync_api import Page, expect

from kiosk.models import Role
from tests.conftest import PASSWORD


def test_switching_language_after_a_refused_form_shows_the_page_again(
    page: Page, live_server, make_event, make_delegation, delegation_link, tmp_path
):
    delegation = make_delegation(event=make_event(default_cap=0), name="Chile")
    page.goto(f"{live_server}/d/{delegation_link(delegation)}/")
    page.fill("#new-given_name", "Diego")
    page.fill("#new-family_name", "Fuentes")
    page.select_option("#new-function", "other")
    page.fill("#new-function-other", "Attaché de presse")
    page.select_option("#new-mode", "in_person")  # online is the default when no place is left
    page.click("#add button[type=submit]")
    expect(page.locator("#error")).to_contain_text("The delegation of Chile has 0 of 0 places.")
    with page.expect_navigation() as navigation:
        page.locator("nav.languages a[lang=ar]").click()
    assert navigation.value.status == 200
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("#places")).to_be_visible()
    page.screenshot(path=str(tmp_path / "switched-ar.png"), full_page=True)


def test_date_fields_do_not_follow_the_browser_locale(browser, live_server, make_user, make_event, tmp_path):
    event = make_event(
        title="Intersessional Meetings", starts_on=date(2024, 6, 18), ends_on=date(2024, 6, 20)
    )
    user = make_user(Role.ORGANIZER)
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="en-US", timezone_id="Asia/Tokyo"
    )
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.fill("#email", user.email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live_server}/admin/events/{event.slug}")
    page.locator("summary", has_text="Add a meeting").click()
    starts = page.locator("#starts_at")
    assert starts.get_attribute("type") == "text"
    expect(page.locator("#starts_at-hint")).to_contain_text("YYYY-MM-DD HH:MM")
    page.fill("#meeting_title", "First Preparatory Meeting")
    page.fill("#starts_at", "2024-06-20 15:00")
    page.fill("#ends_at", "2024-06-20 18:00")
    page.click("form[action$='/meetings'] button[type=submit]")
    expect(page.locator(".meetings")).to_contain_text(
        "Thursday, 20 June 2024, 15:00–18:00 (Central European Summer Time)"
    )
    page.goto(f"{live_server}/admin/events/{event.slug}?lang=zh")
    expect(page.locator(".meetings")).to_contain_text("2024年6月20日星期四 15:00至18:00（中欧夏令时间）")
    page.screenshot(path=str(tmp_path / "event-zh.png"), full_page=True)
    context.close()
