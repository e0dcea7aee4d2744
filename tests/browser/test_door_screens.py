"""The door page and its neighbours as officers and organizers see them: the checkpoint prompt, times in
the event's zone, touch targets on a phone, names isolated in Arabic, and the favicon."""

from __future__ import annotations

import os
import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from badges.text import is_rtl
from kiosk.extensions import db
from kiosk.models import Direction, Event, Role, Scan
from kiosk.services import door, keys
from kiosk.views import isolated
from tests.browser.axe import report, serious_violations
from tests.browser.test_dashboard import a_meeting, change, check_in, scan
from tests.browser.test_dashboard import sign_in as sign_in_organizer
from tests.browser.test_door import door_event, show_badge_to_hand_scanner, sign_in, verdict
from tests.door.scenario import accredited

GENEVA = ZoneInfo("Europe/Zurich")
#: Screenshots of these screens for a person to look at (set SCREENSHOTS_DIR, e.g. /tmp/door-after).
SHOTS = os.environ.get("SCREENSHOTS_DIR")
PHONE = {"width": 390, "height": 844}
#: Counts the tones the page plays (the refusal buzz and the acceptance chime).
COUNT_TONES = """
window.tones = 0;
const Real = window.AudioContext;
window.AudioContext = class extends Real {
  createOscillator() { window.tones += 1; return super.createOscillator(); }
};
"""


def shot(page: Page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / name), full_page=True)


def two_checkpoints(app):
    """door_event's event with a second checkpoint, so that none is chosen on a new device."""
    slug, main, ids, codes, _png = door_event(app)
    with app.app_context():
        event = db.session.execute(select(Event).filter_by(slug=slug)).scalar_one()
        door.save_checkpoint(db.session, event, None, name="Salle A", direction="both", anti_passback=True)
        db.session.commit()
    return slug, main, ids, codes


def scans_stored(app) -> int:
    with app.app_context():
        return db.session.execute(select(func.count()).select_from(Scan)).scalar_one()


def geneva_clocks(before: datetime, after: datetime) -> set[str]:
    """Every "HH:MM" Geneva showed between two moments."""
    found, moment = set(), before.replace(second=0, microsecond=0)
    while moment <= after:
        found.add(moment.astimezone(GENEVA).strftime("%H:%M"))
        moment += timedelta(minutes=1)
    return found


