"""The door scanner over the venue's HTTPS proxy (deploy/nginx/kiosk.conf) in Chromium that trusts the
venue CA the way a device does (its certificate store), not by ignoring certificate errors."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import expect

from kiosk.models import Role
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.browser.test_door import door_event, show_badge_to_hand_scanner, sign_in, verdict
from tests.deploy.venue import HOST


def home_trusting(ca: Path, home: Path) -> Path:
    """A HOME whose NSS database (what Chromium on Linux trusts) holds the venue CA, as on a tablet."""
    if not shutil.which("certutil"):
        pytest.fail("certutil is not installed: run `make system-deps` (apt-get install libnss3-tools).")
    nssdb = home / ".pki" / "nssdb"
    nssdb.mkdir(parents=True)
    subprocess.run(["certutil", "-N", "-d", f"sql:{nssdb}", "--empty-password"], check=True)
    subprocess.run(
        ["certutil", "-A", "-d", f"sql:{nssdb}", "-n", "Venue CA", "-t", "C,,", "-i", str(ca)], check=True
    )
    return home


def test_the_door_over_https_is_a_secure_context_with_its_service_worker(
    app, venue, browser, make_user, tmp_path
):
    slug, checkpoint, _ids, codes, _png = door_event(app)
    officer = make_user(Role.SECURITY)
    home = home_trusting(venue.ca.ca, tmp_path / "home")
    trusting = browser.browser_type.launch(
        executable_path=CHROMIUM,
        # The venue's DNS: the name resolves to this machine (not "localhost", itself a secure context).
        args=[*CHROMIUM_ARGS, f"--host-resolver-rules=MAP {HOST} 127.0.0.1"],
        env={**os.environ, "HOME": str(home)},
    )
    try:
        context = trusting.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
        page = context.new_page()
        sign_in(page, venue.url, officer.email, f"/door/{slug}/")  # a form over https
        root = page.locator("#door")
        expect(root).to_have_attribute("data-started", "1")
        expect(root).to_have_attribute("data-worker", "ready")
        seen = page.evaluate(
            """() => ({
                secure: window.isSecureContext,
                protocol: location.protocol,
                http: performance.getEntriesByType("navigation")[0].nextHopProtocol,
                crypto: typeof crypto.subtle?.verify === "function",
                camera: typeof navigator.mediaDevices?.getUserMedia === "function",
            })"""
        )
        assert seen == {"secure": True, "protocol": "https:", "http": "h2", "crypto": True, "camera": True}

        page.reload()
        expect(root).to_have_attribute("data-started", "1")
        controller = page.evaluate("() => navigator.serviceWorker.controller?.scriptURL")
        assert controller == f"{venue.url}/door/sw.js"

        # An event stream over HTTP/2 through nginx, as the dashboards keep one open.
        page.evaluate(
            """(url) => {
                window.figures = [];
                const source = new EventSource(url);
                source.addEventListener("headcount", (e) => window.figures.push(JSON.parse(e.data)));
            }""",
            f"/api/v1/events/{slug}/stream",
        )
        page.wait_for_function("() => window.figures.length === 1")
        assert page.evaluate("() => window.figures[0].inside") == 0

        # A scan online: the page's POST (CSRF token, no Referer) is accepted through the proxy.
        page.select_option("#door-checkpoint", str(checkpoint))
        show_badge_to_hand_scanner(page, codes["ana"])
        section = verdict(page, 1)
        expect(section).to_have_attribute("data-result", "accepted")
        expect(section).not_to_have_attribute("data-offline", "1")
        page.wait_for_function("() => window.figures.some((f) => f.inside === 1)", timeout=1000)
        context.close()
    finally:
        trusting.close()
