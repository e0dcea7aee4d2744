"""Status changes under the lock: concurrent changes end as some serial order of them would."""

from __future__ import annotations

import random
import threading
from collections import Counter
from functools import cache

from sqlalchemy import func, select

from kiosk.extensions import db
from kiosk.models import TRANSITIONS, OutgoingMail, Participant, Role, Status
from kiosk.services import registration
from kiosk.services.audit import Actor
from kiosk.services.errors import InvalidTransition

ORGANIZER = Actor("user:race", Role.ORGANIZER)
TARGETS = (Status.ACCREDITED, Status.REJECTED, Status.WITHDRAWN)
THREADS = 10
ROUNDS = 12


def explained_by_a_serial_order(results: list[tuple[Status, bool]], final: Status) -> bool:
    """Whether running the changes one after the other, in some order, gives these outcomes and `final`."""
    kinds = sorted(Counter(results).items())
    keys = [kind for kind, _count in kinds]

    @cache
    def search(status: Status, remaining: tuple[int, ...]) -> bool:
        if not any(remaining):
            return status == final
        for i, (target, succeeded) in enumerate(keys):
            if remaining[i] and (target in TRANSITIONS[status]) == succeeded:
                after = target if succeeded else status
                if search(after, remaining[:i] + (remaining[i] - 1,) + remaining[i + 1 :]):
                    return True
        return False

    return search(Status.PENDING, tuple(count for _kind, count in kinds))


def test_the_checker_refuses_what_no_serial_order_gives():
    # The bug this file guards against: accredit and reject both succeeding.
    assert not explained_by_a_serial_order(
        [(Status.ACCREDITED, True), (Status.REJECTED, True)], Status.REJECTED
    )
    # A withdrawal undone by a later accreditation.
    assert not explained_by_a_serial_order(
        [(Status.WITHDRAWN, True), (Status.ACCREDITED, True)], Status.ACCREDITED
    )
    assert explained_by_a_serial_order(
        [(Status.ACCREDITED, True), (Status.REJECTED, False)], Status.ACCREDITED
    )


def race(app, participant_id: int, targets: list[Status]) -> list[tuple[Status, bool]]:
    """Run one status change per thread, all at once, each from a copy read before the others commit."""
    barrier = threading.Barrier(len(targets))
    results: list[tuple[Status, bool] | str] = [""] * len(targets)

    def change(index: int, target: Status) -> None:
        with app.app_context():
            try:
                participant = db.session.get(Participant, participant_id)
                assert participant.status == Status.PENDING  # everyone starts from the same stale read
                barrier.wait()
                registration.change_status(db.session, participant, target, ORGANIZER)
                db.session.commit()
                results[index] = (target, True)
            except InvalidTransition:
                db.session.rollback()
                results[index] = (target, False)
            except Exception as exc:  # noqa: BLE001 — any other outcome fails the test
                db.session.rollback()
                results[index] = repr(exc)

    threads = [threading.Thread(target=change, args=(i, t)) for i, t in enumerate(targets)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert all(isinstance(r, tuple) for r in results), results
    return results  # type: ignore[return-value]


def test_concurrent_mixed_transitions_serialise(app, make_delegation, make_participant):
    rng = random.Random(6)
    delegation = make_delegation()
    for round_number in range(ROUNDS):
        person = make_participant(
            delegation=delegation, email=f"race{round_number}@example.org", status=Status.PENDING
        )
        targets = [rng.choice(TARGETS) for _ in range(THREADS)]
        results = race(app, person.id, targets)
        with app.app_context():
            final = db.session.get(Participant, person.id).status
            mails = db.session.execute(
                select(func.count()).select_from(OutgoingMail).filter_by(participant_id=person.id)
            ).scalar_one()
        assert explained_by_a_serial_order(results, final), (round_number, results, final)
        # Every successful accreditation queued one confirmation, and no other change did.
        assert mails == sum(1 for target, ok in results if ok and target == Status.ACCREDITED)
        # From pending, exactly one of the racing changes can win (nothing leads back to pending here),
        # except a withdrawal after an accreditation.
        winners = sorted(target for target, ok in results if ok)
        assert winners in ([final], sorted([Status.ACCREDITED, Status.WITHDRAWN])), (winners, final)
