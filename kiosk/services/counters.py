"""Counters: every figure organizers watch, changed in the same transaction as what it counts.

A headcount then reads a few dozen rows, however many participants and scans there are.
Every counter is a named integer of an event (`Counter`). The names, and who keeps them:

- `participants:{status}:{category}:{gender}:{mode}` and `delegation:{id}:{status}:{gender}:{mode}`:
  this module, on every flush of a participant;
- `checked_in`, `checked_in:{category}`, `arrivals:{YYYY-MM-DDTHH:MM}` (UTC, 15 minutes):
  the check-in service;
- `inside:venue:{id}`, `inside:checkpoint:{id}`, `scans:{checkpoint}:{direction}:{result}`:
  the door service.

`recount(session, event_id)` derives every counter again from the raw rows, through the
functions registered with `@recounter`, and reports (and with `fix=True` repairs) differences.
"""

from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Callable, Mapping
from datetime import datetime

from sqlalchemy import Executable, delete, event, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, attributes

from kiosk.models import Counter, Delegation, Participant

Recounter = Callable[[Session, int], Mapping[str, int]]
RECOUNTERS: list[Recounter] = []


def _upsert(insert) -> Executable:
    """INSERT … ON CONFLICT DO UPDATE adding to the counter: one statement, compiled once and cached."""
    statement = insert(Counter)
    return statement.on_conflict_do_update(
        index_elements=[Counter.event_id, Counter.name],
        set_={"value": Counter.value + statement.excluded.value},
    )


_UPSERTS = {"sqlite": _upsert(sqlite_insert), "postgresql": _upsert(pg_insert)}


def add(session: Session, event_id: int, deltas: Mapping[str, int]) -> None:
    """Add `deltas` to the event's counters (created at zero when missing), in the caller's transaction.

    Rows are changed in name order, so two transactions never wait for each other's rows crosswise.
    """
    rows = [
        {"event_id": event_id, "name": name, "value": delta}
        for name, delta in sorted(deltas.items())
        if delta
    ]
    if rows:
        connection = session.connection()
        connection.execute(_UPSERTS[connection.dialect.name], rows)


def values(session: Session, event_id: int, prefix: str = "") -> dict[str, int]:
    """The event's counters whose names start with `prefix`, by name."""
    query = select(Counter.name, Counter.value).where(Counter.event_id == event_id)
    if prefix:
        query = query.where(Counter.name.startswith(prefix, autoescape=True))
    return {name: value for name, value in session.execute(query)}


def arrival_bucket(moment: datetime) -> str:
    """The name of the 15-minute arrivals counter that `moment` falls in (UTC)."""
    quarter = moment.replace(minute=moment.minute - moment.minute % 15)
    return "arrivals:" + quarter.isoformat(timespec="minutes")[:16]


# --- participants: counted on every flush -------------------------------------------------------


def participant_keys(
    status: str, category: str, gender: str, mode: str, delegation_id: int
) -> tuple[str, str]:
    """The event-wide and the delegation counter a participant in this state counts in."""
    return (
        f"participants:{status}:{category}:{gender}:{mode}",
        f"delegation:{delegation_id}:{status}:{gender}:{mode}",
    )


_COUNTED = ("status", "gender", "mode", "delegation_id")


def _state(session: Session, participant: Participant, which: str) -> tuple | None:
    """The counted attributes of a participant before (`old`) or after (`new`) this flush."""
    values_ = []
    for name in _COUNTED:
        history = attributes.get_history(participant, name)
        if which == "old" and history.has_changes():
            value = history.deleted[0] if history.deleted else None
        else:
            value = getattr(participant, name)
        if value is None and which == "new":  # not yet inserted: the column's default will apply
            default = Participant.__table__.c[name].default
            value = default.arg if default is not None and default.is_scalar else None
        if value is None:
            return None
        values_.append(getattr(value, "value", value))
    status, gender, mode, delegation_id = values_
    delegation = session.get(Delegation, delegation_id)
    return (status, delegation.category.value, gender, mode, delegation_id)