@pytest.mark.parametrize(
    ("lang", "prompt"),
    [
        ("en", "Choose this door’s checkpoint first."),
        ("ar", "اختر نقطة التفتيش الخاصة بهذا المدخل أولًا."),
    ],
)
def test_a_code_read_before_a_checkpoint_is_chosen_asks_for_one(
    app, server, browser, make_user, lang, prompt
):
    slug, main, _ids, codes = two_checkpoints(app)
    officer = make_user(Role.SECURITY)
    context = browser.new_context(viewport=PHONE, locale="en-GB")
    context.add_init_script(COUNT_TONES)
    page = context.new_page()
    sign_in(page, server.url, officer.email, f"/door/{slug}/")
    page.goto(f"{server.url}/door/{slug}/?lang={lang}")
    expect(page.locator("#door")).to_have_attribute("data-started", "1")
    expect(page.locator("#door-checkpoint")).to_have_value("")

    show_badge_to_hand_scanner(page, codes["ana"])
    notice = page.locator("#door-setup-prompt")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text(prompt)
    expect(page.locator("#door")).to_have_attribute("data-needs-checkpoint", "1")
    # Not a verdict: no red screen, no sound, nothing stored or queued; the picker has the focus.
    expect(page.locator("#door-verdict")).to_be_hidden()
    assert page.locator("#door-verdict").get_attribute("data-count") is None
    assert page.evaluate("window.tones") == 0
    assert page.evaluate("document.activeElement.id") == "door-checkpoint"
    expect(page.locator("#door-checkpoint")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#door")).to_have_attribute("data-queued", "0")
    assert scans_stored(app) == 0
    assert not (found := serious_violations(page)), report(found)
    shot(page, f"door-pick-checkpoint-{lang}-phone.png")

    # A hand scanner typing into the focused picker neither chooses a checkpoint nor gets judged.
    page.keyboard.type(codes["bruno"], delay=2)
    page.keyboard.press("Enter")
    page.wait_for_timeout(300)
    expect(page.locator("#door-checkpoint")).to_have_value("")
    expect(notice).to_be_visible()
    assert scans_stored(app) == 0

    # Once the checkpoint is chosen the prompt goes, and the badge shown again is judged.
    page.select_option("#door-checkpoint", str(main))
    expect(notice).to_be_hidden()
    expect(page.locator("#door-checkpoint")).not_to_have_attribute("aria-invalid", "true")
    show_badge_to_hand_scanner(page, codes["ana"])
    expect(verdict(page, 1)).to_have_attribute("data-result", "accepted")
    assert page.evaluate("window.tones") > 0
    assert scans_stored(app) == 1
    context.close()


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_the_door_shows_geneva_times_on_a_device_set_to_new_york(app, server, browser, make_user, lang):
    slug, main, ids, codes, _png = door_event(app)
    with app.app_context():
        event = db.session.execute(select(Event).filter_by(slug=slug)).scalar_one()
        door.record_scan(db.session, event, door.ScanInput(codes["ana"], main, Direction.IN, nonce="a"))
        db.session.commit()
    officer = make_user(Role.SECURITY)
    context = browser.new_context(
        viewport={"width": 1280, "height": 800}, locale="en-US", timezone_id="America/New_York"
    )
    page = context.new_page()
    sign_in(page, server.url, officer.email, f"/door/{slug}/")
    before = datetime.now(GENEVA)
    page.goto(f"{server.url}/door/{slug}/?lang={lang}")
    expect(page.locator("#door")).to_have_attribute("data-started", "1")
    expect(page.locator("#door")).to_have_attribute("data-bundle-at", re.compile("."))
    after = datetime.now(GENEVA)
    assert page.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone") == "America/New_York"
    clocks = geneva_clocks(before - timedelta(minutes=1), after)
    bundle = page.locator("#door-bundle").inner_text()
    assert re.search(r"\d{2}:\d{2}", bundle), bundle
    assert any(c in bundle for c in clocks), (bundle, clocks)
    assert not re.search(r"AM|PM|\bم\b|\bص\b", bundle), bundle
    page.locator("#door-evacuation summary").click()
    expect(page.locator("#door-evacuation-note")).to_contain_text(re.compile(r"\d{2}:\d{2}"))
    note = page.locator("#door-evacuation-note").inner_text()
    assert any(c in note for c in clocks), (note, clocks)
    assert not re.search(r"AM|PM|\bم\b|\bص\b", note), note
    shot(page, f"door-times-{lang}-desktop.png")
    context.close()


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_the_dashboard_and_inside_page_show_geneva_times_in_24_hours(
    app, page: Page, live_server, make_event, make_user, browser, lang
):
    event_id, slug, people = a_meeting(app, make_event)
    with app.app_context():
        event = db.session.get(Event, event_id)
        main = door.save_checkpoint(
            db.session, event, None, name="Main entrance", direction="both", anti_passback=True
        ).id
        db.session.commit()
    change(app, event_id, people[:2], {})
    before = datetime.now(GENEVA)
    check_in(app, people[0])
    scan(app, event_id, main, people[0])
    after = datetime.now(GENEVA)
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="en-US", timezone_id="America/New_York"
    )
    page = context.new_page()
    organizer = make_user(Role.ORGANIZER)
    sign_in_organizer(page, live_server, organizer.email)
    page.wait_for_load_state()
    page.goto(f"{live_server}/admin/events/{slug}/dashboard?lang={lang}")
    expect(page.locator("#live-state")).to_have_attribute("data-state", "live")
    page.locator("details").nth(0).evaluate("d => d.open = true")
    first = page.locator("#arrivals-table th[scope=row], #arrivals-table tbody th").first
    expect(first).to_have_text(re.compile(r"\d{2}:\d{2}"))
    quarters = {m.replace(minute=m.minute - m.minute % 15).strftime("%H:%M") for m in (before, after)}
    assert any(q in first.inner_text() for q in quarters), (first.inner_text(), quarters)
    assert not re.search(r"AM|PM|\bم\b|\bص\b", first.inner_text())
    shot(page, f"dashboard-{lang}-desktop.png")
    page.goto(f"{live_server}/admin/events/{slug}/door/inside?lang={lang}")
    since = page.locator(".evacuation tbody tr td").last.inner_text()
    assert since in geneva_clocks(before - timedelta(minutes=1), after), since
    heading = page.locator(".evacuation-meta").inner_text()
    assert not re.search(r"AM|PM|\bم\b|\bص\b", heading + since)
    shot(page, f"inside-{lang}-desktop.png")
    context.close()


