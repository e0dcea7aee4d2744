"""The organizers' dashboard in headless Chromium: figures change while the page stays open."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from pathlib import Path

from playwright.sync_api import Page, expect

from kiosk.extensions import db
from kiosk.models import (
    Category,
    CheckInMethod,
    Delegation,
    Direction,
    Event,
    Gender,
    Participant,
    Role,
    Status,
    Venue,
)
from kiosk.services import auth, checkin, counters, door, keys, live, registration
from kiosk.services.audit import Actor
from tests.browser.axe import report, serious_violations
from tests.conftest import PASSWORD

DOCS = Path(__file__).resolve().parent.parent.parent / "docs" / "dashboard"
ORGANIZER = Actor("user:test", Role.ORGANIZER)


def sign_in(page: Page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")


def a_meeting(app, make_event, capacity: int = 40) -> tuple[int, str, list[int]]:
    """An event today, with delegations of several categories and a few registered people."""
    event = make_event(
        title="Intersessional Meetings",
        venue=Venue(name="WMO building", capacity=capacity),
        starts_on=date.today(),
        ends_on=date.today() + timedelta(days=1),
    )
    people = []
    with app.app_context():
        ev = db.session.get(Event, event.id)
        for name, category, country in [
            ("Chile", Category.STATE_PARTY, "CL"),
            ("France", Category.STATE_PARTY, "FR"),
            ("Holy See", Category.STATE_NOT_PARTY, "VA"),
            ("ICRC", Category.ICRC, None),
        ]:
            d = Delegation(event_id=ev.id, name=name, category=category, country=country)
            db.session.add(d)
            db.session.flush()
            for n, gender in enumerate([Gender.FEMALE, Gender.MALE, Gender.FEMALE][: 3 if country else 2]):
                p = registration.add_participant(
                    db.session,
                    d,
                    {"given_name": f"Person{n}", "family_name": name, "gender": gender.value},
                    ORGANIZER,
                )
                people.append(p.id)
        db.session.commit()
        return ev.id, ev.slug, people


def change(app, event_id: int, accredit: list[int], deltas: dict[str, int]) -> None:
    """What the kiosks and doors do: statuses, counters, and a touch, in one transaction."""
    with app.app_context():
        for ident in accredit:
            registration.change_status(
                db.session, db.session.get(Participant, ident), Status.ACCREDITED, ORGANIZER
            )
        counters.add(db.session, event_id, deltas)
        live.touch(db.session, event_id)
        db.session.commit()


def check_in(app, participant_id: int) -> None:
    """What the registration desk does: one check-in (the check-in service; nothing to print here)."""
    with app.app_context():
        someone = db.session.get(Participant, participant_id)
        checkin.check_in(db.session, someone, ORGANIZER, method=CheckInMethod.DESK, print_kinds=())
        db.session.commit()


def scan(
    app, event_id: int, checkpoint_id: int, participant_id: int, direction: Direction = Direction.IN
) -> None:
    """What a security officer's scanner does: one badge shown at the checkpoint (door service)."""
    with app.app_context():
        event = db.session.get(Event, event_id)
        code = keys.badge_code(db.session, db.session.get(Participant, participant_id))
        door.record_scan(db.session, event, door.ScanInput(code, checkpoint_id, direction, uuid.uuid4().hex))
        db.session.commit()


