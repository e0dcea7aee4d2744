"""In Chromium, in English and Arabic: a focal point sends a note verbale; the secretariat reviews it.

SAVE_SCREENSHOTS=1 refreshes docs/credentials/review.png (the secretariat's review page) and
docs/credentials/report.png (the first page of the report's PDF, drawn by pdftoppm).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from kiosk.extensions import db
from kiosk.models import Category, CredentialDocument, Event, Role
from kiosk.services import credentials, demo
from tests.browser.axe import report, serious_violations
from tests.browser.test_dashboard import sign_in

DOCS = Path(__file__).resolve().parents[2] / "docs" / "credentials"
SAVE = os.environ.get("SAVE_SCREENSHOTS") == "1"


def letter(tmp_path: Path) -> Path:
    """A one-page PDF that looks like a letter (the demo's stand-in for a scan)."""
    path = tmp_path / "note-verbale.pdf"
    path.write_bytes(demo.demo_document("Note verbale NV/2024/118"))
    return path


@pytest.mark.parametrize("language", ["en", "ar"])
def test_a_focal_point_sends_a_note_verbale_and_the_secretariat_sends_it_back_then_accepts(
    app,
    browser,
    live_server,
    make_event,
    make_delegation,
    make_participant,
    make_user,
    delegation_link,
    tmp_path,
    language,
):
    event = make_event(credentials_required=True, secretariat="Implementation Support Unit")
    delegation = make_delegation(event=event, name="Chile", country="CL")
    ana = make_participant(delegation=delegation, given_name="Ana", family_name="Rojas")
    make_participant(delegation=delegation, given_name="Luis", family_name="Soto")
    make_delegation(event=event, name="Peru", country="PE")
    make_delegation(event=event, name="Holy See", country="VA", category=Category.STATE_NOT_PARTY)

    focal = browser.new_context(viewport={"width": 1100, "height": 900}).new_page()
    focal.goto(f"{live_server}/d/{delegation_link(delegation)}/?lang={language}")
    assert focal.evaluate("getComputedStyle(document.body).direction") == (
        "rtl" if language == "ar" else "ltr"
    )
    expect(focal.locator("#missing")).to_contain_text("ROJAS")
    focal.locator("#documents summary").click()
    focal.select_option("#doc-kind", "note_verbale")
    focal.select_option("#doc-authority", "permanent_mission")
    focal.fill("#doc-issued_on", "2024-05-30")
    focal.fill("#doc-reference", "NV/2024/118")
    focal.check(f"input[name=participant_ids][value='{ana.id}']")
    focal.set_input_files("#doc-file", str(letter(tmp_path)))
    focal.locator("#documents form button.primary").click()
    expect(focal.locator("article.document.decision-pending")).to_have_count(1)
    assert not (found := serious_violations(focal)), report(found)

    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(page, live_server, make_user(Role.ORGANIZER).email)
    page.goto(f"{live_server}/admin/events/{event.slug}/participants?lang={language}")
    page.locator(f"tr:has(input[value='{ana.id}']) td.credentials a").first.click()
    article = page.locator("article.document")
    expect(article).to_have_count(1)
    expect(article.locator(".named")).to_contain_text("ROJAS")
    expect(article.locator(".document-preview img")).to_be_visible()
    article.locator("select[name=reason]").select_option("unsigned")
    article.locator("button[value=returned]").click()
    expect(page.locator("article.document.decision-returned")).to_have_count(1)

    focal.reload()
    returned = focal.locator("p.returned")
    expect(returned).to_be_visible()
    if language == "ar":
        expect(returned).to_contain_text("الوثيقة غير موقّعة")
    else:
        expect(returned).to_contain_text("The document is not signed")

    page.locator("article.document button[value=accepted]").click()
    expect(page.locator("article.document.decision-accepted")).to_have_count(1)
    assert not (found := serious_violations(page)), report(found)
    if SAVE and language == "en":
        DOCS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(DOCS / "review.png"), full_page=True)

    page.goto(f"{live_server}/admin/events/{event.slug}/credentials?lang={language}")
    expect(page.locator("tr[data-standing='note'] td.n")).to_have_text("1")
    expect(page.locator("tr[data-standing='none'] td.n")).to_have_text("1")
    assert not (found := serious_violations(page)), report(found)
    with app.app_context():
        held = db.session.execute(select(CredentialDocument)).scalars().all()
        assert [d.decision.value for d in held] == ["accepted"]
        if SAVE and language == "en":
            with app.test_request_context():
                pdf = credentials.render_pdf(db.session, db.session.get(Event, event.id), "en")
            (tmp_path / "report.pdf").write_bytes(pdf)
            subprocess.run(
                [
                    "pdftoppm",
                    "-f",
                    "1",
                    "-l",
                    "1",
                    "-singlefile",
                    "-png",
                    "-r",
                    "80",
                    str(tmp_path / "report.pdf"),
                    str(DOCS / "report"),
                ],
                check=True,
            )