def _count_participants(session: Session, _context, _instances) -> None:
    """Move each added, changed or deleted participant between counters, in this transaction."""
    deltas: dict[int, Tally] = {}
    with session.no_autoflush:
        for obj in session.new:
            if isinstance(obj, Participant):
                _shift(deltas, obj.event_id, None, _state(session, obj, "new"))
        for obj in session.dirty:
            if isinstance(obj, Participant) and any(
                attributes.get_history(obj, name).has_changes() for name in _COUNTED
            ):
                _shift(deltas, obj.event_id, _state(session, obj, "old"), _state(session, obj, "new"))
            elif isinstance(obj, Delegation) and attributes.get_history(obj, "category").has_changes():
                _move_delegation(session, deltas, obj)
        for obj in session.deleted:
            if isinstance(obj, Participant):
                _shift(deltas, obj.event_id, _state(session, obj, "old"), None)
        for event_id, tally in deltas.items():
            add(session, event_id, tally)


def _shift(deltas: dict[int, Tally], event_id: int, old: tuple | None, new: tuple | None) -> None:
    tally = deltas.setdefault(event_id, Tally())
    if old:
        tally.subtract(participant_keys(*old))
    if new:
        tally.update(participant_keys(*new))


def _move_delegation(session: Session, deltas: dict[int, Tally], delegation: Delegation) -> None:
    """A delegation that changes category takes its participants' counts along."""
    history = attributes.get_history(delegation, "category")
    old = getattr(history.deleted[0], "value", history.deleted[0]) if history.deleted else None
    if old is None:
        return
    tally = deltas.setdefault(delegation.event_id, Tally())
    for name, value in values(session, delegation.event_id, f"delegation:{delegation.id}:").items():
        _prefix, _id, status, gender, mode = name.split(":")
        tally[f"participants:{status}:{old}:{gender}:{mode}"] -= value
        tally[f"participants:{status}:{delegation.category.value}:{gender}:{mode}"] += value


def init_app(_app: object = None) -> None:
    """Count participants on every flush of any session (once per process)."""
    if not event.contains(Session, "before_flush", _count_participants):
        event.listen(Session, "before_flush", _count_participants)


# --- recount ------------------------------------------------------------------------------------


def recounter(function: Recounter) -> Recounter:
    """Register a function that derives some counters of an event from the raw rows."""
    RECOUNTERS.append(function)
    return function


@recounter
def count_participants(session: Session, event_id: int) -> Mapping[str, int]:
    """The participant counters, from the participants table."""
    rows = session.execute(
        select(
            Participant.status,
            Delegation.category,
            Participant.gender,
            Participant.mode,
            Participant.delegation_id,
            func.count(),
        )
        .join(Delegation, Delegation.id == Participant.delegation_id)
        .where(Participant.event_id == event_id)
        .group_by(
            Participant.status,
            Delegation.category,
            Participant.gender,
            Participant.mode,
            Participant.delegation_id,
        )
    )
    tally: Tally = Tally()
    for status, category, gender, mode, delegation_id, count in rows:
        for key in participant_keys(status.value, category.value, gender.value, mode.value, delegation_id):
            tally[key] += count
    return tally


def recount(session: Session, event_id: int, *, fix: bool = False) -> dict[str, tuple[int, int]]:
    """Counters that differ from the raw rows, as {name: (stored, counted)}; `fix` stores the counts."""
    expected: Tally = Tally()
    for function in RECOUNTERS:
        expected.update(function(session, event_id))
    stored = values(session, event_id)
    differences = {
        name: (stored.get(name, 0), expected.get(name, 0))
        for name in set(stored) | set(expected)
        if stored.get(name, 0) != expected.get(name, 0)
    }
    if fix and differences:
        session.execute(delete(Counter).where(Counter.event_id == event_id))
        add(session, event_id, {name: value for name, value in expected.items() if value})
    return differences


def totals(counters: Mapping[str, int], prefix: str, field: int) -> dict[str, int]:
    """Sum counters named `prefix:a:b:…` by their `field`-th part (1 = the first after the prefix)."""
    result: Tally = Tally()
    for name, value in counters.items():
        parts = name.split(":")
        if parts[0] == prefix and value:
            result[parts[field]] += value
    return dict(result)
