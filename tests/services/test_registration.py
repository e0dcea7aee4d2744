"""The cap, the deadline and the status rules, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from kiosk.extensions import db
from kiosk.models import AuditEntry, Delegation, Mode, Participant, Role, Status
from kiosk.models.base import utcnow
from kiosk.services import registration
from kiosk.services.audit import Actor
from kiosk.services.errors import (
    DelegationFull,
    DuplicateParticipant,
    InvalidTransition,
    NotFound,
    RegistrationClosed,
    ValidationFailed,
)

FOCAL = Actor("delegation:test", Role.FOCAL_POINT)
ORGANIZER = Actor("user:test", Role.ORGANIZER)


def person(n: int, **extra) -> dict[str, str]:
    return {"given_name": f"Person{n}", "family_name": "Delegate", **extra}


def add(app, delegation_id: int, data: dict, actor: Actor = FOCAL) -> Participant:
    with app.app_context():
        delegation = db.session.get(Delegation, delegation_id)
        participant = registration.add_participant(db.session, delegation, data, actor)
        db.session.commit()
        db.session.refresh(participant)
        db.session.expunge(participant)
        return participant


def count(app, delegation_id: int, **filters) -> int:
    with app.app_context():
        query = (
            select(func.count()).select_from(Participant).filter_by(delegation_id=delegation_id, **filters)
        )
        return db.session.execute(query).scalar_one()


def test_cap_refuses_the_fourth_in_person_participant(app, make_delegation):
    delegation = make_delegation(name="Chile")
    for n in range(3):
        add(app, delegation.id, person(n))
    with pytest.raises(DelegationFull) as refused:
        add(app, delegation.id, person(4))
    assert refused.value.detail.startswith("The delegation of Chile has 3 of 3 places.")
    assert count(app, delegation.id) == 3


def test_online_participants_do_not_take_places(app, make_delegation):
    delegation = make_delegation()
    for n in range(3):
        add(app, delegation.id, person(n))
    online = add(app, delegation.id, person(9, mode="online"))
    assert online.mode == Mode.ONLINE
    with app.app_context():
        assert registration.places_used(db.session, delegation.id) == 3


def test_switching_to_in_person_checks_the_cap(app, make_delegation):
    delegation = make_delegation()
    for n in range(3):
        add(app, delegation.id, person(n))
    online = add(app, delegation.id, person(9, mode="online"))
    with app.app_context(), pytest.raises(DelegationFull):
        participant = db.session.get(Participant, online.id)
        registration.update_participant(db.session, participant, {"mode": "in_person"}, FOCAL)
    assert count(app, delegation.id, mode=Mode.ONLINE) == 1


def test_cap_override_and_event_without_cap(app, make_event, make_delegation):
    larger = make_delegation(cap_override=4)
    for n in range(4):
        add(app, larger.id, person(n))
    uncapped = make_delegation(event=make_event(cap_in_person=False))
    for n in range(5):
        add(app, uncapped.id, person(n))
    assert count(app, uncapped.id) == 5


def test_substitution_goes_through_at_three_of_three(app, make_delegation):
    delegation = make_delegation()
    first = add(app, delegation.id, person(1))
    for n in (2, 3):
        add(app, delegation.id, person(n))
    with app.app_context():
        old = db.session.get(Participant, first.id)
        new = registration.substitute(db.session, old, person(4, function="Adviser"), FOCAL)
        db.session.commit()
        assert old.status == Status.WITHDRAWN
        assert new.status == Status.PENDING and new.substitute_for_id == old.id
        assert registration.places_used(db.session, delegation.id) == 3


def test_failed_substitution_leaves_the_old_participant_in_place(app, make_delegation):
    delegation = make_delegation()
    first = add(app, delegation.id, person(1))
    with app.app_context(), pytest.raises(ValidationFailed):
        registration.substitute(db.session, db.session.get(Participant, first.id), {"given_name": ""}, FOCAL)
    with app.app_context():
        db.session.rollback()
        assert db.session.get(Participant, first.id).status == Status.PENDING


def test_reinstating_and_accrediting_check_the_cap(app, make_delegation):
    delegation = make_delegation()
    people = [add(app, delegation.id, person(n)) for n in range(3)]
    with app.app_context():
        withdrawn = db.session.get(Participant, people[0].id)
        registration.change_status(db.session, withdrawn, Status.WITHDRAWN, FOCAL)
        db.session.commit()
    add(app, delegation.id, person(7))
    with app.app_context(), pytest.raises(DelegationFull):
        registration.change_status(
            db.session, db.session.get(Participant, people[0].id), Status.PENDING, FOCAL
        )
    with app.app_context():
        db.session.get(Delegation, delegation.id).cap_override = 2
        db.session.commit()
    with app.app_context(), pytest.raises(DelegationFull):
        registration.change_status(
            db.session, db.session.get(Participant, people[1].id), Status.ACCREDITED, ORGANIZER
        )


def test_deadline_closes_registration_for_focal_points_only(app, make_event, make_delegation):
    event = make_event(registration_deadline=utcnow() - timedelta(hours=1), contact_email="isu@example.org")
    delegation = make_delegation(event=event)
    with pytest.raises(RegistrationClosed) as closed:
        add(app, delegation.id, person(1))
    assert "isu@example.org" in closed.value.detail
    assert add(app, delegation.id, person(1), actor=ORGANIZER).status == Status.PENDING


def test_registration_not_yet_open(app, make_event, make_delegation):
    event = make_event(registration_opens_at=utcnow() + timedelta(days=1))
    with pytest.raises(RegistrationClosed, match="opens on"):
        add(app, make_delegation(event=event).id, person(1))


@pytest.mark.parametrize(
    ("start", "target", "allowed"),
    [
        (Status.PENDING, Status.ACCREDITED, True),
        (Status.PENDING, Status.REJECTED, True),
        (Status.PENDING, Status.WITHDRAWN, True),
        (Status.ACCREDITED, Status.WITHDRAWN, True),
        (Status.WITHDRAWN, Status.PENDING, True),
        (Status.ACCREDITED, Status.REJECTED, False),
        (Status.REJECTED, Status.ACCREDITED, False),
        (Status.WITHDRAWN, Status.ACCREDITED, False),
    ],
)
def test_status_transition_table(app, make_participant, start, target, allowed):
    participant = make_participant(status=start)
    with app.app_context():
        row = db.session.get(Participant, participant.id)
        if allowed:
            registration.change_status(db.session, row, target, ORGANIZER)
            db.session.commit()
            assert row.status == target
        else:
            with pytest.raises(InvalidTransition):
                registration.change_status(db.session, row, target, ORGANIZER)


def test_duplicates_are_refused(app, make_event, make_delegation):
    event = make_event()
    delegation = make_delegation(event=event)
    add(app, delegation.id, person(1, email="ana@example.org"))
    with pytest.raises(DuplicateParticipant):
        add(app, delegation.id, {"given_name": "PERSON1", "family_name": "delegate"})
    with pytest.raises(DuplicateParticipant):
        add(app, make_delegation(event=event).id, person(2, email="ANA@example.org"))
    assert add(app, make_delegation().id, person(2, email="ana@example.org")).id  # another event: fine


def test_invalid_input_lists_field_errors_and_writes_nothing(app, make_delegation):
    delegation = make_delegation()
    with pytest.raises(ValidationFailed) as invalid:
        add(
            app,
            delegation.id,
            {"given_name": "", "family_name": "X" * 200, "email": "nope", "mode": "by fax"},
        )
    assert set(invalid.value.errors) == {"given_name", "family_name", "email", "mode"}
    assert count(app, delegation.id) == 0


def test_every_change_is_audited(app, make_delegation):
    delegation = make_delegation()
    participant = add(app, delegation.id, person(1))
    with app.app_context():
        registration.change_status(
            db.session, db.session.get(Participant, participant.id), Status.ACCREDITED, ORGANIZER
        )
        db.session.commit()
        actions = db.session.execute(
            select(AuditEntry.action, AuditEntry.actor).where(AuditEntry.entity_id == participant.id)
        ).all()
    assert ("participant.create", "delegation:test") in actions
    assert ("participant.accredited", "user:test") in actions


def test_auto_accredit_accredits_and_queues_the_confirmation(app, make_event, make_delegation):
    delegation = make_delegation(event=make_event(auto_accredit=True))
    participant = add(app, delegation.id, person(1, email="p1@example.org"))
    assert participant.status == Status.ACCREDITED


@pytest.mark.parametrize("already", [0, 2])
def test_racing_threads_never_exceed_the_cap(app, make_delegation, already):
    """Many requests race for the places; exactly the cap is reached, never more."""
    delegation = make_delegation()
    for n in range(already):
        add(app, delegation.id, person(100 + n))
    threads_count = 12
    barrier = threading.Barrier(threads_count)
    outcomes: list[str] = []
    lock = threading.Lock()

    def race(n: int) -> None:
        barrier.wait()
        try:
            add(app, delegation.id, person(n))
            result = "added"
        except DelegationFull:
            result = "full"
        except Exception as exc:  # noqa: BLE001 — any other outcome fails the test below
            result = repr(exc)
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=race, args=(n,)) for n in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(set(outcomes)) == ["added", "full"], outcomes
    assert outcomes.count("added") == 3 - already
    with app.app_context():
        assert registration.places_used(db.session, delegation.id) == 3


def test_a_selection_changes_all_or_names_the_one_refused(app, make_event, make_delegation, make_participant):
    event = make_event()
    chile = make_delegation(event=event)
    ana = make_participant(chile, status=Status.PENDING)
    withdrawn = make_participant(chile, status=Status.WITHDRAWN)
    other = make_participant(make_delegation())
    with app.app_context():
        with pytest.raises(registration.StatusChangeRefused) as refused:
            registration.change_statuses(
                db.session, event.id, [ana.id, withdrawn.id], Status.ACCREDITED, ORGANIZER
            )
        assert refused.value.participant.id == withdrawn.id and refused.value.status == 409
        db.session.rollback()
        with pytest.raises(NotFound):
            registration.change_statuses(
                db.session, event.id, [ana.id, other.id], Status.ACCREDITED, ORGANIZER
            )
        db.session.rollback()
        done = registration.change_statuses(db.session, event.id, [ana.id], Status.ACCREDITED, ORGANIZER)
        assert [p.status for p in done] == [Status.ACCREDITED]


def test_a_focal_point_reaches_only_their_delegations_people(app, make_delegation, make_participant):
    chile, peru = make_delegation(), make_delegation()
    ana = make_participant(chile)
    with app.app_context():
        assert registration.participant_of_delegation(db.session, chile.id, ana.id).id == ana.id
        with pytest.raises(NotFound):
            registration.participant_of_delegation(db.session, peru.id, ana.id)
        with pytest.raises(NotFound):
            registration.participant_of_delegation(db.session, chile.id, 10**9)
