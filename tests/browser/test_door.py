"""The door scanner in headless Chromium: a camera reading a real badge, refusals, and a network outage."""

from __future__ import annotations

import io
import os
from pathlib import Path

from PIL import Image
from playwright.sync_api import Page, expect
from sqlalchemy import select

from kiosk.extensions import db
from kiosk.models import Direction, Event, Participant, Role, Scan, User
from kiosk.services import accounts, badging, door, keys
from kiosk.services.audit import SYSTEM
from tests.browser.axe import report, serious_violations
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.conftest import PASSWORD
from tests.door.scenario import CASES, accredited, build, new_event

DOCS = Path(__file__).resolve().parent.parent.parent / "docs" / "door"
#: Set SAVE_SCREENSHOTS=1 to refresh the screenshots in docs/door/.
SAVE = os.environ.get("SAVE_SCREENSHOTS") == "1"


def shoot(page: Page, name: str, tmp_path: Path) -> None:
    """A screenshot in the test's folder, and in docs/door/ when asked to refresh them."""
    page.screenshot(path=str(tmp_path / name))
    if SAVE:
        DOCS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(DOCS / name))


def sign_in(page: Page, base: str, email: str, target: str) -> None:
    page.goto(f"{base}/login?next={target}")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}{target}")


def door_event(app, photo: bytes | None = None):
    """An event with one checkpoint and three accredited people: Ana (with her badge), Bruno, Carla."""
    with app.app_context():
        session = db.session
        event = new_event(session, slug="im2024")
        ana = accredited(session, event, "Ana", "García", "Chile")
        bruno = accredited(session, event, "Bruno", "Soto", "Kenya")
        carla = accredited(session, event, "Carla", "Vidal", "Norway")
        if photo:
            ana.photo, ana.photo_type = photo, "image/jpeg"
        checkpoint = door.save_checkpoint(
            session, event, None, name="Main entrance", direction="both", anti_passback=True
        )
        session.commit()
        codes = {
            "ana": keys.badge_code(session, ana),
            "bruno": keys.badge_code(session, bruno),
            "carla": keys.badge_code(session, carla),
            "ana_confirmation": keys.confirmation_code(session, ana),
        }
        png = badging.badge_png(session, ana)
        session.commit()
        return event.slug, checkpoint.id, {"ana": ana.id, "bruno": bruno.id, "carla": carla.id}, codes, png


def show_badge_to_hand_scanner(page: Page, code: str) -> None:
    """A hand scanner typing into the code field, then Enter."""
    page.fill("#door-code", code)
    page.press("#door-code", "Enter")


def verdict(page: Page, count: int):
    """The verdict screen once it shows the `count`-th verdict of the page."""
    section = page.locator("#door-verdict")
    expect(section).to_have_attribute("data-count", str(count), timeout=10_000)
    return section


def photo_shown(page: Page) -> None:
    """Wait until the verdict's photo is loaded (polled with evaluate: the page's CSP forbids eval)."""
    for _ in range(100):
        if page.evaluate("() => document.getElementById('door-photo').naturalWidth > 0"):
            return
        page.wait_for_timeout(100)
    raise AssertionError("the photo was not shown")


def face_jpeg() -> bytes:
    image = Image.new("RGB", (300, 400), (214, 182, 150))
    for y in range(400):
        for x in range(0, 300, 4):
            if (x - 150) ** 2 / 90**2 + (y - 170) ** 2 / 120**2 < 1:
                image.putpixel((x, y), (190, 150, 120))
    out = io.BytesIO()
    image.save(out, format="JPEG")
    return out.getvalue()


