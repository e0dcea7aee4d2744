"""Counters follow every change of participants in the same transaction; recount checks them."""

from __future__ import annotations

import threading
import time

import pytest
import redis

from kiosk.extensions import db
from kiosk.models import Category, Delegation, Gender, Mode, Participant, Role, Status
from kiosk.services import counters, live, registration
from kiosk.services.audit import Actor

ORGANIZER = Actor("user:test", Role.ORGANIZER)


def figures(app, event_id: int, prefix: str = "participants:") -> dict[str, int]:
    with app.app_context():
        return {k: v for k, v in counters.values(db.session, event_id, prefix).items() if v}


def recount(app, event_id: int) -> dict:
    with app.app_context():
        return counters.recount(db.session, event_id)


def test_registering_and_changing_participants_keeps_counters_true(app, make_delegation):
    delegation = make_delegation(category=Category.STATE_PARTY)
    with app.app_context():
        d = db.session.get(Delegation, delegation.id)
        ana = registration.add_participant(
            db.session, d, {"given_name": "Ana", "family_name": "Ruiz", "gender": "female"}, ORGANIZER
        )
        registration.add_participant(
            db.session, d, {"given_name": "Li", "family_name": "Wei", "mode": "online"}, ORGANIZER
        )
        db.session.commit()
        registration.change_status(db.session, ana, Status.ACCREDITED, ORGANIZER)
        db.session.commit()
    assert figures(app, delegation.event_id) == {
        "participants:accredited:state_party:female:in_person": 1,
        "participants:pending:state_party:undisclosed:online": 1,
    }
    assert figures(app, delegation.event_id, f"delegation:{delegation.id}:") == {
        f"delegation:{delegation.id}:accredited:female:in_person": 1,
        f"delegation:{delegation.id}:pending:undisclosed:online": 1,
    }
    assert recount(app, delegation.event_id) == {}


def test_every_counted_attribute_moves_the_counts(app, make_delegation, make_participant):
    delegation = make_delegation(category=Category.NGO)
    other = make_delegation(event=None, category=Category.NGO)
    person = make_participant(delegation, gender=Gender.MALE, status=Status.PENDING)
    with app.app_context():
        other_here = Delegation(event_id=delegation.event_id, name="Other NGO", category=Category.IGO)
        db.session.add(other_here)
        p = db.session.get(Participant, person.id)
        p.gender, p.mode, p.status = Gender.FEMALE, Mode.ONLINE, Status.REJECTED
        db.session.flush()
        p.delegation_id = other_here.id
        db.session.commit()
        assert counters.recount(db.session, delegation.event_id) == {}
        db.session.get(Delegation, other_here.id).category = Category.ICRC
        db.session.commit()
    assert figures(app, delegation.event_id) == {"participants:rejected:icrc:female:online": 1}
    assert recount(app, delegation.event_id) == {}
    assert figures(app, other.event_id) == {}


def test_a_rolled_back_change_counts_nothing(app, make_delegation):
    delegation = make_delegation()
    with app.app_context():
        d = db.session.get(Delegation, delegation.id)
        registration.add_participant(db.session, d, {"given_name": "A", "family_name": "B"}, ORGANIZER)
        db.session.flush()
        db.session.rollback()
    assert figures(app, delegation.event_id) == {}


def test_recount_finds_and_fixes_a_wrong_counter(app, make_participant):
    person = make_participant()
    with app.app_context():
        counters.add(
            db.session, person.event_id, {"participants:pending:state_party:undisclosed:in_person": 5}
        )
        db.session.commit()
        wrong = counters.recount(db.session, person.event_id, fix=True)
        db.session.commit()
    assert wrong == {"participants:pending:state_party:undisclosed:in_person": (6, 1)}
    assert recount(app, person.event_id) == {}


def test_a_commit_wakes_listeners_and_a_rollback_does_not(app, make_event):
    event = make_event()
    broker = app.extensions["live"]
    with app.app_context():
        seen = broker.version(event.id)
        live.touch(db.session, event.id)
        db.session.rollback()
        assert broker.wait(event.id, seen, timeout=0.2) == seen
        live.touch(db.session, event.id)
        db.session.commit()
    assert broker.wait(event.id, seen, timeout=1) == seen + 1


def test_redis_carries_changes_between_brokers(make_event):
    """Two brokers stand for two app processes that share one Redis."""
    client = redis.Redis.from_url("redis://127.0.0.1:6379/0")
    try:
        client.ping()
    except redis.RedisError:
        pytest.fail("Redis is not running on 127.0.0.1:6379: start it (see README, Tests).")
    event_id = 10_000 + int(time.time() * 1000) % 1_000_000
    here, there = live.Broker("redis://127.0.0.1:6379/0"), live.Broker("redis://127.0.0.1:6379/0")
    seen = there.version(event_id)
    woke: list[int] = []
    waiter = threading.Thread(target=lambda: woke.append(there.wait(event_id, seen, timeout=5)))
    waiter.start()
    here.publish(event_id)
    waiter.join()
    assert woke == [seen + 1]


def test_a_burst_of_changes_costs_few_redis_messages_and_the_last_one_arrives():
    client = redis.Redis.from_url("redis://127.0.0.1:6379/0")
    channel = f"kiosk:test:{time.time_ns()}"
    listening = client.pubsub()
    listening.subscribe(channel)
    assert listening.get_message(timeout=5)["type"] == "subscribe"
    broker = live.Broker("redis://127.0.0.1:6379/0", channel=channel)
    began = time.monotonic()
    for _ in range(200):
        broker.publish(7)
    burst = time.monotonic() - began
    senders = [t for t in threading.enumerate() if t.name == "live-sender" and t is broker._sender]
    assert len(senders) == 1, "held-back announcements go through one sender thread, not one each"
    messages = []
    while (message := listening.get_message(timeout=1)) is not None:
        messages.append((message["data"], time.monotonic() - began))
    listening.close()
    assert [data for data, _at in messages] == [b"7"] * len(messages)
    assert 2 <= len(messages) <= 2 + int(burst / live.PUBLISH_SPACING)
    assert messages[-1][1] >= burst, "the last announcement comes after the last change"
