"""A server error on the way back (a proxy's 502 during a restart) costs a delegate nothing.

The kiosk sends its check-in again with the same request_id, the door its scan with the same
nonce: the first answer comes back, and the server acted once. Playwright's page.route stands
in for the proxy: it answers the first POST with a 502, either without passing it on (the server
never saw it) or after the server has already checked the person in (the answer was lost).
"""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Route, expect
from sqlalchemy import select

from kiosk.extensions import db
from kiosk.models import CheckIn, Role, Scan
from tests.browser.test_door import door_event, show_badge_to_hand_scanner, sign_in, verdict
from tests.browser.test_kiosk import choose_language, kiosk_context, scan
from tests.checkin_fixtures import *  # noqa: F403 (fixtures)


class FailFirst:
    """A route handler: the first request gets a 502 (after reaching the server if `reached`)."""

    def __init__(self, reached: bool) -> None:
        self.reached = reached
        self.bodies: list[dict] = []
        self.statuses: list[int] = []

    def __call__(self, route: Route) -> None:
        if route.request.method != "POST":
            route.continue_()
            return
        self.bodies.append(json.loads(route.request.post_data or "{}"))
        if len(self.bodies) == 1:
            if self.reached:
                self.statuses.append(route.fetch().status)  # the server acts; its answer is lost
            route.fulfill(status=502, content_type="text/html", body="<h1>502 Bad Gateway</h1>")
            return
        response = route.fetch()
        self.statuses.append(response.status)
        route.fulfill(response=response)


@pytest.mark.parametrize("reached", [False, True], ids=["502-before-the-server", "502-after-the-server"])
def test_the_kiosk_retries_a_failed_check_in_with_the_same_request_id(
    app, browser, live_server, setting, make_kiosk, code_of, reached
):
    _kiosk_id, secret = make_kiosk()
    context = kiosk_context(browser, live_server, secret)
    proxy = FailFirst(reached)
    context.route("**/api/v1/events/*/checkins", proxy)
    page = context.new_page()
    try:
        page.goto(f"{live_server}/kiosk/")
        page.wait_for_selector("body[data-ready]")
        choose_language(page, "English")
        scan(page, code_of(setting.ana))
        expect(page.locator("#confirm-name")).to_have_text("H.E. Ms. Ana PÉREZ SOTO")
        page.get_by_role("button", name="Yes, print my badge").click()
        expect(page.locator("#collect")).to_have_text("Collect your badge at \u2068Printer 2\u2069.")
    finally:
        context.close()
    assert len(proxy.bodies) == 2 and proxy.bodies[0] == proxy.bodies[1]  # sent again, unchanged
    assert proxy.bodies[0]["request_id"]
    assert proxy.statuses == ([201, 201] if reached else [201])
    with app.app_context():
        assert db.session.query(CheckIn).count() == 1


def test_the_door_retries_a_failed_scan_with_the_same_nonce(app, server, browser, make_user):
    slug, checkpoint, ids, codes, _png = door_event(app)
    officer = make_user(Role.SECURITY)
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
    proxy = FailFirst(reached=True)
    context.route("**/api/v1/events/*/scans", proxy)
    page = context.new_page()
    try:
        sign_in(page, server.url, officer.email, f"/door/{slug}/")
        expect(page.locator("#door")).to_have_attribute("data-started", "1")
        page.select_option("#door-checkpoint", str(checkpoint))
        show_badge_to_hand_scanner(page, codes["ana"])
        section = verdict(page, 1)
        expect(section).to_have_attribute("data-result", "accepted")
        expect(section).to_have_attribute("data-offline", "0")  # the server's verdict, not the offline one
    finally:
        context.close()
    assert len(proxy.bodies) == 2 and proxy.bodies[0]["nonce"] == proxy.bodies[1]["nonce"]
    with app.app_context():
        scans = db.session.execute(select(Scan)).scalars().all()
        assert [(s.participant_id, s.result.value) for s in scans] == [(ids["ana"], "accepted")]
