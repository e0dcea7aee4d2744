"""`flask demo-kiosk`: a demo kiosk printing into instance/printed/, its enrolment link, a desk account."""

from __future__ import annotations

import re
from pathlib import Path

from kiosk.accesslog import redact
from kiosk.extensions import db
from kiosk.models import Kiosk, Printer


def test_demo_kiosk_prints_a_working_enrolment_link(app, runner, make_event):
    make_event(slug="im2024")
    result = runner.invoke(args=["demo-kiosk", "--base-url", "http://kiosk.test"])
    assert result.exit_code == 0, result.output
    link = re.search(r"http://kiosk\.test(/kiosk/enrol/\S+)", result.output).group(1)
    assert "desk@example.org" in result.output
    links_file = Path(app.instance_path) / "demo-links.txt"
    assert link in links_file.read_text()
    client = app.test_client()
    response = client.post(link)
    assert response.status_code == 302 and "kiosk_device=" in response.headers["Set-Cookie"]
    assert (
        "HttpOnly" in response.headers["Set-Cookie"] and "SameSite=Strict" in response.headers["Set-Cookie"]
    )
    assert client.get("/kiosk/").status_code == 200
    again = runner.invoke(args=["demo-kiosk"])  # a second run: a new link to the same kiosk, a new password
    assert again.exit_code == 0 and "desk@example.org" in again.output
    assert (
        link not in links_file.read_text()
    )  # the used link is gone from the file, not left beside the new one
    assert links_file.read_text().count("Kiosk enrolment link") == 1
    with app.app_context():
        assert db.session.query(Kiosk).count() == 1
        printers = {p.name: p.connection for p in db.session.query(Printer)}
        printed = str(Path(app.instance_path) / "printed")
        assert printers["Badge printer 1"] == {"type": "png_folder", "path": printed}
        assert printers["Receipt printer 1"] == {"type": "folder", "path": printed}


def test_demo_kiosk_needs_the_event(runner):
    result = runner.invoke(args=["demo-kiosk"])
    assert result.exit_code != 0


def test_enrolment_links_are_kept_out_of_access_logs():
    assert redact("GET /kiosk/enrol/AbC-12_xyz HTTP/1.1") == "GET /kiosk/enrol/… HTTP/1.1"