def y4m_of(png: bytes, path: Path) -> Path:
    """A Y4M video (Chromium's fake camera) of the badge held in front of the camera."""
    badge = Image.open(io.BytesIO(png)).convert("RGB")
    badge.thumbnail((600, 440))
    frame = Image.new("RGB", (640, 480), (235, 235, 235))
    frame.paste(badge, ((640 - badge.width) // 2, (480 - badge.height) // 2))
    y, u, v = frame.convert("YCbCr").split()
    u, v = u.reduce(2), v.reduce(2)  # 4:2:0
    with path.open("wb") as f:
        f.write(b"YUV4MPEG2 W640 H480 F10:1 Ip A1:1 C420jpeg\n")
        for _ in range(20):
            f.write(b"FRAME\n" + y.tobytes() + u.tobytes() + v.tobytes())
    return path


def test_badge_through_the_camera_then_a_refusal(app, server, browser, make_user, tmp_path):
    slug, checkpoint, ids, codes, png = door_event(app, photo=face_jpeg())
    officer = make_user(Role.SECURITY)
    video = y4m_of(png, tmp_path / "badge.y4m")
    # A second Chromium from the same Playwright, with the fake camera playing the badge.
    camera_browser = browser.browser_type.launch(
        executable_path=CHROMIUM,
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
            "--autoplay-policy=no-user-gesture-required",
        ],
    )
    try:
        context = camera_browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
        context.grant_permissions(["camera"], origin=server.url)
        page = context.new_page()
        sign_in(page, server.url, officer.email, f"/door/{slug}/")
        expect(page.locator("#door")).to_have_attribute("data-started", "1")
        page.select_option("#door-checkpoint", str(checkpoint))
        assert serious_violations(page) == [], report(serious_violations(page))
        page.click("#door-camera-button")
        section = verdict(page, 1)
        expect(section).to_have_attribute("data-result", "accepted")
        expect(page.locator("#door-verdict-word")).to_have_text("ACCEPTED")
        expect(page.locator("#door-name")).to_have_text("Ana GARCÍA")
        expect(page.locator("#door-delegation")).to_have_text("Chile")
        expect(page.locator("#door-category")).to_have_text("State party")
        expect(page.locator("#door-photo")).to_be_visible()
        photo_shown(page)
        assert serious_violations(page) == [], report(serious_violations(page))
        shoot(page, "accepted.png", tmp_path)
        # The same badge stays in front of the camera: it is not scanned again.
        page.wait_for_timeout(1500)
        expect(section).to_have_attribute("data-count", "1")
        # A confirmation code shown to the hand scanner is refused, in words.
        show_badge_to_hand_scanner(page, codes["ana_confirmation"])
        section = verdict(page, 2)
        expect(section).to_have_attribute("data-result", "refused")
        expect(section).to_have_attribute("data-reason", "not_a_badge")
        expect(page.locator("#door-verdict-word")).to_have_text("REFUSED")
        expect(page.locator("#door-verdict-reason")).to_contain_text("confirmation code, not a badge")
        shoot(page, "refused.png", tmp_path)
    finally:
        camera_browser.close()
    with app.app_context():
        scans = db.session.execute(select(Scan).order_by(Scan.id)).scalars().all()
        assert [(s.participant_id, s.result.value, s.reason and s.reason.value) for s in scans] == [
            (ids["ana"], "accepted", None),
            (ids["ana"], "refused", "not_a_badge"),
        ]
        assert scans[0].officer_id == officer.id


def test_scanner_keeps_working_through_an_outage(app, server, browser, make_user, tmp_path):
    slug, checkpoint, ids, codes, _png = door_event(app, photo=face_jpeg())
    # Carla lost her badge before the outage: the desk reissued it, the scanners hear it.
    with app.app_context():
        badging.reissue_badge(db.session, db.session.get(Participant, ids["carla"]), SYSTEM)
        db.session.commit()
    forged = codes["bruno"][:-6] + ("A" if codes["bruno"][-6] != "A" else "B") + codes["bruno"][-5:]
    officer = make_user(Role.SECURITY)
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
    page = context.new_page()
    sign_in(page, server.url, officer.email, f"/door/{slug}/")
    root = page.locator("#door")
    expect(root).to_have_attribute("data-started", "1")
    expect(root).to_have_attribute("data-worker", "ready")
    page.select_option("#door-checkpoint", str(checkpoint))
    expect(page.locator("#door-bundle")).to_contain_text("Badge list updated at")
    shoot(page, "scanner.png", tmp_path)

    # Online: Ana enters.
    show_badge_to_hand_scanner(page, codes["ana"])
    expect(verdict(page, 1)).to_have_attribute("data-result", "accepted")

    server.stop()
    page.wait_for_timeout(200)
    # Offline: Bruno is accepted, a forged badge and Carla's old badge are refused, Ana cannot enter twice.
    show_badge_to_hand_scanner(page, codes["bruno"])
    section = verdict(page, 2)
    expect(section).to_have_attribute("data-result", "accepted")
    expect(section).to_have_attribute("data-offline", "1")
    expect(page.locator("#door-name")).to_have_text("Bruno SOTO")
    expect(root).to_have_attribute("data-online", "0")
    expect(page.locator("#door-network")).to_contain_text("1 scan waiting to be sent.")
    shoot(page, "offline.png", tmp_path)
    show_badge_to_hand_scanner(page, forged)
    expect(verdict(page, 3)).to_have_attribute("data-reason", "invalid_code")
    show_badge_to_hand_scanner(page, codes["carla"])
    expect(verdict(page, 4)).to_have_attribute("data-reason", "revoked")
    expect(page.locator("#door-verdict-reason")).to_contain_text("replaced by a newer one")
    show_badge_to_hand_scanner(page, codes["ana"])
    expect(verdict(page, 5)).to_have_attribute("data-reason", "already_inside")
    # Ana's photo was kept after the badge list (the only one with a photo): shown offline.
    photo_shown(page)
    cached = page.evaluate(
        """async () => (await (await caches.open("door-photos-v2")).keys())
            .map((request) => new URL(request.url).pathname)"""
    )
    assert cached == [f"/api/v1/events/{slug}/door-photos/{ids['ana']}"]
    expect(root).to_have_attribute("data-queued", "4")
    assert serious_violations(page) == [], report(serious_violations(page))

    # Reloaded with no server: the page comes from the service worker, the queue is still there.
    page.reload()
    expect(root).to_have_attribute("data-queued", "4")
    expect(page.locator("#door-network")).to_contain_text("4 scans waiting to be sent.")
    expect(page.locator("#door-bundle")).to_contain_text("Badge list updated at")
    show_badge_to_hand_scanner(page, codes["bruno"])
    # Bruno's entry is remembered across the reload.
    expect(verdict(page, 1)).to_have_attribute("data-reason", "already_inside")
    expect(root).to_have_attribute("data-queued", "5")
    # The evacuation list from what this device knows: Ana (online) and Bruno (offline).
    page.locator("#door-verdict").evaluate("(section) => { section.hidden = true; }")
    page.click("#door-evacuation summary")
    expect(page.locator("#door-evacuation-rows tr")).to_have_count(2)
    expect(page.locator("#door-evacuation-rows")).to_contain_text("Ana GARCÍA")
    expect(page.locator("#door-evacuation-rows")).to_contain_text("Bruno SOTO")
    expect(page.locator("#door-evacuation-note")).to_contain_text("2 people inside, from the badge list of ")
    expect(page.locator("#door-inside")).to_have_text("2 people inside now")
    assert serious_violations(page) == [], report(serious_violations(page))
    shoot(page, "evacuation-offline.png", tmp_path)

    # The server is back: the scans arrive, in the order they happened.
    server.start()
    expect(root).to_have_attribute("data-queued", "0", timeout=20_000)
    expect(root).to_have_attribute("data-online", "1")
    context.close()
    with app.app_context():
        scans = db.session.execute(select(Scan).order_by(Scan.id)).scalars().all()
        seen = [(s.participant_id, s.result.value, s.reason and s.reason.value, s.offline) for s in scans]
        assert seen == [
            (ids["ana"], "accepted", None, False),
            (ids["bruno"], "accepted", None, True),
            (None, "refused", "invalid_code", True),
            (ids["carla"], "refused", "revoked", True),
            (ids["ana"], "refused", "already_inside", True),
            (ids["bruno"], "refused", "already_inside", True),
        ]
        times = [s.scanned_at for s in scans]
        assert times == sorted(times)
        assert not any(s.conflict for s in scans)


def test_offline_verifier_agrees_with_the_server_on_every_case(app, server, browser, make_user):
    scenes = [(case, build(app, case)) for case in CASES]
    officer = make_user(Role.SECURITY)
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, server.url, officer.email, f"/door/{scenes[0][1].slug}/")
    mismatches = []
    for case, scene in scenes:
        reason = page.evaluate(
            """async ([slug, code, checkpointId, direction, venue]) => {
                const { decideOffline } = await import("/static/js/door-offline.js");
                const bundle = await (await fetch(`/api/v1/events/${slug}/offline-bundle`)).json();
                const checkpoint = bundle.checkpoints.find((c) => c.id === checkpointId);
                const inside = new Set(bundle.inside[String(checkpoint.venue_id)] || []);
                const verdict = await decideOffline(bundle, code, {
                    checkpoint, direction, isInside: (id) => inside.has(id) });
                return verdict.reason;
            }""",
            [scene.slug, scene.code, scene.checkpoint_id, scene.direction, 0],
        )
        if reason != case["expected"]:
            mismatches.append((case["name"], reason, case["expected"]))
    context.close()
    assert mismatches == []


