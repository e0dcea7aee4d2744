# ruff: noqa: E501
"""Benchmark the List of participants: made in the request (before) against kept and made in the background (now).

For each size (accredited participants in delegations of five, a third of them States with UN
country codes), prints
  - made in the request, as before: importing WeasyPrint (once per process), then the PDF, then
    the PDF again (WeasyPrint loaded), in seconds, with the share spent on layout;
  - the page now: the first request's answer (the "being prepared" page, 202) in ms, the seconds
    until the PDF is there, and a kept PDF (nothing changed) in ms, median of 20;
  - after one participant is renamed: the answer (202 again) and the seconds until the new PDF.

Run: .venv/bin/python bench/bench_list.py [--sizes 50,500,2000] [--language en]
Set BENCH_DATABASE_URL to measure on PostgreSQL (a scratch database is created and dropped).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_registration import scratch_database  # noqa: E402
from config import database_url  # noqa: E402
from kiosk import create_app  # noqa: E402
from kiosk.extensions import db  # noqa: E402
from kiosk.models import Category, Delegation, Participant, Role, Status, User  # noqa: E402
from kiosk.models.base import utcnow  # noqa: E402
from kiosk.models.participant import new_reference  # noqa: E402
from kiosk.services import countries, participant_list  # noqa: E402
from tests.door.scenario import new_event  # noqa: E402

PASSWORD = "bench-password-not-secret"
FUNCTIONS = ("head_of_delegation", "deputy_head_of_delegation", "delegate", "adviser", "expert")


def populate(app, size: int) -> tuple[str, str]:
    """An event with `size` accredited people; its slug and an organizer's e-mail."""
    codes = countries._table()["order"]["en"]
    with app.app_context():
        event = new_event(db.session, title="Meeting of the States Parties")
        delegations = []
        for i in range(max(1, size // 5)):
            state = i < len(codes) and i % 3 != 2
            delegations.append(
                {
                    "event_id": event.id,
                    "name": countries.country_name(codes[i], "en") if state else f"Delegation {i:04d}",
                    "category": (
                        Category.STATE_PARTY if state else (Category.NGO, Category.IGO)[i % 2]
                    ).value,
                    "country": codes[i] if state else None,
                    "revision": 0,
                    "created_at": utcnow(),
                    "focal_point_name": "",
                    "focal_point_email": "",
                }
            )
        ids = list(db.session.execute(insert(Delegation).returning(Delegation.id), delegations).scalars())
        db.session.execute(
            insert(Participant.__table__),
            [
                {
                    "event_id": event.id,
                    "delegation_id": ids[i // 5 % len(ids)],
                    "given_name": f"Given{i}",
                    "family_name": f"Family{i}",
                    "title": ("H.E. Mr.", "Ms.", "Dr.", "", "Mr.")[i % 5],
                    "function": FUNCTIONS[i % 5],
                    "status": Status.ACCREDITED.value,
                    "reference": new_reference(),
                    "created_at": utcnow(),
                    "updated_at": utcnow(),
                    "status_changed_at": utcnow(),
                }
                for i in range(size)
            ],
        )
        organizer = User(email=f"organizer.{event.slug}@example.org", role=Role.ORGANIZER)
        organizer.set_password(PASSWORD)
        db.session.add(organizer)
        db.session.commit()
        return event.slug, organizer.email


def in_the_request(app, slug: str, language: str) -> tuple[float, float, float, float]:
    """Seconds to import WeasyPrint, to make the PDF the first and the second time, and to lay it out."""
    from kiosk.models import Event

    began = time.perf_counter()
    import weasyprint  # noqa: F401

    imported = time.perf_counter() - began
    with app.test_request_context():
        event = db.session.execute(select(Event).filter_by(slug=slug)).scalar_one()
        made = []
        for _ in range(2):
            began = time.perf_counter()
            participant_list.render_pdf(db.session, event, language)
            made.append(time.perf_counter() - began)
        html, folios = participant_list.document(db.session, event, language)
        document = weasyprint.HTML(string=html, base_url=str(participant_list.STYLESHEET.parent))
        css = [weasyprint.CSS(filename=participant_list.STYLESHEET), weasyprint.CSS(string=folios)]
        began = time.perf_counter()
        document.render(stylesheets=css)
        layout = time.perf_counter() - began
    return imported, made[0], made[1], layout


def until_ready(client, url: str) -> tuple[float, float, int]:
    """ms to the first answer, seconds until the PDF, and the first answer's status."""
    began = time.perf_counter()
    first = client.get(url)
    answered = (time.perf_counter() - began) * 1000
    response = first
    while response.status_code == 202:
        time.sleep(0.05)
        response = client.get(url)
    assert response.status_code == 200 and response.data.startswith(b"%PDF"), response.status_code
    return answered, time.perf_counter() - began, first.status_code


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="50,500,2000")
    parser.add_argument("--language", default="en", choices=participant_list.LANGUAGES)
    args = parser.parse_args()
    print(
        f"List of participants on {os.cpu_count()} cores; database: "
        f"{os.environ.get('BENCH_DATABASE_URL') or 'SQLite'}; language {args.language}"
    )
    for size in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory(prefix="bench-list-") as name:
            tmp = Path(name)
            os.environ["KIOSK_INSTANCE_PATH"] = str(tmp / "instance")
            uri, drop = scratch_database(tmp)
            try:
                app = create_app(
                    {
                        "SECRET_KEY": "bench",
                        "SQLALCHEMY_DATABASE_URI": database_url(uri),
                        "KEYS_DIR": str(tmp / "keys"),
                        "MAIL_OUTBOX": str(tmp / "outbox"),
                        "WTF_CSRF_ENABLED": False,
                        "SESSION_COOKIE_SECURE": False,
                        "SECOND_FACTOR_ROLES": (),
                    }
                )
                from flask_migrate import upgrade

                with app.app_context():
                    upgrade(directory=app.extensions["migrate"].directory)
                slug, email = populate(app, size)
                with app.app_context():
                    imported, first, second, layout = in_the_request(app, slug, args.language)
                client = app.test_client()
                client.post("/login", data={"email": email, "password": PASSWORD})
                url = f"/admin/events/{slug}/list-of-participants.pdf?language={args.language}"
                answered, ready, status = until_ready(client, url)
                kept = []
                for _ in range(20):
                    began = time.perf_counter()
                    assert client.get(url).status_code == 200
                    kept.append((time.perf_counter() - began) * 1000)
                with app.app_context():
                    person = db.session.execute(select(Participant).limit(1)).scalar_one()
                    person.family_name = "Renamed"
                    db.session.commit()
                changed_answer, changed_ready, changed_status = until_ready(client, url)
                with app.app_context():
                    db.engine.dispose()
            finally:
                drop()
        print(
            f"{size:>6,} people | made in the request (before): import WeasyPrint {imported:.1f} s, "
            f"first PDF {first:.1f} s, then {second:.1f} s (layout {layout:.1f} s) | now: "
            f"first request answered in {answered:.0f} ms ({status}, 'being prepared'), PDF after "
            f"{ready:.1f} s; kept PDF {statistics.median(kept):.0f} ms (median of 20) | after a change: "
            f"{changed_answer:.0f} ms ({changed_status}), new PDF after {changed_ready:.1f} s",
            flush=True,
        )


if __name__ == "__main__":
    main()
