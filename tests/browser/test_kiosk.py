"""The kiosk in headless Chromium at 1080 × 1920: scanner, camera, name; refusals; idle; accessible mode.

Every screen is checked with axe-core. With KIOSK_SCREENSHOTS=docs/kiosk (or SAVE_SCREENSHOTS=1) the
screens are saved there (the README shows them); otherwise into the test's temporary folder.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import Page, expect

from badges.codes import CodeKind, verify
from kiosk.extensions import db
from kiosk.models import Category, CheckIn, CheckInMethod, Event, Kiosk, KioskCode, Participant, Status
from kiosk.services import checkin as checkin_service
from kiosk.services import kiosks as kiosk_service
from kiosk.services.audit import SYSTEM
from kiosk.services.keys import public_keys
from tests.browser.axe import report, serious_violations
from tests.browser.camera import launch_with_camera, qr_frame, write_y4m
from tests.checkin_fixtures import *  # noqa: F403 (fixtures)

KIOSK_SIZE = {"width": 1080, "height": 1920}
#: SAVE_SCREENSHOTS=1 (as for the door's tests) saves the screens in docs/kiosk/ too.
DOCS = Path(__file__).resolve().parent.parent.parent / "docs" / "kiosk"


@pytest.fixture
def shots(tmp_path) -> Path:
    saved = DOCS if os.environ.get("SAVE_SCREENSHOTS") == "1" else None
    folder = Path(os.environ.get("KIOSK_SCREENSHOTS") or saved or tmp_path / "shots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def look(page: Page, shots: Path, name: str | None) -> None:
    """Check the screen with axe-core and keep a screenshot of it."""
    violations = serious_violations(page)
    assert not violations, report(violations)
    if name:
        page.screenshot(path=str(shots / f"{name}.png"))


def kiosk_context(browser, live_server: str, secret: str, **options):
    context = browser.new_context(viewport=KIOSK_SIZE, **options)
    context.add_cookies([{"name": "kiosk_device", "value": secret, "url": live_server, "httpOnly": True}])
    return context


@pytest.fixture
def kiosk(browser, live_server, make_kiosk) -> Iterator[Page]:
    """An enrolled kiosk's browser (no camera: the hand scanner and the screen)."""
    _kiosk_id, secret = make_kiosk()
    context = kiosk_context(browser, live_server, secret)
    page = context.new_page()
    page.goto(f"{live_server}/kiosk/")
    page.wait_for_selector("body[data-ready]")
    yield page
    context.close()


def choose_language(page: Page, name: str) -> None:
    """Tap a language on the start screen and wait until the kiosk's script runs the flow."""
    page.get_by_role("link", name=name).click()
    page.wait_for_selector("body[data-kiosk-screen]")


def scan(page: Page, code: str) -> None:
    """A hand scanner types the code and Enter, fast, with no field focused."""
    page.wait_for_selector("body[data-kiosk-screen]")
    page.keyboard.type(code, delay=3)
    page.keyboard.press("Enter")


def badge_code_in_png(app, path: Path, participant_id: int) -> None:
    """The printed badge's QR code is a valid badge code of the participant."""
    with Image.open(path) as image:
        found = zxingcpp.read_barcodes(image.convert("L"), formats=zxingcpp.BarcodeFormat.QRCode)
    assert len(found) == 1
    with app.app_context():
        participant = db.session.get(Participant, participant_id)
        event = participant.delegation.event
        opening = event.local_midnight(event.starts_on) + timedelta(hours=9)
        result = verify(found[0].text, public_keys(db.session, event), kind=CodeKind.BADGE, now=opening)
    assert result.ok and result.payload.participant_id == participant_id