def test_door_pages_for_organizers(app, server, browser, make_user, tmp_path):
    slug, checkpoint, ids, codes, _png = door_event(app)
    with app.app_context():
        event = db.session.execute(select(Event).filter_by(slug=slug)).scalar_one()
        for name in ("ana", "bruno"):
            entry = door.ScanInput(codes[name], checkpoint, Direction.IN, nonce=name)
            door.record_scan(db.session, event, entry)
        db.session.commit()
    organizer = make_user(Role.ORGANIZER)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, server.url, organizer.email, f"/admin/events/{slug}/door/")
    expect(page.locator(".headcount")).to_contain_text("2")
    page.fill("#name-new", "Delegates' exit")
    page.select_option("#direction-new", "out")
    page.click("form.checkpoint-form:has(#name-new) button[type=submit]")
    expect(page.locator(".notice-success")).to_contain_text("Delegates' exit")
    expect(page.locator("tr", has_text="Delegates' exit")).not_to_contain_text("closed")
    assert serious_violations(page) == [], report(serious_violations(page))
    shoot(page, "checkpoints.png", tmp_path)
    page.get_by_role("link", name="Who is inside: WMO building").click()
    expect(page.locator(".evacuation tbody tr")).to_have_count(2)
    expect(page.locator(".evacuation")).to_contain_text("Ana GARCÍA")
    assert serious_violations(page) == [], report(serious_violations(page))
    csv = page.request.get(f"{server.url}/admin/events/{slug}/door/inside.csv")
    lines = csv.text().lstrip("\ufeff").splitlines()
    assert lines[0].startswith("Family name,Given name,Delegation")
    assert [line.split(",")[0] for line in lines[1:]] == ["García", "Soto"]
    page.get_by_role("link", name="Printable evacuation list").click()
    page.emulate_media(media="print")
    expect(page.locator(".masthead")).to_be_hidden()
    shoot(page, "evacuation.png", tmp_path)
    page.close()


