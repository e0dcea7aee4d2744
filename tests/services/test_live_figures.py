"""The headcount is read from counters only, with the definitions of services.live_figures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import event as sa_event

from kiosk.extensions import db
from kiosk.models import Category, Delegation, Event, Gender, Kiosk, Participant, Role, Status, Venue
from kiosk.services import counters, delegations, live_figures, registration
from kiosk.services.audit import Actor

ORGANIZER = Actor("user:test", Role.ORGANIZER)


def person(given: str, family: str, **extra) -> dict:
    return {"given_name": given, "family_name": family, **extra}


def test_snapshot_follows_registrations_and_the_counters_of_kiosks_and_doors(app, make_event):
    event = make_event(default_cap=2)
    with app.app_context():
        ev = db.session.get(Event, event.id)
        chile = Delegation(event_id=ev.id, name="Chile", category=Category.STATE_PARTY, country="CL")
        icrc = Delegation(event_id=ev.id, name="ICRC", category=Category.ICRC)
        db.session.add_all([chile, icrc])
        db.session.flush()
        ana = registration.add_participant(
            db.session, chile, person("Ana", "Ruiz", gender="female"), ORGANIZER
        )
        registration.add_participant(db.session, chile, person("Juan", "Soto", gender="male"), ORGANIZER)
        registration.add_participant(db.session, chile, person("Eva", "Paz", mode="online"), ORGANIZER)
        rejected = registration.add_participant(
            db.session, icrc, person("Tom", "Ray", gender="male"), ORGANIZER
        )
        registration.change_status(db.session, ana, Status.ACCREDITED, ORGANIZER)
        registration.change_status(db.session, rejected, Status.REJECTED, ORGANIZER)
        venue_id = ev.venue_id
        counters.add(
            db.session,
            ev.id,
            {
                "checked_in": 1,
                "checked_in:state_party": 1,
                "arrivals:2024-06-18T09:15": 1,
                "arrivals:2024-06-18T08:45": 3,
                f"inside:venue:{venue_id}": 1,
                "inside:checkpoint:7": 1,
                "scans:7:in:accepted": 2,
                "scans:7:out:accepted": 1,
                "scans:7:in:refused": 4,
            },
        )
        db.session.commit()
        figures = live_figures.snapshot(db.session, ev)
        chile_id = chile.id
    assert (figures["registered"], figures["accredited"], figures["in_person"]) == (3, 1, 2)
    assert (figures["checked_in"], figures["inside"], figures["capacity"]) == (1, 1, 300)
    assert figures["by_category"]["state_party"] == {
        "registered": 3,
        "accredited": 1,
        "in_person": 2,
        "checked_in": 1,
    }
    assert figures["by_category"]["icrc"] == {
        "registered": 0,
        "accredited": 0,
        "in_person": 0,
        "checked_in": 0,
    }
    assert figures["gender"]["overall"] == {"female": 1, "male": 1, "other": 0, "undisclosed": 1}
    assert figures["gender"]["by_category"]["state_party"]["male"] == 1
    assert figures["gender"]["by_delegation"] == [
        {"id": chile_id, "name": "Chile", "female": 1, "male": 1, "other": 0, "undisclosed": 1}
    ]
    assert figures["delegations_at_cap"] == [
        {"id": chile_id, "name": "Chile", "category": "state_party", "cap": 2, "used": 2}
    ]
    assert figures["by_checkpoint"] == [
        {"id": 7, "name": "#7", "venue_id": None, "inside": 1, "in": 2, "out": 1, "refused": 4}
    ]
    assert figures["venues"] == [
        {"id": venue_id, "name": "CICG", "capacity": 300, "inside": 1, "share": 0, "warning": False}
    ]
    assert figures["arrivals"] == [
        {"at": "2024-06-18T08:45:00Z", "count": 3},
        {"at": "2024-06-18T09:15:00Z", "count": 1},
    ]


def test_a_venue_warns_from_ninety_percent_of_its_capacity(app, make_event):
    event = make_event(venue=Venue(name="WMO", capacity=20))
    with app.app_context():
        ev = db.session.get(Event, event.id)
        counters.add(db.session, ev.id, {f"inside:venue:{ev.venue_id}": 17})
        db.session.commit()
        below = live_figures.snapshot(db.session, ev)["venues"][0]
        counters.add(db.session, ev.id, {f"inside:venue:{ev.venue_id}": 1})
        db.session.commit()
        at = live_figures.snapshot(db.session, ev)["venues"][0]
    assert (below["share"], below["warning"]) == (85, False)
    assert (at["share"], at["warning"]) == (90, True)


def test_no_delegation_is_at_cap_when_places_are_not_capped(
    app, make_event, make_delegation, make_participant
):
    event = make_event(default_cap=1, cap_in_person=False)
    full = make_delegation(event)
    make_participant(full)
    make_participant(full)
    with app.app_context():
        assert live_figures.snapshot(db.session, db.session.get(Event, event.id))["delegations_at_cap"] == []


def test_the_snapshot_reads_neither_participants_nor_scans(app, make_participant):
    someone = make_participant()
    statements: list[str] = []
    with app.app_context():
        ev = db.session.get(Event, someone.event_id)

        def remember(_conn, _cursor, statement, *_args):
            statements.append(statement.lower())

        sa_event.listen(db.engine, "before_cursor_execute", remember)
        try:
            figures = live_figures.snapshot(db.session, ev)
        finally:
            sa_event.remove(db.engine, "before_cursor_execute", remember)
    assert figures["registered"] == 1
    assert statements
    assert not [s for s in statements if "from participants" in s or "from scans" in s]


def test_every_registration_change_moves_the_dashboard(app, make_delegation):
    delegation = make_delegation()
    broker = app.extensions["live"]
    with app.app_context():
        d = db.session.get(Delegation, delegation.id)
        changes = [
            lambda: registration.add_participant(db.session, d, person("Ana", "Ruiz"), ORGANIZER),
            lambda: registration.update_participant(db.session, first(), {"gender": "female"}, ORGANIZER),
            lambda: registration.change_status(db.session, first(), Status.ACCREDITED, ORGANIZER),
            lambda: registration.substitute(db.session, first(), person("Li", "Wei"), ORGANIZER),
            lambda: registration.change_status(db.session, last(), Status.WITHDRAWN, ORGANIZER),
            lambda: delegations.set_cap_override(db.session, d, "5", ORGANIZER),
        ]

        def first() -> Participant:
            return d.participants[0]

        def last() -> Participant:
            return d.participants[-1]

        for change in changes:
            seen = broker.version(d.event_id)
            change()
            db.session.commit()
            db.session.refresh(d)
            assert broker.wait(d.event_id, seen, timeout=1) == seen + 1
        assert [p.gender for p in d.participants] == [Gender.FEMALE, Gender.UNDISCLOSED]


def test_recount_command_reports_then_fixes(app, runner, make_participant):
    someone = make_participant()
    with app.app_context():
        slug = db.session.get(Event, someone.event_id).slug
    assert runner.invoke(args=["recount-counters", "--event", slug]).exit_code == 0
    with app.app_context():
        counters.add(db.session, someone.event_id, {"checked_in": 2})
        db.session.commit()
    failed = runner.invoke(args=["recount-counters", "--event", slug])
    assert failed.exit_code == 1
    assert "checked_in: stored 2, counted 0" in failed.output
    fixed = runner.invoke(args=["recount-counters", "--fix"])
    assert fixed.exit_code == 0, fixed.output
    assert runner.invoke(args=["recount-counters"]).exit_code == 0


def test_kiosks_are_online_offline_not_enrolled_or_revoked(app, make_event):
    event = make_event()
    now = datetime.now(UTC)
    with app.app_context():
        db.session.add_all(
            [
                Kiosk(
                    event_id=event.id, name="K1", enrolled_at=now, last_seen_at=now - timedelta(seconds=30)
                ),
                Kiosk(event_id=event.id, name="K2", enrolled_at=now, last_seen_at=now - timedelta(minutes=5)),
                Kiosk(event_id=event.id, name="K3"),
                Kiosk(event_id=event.id, name="K4", enrolled_at=now, revoked_at=now),
            ]
        )
        db.session.commit()
        health = live_figures.kiosk_health(db.session, event.id, now)
    assert [(k["name"], k["state"]) for k in health] == [
        ("K1", "online"),
        ("K2", "offline"),
        ("K3", "not_enrolled"),
        ("K4", "revoked"),
    ]
