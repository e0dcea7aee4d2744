"""A focal point in headless Chromium: three people, the fourth refused, one substituted."""

from __future__ import annotations

from playwright.sync_api import Page, expect


def register(page: Page, given: str, family: str, mode: str = "in_person") -> None:
    page.fill("#new-given_name", given)
    page.fill("#new-family_name", family)
    page.select_option("#new-mode", mode)
    page.click("#add button[type=submit]")


def test_focal_point_fills_the_delegation_and_substitutes(
    page: Page, live_server, make_event, make_delegation, delegation_link, tmp_path
):
    delegation = make_delegation(event=make_event(title="Intersessional Meetings"), name="Chile")
    page.goto(f"{live_server}/d/{delegation_link(delegation)}/")
    expect(page.locator("#places")).to_contain_text("0 of 3 places used")

    for given, family in [("Ana", "Pérez"), ("Bruno", "Soto"), ("Carla", "Vidal")]:
        register(page, given, family)
        expect(page.locator(".notice-success")).to_contain_text(f"{given} {family} has been registered.")
    expect(page.locator("#places")).to_contain_text("3 of 3 places used")

    register(page, "Diego", "Fuentes")
    expect(page.locator("#error")).to_have_text(
        "The delegation of Chile has 3 of 3 places. Withdraw or substitute a participant, "
        "or register this person to follow the meeting online."
    )
    expect(page.locator("#new-given_name")).to_have_value("Diego")
    page.screenshot(path=str(tmp_path / "refused.png"), full_page=True)

    page.locator("tr", has_text="Bruno Soto").get_by_role("link", name="Substitute").click()
    page.fill("#given_name", "Diego")
    page.fill("#family_name", "Fuentes")
    page.get_by_role("button", name="Substitute").click()
    expect(page.locator(".notice-success")).to_contain_text("Diego Fuentes replaces Bruno Soto.")
    expect(page.locator("#places")).to_contain_text("3 of 3 places used")
    expect(page.locator("tr", has_text="Bruno Soto")).to_contain_text("Withdrawn")
    expect(page.locator("tr", has_text="Diego Fuentes")).to_contain_text("Pending")


def test_arabic_page_is_right_to_left(page: Page, live_server, make_delegation, delegation_link):
    delegation = make_delegation()
    page.goto(f"{live_server}/d/{delegation_link(delegation)}/?lang=ar")
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"


def test_french_focal_point_reads_the_refusal_in_french(
    page: Page, live_server, make_delegation, make_participant, delegation_link
):
    delegation = make_delegation(name="Chili")
    for n in range(3):
        make_participant(delegation=delegation, given_name=f"Personne{n}")
    page.goto(f"{live_server}/d/{delegation_link(delegation)}/?lang=fr")
    expect(page.locator("#places")).to_contain_text("Places occupées\u00a0: 3 sur 3")
    register(page, "Diego", "Fuentes")
    expect(page.locator("#error")).to_contain_text("La délégation du Chili occupe 3 places sur 3.")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