def test_hand_scanner_flow_in_english_prints_badge_and_receipt(
    app, setting, kiosk, code_of, print_worker, tmp_path, shots
):
    app.config["KIOSK_DONE_SECONDS"] = 3
    page = kiosk
    expect(page.locator("[data-lang]")).to_have_count(6)
    look(page, shots, "1-languages")
    choose_language(page, "English")
    expect(page.locator("#scan-title")).to_be_visible()
    look(page, shots, None)
    scan(page, code_of(setting.ana))
    expect(page.locator("#confirm-name")).to_have_text("H.E. Ms. Ana PÉREZ SOTO")
    expect(page.locator("#confirm-delegation")).to_have_text("Chile")
    expect(page.locator("#confirm-function")).to_have_text("Head of delegation")
    look(page, shots, "4-confirm")
    started = time.monotonic()
    page.get_by_role("button", name="Yes, print my badge").click()
    expect(page.locator("#collect")).to_have_text("Collect your badge at \u2068Printer 2\u2069.")
    collect_after = time.monotonic() - started
    expect(page.locator("#print-state")).to_contain_text("Printed", timeout=15000)
    look(page, shots, "5-printing")
    assert collect_after < 5  # the benchmark measures it; this only catches a hang

    printed = list((tmp_path / "printed").glob("*.png"))
    assert len(printed) == 1
    badge_code_in_png(app, printed[0], setting.ana)
    receipt = (tmp_path / "receipt.bin").read_bytes()
    assert b"Ana P" in receipt and b"First Preparatory Meeting" in receipt and b"Room XIX" in receipt
    assert b"\x1d(k" not in receipt  # no QR code on the receipt
    with app.app_context():
        assert db.session.query(CheckIn).one().kiosk.name == "Kiosk 1"

    expect(page.locator("[data-lang]")).to_have_count(6, timeout=8000)  # back to the start by itself
    assert "PÉREZ" not in page.content()


def test_camera_flow_in_arabic(
    app, browser, live_server, setting, make_kiosk, code_of, print_worker, tmp_path, shots
):
    y4m = write_y4m(tmp_path / "confirmation.y4m", qr_frame(code_of(setting.ana)))
    _kiosk_id, secret = make_kiosk()
    camera = launch_with_camera(browser, y4m)
    try:
        context = kiosk_context(camera, live_server, secret, locale="ar")
        context.grant_permissions(["camera"], origin=live_server)
        page = context.new_page()
        page.goto(f"{live_server}/kiosk/")
        page.locator('[data-lang="ar"]').click()
        page.wait_for_selector("body[data-kiosk-screen]")
        expect(page.locator("html")).to_have_attribute("dir", "rtl")
        assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
        expect(page.locator("#confirm-name")).to_have_text("H.E. Ms. Ana PÉREZ SOTO", timeout=15000)
        look(page, shots, "ar-4-confirm")
        page.locator("#confirm-print").click()
        expect(page.locator("#collect")).to_contain_text("Printer 2")
        expect(page.locator("#collect")).not_to_contain_text("Collect")  # said in Arabic
        expect(page.locator("body")).to_have_attribute("data-printed", "1", timeout=15000)
        look(page, shots, "ar-5-printing")
    finally:
        camera.close()
    assert len(list((tmp_path / "printed").glob("*.png"))) == 1


def test_scan_screen_with_the_camera(browser, live_server, setting, make_kiosk, code_of, tmp_path, shots):
    """The scan screen as delegates see it, camera running (for the screenshot and axe)."""
    y4m = write_y4m(tmp_path / "nothing.y4m", Image.new("RGB", (640, 480), (90, 90, 90)))
    _kiosk_id, secret = make_kiosk()
    camera = launch_with_camera(browser, y4m)
    try:
        context = kiosk_context(camera, live_server, secret)
        context.grant_permissions(["camera"], origin=live_server)
        page = context.new_page()
        page.goto(f"{live_server}/kiosk/flow?lang=en")
        deadline = time.monotonic() + 10
        video_width = "document.querySelector('#camera').videoWidth"
        while not page.evaluate(video_width) and time.monotonic() < deadline:
            page.wait_for_timeout(100)
        look(page, shots, "2-scan")
    finally:
        camera.close()


