"""A door device warns before its sign-in ends, and "Stay signed in" renews it (headless Chromium).

The page's clock is Playwright's fake one, moved forward by hand; the server's times are moved
back in the database to match, so both sides agree on how long the device has been idle.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from playwright.sync_api import Page, expect
from sqlalchemy import select, update

from kiosk.extensions import db
from kiosk.models import Role, UserSession
from kiosk.models.base import utcnow
from tests.conftest import PASSWORD

DOCS = Path(__file__).resolve().parent.parent.parent / "docs" / "security"
#: Set SAVE_SCREENSHOTS=1 to refresh the screenshots in docs/security/.
SAVE = os.environ.get("SAVE_SCREENSHOTS") == "1"


def shoot(page: Page, name: str, tmp_path: Path) -> None:
    page.screenshot(path=str(tmp_path / name))
    if SAVE:
        DOCS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(DOCS / name))


def sign_in(page: Page, base: str, email: str, lang: str = "en") -> None:
    page.goto(f"{base}/login?next=/door/&lang={lang}")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/door/**")


def idle_for(app, minutes: float) -> None:
    """The server's side of the fake clock: the last request was `minutes` ago."""
    with app.app_context():
        db.session.execute(update(UserSession).values(last_seen_at=utcnow() - timedelta(minutes=minutes)))
        db.session.commit()


def last_seen(app):
    with app.app_context():
        return db.session.scalar(select(UserSession.last_seen_at))


def test_the_door_warns_before_an_idle_sign_out_and_stay_signed_in_renews(
    app, live_server, page, make_user, tmp_path
):
    app.config["STAFF_IDLE_MINUTES"] = {**app.config["STAFF_IDLE_MINUTES"], "security": 20}
    page.clock.install()
    sign_in(page, live_server, make_user(Role.SECURITY).email)
    box = page.locator("#session-expiry")
    expect(box).to_be_hidden()

    page.clock.run_for("15:00")  # 20 minutes idle, warned from 5 before, counted a minute early
    idle_for(app, 15)
    expect(box).to_be_visible()
    expect(box).to_contain_text("This sign-in ends soon for inactivity")
    expect(page.locator("#session-keep")).to_be_visible()
    shoot(page, "idle-warning.png", tmp_path)

    page.click("#session-keep")
    expect(box).to_be_hidden()
    assert utcnow() - last_seen(app) < timedelta(minutes=1)  # renewed on the server too

    page.clock.run_for("20:00")
    expect(box).to_contain_text("You are signed out.")
    expect(page.locator("#session-keep")).to_be_hidden()
    expect(box.get_by_role("link", name="Sign in again")).to_be_visible()


def test_the_end_of_a_shift_is_announced_in_arabic_without_a_way_to_stay(
    app, live_server, page, make_user, tmp_path
):
    app.config["STAFF_MAX_MINUTES"] = {**app.config["STAFF_MAX_MINUTES"], "security": 30}
    page.clock.install()
    sign_in(page, live_server, make_user(Role.SECURITY).email, lang="ar")
    page.clock.run_for("26:00")
    box = page.locator("#session-expiry")
    expect(box).to_be_visible()
    expect(page.locator("#session-keep")).to_be_hidden()
    expect(box.locator("[data-when=shift]")).to_be_visible()
    assert page.locator("html").get_attribute("dir") == "rtl"
    shoot(page, "shift-ending-ar.png", tmp_path)
