"""Every page, in English and Arabic, passes axe-core; none overflows sideways at 800 px."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image
from playwright.sync_api import Browser, Locator, Page

from kiosk.extensions import db
from kiosk.models import Category, JobStatus, Meeting, Mode, Participant, Role, Status
from kiosk.models.base import utcnow
from kiosk.services import printing
from tests.browser.axe import report, serious_violations
from tests.conftest import PASSWORD


@dataclass
class Site:
    """What the page tour needs: where the pages are and who may open them."""

    base: str
    slug: str
    link: str
    closed_link: str
    editable_id: int
    printer_id: int
    email: str


@pytest.fixture
def site(
    app, live_server, tmp_path, make_event, make_delegation, make_participant, make_user, delegation_link
) -> Site:
    """An event with delegations, participants in every status, printers and jobs, and an organizer."""
    event = make_event(
        slug="im2024",
        title="Intersessional Meetings of the Convention on Cluster Munitions",
        contact_email="isu@example.org",
    )
    with app.app_context():
        start = datetime(2030, 6, 18, 8, 0, tzinfo=UTC)
        for n, title in enumerate(
            ["Intersessional Meetings", "First Preparatory Meeting of the Review Conference"]
        ):
            db.session.add(
                Meeting(
                    event_id=event.id,
                    title=title,
                    starts_at=start + timedelta(days=n),
                    ends_at=start + timedelta(days=n, hours=3),
                    room="Salle 1",
                )
            )
        db.session.commit()
    chile = make_delegation(event=event, name="Chile", focal_point_name="Ana Soto")
    make_delegation(
        event=event,
        name="United Kingdom of Great Britain and Northern Ireland",
        category=Category.STATE_NOT_PARTY,
        country="GB",
        focal_point_name="Alexandra Whitfield-Montgomery",
        focal_point_email="alexandra.whitfield-montgomery@fco.example.gov.uk",
    )
    make_delegation(
        event=event, name="International Committee of the Red Cross", category=Category.ICRC, country=None
    )
    editable = make_participant(
        delegation=chile,
        title="H.E. Mr.",
        given_name="Alejandro",
        family_name="Fernández de Córdoba",
        function="Permanent Representative",
        email="alejandro.fernandez-de-cordoba@minrel.example.gob.cl",
    )
    accredited = make_participant(
        delegation=chile, given_name="Beatriz", family_name="Soto", status=Status.ACCREDITED
    )
    make_participant(delegation=chile, given_name="Carla", family_name="Vidal", mode=Mode.ONLINE)
    make_participant(delegation=chile, given_name="Diego", family_name="Fuentes", status=Status.REJECTED)
    make_participant(delegation=chile, given_name="Elena", family_name="Ruiz", status=Status.WITHDRAWN)
    closed = make_delegation(
        event=make_event(registration_deadline=utcnow() - timedelta(days=1)), name="Peru"
    )
    make_participant(delegation=closed, given_name="Fabio", family_name="Quispe")
    with app.app_context():
        badge_printer = printing.save_printer(
            db.session,
            None,
            name="Cards at the desk",
            kind="badge",
            connection={"type": "hot_folder", "path": str(tmp_path / "cards")},
        )
        printing.save_printer(
            db.session,
            None,
            name="Cards in the lobby",
            kind="badge",
            connection={"type": "hot_folder", "path": str(tmp_path / "lobby")},
        )
        participant = db.session.get(Participant, accredited.id)
        failed = printing.queue_print(db.session, participant, "badge")
        failed.status, failed.attempts, failed.last_error = JobStatus.FAILED, 3, "Out of cards"
        done = printing.queue_print(db.session, participant, "badge")
        done.status, done.finished_at = JobStatus.DONE, utcnow()
        printing.queue_print(db.session, participant, "badge")
        db.session.commit()
        printer_id = badge_printer.id
    user = make_user(Role.ORGANIZER, email="organizer@example.org")
    return Site(
        base=live_server,
        slug=event.slug,
        link=f"{live_server}/d/{delegation_link(chile)}/",
        closed_link=f"{live_server}/d/{delegation_link(closed)}/",
        editable_id=editable.id,
        printer_id=printer_id,
        email=user.email,
    )


def jpeg() -> bytes:
    """A small portrait photo."""
    out = io.BytesIO()
    Image.new("RGB", (300, 400), (180, 150, 120)).save(out, "JPEG")
    return out.getvalue()


def submit(button: Locator) -> None:
    """Click a submit button and wait for the page it leads to."""
    with button.page.expect_navigation():
        button.click()


def tour(page: Page, site: Site, lang: str) -> Iterator[str]:
    """Open every page a focal point and an organizer see; yield each page's name once it is shown."""
    page.goto(f"{site.link}?lang={lang}")
    yield "focal point: delegation"
    page.set_input_files(
        f"#photo-{site.editable_id}", {"name": "p.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}
    )
    submit(
        page.locator(f"#photo-{site.editable_id}")
        .locator("xpath=ancestor::form")
        .locator("button[type=submit]")
    )
    yield "focal point: after a photo upload"
    submit(page.locator("#add button[type=submit]"))
    yield "focal point: registration form with errors"
    page.goto(f"{site.base}/delegation/participants/{site.editable_id}/edit")
    yield "focal point: edit a participant"
    page.goto(f"{site.base}/delegation/participants/{site.editable_id}/substitute")
    yield "focal point: substitute a participant"
    page.goto(site.closed_link)
    yield "focal point: registration closed"
    page.goto(f"{site.base}/d/not-a-valid-link/")
    yield "error page: unknown private link"

    page.goto(f"{site.base}/login")
    yield "sign-in"
    page.fill("#email", site.email)
    page.fill("#password", "not the password")
    submit(page.locator("form button[type=submit]"))
    yield "sign-in refused"
    page.fill("#email", site.email)
    page.fill("#password", PASSWORD)
    submit(page.locator("form button[type=submit]"))
    page.wait_for_url("**/admin/")
    yield "organizer: events"
    admin = f"{site.base}/admin/events/{site.slug}"
    page.goto(admin)
    page.click(".add-meeting summary")
    yield "organizer: event overview and settings"
    page.fill("#default_cap", "-1")
    submit(page.locator("#settings button[type=submit]"))
    yield "organizer: event settings with errors"
    page.goto(f"{site.base}/admin/events/new")
    yield "organizer: new event"
    submit(page.locator("main form button[type=submit]"))
    yield "organizer: new event with errors"
    page.goto(f"{admin}/delegations")
    yield "organizer: delegations"
    page.click("#add summary")
    submit(page.locator("#add button[type=submit]"))
    yield "organizer: delegation form with errors"
    page.click("#import summary")
    page.set_input_files(
        "#import-file", {"name": "d.csv", "mimeType": "text/csv", "buffer": b"name,category\n,nope\n"}
    )
    submit(page.locator("#import button[type=submit]"))
    yield "organizer: import with errors"
    # The row of the delegation registered as Chile (shown as "Chili", "智利"… with "Chile" beneath).
    chile = page.locator("tr", has=page.locator("th[scope=row] bdi", has_text="Chile"))
    submit(chile.locator("td a.button[href$='/new-link']"))
    yield "organizer: new private link, asked first"
    submit(page.locator("main form button[type=submit]"))
    yield "organizer: new private link"
    page.goto(f"{admin}/dashboard")
    page.locator("#live-state[data-state=live]").wait_for()
    yield "organizer: live figures"
    page.goto(f"{admin}/audit")
    yield "organizer: audit log"
    page.goto(f"{admin}/details")
    yield "organizer: title, dates, venue and meetings"
    page.goto(f"{site.base}/admin/venues/")
    yield "organizer: venues"
    page.goto(f"{admin}/participants/import")
    yield "organizer: import participants"
    page.goto(f"{admin}/participants")
    yield "organizer: participants"
    page.goto(f"{admin}/participants?q=nobody-by-this-name")
    yield "organizer: participants, none found"
    page.goto(f"{site.base}/admin/printers/")
    yield "organizer: printers and print queue"
    page.goto(f"{site.base}/admin/printers/new")
    yield "organizer: add a printer"
    page.fill("#name", "")
    submit(page.locator("main form.panel button[type=submit]"))
    yield "organizer: printer form with errors"
    page.goto(f"{site.base}/admin/printers/{site.printer_id}")
    yield "organizer: edit a printer"
    page.goto(f"{site.base}/admin/accounts/")
    yield "organizer: accounts and tokens"
    page.fill("#token-name", "Door 1")
    submit(page.locator("form[action$='/tokens'] button[type=submit]"))
    yield "organizer: a new token shown once"
    page.goto(f"{site.base}/admin/events/no-such-event")
    yield "error page: not found"


def new_page(browser: Browser, lang: str, width: int) -> Page:
    """A page in a fresh browser context whose language is `lang`."""
    context = browser.new_context(viewport={"width": width, "height": 900}, locale=lang)
    return context.new_page()


@pytest.mark.parametrize("width", [1280, 800])
@pytest.mark.parametrize("lang", ["en", "ar"])
def test_every_page_passes_axe(browser: Browser, site: Site, lang: str, width: int):
    page = new_page(browser, lang, width)
    found = {}
    names = []
    for name in tour(page, site, lang):
        names.append(name)
        assert page.evaluate("document.documentElement.lang") == lang, name
        violations = serious_violations(page)
        if violations:
            found[name] = report(violations)
    page.context.close()
    assert len(names) == 33, names
    assert not found, "\n\n".join(f"== {name} ({lang})\n{text}" for name, text in found.items())


OVERFLOWING = """() => {
    const width = document.documentElement.clientWidth;
    const scrolls = el => {
        for (let a = el.parentElement; a; a = a.parentElement) {
            const x = getComputedStyle(a).overflowX;
            if (x === "auto" || x === "scroll") return true;
        }
        return false;
    };
    return [...document.querySelectorAll("body *")].filter(el => {
        const r = el.getBoundingClientRect();
        return r.width > 0 && (r.right > width + 1 || r.left < -1) && !scrolls(el);
    }).slice(0, 5).map(el => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
        + (el.className && typeof el.className === "string" ? "." + el.className.split(" ").join(".") : ""));
}"""


SCROLLING_TABLES = """() => [...document.querySelectorAll("table")]
    .filter(t => t.parentElement.scrollWidth > t.parentElement.clientWidth + 1)
    .map(t => t.className || t.id)"""

SCREENSHOTS = (
    "focal point: after a photo upload",
    "organizer: participants",
    "organizer: printers and print queue",
)


@pytest.mark.parametrize("lang", ["en", "ar", "ru"])
def test_no_page_overflows_at_800_px(browser: Browser, site: Site, lang: str, tmp_path):
    """No page scrolls sideways; the focal point's table stacks, organizer tables may scroll in their box."""
    page = new_page(browser, lang, 800)
    overflowing, scrolling = {}, {}
    for name in tour(page, site, lang):
        if page.evaluate("document.scrollingElement.scrollWidth > innerWidth"):
            overflowing[name] = page.evaluate(OVERFLOWING)
        if name.startswith("focal point") and (tables := page.evaluate(SCROLLING_TABLES)):
            scrolling[name] = tables
        if name in SCREENSHOTS:
            page.screenshot(
                path=str(tmp_path / f"{lang}-{name.split(': ')[1].replace(' ', '-')}.png"), full_page=True
            )
    page.context.close()
    assert not overflowing, overflowing
    assert not scrolling, scrolling


@pytest.mark.parametrize("width", [800, 1040, 1280])
@pytest.mark.parametrize("lang", ["en", "fr", "es", "ru", "zh", "ar"])
def test_focal_point_table_fits_without_scrolling(browser: Browser, site: Site, lang: str, width: int):
    page = new_page(browser, lang, width)
    page.goto(f"{site.link}?lang={lang}")
    assert page.locator("table.participants tbody tr").count() == 5
    assert page.evaluate(SCROLLING_TABLES) == []
    assert not page.evaluate("document.scrollingElement.scrollWidth > innerWidth")
    page.context.close()


LTR_FIELDS = (
    "input[type=email], input[type=password], input#new-link, input#slug, input#timezone, "
    "input#host, input#port, input#queue, input#path, input#devfile, input#vendor_id, input#product_id, code"
)


def test_email_and_code_fields_stay_left_to_right_in_arabic(browser: Browser, site: Site):
    page = new_page(browser, "ar", 1280)
    wrong, seen = {}, set()
    for name in tour(page, site, "ar"):
        assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
        fields = page.locator(LTR_FIELDS)
        for n in range(fields.count()):
            field = fields.nth(n)
            seen.add(field.evaluate("el => el.id || el.type || el.tagName"))
            if field.evaluate(
                "el => (el.tagName === 'INPUT' && el.getAttribute('dir') !== 'ltr')"
                " || getComputedStyle(el).direction !== 'ltr'"
            ):
                wrong.setdefault(name, []).append(field.evaluate("el => el.outerHTML.slice(0, 120)"))
    page.context.close()
    assert {"email", "password", "new-link", "slug", "timezone", "host", "path", "CODE"} <= seen
    assert {"new-focal_point_email", "contact_email"} <= seen
    assert not wrong, wrong


@pytest.mark.parametrize(
    ("lang", "choose_photo", "no_file"),
    [
        ("ar", "اختيار صورة", "لم يُختر أي ملف"),
        ("zh", "选择照片", "未选择文件"),
        ("en", "Choose a photo", "No file chosen"),
    ],
)
def test_file_pickers_speak_the_page_language(browser: Browser, site: Site, lang, choose_photo, no_file):
    page = new_page(browser, lang, 1280)
    page.goto(f"{site.link}?lang={lang}")
    picker = page.locator(f"#photo-{site.editable_id}")
    label = page.locator(f"label[for=photo-{site.editable_id}]")
    chosen = page.locator(f"#photo-{site.editable_id}-chosen")
    assert (
        label.evaluate("el => el.firstChild.textContent") == choose_photo and chosen.inner_text() == no_file
    )
    assert label.evaluate("el => el.textContent").endswith(
        "(Alejandro Fernández de Córdoba)"
    )  # for screen readers
    box = picker.bounding_box()
    assert box["width"] <= 1 and box["height"] <= 1  # the browser's own, untranslated button is not shown
    assert picker.evaluate(
        "el => getComputedStyle(el).display !== 'none' && getComputedStyle(el).visibility !== 'hidden'"
    )
    page.keyboard.press("Tab")
    for _ in range(40):  # reach the picker from the keyboard: it stays in the tab order
        if page.evaluate("document.activeElement.id") == f"photo-{site.editable_id}":
            break
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == f"photo-{site.editable_id}"
    assert label.evaluate("el => getComputedStyle(el).outlineStyle") == "solid"
    picker.set_input_files({"name": "portrait.jpg", "mimeType": "image/jpeg", "buffer": jpeg()})
    assert chosen.inner_text() == "portrait.jpg"
    page.goto(f"{site.base}/login")
    page.fill("#email", site.email)
    page.fill("#password", PASSWORD)
    submit(page.locator("form button[type=submit]"))
    page.goto(f"{site.base}/admin/events/{site.slug}/delegations")
    page.click("#import summary")
    assert page.locator("label[for=import-file]").inner_text() != "Choose a file" or lang == "en"
    assert page.locator("#import-file-chosen").inner_text() == no_file
    page.context.close()


MISNAMED = """() => {
    const norm = s => s.replace(/\\s+/g, " ").trim().toLocaleLowerCase();
    const named = [...document.querySelectorAll(
        "button[aria-label], a[aria-label], button[aria-labelledby], a[aria-labelledby]")];
    return named.map(el => {
        const name = el.hasAttribute("aria-labelledby")
            ? el.getAttribute("aria-labelledby").split(/\\s+/)
                .map(id => document.getElementById(id)?.textContent || "").join(" ")
            : el.getAttribute("aria-label");
        return {visible: norm(el.innerText), name: norm(name)};
    }).filter(b => b.visible && !b.name.startsWith(b.visible));
}"""


@pytest.mark.parametrize("lang", ["en", "fr", "es", "ru", "zh", "ar"])
def test_accessible_names_start_with_the_visible_label(browser: Browser, site: Site, lang: str):
    page = new_page(browser, lang, 1280)
    misnamed = {}
    labelled = 0
    for name in tour(page, site, lang):
        labelled += page.locator("button[aria-label], a[aria-label]").count()
        if found := page.evaluate(MISNAMED):
            misnamed[name] = found
    page.context.close()
    assert labelled > 10  # the tour does reach the buttons named after a participant or delegation
    assert not misnamed, misnamed