def at_least_44(page: Page, selector: str) -> None:
    boxes = [page.locator(selector).nth(i).bounding_box() for i in range(page.locator(selector).count())]
    assert boxes, selector
    for box in boxes:
        assert box and box["width"] >= 44 and box["height"] >= 44, (selector, box)


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_touch_targets_on_a_phone(app, server, browser, make_user, lang):
    slug, _main, _ids, _codes = two_checkpoints(app)
    officer = make_user(Role.SECURITY)
    context = browser.new_context(viewport=PHONE, locale="en-GB", has_touch=True, is_mobile=True)
    page = context.new_page()
    page.goto(f"{server.url}/login?lang={lang}")
    at_least_44(page, ".languages a")
    at_least_44(page, ".login-form button[type=submit]")
    password = page.locator("#password").bounding_box()
    button = page.locator(".login-form button[type=submit]").bounding_box()
    assert button["y"] - (password["y"] + password["height"]) >= 16, (password, button)
    shot(page, f"login-{lang}-phone.png")
    sign_in(page, server.url, officer.email, f"/door/{slug}/")
    page.goto(f"{server.url}/door/{slug}/?lang={lang}")
    expect(page.locator("#door")).to_have_attribute("data-started", "1")
    at_least_44(page, ".languages a")
    at_least_44(page, ".usernav button")
    at_least_44(page, ".door-direction label")
    at_least_44(page, "#door-checkpoint")
    at_least_44(page, "#door-camera-button")
    # The whole label chooses the direction, not only the radio's circle.
    out = page.locator(".door-direction label").nth(1)
    box = out.bounding_box()
    page.touchscreen.tap(box["x"] + box["width"] - 6, box["y"] + box["height"] - 6)
    expect(page.locator("input[name=direction][value=out]")).to_be_checked()
    assert not (found := serious_violations(page)), report(found)
    shot(page, f"door-{lang}-phone.png")
    context.close()


def test_names_and_delegations_are_isolated_in_arabic(app, server, browser, make_user):
    slug, main, ids, codes, _png = door_event(app)
    with app.app_context():
        event = db.session.execute(select(Event).filter_by(slug=slug)).scalar_one()
        doctor = accredited(db.session, event, "Dr. Sarah", "Mitchell", "Canada")
        doctor_code = keys.badge_code(db.session, doctor)
        door.record_scan(db.session, event, door.ScanInput(codes["ana"], main, Direction.IN, nonce="a"))
        db.session.commit()
    officer = make_user(Role.SECURITY)
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="ar")
    page = context.new_page()
    sign_in(page, server.url, officer.email, f"/door/{slug}/")
    page.goto(f"{server.url}/door/{slug}/?lang=ar")
    expect(page.locator("#door")).to_have_attribute("data-started", "1")
    expect(page.locator("#door-network")).to_have_text("متصل")  # connected, not "participating online"
    expect(page.locator(".brand bdi")).to_have_text("Intersessional Meetings")  # the event's title isolated
    page.select_option("#door-checkpoint", str(main))
    show_badge_to_hand_scanner(page, doctor_code)
    expect(verdict(page, 1)).to_have_attribute("data-result", "accepted")
    expect(page.locator("#door-name bdi")).to_have_text("Dr. Sarah MITCHELL")
    expect(page.locator("#door-delegation bdi")).to_have_text("كندا")  # its UN name in Arabic
    expect(page.locator("#door-verdict-where bdi")).to_have_text("Main entrance")
    shot(page, "door-verdict-ar-desktop.png")
    page.locator("#door-verdict").evaluate("s => s.hidden = true")
    page.locator("#door-evacuation summary").click()
    rows = page.locator("#door-evacuation-rows tr")
    expect(rows).to_have_count(2)
    expect(rows.locator("th bdi")).to_have_text(["Ana GARCÍA", "Dr. Sarah MITCHELL"])  # شيلي before كندا
    expect(rows.locator("td bdi")).to_have_count(2)
    shot(page, "door-evacuation-ar-desktop.png")

    organizer = make_user(Role.ORGANIZER)
    admin = browser.new_context(viewport={"width": 1280, "height": 800}, locale="ar")
    inside = admin.new_page()
    sign_in_organizer(inside, server.url, organizer.email)
    inside.wait_for_load_state()
    inside.goto(f"{server.url}/admin/events/{slug}/door/inside?lang=ar")
    expect(inside.locator(".evacuation tbody th[scope=row] bdi")).to_have_text(
        ["Ana GARCÍA", "Dr. Sarah MITCHELL"]
    )
    expect(inside.locator(".evacuation tbody td bdi")).to_have_count(4)  # delegation and checkpoint
    expect(inside.locator("h2 bdi")).to_have_text("WMO building")
    shot(inside, "inside-ar-bidi-desktop.png")
    context.close()
    admin.close()


