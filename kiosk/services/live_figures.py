"""An event's live figures (its headcount), read from its counters (see services.counters), never recounted.

Definitions (every figure is a number of participants unless said otherwise):

- `registered`: participants whose registration stands, i.e. pending or accredited, in person or
  online (rejected and withdrawn people are not registered);
- `accredited`: participants whose status is accredited;
- `in_person`: registered participants who attend in person (they take venue places);
- `checked_in`: participants who collected their badge at a kiosk or the desk (the `checked_in`
  counter kept by the check-in service; a later withdrawal does not undo a check-in);
- `inside`: people inside now, summed over the venues' `inside:venue:{id}` counters kept by the
  door service (an accepted entry adds one, an accepted exit takes one away);
- `capacity`: seats of the event's venue (None when unknown); `venues` lists every venue with its
  `inside`, `capacity`, `share` (inside / capacity, in percent) and `warning` (share ≥ 90 %);
- `by_category`: per delegation category, `registered`, `accredited`, `in_person` and `checked_in`;
- `by_checkpoint`: per checkpoint, `inside` (people who entered there and are still in),
  accepted `in` and `out` scans, and `refused` scans;
- `gender`: registered participants by declared gender, `overall`, `by_category` and
  `by_delegation`;
- `delegations_at_cap`: delegations whose in-person, pending or accredited participants fill
  their cap (or exceed it after a cap was lowered), with `used` and `cap`; empty when the event
  does not cap in-person places;
- `arrivals`: check-ins per 15-minute period (UTC start, ISO 8601), in time order.

A snapshot reads the event's counters (one row per counter: a few per delegation, category,
checkpoint and quarter-hour), the event's delegations, venues and checkpoints; its cost does not
grow with the number of participants or scans.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kiosk.models import (
    Category,
    Checkpoint,
    Delegation,
    Event,
    Gender,
    JobStatus,
    Kiosk,
    Participant,
    Printer,
    PrintJob,
    Venue,
)
from kiosk.models.participant import holds_a_place
from kiosk.services import counters, printworker

#: From this share of a venue's capacity on, the dashboard warns.
WARNING_SHARE = 90
REGISTERED = ("pending", "accredited")
GENDERS = tuple(g.value for g in Gender)
CATEGORIES = tuple(c.value for c in Category)


def _genders() -> dict[str, int]:
    return dict.fromkeys(GENDERS, 0)


@dataclass
class _Tallies:
    """The participant counters of an event, added up along each axis the dashboard shows."""

    registered: int = 0
    accredited: int = 0
    in_person: int = 0


def snapshot(session: Session, event: Event) -> dict[str, Any]:
    """Every figure of the dashboard and of `GET …/headcount`, as JSON-ready values (see module)."""
    values = counters.values(session, event.id)
    totals = _Tallies()
    by_category: dict[str, dict[str, int]] = {
        c: {"registered": 0, "accredited": 0, "in_person": 0, "checked_in": 0} for c in CATEGORIES
    }
    gender_overall = _genders()
    gender_by_category: dict[str, dict[str, int]] = {c: _genders() for c in CATEGORIES}
    delegation_gender: dict[int, dict[str, int]] = {}
    delegation_used: dict[int, int] = defaultdict(int)
    inside_venue: dict[int, int] = {}
    checkpoint_figures: dict[int, dict[str, int]] = {}
    arrivals: list[tuple[str, int]] = []
    checked_in = 0
    for name, value in values.items():
        parts = name.split(":")
        kind = parts[0]
        if kind == "participants" and len(parts) == 5:
            _, status, category, gender, mode = parts
            if status not in REGISTERED:
                continue
            figures = by_category.setdefault(
                category, {"registered": 0, "accredited": 0, "in_person": 0, "checked_in": 0}
            )
            figures["registered"] += value
            totals.registered += value
            if status == "accredited":
                figures["accredited"] += value
                totals.accredited += value
            if mode == "in_person":
                figures["in_person"] += value
                totals.in_person += value
            gender_overall[gender] = gender_overall.get(gender, 0) + value
            by_gender = gender_by_category.setdefault(category, _genders())
            by_gender[gender] = by_gender.get(gender, 0) + value
        elif kind == "delegation" and len(parts) == 5:
            _, ident, status, gender, mode = parts
            if status not in REGISTERED or not ident.isdigit():
                continue
            by_gender = delegation_gender.setdefault(int(ident), _genders())
            by_gender[gender] = by_gender.get(gender, 0) + value
            if holds_a_place(status, mode):
                delegation_used[int(ident)] += value
        elif name == "checked_in":
            checked_in = value
        elif kind == "checked_in" and len(parts) == 2:
            by_category.setdefault(
                parts[1], {"registered": 0, "accredited": 0, "in_person": 0, "checked_in": 0}
            )["checked_in"] += value
        elif kind == "arrivals" and len(parts) >= 2:
            arrivals.append((name[len("arrivals:") :], value))
        elif kind == "inside" and len(parts) == 3 and parts[2].isdigit():
            if parts[1] == "venue":
                inside_venue[int(parts[2])] = value
            elif parts[1] == "checkpoint":
                checkpoint_figures.setdefault(int(parts[2]), _checkpoint_zero())["inside"] = value
        elif kind == "scans" and len(parts) == 4 and parts[1].isdigit():
            figures = checkpoint_figures.setdefault(int(parts[1]), _checkpoint_zero())
            if parts[3] == "refused":
                figures["refused"] += value
            elif parts[2] in ("in", "out"):
                figures[parts[2]] += value

    delegations = session.execute(
        select(Delegation.id, Delegation.name, Delegation.category, Delegation.cap_override).where(
            Delegation.event_id == event.id
        )
    ).all()
    at_cap = []
    by_delegation = []
    for ident, name, category, cap_override in sorted(delegations, key=lambda row: row.name.casefold()):
        cap = cap_override if cap_override is not None else event.default_cap
        used = delegation_used.get(ident, 0)
        if event.cap_in_person and used >= cap:
            at_cap.append({"id": ident, "name": name, "category": category.value, "cap": cap, "used": used})
        if ident in delegation_gender and any(delegation_gender[ident].values()):
            by_delegation.append({"id": ident, "name": name, **delegation_gender[ident]})

    venues = _venues(session, event, inside_venue)
    checkpoints = _checkpoints(session, event.id, checkpoint_figures)
    capacity = event.venue.capacity if event.venue is not None else None
    return {
        "event": event.slug,
        "registered": totals.registered,
        "accredited": totals.accredited,
        "in_person": totals.in_person,
        "checked_in": checked_in,
        "inside": sum(inside_venue.values()),
        "capacity": capacity,
        "venues": venues,
        "by_category": by_category,
        "by_checkpoint": checkpoints,
        "gender": {
            "overall": gender_overall,
            "by_category": gender_by_category,
            "by_delegation": by_delegation,
        },
        "delegations_at_cap": at_cap,
        "arrivals": [{"at": f"{at}:00Z", "count": count} for at, count in sorted(arrivals) if count],
    }


def _checkpoint_zero() -> dict[str, int]:
    return {"inside": 0, "in": 0, "out": 0, "refused": 0}


def share(inside: int, capacity: int | None) -> int | None:
    """Whole-number percentage of a capacity in use (None without a capacity)."""
    return round(100 * inside / capacity) if capacity else None


def _venues(session: Session, event: Event, inside: dict[int, int]) -> list[dict[str, Any]]:
    """The event's venue and every venue someone is counted inside, with capacity and warning."""
    ids = set(inside) | ({event.venue_id} if event.venue_id else set())
    rows = session.execute(select(Venue).where(Venue.id.in_(ids))).scalars().all() if ids else []
    result = []
    for venue in sorted(rows, key=lambda v: (v.id != event.venue_id, v.name)):
        now_inside = inside.get(venue.id, 0)
        percent = share(now_inside, venue.capacity)
        result.append(
            {
                "id": venue.id,
                "name": venue.name,
                "capacity": venue.capacity,
                "inside": now_inside,
                "share": percent,
                "warning": percent is not None and percent >= WARNING_SHARE,
            }
        )
    return result