def test_find_me_by_name_with_the_reference(app, setting, kiosk, reference_of, print_worker, shots):
    page = kiosk
    choose_language(page, "English")
    page.get_by_role("button", name="I do not have my code: find me by name").click()
    keyboard = page.locator('[data-keyboard="family-name"]')
    keyboard.locator('[data-key="P"]').click()
    page.wait_for_timeout(600)
    expect(page.locator("#find-results")).to_be_empty()  # one letter shows nothing
    keyboard.locator('[data-key="E"]').click()
    page.get_by_role("button", name="Chile").click()
    expect(page.locator("#find-results")).not_to_contain_text("@")
    look(page, shots, "3-find")
    page.get_by_role("button", name="H.E. Ms. Ana PÉREZ SOTO — Head of delegation").click()
    expect(page.locator("#proof-name")).to_have_text("H.E. Ms. Ana PÉREZ SOTO")
    page.locator("#proof").fill("WRONG-REF1")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("#proof-error")).to_contain_text("does not match")
    page.locator("#proof").fill("")
    for key in reference_of(setting.ana):
        page.locator(f'[data-keyboard="proof"] [data-key="{key}"]').click()
    look(page, shots, "3-proof")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("#confirm-name")).to_have_text("H.E. Ms. Ana PÉREZ SOTO")
    page.get_by_role("button", name="Yes, print my badge").click()
    expect(page.locator("body")).to_have_attribute("data-printed", "1", timeout=15000)
    with app.app_context():
        assert db.session.query(CheckIn).one().method.value == "name"


def test_a_refused_code_says_why_in_a_sentence(app, setting, kiosk, code_of, shots):
    page = kiosk
    choose_language(page, "Français")
    scan(page, code_of(setting.bruno))
    expect(page.locator("#refusal")).to_be_visible()
    text = page.locator("#refusal").inner_text()
    assert "accrédit" in text and "." in text
    look(page, shots, "fr-6-refused")
    with app.app_context():
        assert db.session.query(CheckIn).count() == 0


def test_refused_screen_in_english(setting, kiosk, code_of, shots):
    choose_language(kiosk, "English")
    scan(kiosk, code_of(setting.bruno))
    expect(kiosk.locator("#refusal")).to_have_text(
        "Your registration has not been accredited yet. Please go to the registration desk."
    )
    look(kiosk, shots, "6-refused")


def test_idle_kiosk_returns_to_the_start_with_no_name_left(app, setting, kiosk, code_of):
    app.config["KIOSK_IDLE_SECONDS"] = 2
    page = kiosk
    choose_language(page, "English")
    scan(page, code_of(setting.ana))
    expect(page.locator("#confirm-name")).to_have_text("H.E. Ms. Ana PÉREZ SOTO")
    expect(page.locator("[data-lang]")).to_have_count(6, timeout=6000)
    assert "Pérez" not in page.content()
    with app.app_context():
        assert db.session.query(CheckIn).count() == 0


def test_accessible_mode_puts_every_control_in_the_lower_half(app, setting, kiosk, code_of, shots):
    page = kiosk
    toggle = page.locator("[data-accessible-toggle]")
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    look(page, shots, "accessible-1-languages")

    def controls_in_lower_half() -> None:
        tops = page.evaluate(
            """() => [...document.querySelectorAll('a, button, input, video')]
                .filter(el => el.offsetParent !== null && !el.closest('[hidden]'))
                .map(el => [el.textContent.trim().slice(0, 30), el.getBoundingClientRect().top])"""
        )
        assert tops, "no control on screen"
        assert all(top >= KIOSK_SIZE["height"] / 2 for _text, top in tops), tops

    controls_in_lower_half()
    choose_language(page, "English")
    expect(page.locator("body")).to_have_class("kiosk accessible")
    controls_in_lower_half()
    assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") > 30
    scan(page, code_of(setting.ana))
    expect(page.locator("#confirm-name")).to_be_visible()
    controls_in_lower_half()
    look(page, shots, "accessible-4-confirm")
    page.get_by_role("link", name="No, this is not me").click()  # "start again" keeps the mode
    choose_language(page, "English")
    page.locator("#find-me").click()
    page.locator('[data-keyboard="family-name"] [data-key="P"]').click()
    page.locator('[data-keyboard="family-name"] [data-key="E"]').click()
    page.get_by_role("button", name="Chile").click()
    controls_in_lower_half()
    look(page, shots, "accessible-3-find")
    page.locator(".choice-person").click()
    controls_in_lower_half()