def test_pages_link_a_favicon_and_nothing_is_missing(app, server, browser, make_user):
    slug, _main, _ids, _codes = two_checkpoints(app)
    officer = make_user(Role.SECURITY)
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    missing: list[str] = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    sign_in(page, server.url, officer.email, f"/door/{slug}/")
    expect(page.locator("#door")).to_have_attribute("data-started", "1")
    icon = page.locator("link[rel=icon]").get_attribute("href")
    assert icon and icon.startswith("/static/")
    assert page.request.get(server.url + icon).status == 200
    ico = page.request.get(f"{server.url}/favicon.ico")
    assert ico.status == 200 and ico.headers["content-type"].startswith("image/")
    assert missing == []
    context.close()


#: Names with a title in another script: the direction most of their letters have, as the badge prints them.
MIXED = {
    "H.E. Mr. أحمد الحداد": "rtl",  # more Arabic letters than Latin: right to left, title on the right
    "Dr. Sarah MITCHELL": "ltr",
    "السيد John SMITH": "ltr",
    "Dr. أل": "ltr",
    "Ms. 王小明": "ltr",
    "2026": "ltr",
}


def test_a_name_with_a_title_in_another_script_reads_as_on_the_badge(app, server, browser, make_user):
    slug, main, _ids, _codes, _png = door_event(app)
    with app.app_context():
        event = db.session.execute(select(Event).filter_by(slug=slug)).scalar_one()
        haddad = accredited(db.session, event, "أحمد", "الحداد", "Kenya")
        haddad.title = "he_mr"
        code = keys.badge_code(db.session, haddad)
        db.session.commit()
    officer = make_user(Role.SECURITY)
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    sign_in(page, server.url, officer.email, f"/door/{slug}/")
    page.goto(f"{server.url}/door/{slug}/?lang=en")
    expect(page.locator("#door")).to_have_attribute("data-started", "1")
    # the page's rule is the badge's rule (badges.text.is_rtl) and the server pages' (`isolated`)
    decided = page.evaluate(
        "async (names) => { const { bdi } = await import('/static/js/bidi.js');"
        " return names.map((name) => bdi(name).outerHTML); }",
        list(MIXED),
    )
    assert [re.search(r'dir="(\w+)"', html)[1] for html in decided] == list(MIXED.values())
    assert list(MIXED.values()) == ["rtl" if is_rtl(name) else "ltr" for name in MIXED]
    assert decided == [str(isolated(name)) for name in MIXED]
    assert decided[0] == '<bdi dir="rtl"><bdi dir="ltr">H.E. Mr.</bdi> أحمد الحداد</bdi>'
    page.select_option("#door-checkpoint", str(main))
    show_badge_to_hand_scanner(page, code)
    expect(verdict(page, 1)).to_have_attribute("data-result", "accepted")
    name = page.locator("#door-name > bdi")
    expect(name).to_have_text("H.E. Mr. أحمد الحداد")
    expect(name).to_have_attribute("dir", "rtl")
    # the title is printed to the right of the name, as on the badge (an English page, left to right),
    # and whole: its full stop right after "Mr", not at the far left (".H.E. Mr")
    title, stop, rest = name.evaluate(
        """(element) => {
             const title = element.querySelector('bdi'), text = title.firstChild;
             const range = document.createRange();
             range.setStart(text, 7); range.setEnd(text, 8);  // the full stop of "Mr."
             const stop = range.getBoundingClientRect().right;
             range.setStart(element.lastChild, 1); range.setEnd(element.lastChild, element.lastChild.length);
             return [title.getBoundingClientRect().toJSON(), stop, range.getBoundingClientRect().right];
           }"""
    )
    assert title["left"] >= rest - 1
    assert abs(stop - title["right"]) < 1  # the last thing in the title, not its first
    shot(page, "door-verdict-mixed-title-en.png")
    context.close()
