"""Retention: personal data of events that ended long enough ago is removed; anonymous figures stay.

Rows are anonymised in place, not deleted: a participant row keeps its event, delegation,
category, gender, mode, status and times, and loses its name, function, e-mail address, photo
and reference; its encrypted identity details (services/identity_details.py) are
deleted. A credentials document keeps its kind, authority, date and decision, and loses its
file, preview, reference number, note and the people it names.
The counters (headcounts, gender balance, categories, arrivals, door figures)
are not touched, and `recount-counters` still finds them equal to the rows. Updates are plain
SQL statements: the flush listeners that keep counters and search keys do not run.

See docs/operations/data.md for what is kept where, and for how long.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import String, cast, delete, false, func, literal, or_, select, update
from sqlalchemy.orm import Session

from kiosk.models import (
    ApiToken,
    AuditEntry,
    CredentialDocument,
    Delegation,
    Event,
    IdentityDetails,
    KioskCode,
    MailStatus,
    NameKey,
    OutgoingMail,
    Participant,
    Printer,
    PrintJob,
)
from kiosk.models.base import utcnow
from kiosk.models.document import document_participants
from kiosk.services import printing
from kiosk.services.audit import Actor, record

#: The action of the audit entry a purge writes for each event (and by which it is not purged twice).
PURGED = "personal_data.purged"
#: Files written by folder printers (badges.printers): badges, NAME-YYYYMMDD-HHMMSS-xxxxxxxx.png|pdf,
#: and receipts, receipt-NUMBER-YYYYMMDD-HHMMSS-xxxxxxxx.escpos.
PRINTED_FILE = re.compile(r".+-\d{8}-\d{6}-[0-9a-f]{8}\.(png|pdf|escpos)$")


@dataclass
class EventPurge:
    """What a purge removes from one event."""

    slug: str
    ends_on: date
    participants: int
    photos: int
    delegations: int
    tokens: int
    audit_entries: int
    identity_details: int = 0
    documents: int = 0


@dataclass
class PurgeReport:
    """What a purge removed (or, in a dry run, would remove)."""

    cutoff: date
    events: list[EventPurge] = field(default_factory=list)
    already_purged: list[str] = field(default_factory=list)
    mails: int = 0
    files: list[Path] = field(default_factory=list)

    def lines(self) -> list[str]:
        """The report as sentences, one per line."""
        out = [f"Events that ended before {self.cutoff.isoformat()}:"]
        for e in self.events:
            out.append(
                f"  {e.slug} (ended {e.ends_on.isoformat()}): {e.participants} participants anonymised "
                f"({e.photos} photos), {e.delegations} delegations' focal points and private links, "
                f"{e.tokens} focal-point tokens, {e.documents} credentials documents' files, "
                f"{e.audit_entries} audit entries' details, "
                f"{e.identity_details} participants' identity details"
            )
        if not self.events:
            out.append("  none with personal data left")
        if self.already_purged:
            out.append(f"  already purged: {', '.join(self.already_purged)}")
        out.append(f"E-mail messages kept in the database: {self.mails}")
        out.append(f"Files (outbox, printed badges and receipts): {len(self.files)}")
        out.extend(f"  {path}" for path in self.files)
        return out


def _ended_events(session: Session, cutoff: date) -> list[Event]:
    return list(
        session.execute(select(Event).where(Event.ends_on < cutoff).order_by(Event.ends_on)).scalars()
    )


def _purged_ids(session: Session) -> set[int]:
    return set(session.execute(select(AuditEntry.event_id).where(AuditEntry.action == PURGED)).scalars())


def _old_files(folder: Path, before: datetime, pattern: re.Pattern[str] | None = None) -> list[Path]:
    if not folder.is_dir():
        return []
    limit = before.timestamp()
    return sorted(
        path
        for path in folder.iterdir()
        if path.is_file() and path.stat().st_mtime < limit and (pattern is None or pattern.match(path.name))
    )


def _files(session: Session, outbox: Path, before: datetime) -> list[Path]:
    """Files older than `before` that hold personal data: the outbox, and what folder printers wrote."""
    found = _old_files(outbox, before)
    for printer in session.execute(select(Printer)).scalars():
        connection = printer.connection or {}
        kind, path = connection.get("type"), connection.get("path")
        if not path or printing.connection_problem(printer.kind, connection):
            continue  # nothing is removed outside PRINTER_FILES_DIR, even for a printer saved before the rule
        if kind in ("png_folder", "hot_folder", "folder"):
            found += _old_files(Path(path), before, PRINTED_FILE)
        elif kind == "file":  # receipts appended to one file
            receipt = Path(path)
            if receipt.is_file() and receipt.stat().st_mtime < before.timestamp():
                found.append(receipt)
    return sorted(set(found))


def _count(session: Session, statement) -> int:
    return session.execute(select(func.count()).select_from(statement.subquery())).scalar_one()


def purge_personal_data(
    session: Session,
    *,
    days: int,
    actor: Actor,
    outbox: Path,
    dry_run: bool = False,
    today: date | None = None,
    now: datetime | None = None,
) -> PurgeReport:
    """Remove the personal data of events that ended more than `days` days ago (the caller commits).

    Also removes e-mail messages and files (outbox, printed badges and receipts) older than
    `days` days, and the messages sent to the people of the purged events. A dry run counts and
    changes nothing. One audit entry per purged event records what went.
    """
    now = now or utcnow()
    cutoff = (today or now.date()) - timedelta(days=days)
    older_than = now - timedelta(days=days)
    report = PurgeReport(cutoff=cutoff)
    done = _purged_ids(session)
    addresses: set[str] = set()
    for event in _ended_events(session, cutoff):
        if event.id in done:
            report.already_purged.append(event.slug)
            continue
        people = select(Participant.id).where(Participant.event_id == event.id)
        delegations = select(Delegation.id).where(Delegation.event_id == event.id)
        addresses.update(
            address.lower()
            for address in session.execute(
                select(Participant.email).where(Participant.event_id == event.id, Participant.email != "")
            ).scalars()
        )
        addresses.update(
            address.lower()
            for address in session.execute(
                select(Delegation.focal_point_email).where(
                    Delegation.event_id == event.id, Delegation.focal_point_email != ""
                )
            ).scalars()
        )
        purge = EventPurge(
            slug=event.slug,
            ends_on=event.ends_on,
            participants=_count(session, people),
            photos=_count(session, people.where(Participant.photo.is_not(None))),
            delegations=_count(session, delegations),
            identity_details=_count(
                session,
                select(IdentityDetails.participant_id).where(IdentityDetails.participant_id.in_(people)),
            ),
            tokens=_count(session, select(ApiToken.id).where(ApiToken.delegation_id.in_(delegations))),
            audit_entries=_count(session, select(AuditEntry.id).where(AuditEntry.event_id == event.id)),
            documents=_count(
                session,
                select(CredentialDocument.id).where(
                    CredentialDocument.event_id == event.id, CredentialDocument.content.is_not(None)
                ),
            ),
        )
        report.events.append(purge)
        if dry_run:
            continue
        session.execute(
            update(Participant)
            .where(Participant.event_id == event.id)
            .values(
                title="",
                given_name="",
                family_name="",
                badge_name="",
                function="",
                email="",
                photo=None,
                photo_type=None,
                # Unique within the event, and no longer anyone's code: "~" and the row's id.
                reference=literal("~").concat(cast(Participant.id, String)),
            )
            .execution_options(synchronize_session=False)
        )
        session.execute(delete(NameKey).where(NameKey.event_id == event.id))
        session.execute(delete(IdentityDetails).where(IdentityDetails.participant_id.in_(people)))
        documents = select(CredentialDocument.id).where(CredentialDocument.event_id == event.id)
        session.execute(
            delete(document_participants).where(document_participants.c.document_id.in_(documents))
        )
        session.execute(
            update(CredentialDocument)
            .where(CredentialDocument.event_id == event.id)
            .values(content=None, preview=None, reference="", decision_note="")
            .execution_options(synchronize_session=False)
        )
        session.execute(delete(KioskCode).where(KioskCode.participant_id.in_(people)))
        session.execute(
            update(Delegation)
            .where(Delegation.event_id == event.id)
            .values(focal_point_name="", focal_point_email="", access_token_hash=None)
            .execution_options(synchronize_session=False)
        )
        session.execute(delete(ApiToken).where(ApiToken.delegation_id.in_(delegations)))
        session.execute(
            update(PrintJob)
            .where(PrintJob.participant_id.in_(people))
            .values(last_error=None)
            .execution_options(synchronize_session=False)
        )
        session.execute(
            update(AuditEntry)
            .where(AuditEntry.event_id == event.id)
            .values(changes={})
            .execution_options(synchronize_session=False)
        )
        record(
            session,
            actor,
            PURGED,
            "event",
            event.id,
            event_id=event.id,
            changes={
                "ended_on": event.ends_on.isoformat(),
                "days": days,
                "participants": purge.participants,
                "photos": purge.photos,
                "identity_details": purge.identity_details,
                "delegations": purge.delegations,
                "tokens": purge.tokens,
                "audit_entries": purge.audit_entries,
                "documents": purge.documents,
            },
        )
    mails = select(OutgoingMail.id).where(
        or_(
            (OutgoingMail.created_at < older_than) & (OutgoingMail.status != MailStatus.QUEUED),
            func.lower(OutgoingMail.recipient).in_(sorted(addresses)) if addresses else false(),
        )
    )
    report.mails = _count(session, mails)
    report.files = _files(session, outbox, older_than)
    if not dry_run:
        session.execute(delete(OutgoingMail).where(OutgoingMail.id.in_(mails)))
        if report.events or report.mails or report.files:
            record(
                session,
                actor,
                PURGED,
                "retention",
                None,
                changes={"days": days, "mails": report.mails, "files": len(report.files)},
            )
    return report


def remove_files(paths: Iterable[Path]) -> None:
    """Delete the files a purge found (after its transaction is committed)."""
    for path in paths:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