def test_a_browser_that_is_not_enrolled_is_refused(browser, live_server, make_kiosk, setting, shots):
    context = browser.new_context(viewport=KIOSK_SIZE)
    page = context.new_page()
    response = page.goto(f"{live_server}/kiosk/flow?lang=en")
    assert response.status == 403
    expect(page.locator("#not-enrolled")).to_contain_text("registration desk")
    look(page, shots, "0-not-enrolled")
    context.close()


def test_enrolment_link_makes_this_browser_the_kiosk(app, browser, live_server, setting):
    with app.app_context():
        event = db.session.get(Event, setting.event_id)
        kiosk = kiosk_service.save_kiosk(db.session, None, event, {"name": "Kiosk 3"}, SYSTEM)
        link = kiosk_service.enrolment_link_secret(db.session, kiosk, SYSTEM)
        db.session.commit()
        kiosk_id = kiosk.id
    context = browser.new_context(viewport=KIOSK_SIZE)
    page = context.new_page()
    page.goto(f"{live_server}/kiosk/enrol/{link}")
    page.get_by_role("button", name="Enrol this screen").click()
    expect(page.locator("[data-lang]")).to_have_count(6)
    cookie = next(c for c in context.cookies() if c["name"] == "kiosk_device")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    page.goto(f"{live_server}/kiosk/enrol/{link}")
    expect(page.locator("#error")).to_contain_text("used or has expired")
    with app.app_context():
        kiosk_service.revoke(db.session, db.session.get(Kiosk, kiosk_id), SYSTEM)
        db.session.commit()
    assert page.goto(f"{live_server}/kiosk/").status == 403
    context.close()
    with app.app_context():
        assert db.session.get(Participant, setting.ana).status == Status.ACCREDITED


def test_a_kiosk_revoked_while_its_page_is_shown_stops_at_the_next_scan(
    app, browser, live_server, setting, code_of
):
    kiosk_id, secret = kiosk_service_enrol(app, setting)
    context = kiosk_context(browser, live_server, secret)
    page = context.new_page()
    page.goto(f"{live_server}/kiosk/flow?lang=en")
    with app.app_context():
        kiosk_service.revoke(db.session, db.session.get(Kiosk, kiosk_id), SYSTEM)
        db.session.commit()
    scan(page, code_of(setting.ana))
    expect(page.locator("#refusal")).to_have_text(
        "This kiosk is out of service. Please go to the registration desk."
    )
    context.close()
    with app.app_context():
        assert db.session.query(CheckIn).count() == 0


def kiosk_service_enrol(app, setting) -> tuple[int, str]:
    with app.app_context():
        event = db.session.get(Event, setting.event_id)
        kiosk = kiosk_service.save_kiosk(db.session, None, event, {"name": "Kiosk 9"}, SYSTEM)
        link = kiosk_service.enrolment_link_secret(db.session, kiosk, SYSTEM)
        secret = kiosk_service.enrol(db.session, kiosk_service.kiosk_for_enrolment(db.session, link))
        db.session.commit()
        return kiosk.id, secret


def test_russian_page_has_a_cyrillic_keyboard_and_a_latin_one(app, setting, kiosk, make_participant, shots):
    with app.app_context():
        chile = db.session.get(Participant, setting.ana).delegation
    make_participant(chile, status=Status.ACCREDITED, given_name="Анна", family_name="Петрова")
    choose_language(kiosk, "Русский")
    kiosk.locator("#find-me").click()
    board = kiosk.locator('[data-keyboard="family-name"]')
    board.locator('[data-key="П"]').click()
    board.locator('[data-key="Е"]').click()
    expect(kiosk.locator(".choice-delegation")).to_have_text(["Чили"])  # its UN name in Russian
    look(kiosk, shots, "ru-3-find")
    board.locator('[data-layout-switch="latin"]').click()
    expect(board.locator('[data-key="Q"]')).to_be_visible()
    expect(board.locator('[data-key="Й"]')).to_be_hidden()
    proof = kiosk.locator('[data-keyboard="proof"]')
    expect(proof.locator('[data-key="Q"]')).to_be_attached()  # the proof's keyboard starts in Latin


