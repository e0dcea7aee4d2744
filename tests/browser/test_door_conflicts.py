"""The offline conflicts an organizer reads: people and scanners by name, times to the second, and a
conflict marked resolved; a scan made before a reissue is no conflict. In English and Arabic."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from kiosk.extensions import db
from kiosk.models import AuditEntry, Direction, Event, Participant, Role, Scan, ScanResult
from kiosk.models.base import utcnow
from kiosk.services import badging, dates, door
from kiosk.services.audit import SYSTEM
from tests.browser.axe import report, serious_violations
from tests.browser.test_door import DOCS, SAVE, door_event, sign_in

WORDS = {
    "en": {"resolve": "Mark resolved", "resolved": "Resolved", "reason": "replaced by a newer one"},
    "ar": {"resolve": "وضع علامة «محلول»", "resolved": "حُلّ في", "reason": "استُبدلت"},
}


def _offline_entries(app, slug, checkpoint, codes, ids, officer_id):
    """Bruno's badge shown offline 3 s before his reissue, and Ana's old badge after hers."""
    with app.app_context():
        session = db.session
        event = door.event_ref(session, slug)
        before = utcnow() - timedelta(seconds=3)
        for name in ("ana", "bruno"):
            badging.reissue_badge(session, session.get(Participant, ids[name]), SYSTEM)
        session.commit()
        after = utcnow() + timedelta(milliseconds=5)

        def entry(code, at):
            return door.ScanInput(
                code=code,
                checkpoint_id=checkpoint,
                direction=Direction.IN,
                nonce=uuid.uuid4().hex,
                scanned_at=at,
                device=f"user:{officer_id} door-de057f11",
                officer_id=officer_id,
                offline_result=ScanResult.ACCEPTED,
            )

        door.record_offline_batch(session, event, [entry(codes["bruno"], before), entry(codes["ana"], after)])
        session.commit()
        return after


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_an_organizer_reads_and_resolves_offline_conflicts(app, server, browser, make_user, tmp_path, lang):
    slug, checkpoint, ids, codes, _png = door_event(app)
    officer = make_user(Role.SECURITY, email="officer.pregny@un.example")
    after = _offline_entries(app, slug, checkpoint, codes, ids, officer.id)
    with app.app_context():
        event = db.session.execute(select(Event).filter_by(slug=slug)).scalar_one()
        shown_at = dates.format_moment(after, event.tz, lang, zone=False, seconds=True)
    organizer = make_user(Role.ORGANIZER)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, server.url, organizer.email, f"/admin/events/{slug}/door/")
    page.goto(f"{server.url}/admin/events/{slug}/door/?lang={lang}")
    table = page.locator("#conflicts table")
    # Only Ana's: Bruno's badge was valid when it was shown, 3 s before his reissue.
    expect(table.locator("tbody tr")).to_have_count(1)
    row = table.locator("tbody tr").first
    expect(row).to_contain_text("Ana GARCÍA")
    expect(row).not_to_contain_text("Bruno")
    expect(row).to_contain_text("Main entrance")
    expect(row).to_contain_text("officer.pregny@un.example")
    expect(row).to_contain_text("door-de057f11")
    expect(row).not_to_contain_text("user:")
    expect(row).to_contain_text(shown_at)  # with seconds
    expect(row).to_contain_text(WORDS[lang]["reason"])
    assert serious_violations(page) == [], report(serious_violations(page))
    page.locator("#conflicts").scroll_into_view_if_needed()
    if lang == "en":
        shoot_section(page, tmp_path, "conflicts.png")
    row.get_by_role("button", name=WORDS[lang]["resolve"]).click()
    expect(page.locator(".notice-success")).to_be_visible()
    row = page.locator("#conflicts tbody tr").first
    expect(row).to_contain_text(WORDS[lang]["resolved"])
    expect(row).to_contain_text(organizer.email)
    expect(row.get_by_role("button")).to_have_count(0)
    if lang == "en":
        shoot_section(page, tmp_path, "conflicts-resolved.png")
    else:
        shoot_section(page, tmp_path, "conflicts-ar.png")
    page.close()
    with app.app_context():
        scan = db.session.execute(select(Scan).where(Scan.conflict.is_(True))).scalar_one()
        assert scan.resolved_by_id == organizer.id
        entry = db.session.execute(select(AuditEntry).filter_by(action="door.conflict_resolved")).scalar_one()
        assert entry.actor == f"user:{organizer.id}" and entry.entity_id == scan.id


def shoot_section(page, tmp_path, name):
    """The conflicts section alone, in the test's folder and (SAVE_SCREENSHOTS=1) in docs/door/."""
    section = page.locator("#conflicts")
    section.screenshot(path=str(tmp_path / name))
    if SAVE:
        section.screenshot(path=str(DOCS / name))
