"""The command line contract: exit status, one-line reasons, the token on the last line."""

from __future__ import annotations

from sqlalchemy import select

from kiosk.extensions import db
from kiosk.models import (
    Delegation,
    Direction,
    Event,
    MailStatus,
    OutgoingMail,
    Participant,
    Reason,
    Role,
    ScanResult,
    Status,
    User,
)
from kiosk.services import door, keys, mail, registration
from kiosk.services.audit import Actor
from kiosk.services.dates import format_days
from tests.conftest import bearer


def test_init_db_is_idempotent(runner):
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert "up to date" in result.output


def test_seed_demo_builds_the_event_from_the_letters(app, runner, client):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        event = db.session.execute(select(Event).filter_by(slug="im2024")).scalar_one()
        assert event.default_cap == 3
        assert "7bis Avenue de la Paix" in event.venue.address
        assert [m.title for m in event.meetings][
            -1
        ] == "First Preparatory Meeting of the Fifth Review Conference"
        categories = set(db.session.execute(select(Delegation.category).distinct()).scalars())
        assert len(categories) == 7
        statuses = set(db.session.execute(select(Participant.status).distinct()).scalars())
        assert statuses == set(Status)
        days = format_days(event.starts_on, event.ends_on, "en")  # e.g. "6–8 December 2026"
    assert f"({days})" in result.output and f" {event.ends_on.year}" in days and "–" in days
    link = next(line for line in result.output.splitlines() if "/d/" in line).split(": ", 1)[1]
    assert link.startswith("http://127.0.0.1:5000/d/") and link.endswith("/")
    page = client.get(link.removeprefix("http://127.0.0.1:5000"), follow_redirects=True)
    assert page.status_code == 200 and "im2024" not in page.text
    again = runner.invoke(args=["seed-demo"])  # kept, with new links: the old one stops
    assert again.exit_code == 0 and "kept as it is" in again.output and "Error" not in again.output
    assert client.get(link.removeprefix("http://127.0.0.1:5000")).status_code == 404


def test_seed_demo_gives_security_a_door_to_try(app, runner, client):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    line = next(line for line in result.output.splitlines() if line.startswith("Security sign-in: "))
    email, password = line.removeprefix("Security sign-in: ").split(" ")[0:3:2]
    signed_in = client.post("/login", data={"email": email, "password": password})
    assert signed_in.status_code == 302, signed_in.text
    scanner = client.get("/door/im2024/")
    assert scanner.status_code == 200
    assert "Main entrance" in scanner.text and "Salle A" in scanner.text