@pytest.mark.parametrize(
    ("language", "sentence"),
    [("English", "You already checked in on "), ("العربية", "لقد سجّلت وصولك بالفعل في ")],
)
def test_someone_already_checked_in_finds_their_name_and_is_sent_to_the_desk(
    app, setting, kiosk, reference_of, shots, language, sentence
):
    with app.app_context():
        participant = db.session.get(Participant, setting.ana)
        checkin_service.check_in(db.session, participant, SYSTEM, method=CheckInMethod.DESK)
        db.session.commit()
    page = kiosk
    choose_language(page, language)
    page.locator("#find-me").click()
    page.locator("#family-name").fill("PE")
    page.locator(".choice-delegation").click()
    page.locator(".choice-person").click()
    page.locator("#proof").fill(reference_of(setting.ana))
    page.locator("#proof-continue").click()
    expect(page.locator("#refusal")).to_contain_text(sentence)
    text = page.locator("#refusal").inner_text()
    assert not re.search(r"\d\d\.\d\d\.\d{4}", text), text  # the day in words, as the language writes it
    assert "registration desk" in text or "مكتب التسجيل" in text
    look(page, shots, "6-already" + ("-ar" if language == "العربية" else ""))


# --- find me with many results; accessible mode's sizes; names isolated on Arabic pages ----------


@pytest.fixture
def seven_delegations(app, setting, make_delegation, make_participant) -> list[str]:
    """Seven delegations, each with an accredited "Clarke": more results than fit on the screen."""
    with app.app_context():
        event = db.session.get(Event, setting.event_id)
    names = [f"Delegation {n}" for n in range(1, 8)]
    for n, name in enumerate(names, start=1):
        delegation = make_delegation(event=event, name=name, country=None)  # shown as registered
        make_participant(delegation, status=Status.ACCREDITED, given_name="Kim", family_name=f"Clarke {n}")
    return names


def box(page: Page, selector: str) -> dict:
    return page.locator(selector).bounding_box()


def inside(inner: dict, outer: dict) -> bool:
    return (
        inner["y"] >= outer["y"] - 1
        and inner["y"] + inner["height"] <= outer["y"] + outer["height"] + 1
        and inner["x"] >= outer["x"] - 1
        and inner["x"] + inner["width"] <= outer["x"] + outer["width"] + 1
    )


@pytest.mark.parametrize(
    ("language", "accessible"), [("English", False), ("English", True), ("العربية", False), ("العربية", True)]
)
def test_every_find_result_can_be_brought_into_view_and_tapped(
    setting, kiosk, seven_delegations, shots, language, accessible
):
    page = kiosk
    if accessible:
        page.locator("[data-accessible-toggle]").click()
    choose_language(page, language)
    page.locator("#find-me").click()
    if language == "العربية":  # the Arabic keyboard comes first there
        page.locator('[data-keyboard="family-name"] [data-layout-switch="latin"]').click()
    for key in "CL":
        page.locator(f'[data-keyboard="family-name"] [data-key="{key}"]').click()
    results = page.locator(".choice-delegation")
    expect(results).to_have_count(7)
    screen = {"x": 0, "y": 0, **KIOSK_SIZE}
    frame = box(page, "#find-results")
    keyboard = box(page, '[data-keyboard="family-name"]')
    assert frame["y"] + frame["height"] <= keyboard["y"]  # the results never run under the keyboard
    if accessible:
        assert frame["y"] >= KIOSK_SIZE["height"] / 2
    else:
        assert frame["height"] >= 700  # the height the keyboard leaves, not a fixed small box
    assert page.evaluate("document.scrollingElement.scrollHeight") <= KIOSK_SIZE["height"]

    # More than fit: it shows (arrows, a fade) and the arrows are finger-sized and on screen.
    down = page.locator('[data-page="1"]')
    expect(down).to_be_visible()
    expect(down).to_be_enabled()
    expect(page.locator("#find-results")).to_have_class("choices more-below")
    for arrow in ('[data-page="1"]', '[data-page="-1"]'):
        target = box(page, arrow)
        assert target["width"] >= 88 and target["height"] >= 88 and inside(target, screen)
        if accessible:
            assert target["y"] >= KIOSK_SIZE["height"] / 2
    suffix = ("-accessible" if accessible else "") + ("-ar" if language == "العربية" else "")
    look(page, shots, f"find-many{suffix}")

    last = results.last
    for _tap in range(8):
        if inside(last.bounding_box(), frame):
            break
        down.click()
        page.wait_for_timeout(600)  # the smooth scroll
    seen = last.bounding_box()
    assert inside(seen, frame) and inside(seen, screen), (seen, frame)
    expect(down).to_be_disabled()
    expect(page.locator('[data-page="-1"]')).to_be_enabled()
    look(page, shots, f"find-many-end{suffix}")
    # A tap where the last result is seen (no scrolling by the test) opens it.
    page.mouse.click(seen["x"] + seen["width"] / 2, seen["y"] + seen["height"] / 2)
    expect(page.locator(".choices-heading bdi")).to_have_text(seven_delegations[-1])
    expect(page.locator(".choice-person")).to_have_count(1)