def _checkpoints(session: Session, event_id: int, figures: dict[int, dict[str, int]]) -> list[dict[str, Any]]:
    """Each checkpoint of the event with its figures, in name order (a counted id without a row last)."""
    rows = session.execute(
        select(Checkpoint.id, Checkpoint.name, Checkpoint.venue_id)
        .where(Checkpoint.event_id == event_id)
        .order_by(Checkpoint.name, Checkpoint.id)
    ).all()
    known = {ident for ident, _name, _venue in rows}
    listed = [(ident, name, venue_id) for ident, name, venue_id in rows]
    listed += [(ident, f"#{ident}", None) for ident in sorted(set(figures) - known)]
    return [
        {"id": ident, "name": name, "venue_id": venue_id, **figures.get(ident, _checkpoint_zero())}
        for ident, name, venue_id in listed
    ]


def printing_health(session: Session, event_id: int) -> dict[str, Any]:
    """Printers that are unreachable, this event's print jobs waiting, printing, failed or that may
    have printed, and whether the print worker has stopped."""
    waiting = (JobStatus.QUEUED, JobStatus.PRINTING, JobStatus.FAILED, JobStatus.UNCERTAIN)
    jobs: dict[int, dict[str, int]] = {}
    rows = session.execute(
        select(PrintJob.printer_id, PrintJob.status, func.count())
        .join(Participant, Participant.id == PrintJob.participant_id)
        .where(PrintJob.status.in_(waiting), Participant.event_id == event_id)
        .group_by(PrintJob.printer_id, PrintJob.status)
    ).all()
    for printer_id, status, number in rows:
        jobs.setdefault(printer_id, {s.value: 0 for s in waiting})[JobStatus(status).value] = number
    printers = []
    for printer in session.execute(select(Printer).order_by(Printer.name)).scalars():
        counts = jobs.get(printer.id, {s.value: 0 for s in waiting})
        printers.append(
            {
                "id": printer.id,
                "name": printer.name,
                "kind": printer.kind.value,
                "enabled": printer.enabled,
                "reachable": printer.reachable,
                "error": printer.last_error if printer.reachable is False else None,
                **counts,
            }
        )
    enabled = any(p["enabled"] for p in printers)
    return {
        "printers": printers,
        "unreachable": sum(1 for p in printers if p["enabled"] and p["reachable"] is False),
        "queued": sum(p["queued"] for p in printers),
        "printing": sum(p["printing"] for p in printers),
        "failed": sum(p["failed"] for p in printers),
        "uncertain": sum(p["uncertain"] for p in printers),
        # A boolean, not the last heartbeat: the figures' digest changes only when this does.
        "worker_stopped": enabled and not printworker.worker_status(session).running,
    }


