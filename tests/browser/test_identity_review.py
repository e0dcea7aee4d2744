"""In Chromium: no secret in the address bar; renaming an accredited person says what happens."""

from __future__ import annotations

import os

from kiosk.models import Status


def test_renaming_an_accredited_participant_in_the_browser(
    live_server, page, make_delegation, make_participant, delegation_link, tmp_path
):
    delegation = make_delegation(name="Chile")
    person = make_participant(
        delegation=delegation, given_name="Ana", family_name="Rojas", status=Status.ACCREDITED
    )
    secret = delegation_link(delegation)
    page.goto(f"{live_server}/d/{secret}/")
    assert page.url == f"{live_server}/delegation/"
    assert "A new photo sends Ana Rojas back to the secretariat for accreditation." in page.inner_text("main")

    page.click(f"tr[data-participant='{person.id}'] a:has-text('Edit')")
    notice = page.inner_text("#review-notice")
    assert notice.startswith("Ana Rojas is accredited. Changing the title, a name or the gender")
    page.screenshot(path=str(tmp_path / "edit.png"), full_page=True)
    page.fill("#family_name", "Rojas Díaz")
    page.click("button.primary")
    assert page.url == f"{live_server}/delegation/"
    assert "Ana Rojas Díaz is pending again" in page.inner_text("main")
    assert page.inner_text(f"tr[data-participant='{person.id}'] .status") == "Pending"
    page.screenshot(path=str(tmp_path / "after.png"), full_page=True)
    page.click("text=Sign out")
    assert "You are signed out." in page.inner_text("main")
    page.goto(f"{live_server}/delegation/")
    assert "Open your delegation's private link to see this page." in page.inner_text("main")
    if os.environ.get("KEEP_SCREENSHOTS"):
        for name in ("edit.png", "after.png"):
            (tmp_path / name).replace(os.path.join(os.environ["KEEP_SCREENSHOTS"], name))