def test_the_dashboard_follows_check_ins_and_doors_without_reloading(
    app, page: Page, live_server, make_event, make_user
):
    event_id, slug, people = a_meeting(app, make_event, capacity=5)
    with app.app_context():
        event = db.session.get(Event, event_id)
        main = door.save_checkpoint(
            db.session, event, None, name="Main entrance", direction="both", anti_passback=True
        )
        main_id = main.id
        db.session.commit()
    sign_in(page, live_server, make_user(Role.ORGANIZER).email)
    page.goto(f"{live_server}/admin/events/{slug}/dashboard")
    expect(page.locator("#live-state")).to_have_attribute("data-state", "live")
    expect(page.locator("[data-figure=registered]")).to_have_text("11")
    expect(page.locator("[data-figure=accredited]")).to_have_text("0")
    expect(page.locator("#checkpoints")).to_contain_text("Main entrance")
    page.evaluate("window.stillTheSamePage = true")

    # Accreditations, then check-ins at the desk through the check-in service.
    change(app, event_id, people[:6], {})
    for ident in people[:4]:
        check_in(app, ident)
    expect(page.locator("[data-figure=accredited]")).to_have_text("6", timeout=2000)
    expect(page.locator("[data-figure=checked_in]")).to_have_text("4")
    expect(page.locator("#categories")).to_contain_text("State party")
    expect(page.locator("#arrivals-chart canvas")).to_be_visible()
    expect(page.locator("#gender-overall")).to_contain_text("64 %")  # 7 women of 11

    # Doors: badges scanned at the main entrance through the door's service.
    for ident in people[:4]:
        scan(app, event_id, main_id, ident)
    expect(page.locator("[data-figure=inside]")).to_have_text("4", timeout=2000)
    expect(page.locator("#venues")).to_contain_text("4 of 5 seats (80 %)")
    expect(page.locator(".capacity-warning")).to_have_count(0)
    scan(app, event_id, main_id, people[0])  # already inside: refused
    expect(page.locator("#checkpoints tr", has_text="Main entrance")).to_contain_text("1", timeout=2000)
    scan(app, event_id, main_id, people[4])
    expect(page.locator("[data-figure=inside]")).to_have_text("5", timeout=2000)
    warning = "\u2068WMO building\u2069 is at 100 % of its capacity."  # the name isolated
    expect(page.locator(".capacity-warning")).to_contain_text(warning)
    row = page.locator("#checkpoints tr", has_text="Main entrance").locator("td")
    expect(row).to_have_text(["5", "5", "0", "1"])
    expect(page.locator("#at-cap")).to_contain_text("Chile — 3 / 3")
    assert page.evaluate("window.stillTheSamePage") is True
    assert page.title().startswith("Live figures — Intersessional Meetings")
    assert page.locator("main#main > section#exports, main#main #exports").count() == 1
    assert (
        page.evaluate(
            "document.querySelector('#exports').compareDocumentPosition(document.querySelector('#main'))"
        )
        == 10
    )  # inside main
    page.locator("details").nth(0).evaluate("d => d.open = true")
    page.locator("details").nth(1).evaluate("d => d.open = true")
    assert not (found := serious_violations(page)), report(found)
    DOCS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(DOCS / "live.png"), full_page=True)


def test_the_dashboard_reconnects_after_losing_its_stream(
    app, page: Page, live_server, make_event, make_user
):
    app.config.update(LIVE_STREAM_SECONDS=1, LIVE_RETRY_MS=200)
    event_id, slug, people = a_meeting(app, make_event)
    sign_in(page, live_server, make_user(Role.ORGANIZER).email)
    page.goto(f"{live_server}/admin/events/{slug}/dashboard")
    expect(page.locator("#live-state")).to_have_attribute("data-state", "live")
    page.wait_for_timeout(1500)  # the server ended the first stream; the browser reconnected
    change(app, event_id, people[:2], {})
    expect(page.locator("[data-figure=accredited]")).to_have_text("2", timeout=3000)


def test_a_dashboard_whose_sign_in_ended_says_so_and_comes_back_after_signing_in(
    app, page: Page, live_server, make_event, make_user
):
    app.config.update(LIVE_STREAM_SECONDS=1, LIVE_RETRY_MS=200)
    event_id, slug, people = a_meeting(app, make_event)
    organizer = make_user(Role.ORGANIZER)
    sign_in(page, live_server, organizer.email)
    page.goto(f"{live_server}/admin/events/{slug}/dashboard")
    state = page.locator("#live-state")
    expect(state).to_have_attribute("data-state", "live")
    with app.app_context():
        auth.end_sessions(db.session, organizer.id)  # signed out on the server (another way than this page)
        db.session.commit()
    # The stream ends after a second; the next one is refused: the page says so instead of "reconnecting".
    expect(state).to_have_attribute("data-state", "signed_out", timeout=5000)
    expect(state).to_contain_text("You are signed out: the figures no longer change.")
    assert not (found := serious_violations(page)), report(found)
    state.get_by_role("link", name="Sign in again").click()
    page.fill("#email", organizer.email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/admin/events/{slug}/dashboard")
    expect(state).to_have_attribute("data-state", "live")
    change(app, event_id, people[:2], {})
    expect(page.locator("[data-figure=accredited]")).to_have_text("2", timeout=3000)


def test_the_participant_page_withdraws_an_accredited_participant(
    app, page: Page, live_server, make_event, make_user
):
    event_id, slug, people = a_meeting(app, make_event)
    change(app, event_id, people[:1], {})
    sign_in(page, live_server, make_user(Role.ORGANIZER).email)
    page.goto(f"{live_server}/admin/events/{slug}/participants/{people[0]}")
    expect(page.locator("#participant-status")).to_have_text("Accredited")
    page.get_by_role("button", name="Withdraw").click()
    expect(page.locator("#error")).to_contain_text("Tick the box to confirm")
    page.check("#confirm-withdraw")
    page.get_by_role("button", name="Withdraw").click()
    expect(page.locator("#participant-status")).to_have_text("Withdrawn")
    expect(page.locator(".history")).to_contain_text("Withdrawn")
    DOCS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(DOCS / "participant.png"), full_page=True)
    assert not (found := serious_violations(page)), report(found)
    page.goto(f"{live_server}/admin/events/{slug}/audit")
    expect(page.locator(".audit-table")).to_contain_text("Withdrawn")
    assert not (found := serious_violations(page)), report(found)
    page.screenshot(path=str(DOCS / "audit.png"), full_page=True)


