"""The registration desk in headless Chromium: every screen passes axe-core; one check-in end to end."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from kiosk.extensions import db
from kiosk.models import PrintJob, Role
from tests.browser.axe import report, serious_violations
from tests.checkin_fixtures import *  # noqa: F403 (fixtures)
from tests.conftest import PASSWORD


@pytest.fixture
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("KIOSK_SCREENSHOTS") or tmp_path / "shots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def look(page: Page, shots: Path, name: str) -> None:
    violations = serious_violations(page)
    assert not violations, report(violations)
    page.screenshot(path=str(shots / f"desk-{name}.png"), full_page=True)


@pytest.fixture
def desk(browser, live_server, make_user) -> Page:
    user = make_user(Role.DESK)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.fill("#email", user.email)
    page.fill("#password", PASSWORD)
    page.locator("form button[type=submit]").click()
    yield page
    context.close()


@pytest.mark.parametrize("language", ["en", "ar"])
def test_desk_search_check_in_and_stuck_jobs(app, live_server, setting, desk, shots, language):
    page = desk
    suffix = "" if language == "en" else f"-{language}"
    page.goto(f"{live_server}/desk/{setting.slug}/?lang={language}&q=perez")
    expect(page.locator("#results")).to_contain_text("H.E. Ms. Ana PÉREZ SOTO")
    expect(page.locator("#results")).to_contain_text("Bruno PÉREZ")
    look(page, shots, f"1-search{suffix}")
    page.locator("#results a", has_text="Ana PÉREZ SOTO").click()
    look(page, shots, f"2-participant{suffix}")
    page.locator("#desk-check-in").click()
    expect(page.locator(".notice-success")).to_contain_text("Printer 2")
    expect(page.locator("#arrival")).not_to_be_empty()
    look(page, shots, f"3-checked-in{suffix}")
    with app.app_context():
        job = db.session.query(PrintJob).filter_by(kind="badge").one()
        job.attempts, job.last_error = (
            3,
            "The printer at 10.0.0.9:9100 did not answer within 5 seconds; is it on?",
        )
        db.session.commit()
    page.goto(f"{live_server}/desk/{setting.slug}/jobs")
    expect(page.locator("#stuck-jobs")).to_contain_text("did not answer")
    look(page, shots, f"4-jobs{suffix}")
    if language == "ar":
        assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"


def test_desk_walk_in_page(live_server, setting, desk, shots):
    desk.goto(f"{live_server}/desk/{setting.slug}/walk-in")
    desk.select_option("#delegation_id", label="Kenya")
    desk.fill("#given_name", "Wanjiru")
    desk.fill("#family_name", "Kamau")
    look(desk, shots, "5-walk-in")
    desk.locator("#register-walk-in").click()
    expect(desk.locator(".notice-success")).to_contain_text("Wanjiru Kamau has been registered.")
    expect(desk.locator("#desk-check-in")).to_be_visible()  # accredited at once: ready to check in
