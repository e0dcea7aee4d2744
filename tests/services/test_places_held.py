"""Who holds a place in a delegation: one definition (models.participant.holds_a_place), and
every count of places (the cap check, the delegation list, the headcount) agrees with it."""

from __future__ import annotations

import itertools

from sqlalchemy import select

from kiosk.extensions import db
from kiosk.models import Event, Participant, Status
from kiosk.models.participant import Mode, holds_a_place
from kiosk.services import events, live_figures, registration


def test_in_person_pending_or_accredited_people_hold_a_place():
    held = {(s, m) for s, m in itertools.product(Status, Mode) if holds_a_place(s, m)}
    assert held == {(Status.PENDING, Mode.IN_PERSON), (Status.ACCREDITED, Mode.IN_PERSON)}
    assert holds_a_place("pending", "in_person") and not holds_a_place("rejected", "in_person")


def test_every_count_of_places_agrees(app, make_event, make_delegation, make_participant):
    event = make_event(default_cap=4, cap_in_person=True)
    chile, peru = make_delegation(event=event), make_delegation(event=event)
    for status, mode in itertools.product(Status, Mode):  # one of each in Chile
        make_participant(delegation=chile, status=status, mode=mode)
    make_participant(delegation=peru, status=Status.ACCREDITED, mode=Mode.ONLINE)
    with app.app_context():
        session = db.session
        rows = session.execute(select(Participant).where(Participant.event_id == event.id)).scalars()
        by_rows = {chile.id: 0, peru.id: 0}
        for participant in rows:
            by_rows[participant.delegation_id] += participant.holds_place
        in_sql = session.execute(
            select(Participant.delegation_id).where(Participant.event_id == event.id, Participant.holds_place)
        ).scalars()
        by_sql = {chile.id: 0, peru.id: 0}
        for delegation_id in in_sql:
            by_sql[delegation_id] += 1
        listed = events.places_used_by_delegation(session, event.id)
        snapshot = live_figures.snapshot(session, session.get(Event, event.id))
        at_cap = {row["id"]: row["used"] for row in snapshot["delegations_at_cap"]}
        for delegation in (chile, peru):
            assert registration.places_used(session, delegation.id) == by_rows[delegation.id]
            assert listed.get(delegation.id, 0) == by_rows[delegation.id]
            assert by_sql[delegation.id] == by_rows[delegation.id]
    assert by_rows == {chile.id: 2, peru.id: 0}
    assert at_cap == {}  # 2 of 4: not at the cap; lowered to 2, Chile is listed with 2 used
    with app.app_context():
        session = db.session
        session.get(Event, event.id).default_cap = 2
        session.commit()
        snapshot = live_figures.snapshot(session, session.get(Event, event.id))
    assert {row["id"]: row["used"] for row in snapshot["delegations_at_cap"]} == {chile.id: 2}
