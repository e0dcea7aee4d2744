"""An organizer enrols a second factor and signs in with it, in headless Chromium.

The QR code on the page is read back from a screenshot with zxing-cpp, as a phone would read it.
"""

from __future__ import annotations

import io
import os
import time
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pyotp
import zxingcpp
from PIL import Image
from playwright.sync_api import Page, expect

from kiosk.models import Role
from tests.conftest import PASSWORD

DOCS = Path(__file__).resolve().parent.parent.parent / "docs" / "security"
#: Set SAVE_SCREENSHOTS=1 to refresh the screenshots in docs/security/.
SAVE = os.environ.get("SAVE_SCREENSHOTS") == "1"


def shoot(page: Page, name: str, tmp_path: Path) -> bytes:
    png = page.screenshot(path=str(tmp_path / name), full_page=True)
    if SAVE:
        DOCS.mkdir(parents=True, exist_ok=True)
        (DOCS / name).write_bytes(png)
    return png


def password(page: Page, base: str, email: str, lang: str) -> None:
    page.goto(f"{base}/login?lang={lang}")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")


def test_an_organizer_enrols_with_the_qr_code_and_signs_in_with_a_code(
    app, live_server, page, make_user, tmp_path
):
    app.config["SECOND_FACTOR_ROLES"] = ("organizer",)
    user = make_user(Role.ORGANIZER)
    password(page, live_server, user.email, "en")
    page.wait_for_url(f"{live_server}/login/enrol")
    png = shoot(page, "second-factor-enrol.png", tmp_path)
    (found,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)), formats=zxingcpp.BarcodeFormat.QRCode)
    address = urlsplit(found.text)
    assert address.scheme == "otpauth" and address.netloc == "totp"
    assert unquote(address.path) == f"/Accreditation:{user.email}"
    assert parse_qs(address.query)["issuer"] == ["Accreditation"]
    totp = pyotp.TOTP(parse_qs(address.query)["secret"][0])
    typed = page.locator(".totp-secret").inner_text().replace(" ", "")
    assert typed == totp.secret  # the key to type by hand is the same

    page.fill("#code", totp.now())
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("Recovery codes")
    expect(page.locator(".recovery-codes li")).to_have_count(10)
    shoot(page, "second-factor-recovery-codes.png", tmp_path)
    page.click("text=Continue")
    page.wait_for_url(f"{live_server}/admin/")
    page.click("text=Sign out")

    password(page, live_server, user.email, "ar")
    page.wait_for_url(f"{live_server}/login/code")
    assert page.locator("html").get_attribute("dir") == "rtl"
    page.fill("#code", "000000")
    page.click("button[type=submit]")
    expect(page.locator("#error")).to_be_visible()
    shoot(page, "second-factor-code-ar.png", tmp_path)
    page.fill("#code", totp.at(time.time() + totp.interval))  # the enrolment used this step's code
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/admin/")
