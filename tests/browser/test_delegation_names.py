"""The organizer fills an organisation's names in six languages and every sentence uses them (Chromium).

Set SAVE_SCREENSHOTS=1 to refresh docs/words/organisation-names-en.png and -ar.png.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from kiosk.extensions import db
from kiosk.models import Category, Delegation, Role
from tests.browser.axe import report, serious_violations
from tests.browser.test_dashboard import sign_in

DOCS = Path(__file__).resolve().parent.parent.parent / "docs" / "words"
SAVE = os.environ.get("SAVE_SCREENSHOTS") == "1"

#: What the secretariat types for an organisation that organizations.json does not know.
TYPED = {
    "name_fr": "Fonds mondial pour la nature",
    "name_es": "Fondo Mundial para la Naturaleza",
    "name_ru": "Всемирный фонд дикой природы",
    "name_zh": "世界自然基金会",
    "name_ar": "الصندوق العالمي للطبيعة",
    "after_delegation_en": "of the World Wide Fund for Nature",
    "after_delegation_fr": "du Fonds mondial pour la nature",
    "after_delegation_es": "del Fondo Mundial para la Naturaleza",
}


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_organizer_fills_the_names_of_an_organisation(
    app, browser, live_server, make_event, make_delegation, make_user, language
):
    event = make_event(title="Intersessional Meetings")
    make_delegation(event=event, name="Chile")
    wwf = make_delegation(event=event, name="World Wide Fund for Nature", category=Category.NGO, country=None)
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(page, live_server, make_user(Role.ORGANIZER).email)
    page.goto(f"{live_server}/admin/events/{event.slug}/delegations?lang={language}")
    page.locator(f"a[href$='/delegations/{wwf.id}/names']").click()
    expect(page.locator("#name_fr")).to_have_value("")
    for field, text in TYPED.items():
        page.fill(f"#{field}", text)
    # A hidden direction mark: refused, with a sentence at the field.
    page.fill("#name_zh", "\u202e世界自然基金会")
    page.locator("form button.primary").click()
    expect(page.locator("#name_zh-error")).to_be_visible()
    expect(page.locator("#name_zh")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#name_fr")).to_have_value(TYPED["name_fr"])  # nothing typed is lost
    page.fill("#name_zh", TYPED["name_zh"])
    page.locator("form button.primary").click()
    notice = page.locator(".notice-success")
    expect(notice).to_be_visible()
    if language == "ar":
        expect(page.locator("html")).to_have_attribute("dir", "rtl")
        expect(notice).to_contain_text("الصندوق العالمي للطبيعة")
        expect(page.locator("#name_fr")).to_have_attribute("dir", "ltr")
    else:
        expect(notice).to_contain_text("of the World Wide Fund for Nature")
    preview = page.locator("table.admin-table tbody tr")
    expect(preview.filter(has_text="Русский")).to_contain_text("организации «Всемирный фонд дикой природы»")
    expect(preview.filter(has_text="Français")).to_contain_text("du Fonds mondial pour la nature")
    assert not (found := serious_violations(page)), report(found)
    if SAVE:
        DOCS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(DOCS / f"organisation-names-{language}.png"), full_page=True)
    with app.app_context():
        assert db.session.get(Delegation, wwf.id).names["ru"] == {"name": TYPED["name_ru"]}