def test_the_scanner_speaks_the_officers_language(app, server, browser, make_user, tmp_path):
    slug, checkpoint, _ids, codes, _png = door_event(app)
    officer = make_user(Role.SECURITY)
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="fr-FR")
    page = context.new_page()
    sign_in(page, server.url, officer.email, f"/door/{slug}/")
    page.goto(f"{server.url}/door/{slug}/?lang=ar")
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    page.goto(f"{server.url}/door/{slug}/?lang=fr")
    expect(page.locator("#door")).to_have_attribute("data-started", "1")
    page.select_option("#door-checkpoint", str(checkpoint))
    show_badge_to_hand_scanner(page, codes["ana_confirmation"])
    verdict(page, 1)
    expect(page.locator("#door-verdict-word")).to_have_text("REFUSÉ")
    expect(page.locator("#door-verdict-reason")).to_contain_text("code de confirmation, pas un badge")
    show_badge_to_hand_scanner(page, codes["ana"])
    verdict(page, 2)
    expect(page.locator("#door-verdict-word")).to_have_text("ACCEPTÉ")
    expect(page.locator("#door-verdict-where")).to_contain_text("1 personne à l’intérieur")
    expect(page.locator("#door-delegation")).to_have_text("Chili")  # a State by its UN name in French
    shoot(page, "accepted-fr.png", tmp_path)
    # Offline, the bundle names States in the page's language too. (Reloaded first: the Arabic
    # page's last bundle request, cut short by the switch to French, may still have been stored.)
    reloaded_at = page.evaluate("Date.now()")
    page.reload()
    expect(page.locator("#door")).to_have_attribute("data-worker", "ready")
    expect(page.locator("#door-bundle")).to_contain_text("Liste des badges mise à jour")
    # The French page's own bundle, not one stored earlier (on a busy machine it can come late).
    # (Polled with evaluate: the page's CSP forbids the eval wait_for_function polls with.)
    fresh = f"() => Date.parse(document.getElementById('door').dataset.bundleAt) >= {reloaded_at}"
    for _ in range(150):
        if page.evaluate(fresh):
            break
        page.wait_for_timeout(100)
    assert page.evaluate(fresh), "the French page's own bundle did not arrive"
    context.set_offline(True)
    show_badge_to_hand_scanner(page, codes["carla"])
    section = verdict(page, 1)  # the first of the reloaded page
    expect(section).to_have_attribute("data-offline", "1")
    expect(page.locator("#door-delegation")).to_have_text("Norvège")  # from the bundle's labels, offline
    context.close()


