"""`make demo` twice in a row: the set-up commands succeed both times, keep the event, rewrite
instance/demo-links.txt with full links and suggest someone who can still check in."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from kiosk import create_app
from kiosk.extensions import db
from kiosk.models import CheckInMethod, Event, Participant
from kiosk.services import checkin
from kiosk.services.audit import SYSTEM

BASE = "http://127.0.0.1:5077"
ROOT = Path(__file__).resolve().parent.parent
FLASK = [sys.executable, "-m", "flask", "--app", "kiosk"]
TRY_AS = re.compile(r"Try the kiosk as (.+?) \(")


def environment(instance: Path) -> dict[str, str]:
    """The demo's environment in a folder of its own (the machine's database and mail left alone)."""
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "MAIL_", "REDIS_URL"))}
    return {**keep, "KIOSK_ENV": "development", "KIOSK_INSTANCE_PATH": str(instance)}


def set_up(instance: Path) -> str:
    """The commands of `make demo` before it serves; their output, each having exited with 0."""
    output = []
    for command in (["init-db"], ["seed-demo", "--base-url", BASE], ["demo-kiosk", "--base-url", BASE]):
        done = subprocess.run(
            FLASK + command, cwd=ROOT, env=environment(instance), capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stdout + done.stderr
        output.append(done.stdout + done.stderr)
    return "\n".join(output)


def links_in(text: str) -> list[str]:
    return re.findall(r"https?://[^\s)]+", text)


def secret_links(text: str) -> set[str]:
    """The links that carry a secret: private links of delegations, the kiosk's enrolment link."""
    return {link for link in links_in(text) if "/d/" in link or "/kiosk/enrol/" in link}


def check_in_by_name(instance: Path, monkeypatch, name: str) -> None:
    """Check the person suggested by the demo in, as the desk would."""
    for key, value in environment(instance).items():
        monkeypatch.setenv(key, value)
    app = create_app()
    with app.app_context():
        event = db.session.execute(select(Event).filter_by(slug="im2024")).scalar_one()
        people = db.session.execute(select(Participant).filter_by(event_id=event.id)).scalars()
        person = next(p for p in people if p.full_name == name)
        checkin.check_in(db.session, person, SYSTEM, method=CheckInMethod.DESK, print_kinds=())
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def test_the_demo_set_up_runs_twice(tmp_path, monkeypatch):
    instance = tmp_path / "instance"
    first = set_up(instance)
    links_file = instance / "demo-links.txt"
    first_links = secret_links(links_file.read_text())
    suggested = TRY_AS.search(first).group(1)
    check_in_by_name(instance, monkeypatch, suggested)

    second = set_up(instance)
    assert "Error" not in first + second
    assert "is there already and is kept as it is" in second

    text = links_file.read_text()
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == len(set(lines)), "demo-links.txt repeats a line"
    assert text.count("Kiosk enrolment link") == 1 and text.count("Organizer: ") == 1
    links = links_in(text)
    assert links and all(link.startswith(BASE + "/") for link in links)
    assert not secret_links(text) & first_links, "links of the first run are left in the file"
    assert sum("/d/" in link for link in links) == 51  # every delegation's private link, once
    assert all(link.startswith(BASE + "/") for link in links_in(second))  # printed in full too
    assert f"{BASE}/login" in second

    again = TRY_AS.search(second).group(1)
    assert again != suggested  # the first suggestion has checked in: someone else is suggested