KEY_ELEMENTS = {
    "scan heading": "#scan-title",
    "find heading": "#find-title",
    "find label": '[data-screen="find"] .field-label',
    "family name": "#family-name",
    "result": ".choice",
    "key": '[data-keyboard="family-name"] [data-key="A"]',
    "proof label": '[data-screen="proof"] .field-label',
    "proof name": "#proof-name",
    "confirm name": "#confirm-name",
    "confirm hint": '[data-screen="confirm"] .hint',
    "print button": "#confirm-print",
    "collect": "#collect",
    "refusal": "#refusal",
    "toolbar": '[data-screen="scan"] .toolbar .button',
}


def font_sizes(page: Page, selectors: dict[str, str]) -> dict[str, float]:
    """Computed font sizes (px), also of screens not shown at the moment."""
    return page.evaluate(
        """(selectors) => Object.fromEntries(Object.entries(selectors).map(([name, selector]) =>
            [name, parseFloat(getComputedStyle(document.querySelector(selector)).fontSize)]))""",
        selectors,
    )


def test_accessible_mode_makes_the_text_of_every_screen_larger(setting, kiosk):
    page = kiosk
    start = {"welcome": "#welcome span", "language": "[data-lang]", "toggle": "[data-accessible-toggle]"}
    before = font_sizes(page, start)
    page.locator("[data-accessible-toggle]").click()
    after = font_sizes(page, start)
    assert all(after[name] > before[name] for name in start), (before, after)

    page.locator("[data-accessible-toggle]").click()  # off again
    choose_language(page, "English")
    page.locator("#find-me").click()
    page.locator("#family-name").fill("PE")
    expect(page.locator(".choice")).to_have_count(1)
    before = font_sizes(page, KEY_ELEMENTS)
    page.locator('[data-screen="find"] [data-accessible-toggle]').click()
    expect(page.locator("body")).to_have_class("kiosk accessible")
    after = font_sizes(page, KEY_ELEMENTS)
    smaller = {name: (before[name], after[name]) for name in KEY_ELEMENTS if after[name] <= before[name]}
    assert not smaller, smaller