#: A kiosk heard from within this many seconds counts as online.
KIOSK_ONLINE_SECONDS = 120


def kiosk_health(session: Session, event_id: int, now: datetime | None = None) -> list[dict[str, Any]]:
    """The event's kiosks with their state: online, offline, not enrolled or revoked."""
    now = now or datetime.now(UTC)
    rows = session.execute(
        select(Kiosk.id, Kiosk.name, Kiosk.enrolled_at, Kiosk.revoked_at, Kiosk.last_seen_at)
        .where(Kiosk.event_id == event_id)
        .order_by(Kiosk.name)
    ).all()
    result = []
    for ident, name, enrolled_at, revoked_at, last_seen_at in rows:
        if revoked_at is not None:
            state = "revoked"
        elif enrolled_at is None:
            state = "not_enrolled"
        elif (
            last_seen_at is not None and (now - _aware(last_seen_at)).total_seconds() <= KIOSK_ONLINE_SECONDS
        ):
            state = "online"
        else:
            state = "offline"
        seen = _aware(last_seen_at).isoformat(timespec="seconds") if last_seen_at else None
        result.append({"id": ident, "name": name, "state": state, "last_seen_at": seen})
    return result


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def with_health(session: Session, event: Event) -> dict[str, Any]:
    """What the live dashboard and the headcount API show: the snapshot, printing and kiosk health."""
    body = snapshot(session, event)
    body["printing"] = printing_health(session, event.id)
    body["kiosks"] = kiosk_health(session, event.id)
    return body