def test_the_other_secretariat_pages_pass_axe(app, page: Page, live_server, make_event, make_user, tmp_path):
    event_id, slug, people = a_meeting(app, make_event)
    sign_in(page, live_server, make_user(Role.ORGANIZER).email)
    with app.app_context():
        delegation_id = db.session.get(Participant, people[0]).delegation_id
    for path in (
        f"/admin/events/{slug}/details",
        "/admin/venues/",
        f"/admin/events/{slug}/delegations/{delegation_id}/new-link",
        f"/admin/events/{slug}/participants/import",
    ):
        page.goto(live_server + path)
        assert not (found := serious_violations(page)), f"{path}\n{report(found)}"
    csv_file = tmp_path / "chile.csv"
    csv_file.write_text("Prénom,Nom,Pays\nAna,Ruiz,Chile\nLuis,Soto,Atlantis\n", encoding="utf-8")
    page.set_input_files("#file", str(csv_file))
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#map_given_name")).to_have_value("prénom")
    assert not (found := serious_violations(page)), report(found)
    page.get_by_role("button", name="Import 2 participants").click()
    expect(page.locator("#row-errors")).to_contain_text("Atlantis")
    assert not (found := serious_violations(page)), report(found)
    page.screenshot(path=str(DOCS / "import.png"), full_page=True)


def test_the_dashboard_in_arabic_at_800_pixels(app, page: Page, live_server, make_event, make_user):
    event_id, slug, people = a_meeting(app, make_event)
    with app.app_context():
        venue_id = db.session.get(Event, event_id).venue_id
    change(app, event_id, people[:3], {"checked_in": 3, f"inside:venue:{venue_id}": 38})
    page.set_viewport_size({"width": 800, "height": 900})
    sign_in(page, live_server, make_user(Role.ORGANIZER).email)
    page.goto(f"{live_server}/admin/events/{slug}/dashboard?lang=ar")
    expect(page.locator("#live-state")).to_have_attribute("data-state", "live")
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    expect(page.locator(".capacity-warning")).to_contain_text("\u2068WMO building\u2069 95")  # isolated
    expect(page.locator("#categories")).to_contain_text("دولة طرف")
    # States by their UN name in Arabic, in Arabic order (Holy See, Chile, France).
    expect(page.locator("#at-cap li")).to_have_text(
        ["الكرسي الرسولي — 3 / 3", "شيلي — 3 / 3", "فرنسا — 3 / 3"]
    )
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert page.evaluate("Math.abs(document.documentElement.scrollLeft) === 0")
    for panel in page.locator("section.panel").all():  # nothing sticks out of its panel, on either side
        assert panel.evaluate("p => p.scrollWidth <= p.clientWidth"), panel.inner_text()[:60]
    assert not (found := serious_violations(page)), report(found)
    height = page.evaluate("document.documentElement.scrollHeight")
    page.set_viewport_size({"width": 800, "height": height})  # one tall view: no stitched full-page capture
    page.screenshot(path=str(DOCS / "live-ar-800.png"))