def test_names_are_isolated_on_arabic_pages(
    app, setting, kiosk, make_delegation, make_participant, code_of, shots
):
    """A Latin title before an Arabic name keeps its full stop after "Mr" (it is in a <bdi>)."""
    with app.app_context():
        event = db.session.get(Event, setting.event_id)
    delegation = make_delegation(
        event=event, name="Humanity & Inclusion (HI)", category=Category.NGO, country=None
    )
    person = make_participant(
        delegation,
        status=Status.ACCREDITED,
        title="H.E. Mr.",
        given_name="أحمد",
        family_name="العبيدي",
        function="Head of delegation",
    )
    page = kiosk
    expect(page.locator(".event-title bdi")).to_have_text("Intersessional Meetings")
    choose_language(page, "العربية")
    expect(page.locator(".event-title bdi")).to_have_text("Intersessional Meetings")
    page.locator("#find-me").click()
    page.locator("#family-name").fill("العبيدي")
    expect(page.locator(".choice-delegation bdi")).to_have_text(["Humanity & Inclusion (HI)"])
    page.locator(".choice-delegation").click()
    expect(page.locator(".choices-heading bdi")).to_have_text("Humanity & Inclusion (HI)")
    name = page.locator(".choice-person span > bdi")
    expect(name).to_contain_text("H.E. Mr.")
    printed = name.inner_text()
    page.locator(".choice-person").click()
    expect(page.locator("#proof-name > bdi")).to_have_text(printed)
    page.locator('[data-screen="proof"] [data-restart]').click()

    choose_language(page, "العربية")
    scan(page, code_of(person.id))
    expect(page.locator("#confirm-name > bdi")).to_have_text(printed)
    expect(page.locator("#confirm-delegation bdi")).to_have_text("Humanity & Inclusion (HI)")
    for selector in ("#confirm-name > bdi", "#confirm-delegation bdi", ".event-title bdi"):
        assert (
            page.evaluate(f"getComputedStyle(document.querySelector('{selector}')).unicodeBidi") == "isolate"
        )
    # Seen on the screen: the full stop of "Mr." sits right after the "r", not at the far left.
    r, stop = page.evaluate(
        """() => {
            const text = document.querySelector('#confirm-name > bdi > bdi').firstChild;  // the title
            const at = (i) => { const range = document.createRange(); range.setStart(text, i);
                range.setEnd(text, i + 1); return range.getBoundingClientRect().left; };
            const i = text.data.indexOf('Mr.') + 1;
            return [at(i), at(i + 1)];
        }"""
    )
    assert 0 < stop - r < 40, (r, stop)
    look(page, shots, "ar-4-confirm-latin-title")


# --- find me, then "send me a code": the proof a stranger cannot have ----------------------------


def type_code(page: Page, code: str) -> None:
    """Tap the code on the kiosk's keypad, after clearing the field."""
    page.locator("#one-time-code").fill("")
    for digit in code:
        page.locator(f'[data-keyboard="one-time-code"] [data-key="{digit}"]').click()


def choose_ana(page: Page) -> None:
    page.locator("#find-me").click()
    page.locator("#family-name").fill("PE")
    page.locator(".choice-delegation").click()
    page.locator(".choice-person").click()


@pytest.mark.parametrize(
    ("language", "prefix", "wrong"),
    [
        ("English", "", "This is not the code we sent. You may try 4 more times."),
        ("العربية", "ar-", "هذا ليس الرمز الذي أرسلناه. عدد المحاولات المتبقية: 4."),
    ],
)
def test_find_me_then_send_me_a_code_by_e_mail(
    app, setting, kiosk, mailed_code, print_worker, shots, language, prefix, wrong
):
    page = kiosk
    choose_language(page, language)
    choose_ana(page)
    expect(page.locator("#proof-scan")).to_be_visible()
    expect(page.locator("#proof-send")).to_be_visible()
    look(page, shots, f"{prefix}3-proof-ways")
    page.locator("#proof-send").click()
    expect(page.locator("#code-title")).to_be_visible()
    expect(page.locator("#code-name")).to_have_text("H.E. Ms. Ana PÉREZ SOTO")
    expect(page.locator("#one-time-code")).to_have_attribute("inputmode", "numeric")
    assert "ana.perez" not in page.content() and "example.org" not in page.content()  # no address, no hint
    code = mailed_code(setting.ana)
    type_code(page, f"{(int(code) + 1) % 10**6:06d}")
    page.locator("#code-continue").click()
    expect(page.locator("#code-error")).to_have_text(wrong)
    look(page, shots, f"{prefix}3-code-wrong")
    type_code(page, code)
    expect(page.locator("#one-time-code")).to_have_value(code)
    look(page, shots, f"{prefix}3-code")
    page.locator("#code-continue").click()
    expect(page.locator("#confirm-name")).to_have_text("H.E. Ms. Ana PÉREZ SOTO")
    page.locator("#confirm-print").click()
    expect(page.locator("body")).to_have_attribute("data-printed", "1", timeout=15000)
    with app.app_context():
        assert db.session.query(CheckIn).one().method == CheckInMethod.NAME
        assert db.session.query(KioskCode).one().used_at is not None


