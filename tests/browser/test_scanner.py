"""static/js/scanner.js in Chromium: a QR code from the (fake) camera and a hand scanner's keystrokes."""

from __future__ import annotations

import pytest

from tests.browser.camera import camera_args, qr_frame, write_y4m
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

CODE = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567" * 4 + "ABCDEFGHIJKLMNOP"  # 144 base32 characters

LOAD = """async () => {
  document.activeElement?.blur();
  window.scanner = await import('/static/js/scanner.js');
  window.seen = [];
}"""


@pytest.fixture
def camera_page(browser, live_server, tmp_path):
    """A page of the app in a Chromium whose camera shows CODE's QR code."""
    y4m = write_y4m(tmp_path / "qr.y4m", qr_frame(CODE))
    # Launched from the suite's Playwright: a second sync_playwright() fails once one is running.
    camera_browser = browser.browser_type.launch(
        executable_path=CHROMIUM, args=CHROMIUM_ARGS + camera_args(y4m)
    )
    try:
        context = camera_browser.new_context()
        context.grant_permissions(["camera"], origin=live_server)
        page = context.new_page()
        # A page of the kiosk: only the kiosk, door, focal-point and desk pages may use the camera
        # (Permissions-Policy); the sign-in page may not.
        page.goto(f"{live_server}/kiosk/")
        page.evaluate(LOAD)
        yield page
    finally:
        camera_browser.close()


def test_camera_reads_the_qr_code_once_while_shown(camera_page):
    camera_page.evaluate(
        """async () => {
          const video = document.createElement('video');
          document.body.append(video);
          const once = window.scanner.onceWhileShown((code, source) => window.seen.push([code, source]));
          window.stop = await window.scanner.startCamera(video, once);
        }"""
    )
    camera_page.wait_for_function("window.seen.length > 0", timeout=15000)
    camera_page.wait_for_timeout(800)  # the code stays in view: it is still reported once
    assert camera_page.evaluate("window.seen") == [[CODE, "camera"]]
    camera_page.evaluate("window.stop()")
    assert camera_page.evaluate("document.querySelector('video').srcObject") is None


def test_hand_scanner_types_a_code_without_a_click(page, live_server):
    page.goto(f"{live_server}/login")
    page.evaluate(LOAD)
    page.evaluate("() => { window.scanner.listenForHandScanner((c, s) => window.seen.push([c, s])); }")
    page.keyboard.type(CODE.lower()[:40] + "-" + CODE[40:100], delay=5)
    page.wait_for_timeout(200)  # one keystroke held up by a busy page does not cut the code in two
    page.keyboard.type(CODE[100:], delay=5)
    page.keyboard.press("Enter")
    assert page.evaluate("window.seen") == [[CODE, "scanner"]]


def test_slow_typing_is_not_taken_for_a_scan(page, live_server):
    page.goto(f"{live_server}/login")
    page.evaluate(LOAD)
    page.evaluate("() => { window.scanner.listenForHandScanner((code) => window.seen.push(code)); }")
    page.keyboard.type(CODE[:20], delay=150)
    page.keyboard.press("Enter")
    assert page.evaluate("window.seen") == []