def test_a_scanner_whose_session_ended_says_so_and_checks_nothing(app, server, browser, make_user, tmp_path):
    slug, checkpoint, ids, codes, _png = door_event(app)
    officer = make_user(Role.SECURITY)
    phone, tablet = (browser.new_context(viewport={"width": 1280, "height": 800}) for _ in range(2))
    pages = [context.new_page() for context in (phone, tablet)]
    for page in pages:
        sign_in(page, server.url, officer.email, f"/door/{slug}/")
        expect(page.locator("#door")).to_have_attribute("data-started", "1")
        page.select_option("#door-checkpoint", str(checkpoint))
    on_phone, on_tablet = pages
    # Signing out on the phone leaves the tablet at the door working.
    on_phone.click(".usernav button[type=submit]")
    on_phone.wait_for_url(f"{server.url}/login")
    show_badge_to_hand_scanner(on_tablet, codes["ana"])
    expect(verdict(on_tablet, 1)).to_have_attribute("data-result", "accepted")
    expect(on_tablet.locator("#door-signed-out")).to_be_hidden()
    # The officer's account is deactivated: the tablet says it is signed out, in words, with a way back.
    with app.app_context():
        accounts.set_user_active(db.session, db.session.get(User, officer.id), False, SYSTEM)
        db.session.commit()
    show_badge_to_hand_scanner(on_tablet, codes["bruno"])
    section = verdict(on_tablet, 2)
    expect(section).to_have_attribute("data-result", "refused")
    expect(on_tablet.locator("#door-verdict-reason")).to_have_text(
        "You are signed out: this device no longer checks badges. Sign in again."
    )
    expect(on_tablet.locator("#door-name")).to_have_text("")
    notice = on_tablet.locator("#door-signed-out")
    expect(notice).to_be_visible()
    expect(notice.locator("a")).to_have_attribute("href", f"/login?next=/door/{slug}/")
    expect(section).to_be_hidden()  # the verdict gives way to the page, the notice on top
    assert serious_violations(on_tablet) == [], report(serious_violations(on_tablet))
    shoot(on_tablet, "signed-out.png", tmp_path)
    with app.app_context():
        scans = db.session.execute(select(Scan.participant_id)).scalars().all()
        assert scans == [ids["ana"]]
    for context in (phone, tablet):
        context.close()
