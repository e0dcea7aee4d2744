"""In Chromium: the organizer's delegation list and its participants filter are in the order the
page's own Intl.Collator gives, in each of the six languages (the server sorts without ICU).

SAVE_SCREENSHOTS=1 saves the Arabic and Chinese delegation lists under /tmp (to look at).
"""

from __future__ import annotations

import os

import pytest

from kiosk.models import Category, Role
from tests.browser.test_dashboard import sign_in

SAVE = os.environ.get("SAVE_SCREENSHOTS") == "1"
STATES = {
    "DZ": "Algeria", "AR": "Argentina", "AT": "Austria", "CN": "China", "EG": "Egypt", "DE": "Germany",
    "JO": "Jordan", "NO": "Norway", "ES": "Spain", "RU": "Russian Federation", "SE": "Sweden",
    "IQ": "Iraq", "IE": "Ireland", "ZA": "South Africa",
}  # fmt: skip
ORGANISATIONS = (
    "Amnesty International",
    "北京人权协会",
    "Ñandutí Foundation",
    "Élan vital",
    "Объединение «Ёлка»",
)
#: The page's names, and the same names as the page's Intl.Collator sorts them.
SORTED_IN_PAGE = """(selector) => {
  const names = [...document.querySelectorAll(selector)].map((e) => e.textContent.trim());
  const collator = new Intl.Collator(document.documentElement.lang);
  return [names, [...names].sort(collator.compare)];
}"""


@pytest.fixture
def event(make_event, make_delegation):
    event = make_event()
    for code, name in STATES.items():
        make_delegation(event, name=name, country=code)
    for name in ORGANISATIONS:
        make_delegation(event, name=name, category=Category.NGO, country=None)
    return event


@pytest.mark.parametrize("language", ["ar", "zh", "ru", "es", "fr", "en"])
def test_lists_in_the_order_of_the_pages_collator(browser, live_server, make_user, event, language):
    page = browser.new_context(viewport={"width": 1100, "height": 900}).new_page()
    sign_in(page, live_server, make_user(Role.ORGANIZER).email)
    page.goto(f"{live_server}/admin/events/{event.slug}/delegations?lang={language}")
    shown, collated = page.evaluate(SORTED_IN_PAGE, "table.delegations tbody th a")
    assert len(shown) == len(STATES) + len(ORGANISATIONS)
    assert shown == collated
    if SAVE and language in ("ar", "zh"):
        page.screenshot(path=f"/tmp/collation-delegations-{language}.png", full_page=True)
    page.goto(f"{live_server}/admin/events/{event.slug}/participants?lang={language}")
    shown, collated = page.evaluate(SORTED_IN_PAGE, "#f-delegation option[value]:not([value=''])")
    assert len(shown) == len(STATES) + len(ORGANISATIONS)
    assert shown == collated
