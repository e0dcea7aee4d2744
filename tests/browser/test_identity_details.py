"""Identity details in Chromium: the focal point enters them (English and Arabic) and reads them back
masked; the desk reads them in full. Set SAVE_SCREENSHOTS=1 to refresh docs/credentials/identity-*.png."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from kiosk.extensions import db
from kiosk.models import Participant, Role
from kiosk.services import identity_details
from tests.browser.axe import report, serious_violations
from tests.conftest import PASSWORD

SAVE = os.environ.get("SAVE_SCREENSHOTS") == "1"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "credentials"


def shoot(page, name: str, tmp_path: Path) -> None:
    folder = DOCS if SAVE else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / name), full_page=True)


@pytest.mark.parametrize("language", ["en", "ar"])
def test_focal_point_enters_identity_details_and_the_desk_reads_them(
    app, browser, live_server, make_event, make_delegation, delegation_link, make_user, tmp_path, language
):
    event = make_event(identity_details=True)
    delegation = make_delegation(event=event, name="Chile")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    try:
        page.goto(f"{live_server}/d/{delegation_link(delegation)}/?lang={language}")
        page.fill("#new-given_name", "Ana")
        page.fill("#new-family_name", "Rojas")
        page.select_option("#new-nationality", "CL")
        page.fill("#new-birth_date", "1975-03-21")
        page.select_option("#new-document_type", "passport")
        page.fill("#new-document_number", "P1234567")
        page.fill("#new-document_expiry", "2020-01-31")  # expired
        page.locator("#add button.primary").click()
        expect(page.locator("#new-document_expiry-error")).to_be_visible()
        if language == "en":
            expect(page.locator("#new-document_expiry-error")).to_contain_text("This document expired on")
        shoot(page, f"identity-focal-point-{language}-1-refused.png", tmp_path)
        page.fill("#new-document_expiry", "2031-05-30")
        page.locator("#add button.primary").click()
        expect(page.locator(".notice-success")).to_be_visible()
        with app.app_context():
            person = db.session.query(Participant).filter_by(given_name="Ana").one()
            found = identity_details.read(db.session, person)
            assert found is not None and found.document_number == "P1234567" and found.nationality == "CL"
            participant_id = person.id
        page.goto(f"{live_server}/delegation/participants/{participant_id}/edit")
        on_file = page.locator("#identity-on-file")
        expect(on_file).to_contain_text("•••• 67")
        assert "P1234567" not in page.content() and "1975" not in on_file.inner_text()
        if language == "ar":
            assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
        assert not serious_violations(page), report(serious_violations(page))
        shoot(page, f"identity-focal-point-{language}-2-masked.png", tmp_path)

        desk = make_user(Role.DESK)
        staff = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
        try:
            page = staff.new_page()
            page.goto(f"{live_server}/login")
            page.fill("#email", desk.email)
            page.fill("#password", PASSWORD)
            page.locator("form button[type=submit]").click()
            page.goto(f"{live_server}/desk/{event.slug}/p/{participant_id}?lang={language}")
            expect(page.locator("#identity-details")).to_contain_text("P1234567")
            assert not serious_violations(page), report(serious_violations(page))
            shoot(page, f"identity-desk-{language}.png", tmp_path)
        finally:
            staff.close()
    finally:
        context.close()
