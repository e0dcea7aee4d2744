"""Faces offline: a fresh scanner keeps every holder's photo after one badge list, and says plainly
when it has none; one "inside now" figure on the screen; the photos go when the officer signs out."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from kiosk.extensions import db
from kiosk.models import Participant, Role
from tests.browser.axe import report, serious_violations
from tests.browser.test_door import (
    door_event,
    face_jpeg,
    photo_shown,
    shoot,
    show_badge_to_hand_scanner,
    sign_in,
)
from tests.browser.test_door import verdict as nth_verdict

#: The wording the officer reads when this device holds no photo of the person.
NOT_AVAILABLE = {"en": "Photo not available offline", "ar": "الصورة غير متاحة دون اتصال بالشبكة"}
INSIDE = {"en": "1 person inside now", "ar": "شخص واحد في الداخل الآن"}


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_a_fresh_scanner_shows_offline_the_photo_of_someone_it_never_scanned(
    app, server, browser, make_user, tmp_path, lang
):
    slug, checkpoint, ids, codes, _png = door_event(app, photo=face_jpeg())
    with app.app_context():  # Bruno has a photo too; Carla has none
        bruno = db.session.get(Participant, ids["bruno"])
        bruno.photo, bruno.photo_type = face_jpeg(), "image/jpeg"
        db.session.commit()
    officer = make_user(Role.SECURITY)
    # A fresh browser profile: nothing stored, nothing cached, never scanned anyone.
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
    page = context.new_page()
    sign_in(page, server.url, officer.email, f"/door/{slug}/")
    page.goto(f"{server.url}/door/{slug}/?lang={lang}")
    root = page.locator("#door")
    expect(root).to_have_attribute("data-started", "1")
    expect(root).to_have_attribute("data-worker", "ready")
    page.select_option("#door-checkpoint", str(checkpoint))
    # One badge list, then the photos in the background: Ana's and Bruno's.
    # (An attribute to wait for: the page's CSP forbids the eval that wait_for_function polls with.)
    expect(root).to_have_attribute("data-photos-synced", re.compile(r"^\d{4}-"), timeout=15_000)
    expect(root).to_have_attribute("data-photos", "2")
    held = page.evaluate(
        """async () => (await (await caches.open("door-photos-v2")).keys())
            .map((request) => new URL(request.url).pathname).sort()"""
    )
    assert held == sorted(f"/api/v1/events/{slug}/door-photos/{ids[n]}" for n in ("ana", "bruno"))

    context.set_offline(True)
    # Bruno, never scanned on this device: accepted offline, with his photo from the device.
    show_badge_to_hand_scanner(page, codes["bruno"])
    section = nth_verdict(page, 1)
    expect(section).to_have_attribute("data-result", "accepted")
    expect(section).to_have_attribute("data-offline", "1")
    expect(page.locator("#door-photo")).to_be_visible()
    photo_shown(page)
    assert page.evaluate("document.getElementById('door-photo').src").startswith("blob:")
    expect(page.locator("#door-photo-missing")).to_be_hidden()
    # One figure for "inside now": the status line and the verdict say the same.
    expect(page.locator("#door-inside")).to_have_text(INSIDE[lang])
    expect(page.locator("#door-verdict-where")).to_contain_text(INSIDE[lang])
    assert serious_violations(page) == [], report(serious_violations(page))
    shoot(page, "offline-photo.png" if lang == "en" else "offline-photo-ar.png", tmp_path)

    # Carla has no photo: the screen says so plainly, no broken image.
    show_badge_to_hand_scanner(page, codes["carla"])
    section = nth_verdict(page, 2)
    expect(section).to_have_attribute("data-result", "accepted")
    expect(page.locator("#door-photo")).to_be_hidden()
    expect(page.locator("#door-photo-missing")).to_be_visible()
    expect(page.locator("#door-photo-missing")).to_have_text(NOT_AVAILABLE[lang])
    expect(page.locator("#door-inside")).to_have_attribute("data-count", "2")
    count_in_verdict = page.locator("#door-verdict-where").inner_text()
    assert page.locator("#door-inside").inner_text() in count_in_verdict
    shoot(page, "offline-no-photo.png" if lang == "en" else "offline-no-photo-ar.png", tmp_path)

    # Back online, the officer signs out: the photos and the badge list leave the device.
    context.set_offline(False)
    page.locator("form[action$='/logout'] button").click()
    page.wait_for_url(f"{server.url}/login*")
    assert page.evaluate("async () => await caches.has('door-photos-v2')") is False
    context.close()