def test_create_user_and_refusals(app, runner):
    result = runner.invoke(
        args=["create-user", "Desk@Example.org", "--role", "desk", "--password", "long enough pw"]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.execute(select(User)).scalar_one()
        assert (user.email, user.role) == ("desk@example.org", Role.DESK)
        assert user.check_password("long enough pw") and "long enough pw" not in user.password_hash
    duplicate = runner.invoke(
        args=["create-user", "desk@example.org", "--role", "desk", "--password", "x" * 12]
    )
    assert duplicate.exit_code == 1 and "already exists" in duplicate.output
    short = runner.invoke(args=["create-user", "b@example.org", "--role", "desk", "--password", "short"])
    assert short.exit_code == 1 and "at least 10" in short.output
    bad_role = runner.invoke(args=["create-user", "c@example.org", "--role", "king", "--password", "x" * 12])
    assert bad_role.exit_code == 2


def test_create_token_prints_the_secret_on_the_last_line(app, runner, client, make_delegation):
    delegation = make_delegation()
    result = runner.invoke(args=["create-token", "--role", "organizer", "--name", "Secretariat laptop"])
    assert result.exit_code == 0, result.output
    secret = result.output.strip().splitlines()[-1]
    assert client.get("/api/v1/events", headers=bearer(secret)).status_code == 200
    focal = runner.invoke(
        args=["create-token", "--role", "focal_point", "--name", "Chile", "--delegation", str(delegation.id)]
    )
    me = client.get("/api/v1/delegations/me", headers=bearer(focal.output.strip().splitlines()[-1]))
    assert me.json["id"] == delegation.id
    missing = runner.invoke(args=["create-token", "--role", "focal_point", "--name", "x"])
    assert missing.exit_code == 1 and "--delegation" in missing.output
    unknown_event = runner.invoke(args=["create-token", "--role", "kiosk", "--name", "x", "--event", "nope"])
    assert unknown_event.exit_code == 1 and "No event" in unknown_event.output


def test_import_delegations_all_or_nothing(app, runner, make_event, tmp_path):
    event = make_event(slug="csv")
    good = tmp_path / "good.csv"
    good.write_text("name,category,country\nSwitzerland,state_party,CH\nHALO Trust,ngo,\n", encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text("name,category,country\nPeru,state_party,PE\nNarnia,state_party,\n", encoding="utf-8")
    failed = runner.invoke(args=["import-delegations", str(bad), "--event", "csv"])
    assert failed.exit_code == 1 and "Row 3" in failed.output
    ok = runner.invoke(args=["import-delegations", str(good), "--event", "csv"])
    assert ok.exit_code == 0 and "Imported 2" in ok.output
    with app.app_context():
        names = db.session.execute(select(Delegation.name).filter_by(event_id=event.id)).scalars().all()
        assert sorted(names) == ["HALO Trust", "Switzerland"]


def test_delegation_link_replaces_the_old_one(app, runner, client, make_delegation, delegation_link):
    delegation = make_delegation()
    old = delegation_link(delegation)
    result = runner.invoke(args=["delegation-link", str(delegation.id)])
    new = result.output.strip().splitlines()[-1]
    assert client.get(new + "/", follow_redirects=True).status_code == 200
    assert client.get(f"/d/{old}/").status_code == 404


def test_worker_once_delivers_queued_mail(app, runner, make_participant, tmp_path, monkeypatch):
    participant = make_participant(email="queued@example.org")
    monkeypatch.setattr(mail, "deliver_on_commit", lambda _session: None)  # as if the server was down
    with app.app_context():
        row = db.session.get(Participant, participant.id)
        registration.change_status(db.session, row, Status.ACCREDITED, Actor("user:test"))
        db.session.commit()  # queued, not delivered: the worker's job
    assert not (tmp_path / "outbox").exists()
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "mail: 1 sent" in result.output
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 1
    with app.app_context():
        assert db.session.execute(select(OutgoingMail.status)).scalar_one() == MailStatus.SENT


def test_the_demo_room_admits_people_who_came_in_at_the_main_entrance(app, runner):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    with app.app_context():
        event = db.session.execute(select(Event).filter_by(slug="im2024")).scalar_one()
        person = (
            db.session.execute(
                select(Participant)
                .join(Delegation)
                .where(Delegation.event_id == event.id, Participant.status == Status.ACCREDITED)
            )
            .scalars()
            .first()
        )
        doors = {c.name: c for c in door.event_checkpoints(db.session, event)}
        code = keys.badge_code(db.session, person)
        ref = door.event_ref(db.session, "im2024")
        verdicts = [
            door.record_scan(db.session, ref, door.ScanInput(code, doors[name].id, direction, f"demo-{i}"))
            for i, (name, direction) in enumerate(
                [("Main entrance", Direction.IN), ("Salle A", Direction.IN), ("Main entrance", Direction.IN)]
            )
        ]
        db.session.commit()
    assert [(v.scan.result, v.scan.reason) for v in verdicts] == [
        (ScanResult.ACCEPTED, None),
        (ScanResult.ACCEPTED, None),  # the room is inside the building: no anti-passback there
        (ScanResult.REFUSED, Reason.ALREADY_INSIDE),  # the building's entrance still has it
    ]