def test_the_code_screen_waits_longer_for_someone_reading_their_mail(app, setting, kiosk):
    app.config.update(KIOSK_IDLE_SECONDS=2, KIOSK_CODE_IDLE_SECONDS=5)
    page = kiosk
    choose_language(page, "English")
    choose_ana(page)
    page.locator("#proof-send").click()
    expect(page.locator("#code-title")).to_be_visible()
    page.wait_for_timeout(3000)
    expect(page.locator("#code-title")).to_be_visible()  # past the 2 s of the other screens
    expect(page.locator("[data-lang]")).to_have_count(6, timeout=6000)  # then back to the start
    assert "PÉREZ" not in page.content()


def test_an_expired_code_asks_for_a_new_one_and_too_many_go_to_the_desk(
    app, setting, kiosk, mailed_code, shots
):
    app.config["KIOSK_RATE_LIMITS"] = {"code_attempts": (1, 600.0)}
    page = kiosk
    choose_language(page, "English")
    choose_ana(page)
    app.config["KIOSK_CODE_MINUTES"] = 0  # the page still says 10: the code sent now is out of date at once
    page.locator("#proof-send").click()
    expect(page.locator("#code-title")).to_be_visible()
    type_code(page, mailed_code(setting.ana))
    page.locator("#code-continue").click()
    expect(page.locator("#code-error")).to_have_text("This code is no longer valid. Ask for a new code.")
    look(page, shots, "3-code-expired")
    app.config["KIOSK_CODE_MINUTES"] = 10
    first = mailed_code(setting.ana)
    page.locator("#code-again").click()
    expect(page.locator("#code-sent")).to_have_text("We sent you a new code. Type the newest one.")
    expect(page.locator("#code-error")).to_be_hidden()
    newest = mailed_code(setting.ana)
    type_code(page, first if first != newest else f"{(int(newest) + 1) % 10**6:06d}")
    page.locator("#code-continue").click()
    expect(page.locator("#refusal")).to_have_text("Too many attempts. Please go to the registration desk.")
    with app.app_context():
        assert db.session.query(CheckIn).count() == 0


def test_find_me_sorts_by_the_pages_collation_and_keys_a_one_character_family_name(
    app, setting, kiosk, make_delegation, make_participant
):
    """Chinese delegations in pinyin order (阿 ā, 巴 bā, 中 zhōng), not code point order (中 巴 阿)."""
    with app.app_context():
        event = db.session.get(Event, setting.event_id)
    for name, given in (("中国", "小明"), ("巴西", "芳"), ("阿富汗", "伟")):
        delegation = make_delegation(event=event, name=name, category=Category.NGO, country=None)
        make_participant(delegation, status=Status.ACCREDITED, given_name=given, family_name="王")
    other = make_delegation(event=event, name="瑞士", category=Category.NGO, country=None)
    for given in ("伟", "安", "明"):  # wěi, ān, míng: 王安, 王明, 王伟 in pinyin
        make_participant(other, status=Status.ACCREDITED, given_name=given, family_name="王")
    page = kiosk
    choose_language(page, "中文")
    page.locator("#find-me").click()
    page.locator("#family-name").fill("王")  # one character: a whole family name
    expect(page.locator(".choice-delegation bdi")).to_have_text(["阿富汗", "巴西", "瑞士", "中国"])
    page.locator(".choice-delegation", has_text="瑞士").click()
    expect(page.locator(".choice-person bdi")).to_have_text(["王安", "王明", "王伟"])
