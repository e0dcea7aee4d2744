"""How scans are written under a queue: SQLite's group commit and turns, one bad scan failing alone."""

from __future__ import annotations

import fcntl
import os
import threading
import time
import uuid

from sqlalchemy import create_engine, func, select
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from kiosk.extensions import db
from kiosk.models import Event, Role, Scan
from kiosk.services import counters, door, keys
from kiosk.services.door import verdict, writer
from tests.conftest import bearer
from tests.door.scenario import accredited, new_event

PEOPLE = (("Ana", "García"), ("Kofi", "Mensah"), ("Mei", "Lin"))


def _three_badges(app):
    with app.app_context():
        session = db.session
        event = new_event(session)
        people = [accredited(session, event, given, family) for given, family in PEOPLE]
        main = door.save_checkpoint(session, event, None, name="Main", direction="both", anti_passback=True)
        badges = [keys.badge_code(session, person) for person in people]
        session.commit()
        return event.slug, event.id, event.venue_id, main.id, badges, [p.id for p in people]


def _run_waiting_for_the_turn(app, threads: list[threading.Thread]) -> tuple[bool, int]:
    """Run the scanning threads while the turn to write is held, so that on SQLite every scan is
    judged and waits for the turn before any is written (then written together); and join them.
    Returns whether the database is SQLite, and how many scans were seen waiting."""
    with app.app_context():
        sqlite = db.engine.dialect.name == "sqlite"
    with writer._sqlite_writer:
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 10
        while sqlite and len(writer._waiting) < len(threads) and time.monotonic() < deadline:
            time.sleep(0.01)
        waiting = len(writer._waiting)
    for thread in threads:
        thread.join(10)
    return sqlite, waiting


def _scan_in_threads(app, token, slug, checkpoint, badges):
    """Send one scan per badge from its own thread, while the writers' turn is held (SQLite), so
    that they all wait for it together; return each thread's response (or exception) by badge."""
    answers: dict[str, object] = {}

    def send(code):
        try:
            with app.test_client() as client:
                body = {"code": code, "checkpoint": checkpoint, "direction": "in", "nonce": uuid.uuid4().hex}
                answers[code] = client.post(f"/api/v1/events/{slug}/scans", json=body, headers=bearer(token))
        except Exception as error:  # noqa: BLE001 (the test looks at it)
            answers[code] = error

    sqlite, waiting = _run_waiting_for_the_turn(
        app, [threading.Thread(target=send, args=(code,)) for code in badges]
    )
    if sqlite:
        assert waiting == len(badges), "every scan judged and waiting for the turn"
    return answers, sqlite


def test_scans_that_wait_for_the_turn_are_written_together_each_with_its_own_answer(app, make_token):
    slug, event_id, venue_id, main, badges, ids = _three_badges(app)
    token = make_token(Role.SECURITY)
    commits = []
    with app.app_context():
        engine = db.engine
    listener = lambda _connection: commits.append(1)  # noqa: E731
    sa_event.listen(engine, "commit", listener)
    try:
        answers, sqlite = _scan_in_threads(app, token, slug, main, badges)
    finally:
        sa_event.remove(engine, "commit", listener)
    bodies = {code: answers[code].get_json() for code in badges}
    for code, (given, family), pid in zip(badges, PEOPLE, ids, strict=True):
        assert answers[code].status_code == 200, answers[code].text
        assert bodies[code]["result"] == "accepted"
        assert bodies[code]["participant"]["name"] == f"{given} {family.upper()}"  # as on the badge
        assert bodies[code]["participant"]["id"] == pid
    assert sorted(b["inside_now"] for b in bodies.values()) == [1, 2, 3]
    # SQLite: one transaction, one sync to disk, for the three; PostgreSQL: one each, side by side.
    assert len(commits) == (1 if sqlite else 3)
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(Scan)).scalar_one() == 3
        assert counters.values(db.session, event_id)[f"inside:venue:{venue_id}"] == 3
        assert counters.recount(db.session, event_id) == {}


def test_a_scan_that_fails_while_written_fails_alone(app, make_token, monkeypatch):
    slug, event_id, venue_id, main, badges, ids = _three_badges(app)
    token = make_token(Role.SECURITY)
    written = writer.write_scan

    def fails_for_kofi(session, event, judged):
        if judged.holder and judged.holder[0].id == ids[1]:
            raise RuntimeError("the disk hiccuped")
        return written(session, event, judged)

    monkeypatch.setattr(writer, "write_scan", fails_for_kofi)  # scans written together
    monkeypatch.setattr(verdict, "write_scan", fails_for_kofi)  # each written alone
    answers, _sqlite = _scan_in_threads(app, token, slug, main, badges)
    assert isinstance(answers[badges[1]], RuntimeError)
    for code in (badges[0], badges[2]):
        assert answers[code].status_code == 200, answers[code].text
        assert answers[code].get_json()["result"] == "accepted"
    with app.app_context():
        stored = db.session.execute(select(Scan.participant_id)).scalars().all()
        assert sorted(stored) == sorted([ids[0], ids[2]])
        assert counters.values(db.session, event_id)[f"inside:venue:{venue_id}"] == 2
        assert counters.recount(db.session, event_id) == {}


def test_a_nonce_taken_meanwhile_by_another_scan_is_refused_to_its_own_request(app, make_token):
    """Two requests judged with one nonce at two checkpoints: one is written, the other is told."""
    slug, _event_id, _venue_id, main, badges, _ids = _three_badges(app)
    with app.app_context():
        event = db.session.get(Event, _event_id)
        side = door.save_checkpoint(
            db.session, event, None, name="Side", direction="both", anti_passback=True
        )
        db.session.commit()
        side_id = side.id
    token = make_token(Role.SECURITY)
    answers: list = []

    def send(code, checkpoint):
        with app.test_client() as client:
            body = {"code": code, "checkpoint": checkpoint, "direction": "in", "nonce": "one-nonce"}
            answers.append(client.post(f"/api/v1/events/{slug}/scans", json=body, headers=bearer(token)))

    threads = [
        threading.Thread(target=send, args=(badges[0], main)),
        threading.Thread(target=send, args=(badges[1], side_id)),
    ]
    _run_waiting_for_the_turn(app, threads)
    assert sorted(a.status_code for a in answers) == [200, 422], [a.text for a in answers]
    refused = next(a for a in answers if a.status_code == 422).get_json()
    assert refused["errors"]["nonce"]
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(Scan)).scalar_one() == 1


def test_writers_take_turns_across_processes_through_a_lock_file(tmp_path):
    """gunicorn's workers are processes: the turn is also a lock file beside the database, which
    another process (here: another open file) cannot take while it is held."""
    path = tmp_path / "door.sqlite"
    engine = create_engine(f"sqlite:///{path}")
    other = os.open(f"{path}-door-turn", os.O_RDWR | os.O_CREAT)
    try:
        with Session(engine) as session:
            with door.writer_turn(session):
                try:
                    fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    taken = True
                except BlockingIOError:
                    taken = False
            assert not taken, "the turn was not held across processes"
            fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)  # free once the turn is over
            fcntl.flock(other, fcntl.LOCK_UN)
    finally:
        os.close(other)
        engine.dispose()
