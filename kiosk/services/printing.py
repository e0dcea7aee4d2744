"""The print queue: jobs wait for their printer, retry with back-off, and are never dropped."""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import socket
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, object_session

from badges import codes, printers
from badges.render import BadgeData, render_pdf, render_png
from kiosk.models import (
    JOB_TRANSITIONS,
    JobKind,
    JobStatus,
    Participant,
    Printer,
    PrinterKind,
    PrintJob,
)
from kiosk.models.base import utcnow
from kiosk.services import badging, countries, live, printwake
from kiosk.services.dates import format_day, format_meeting, format_moment, format_stamp
from kiosk.services.errors import (
    DomainError,
    InvalidTransition,
    NoPrinter,
    NotAccredited,
    NotFound,
    ValidationFailed,
)
from kiosk.services.vocabulary import label

log = logging.getLogger(__name__)

#: How long a worker holds a printer for one job unless its heartbeat renews the lease (every
#: 2 s while the job is in progress): a worker that dies frees its printers within this time.
LEASE = timedelta(seconds=8)
#: Waits between attempts on a printer that is off: 10 s, 20 s, 40 s, … at most 5 minutes.
FIRST_BACKOFF = timedelta(seconds=10)
MAX_BACKOFF = timedelta(minutes=5)

#: The connection types of each kind of printer, and the settings each one needs.
CONNECTION_TYPES: dict[PrinterKind, dict[str, tuple[str, ...]]] = {
    PrinterKind.RECEIPT: {
        "network": ("host",),
        "usb": ("vendor_id", "product_id"),
        "serial": ("devfile",),
        "file": ("path",),
        "folder": ("path",),
        "dummy": (),
    },
    PrinterKind.BADGE: {
        "cups": ("queue",),
        "hot_folder": ("path",),
        "png_folder": ("path",),
    },
}
_PRINTER_KIND = {JobKind.BADGE: PrinterKind.BADGE, JobKind.RECEIPT: PrinterKind.RECEIPT}


#: Connection types that write files on this server: confined to PRINTER_FILES_DIR.
FILE_TYPES = frozenset({"file", "folder", "hot_folder", "png_folder"})
#: Where serial printers' devices are.
DEVICES = Path("/dev")


# --- printers -------------------------------------------------------------------------------


def printer_files_dir() -> Path:
    """The one folder file printers may write in (PRINTER_FILES_DIR), symlinks resolved."""
    return Path(current_app.config["PRINTER_FILES_DIR"]).resolve()


def _inside(value: Any, folder: Path, *, folder_too: bool) -> bool:
    """Whether `value` is an absolute path inside `folder` once symlinks and ".." are resolved."""
    path = Path(str(value))
    try:
        resolved = path.resolve()
    except (OSError, RuntimeError, ValueError):  # a symlink loop, a NUL
        return False
    return path.is_absolute() and (folder in resolved.parents or (folder_too and resolved == folder))


def _place_problem(ctype: str, connection: Mapping[str, Any], files_dir: Path | None) -> str | None:
    """Why a file printer's path or a serial printer's device is not one this server may write to."""
    if ctype == "serial" and not _inside(connection["devfile"], DEVICES, folder_too=False):
        return _("A serial printer's device must be in /dev, e.g. /dev/ttyUSB0.")
    if ctype in FILE_TYPES:
        folder = files_dir or printer_files_dir()
        if not _inside(connection["path"], folder, folder_too=ctype != "file"):
            return _(
                "Printers write only inside %(folder)s (PRINTER_FILES_DIR, set on the server): "
                "give the full path of a file or folder there.",
                folder=folder,
            )
    return None


def connection_problem(
    kind: PrinterKind, connection: Mapping[str, Any], fmt: str | None = None, *, files_dir: Path | None = None
) -> str | None:
    """Why a printer's settings cannot work, or None if they can.

    File printers may write only inside `files_dir` (default: PRINTER_FILES_DIR), checked each
    time they are used, symlinks and ".." resolved; serial devices only under /dev.
    """
    if not isinstance(connection, Mapping):
        return _("The connection must be a JSON object.")
    types = CONNECTION_TYPES[kind]
    ctype = connection.get("type")
    if ctype not in types:
        if kind == PrinterKind.BADGE:
            return _("A badge printer's connection type must be one of %(types)s.", types=", ".join(types))
        return _("A receipt printer's connection type must be one of %(types)s.", types=", ".join(types))
    missing = [key for key in types[ctype] if connection.get(key) in (None, "")]
    if missing:
        return _("The %(type)s connection needs %(keys)s.", type=ctype, keys=", ".join(missing))
    if ctype == "usb":
        for key in ("vendor_id", "product_id"):
            try:
                value = connection[key]
                int(value) if isinstance(value, int) else int(str(value), 0)
            except ValueError:
                return _("%(key)s must be a number such as 0x04b8.", key=key)
    if ctype == "network" and "port" in connection:
        try:
            if not 0 < int(connection["port"]) < 65536:
                raise ValueError
        except (TypeError, ValueError):
            return _("The port must be a number between 1 and 65535.")
    if kind == PrinterKind.BADGE and fmt is not None and fmt not in badging.FORMAT_NAMES:
        return _("The badge format must be card, card_portrait or a6.")
    return _place_problem(ctype, connection, files_dir)


def parse_connection(text: str) -> dict[str, Any]:
    """A connection given as JSON text."""
    try:
        value = json.loads(text or "{}")
    except json.JSONDecodeError as exc:
        raise ValidationFailed(
            _("The connection is not valid JSON: %(error)s.", error=exc.msg),
            {"connection": [_('Write a JSON object, e.g. {"type": "network", "host": "10.0.0.5"}.')]},
        ) from None
    if not isinstance(value, dict):
        raise ValidationFailed(
            _("The connection must be a JSON object."), {"connection": [_("Write a JSON object.")]}
        )
    return value


#: The longest printer name and list of kiosk names the database keeps.
NAME_LENGTH = Printer.__table__.c.name.type.length
KIOSKS_LENGTH = Printer.__table__.c.kiosks.type.length


def save_printer(
    session: Session,
    printer: Printer | None,
    *,
    name: str,
    kind: str,
    connection: Mapping[str, Any],
    badge_format: str | None = None,
    kiosks: str = "",
    enabled: bool = True,
) -> Printer:
    """Create a printer (printer=None) or change one, after checking its settings.

    Nothing is sent to the printer: reachability is asked of saved printers only (check_printer).
    """
    name = " ".join((name or "").split())
    kiosks = ", ".join(part.strip() for part in (kiosks or "").split(",") if part.strip())
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("Give the printer a name.")]
    elif len(name) > NAME_LENGTH:
        errors["name"] = [_("A printer's name has at most %(num)d characters.", num=NAME_LENGTH)]
    if len(kiosks) > KIOSKS_LENGTH:
        errors["kiosks"] = [
            _("The kiosks' names take at most %(num)d characters in all, commas included.", num=KIOSKS_LENGTH)
        ]
    try:
        printer_kind = PrinterKind(kind)
    except ValueError:
        errors["kind"] = [_("Choose receipt or badge.")]
        printer_kind = None
    if printer_kind == PrinterKind.BADGE:
        badge_format = badge_format or "card_landscape"
        if badge_format not in badging.FORMAT_NAMES:
            errors["badge_format"] = [_("Use card, card_portrait or a6.")]
    else:
        badge_format = None
    if printer_kind is not None:
        problem = connection_problem(printer_kind, connection)
        if problem:
            errors["connection"] = [problem]
    clash = session.execute(select(Printer.id).where(Printer.name == name)).scalar_one_or_none()
    if name and clash is not None and (printer is None or clash != printer.id):
        errors["name"] = [_("Another printer is called %(name)s.", name=name)]
    if errors:
        raise ValidationFailed(_("The printer settings are not complete or not right."), errors)
    if printer is None:
        printer = Printer(name=name)
        session.add(printer)
    if printer.connection != dict(connection):  # not checked yet: see check_printer
        printer.reachable, printer.last_error, printer.last_checked_at = None, None, None
    printer.name = name
    printer.kind = printer_kind
    printer.connection = dict(connection)
    printer.badge_format = badging.badge_format(badge_format).value if badge_format is not None else None
    printer.kiosks = kiosks
    printer.enabled = enabled
    session.flush()
    return printer


def check_printer(session: Session, printer: Printer, timeout: float = 1.0) -> bool:
    """Ask a printer whether it can be reached now and remember the answer."""
    problem = connection_problem(printer.kind, printer.connection)
    if problem:
        ok, message = False, problem
    else:
        ok, message = printers.check_reachable(printer.connection, timeout=timeout)
    printer.reachable = ok
    printer.last_error = None if ok else message
    printer.last_checked_at = utcnow()
    return ok


def check_printers(session: Session, timeout: float = 1.0) -> list[Printer]:
    """Check every enabled printer's reachability; return them all."""
    all_printers = session.execute(select(Printer).order_by(Printer.kind, Printer.name)).scalars().all()
    for printer in all_printers:
        if printer.enabled:
            check_printer(session, printer, timeout)
    session.flush()
    return list(all_printers)


def default_printer(session: Session, kind: JobKind, kiosk: str | None = None) -> Printer:
    """The enabled printer for `kind`: the one named for `kiosk` if there is one, else the first."""
    candidates = (
        session.execute(
            select(Printer)
            .where(Printer.kind == _PRINTER_KIND[kind], Printer.enabled.is_(True))
            .order_by(Printer.id)
        )
        .scalars()
        .all()
    )
    if kiosk:
        for printer in candidates:
            if kiosk in printer.kiosk_names:
                return printer
    if candidates:
        return candidates[0]
    if kind == JobKind.BADGE:
        raise NoPrinter(_("There is no badge printer set up and enabled."))
    raise NoPrinter(_("There is no receipt printer set up and enabled."))


# --- jobs -----------------------------------------------------------------------------------


def _announce(job: PrintJob) -> None:
    """The live dashboard shows print queues: it hears of this job once the transaction commits."""
    session = object_session(job)
    if session is not None:
        live.touch(session, job.participant.event_id)


def _transition(job: PrintJob, status: JobStatus) -> None:
    _announce(job)
    if status not in JOB_TRANSITIONS[job.status]:
        raise InvalidTransition(
            _(
                "Print job %(id)d has the status “%(old)s”; it cannot change to “%(new)s”.",
                id=job.id,
                old=label(job.status),
                new=label(status),
            )
        )
    job.status = status


def queue_print(
    session: Session,
    participant: Participant,
    kind: JobKind | str,
    printer: Printer | None = None,
    *,
    kiosk: str | None = None,
    language: str | None = None,
) -> PrintJob:
    """Queue a badge or receipt for an accredited participant on `printer` or the default one.

    `language`: what a receipt is printed in (None: the participant's registration language).
    """
    try:
        kind = JobKind(kind)
    except ValueError:
        raise ValidationFailed(
            _("Unknown print kind “%(kind)s”.", kind=kind), {"kinds": [_("Use badge or receipt.")]}
        ) from None
    badging.ensure_accredited(participant)
    if printer is None:
        printer = default_printer(session, kind, kiosk)
    elif printer.kind != _PRINTER_KIND[kind]:
        raise _wrong_printer(printer, kind)
    job = PrintJob(
        printer=printer,
        kind=kind,
        participant_id=participant.id,
        status=JobStatus.QUEUED,
        badge_serial=participant.badge_serial,
        next_attempt_at=utcnow(),
        language=language,
    )
    session.add(job)
    session.flush()
    printwake.wake_on_commit(session, job.printer_id)
    _announce(job)
    return job


def worker_id() -> str:
    """This process's name as a lease holder: host, process id and a random part (new after a fork)."""
    pid = os.getpid()
    if _WORKER_ID[0] != pid:
        _WORKER_ID[:] = [pid, f"{socket.gethostname()[:60]}:{pid}:{secrets.token_hex(4)}"]
    return _WORKER_ID[1]


_WORKER_ID: list[Any] = [None, ""]


def _recover_orphans(session: Session, printer: Printer, now: datetime) -> None:
    """Jobs left "printing" on a printer whose lease expired: their worker stopped mid-job.

    A badge may have printed: it becomes UNCERTAIN and waits for a person (never a second badge
    with the same serial). A receipt is queued again (at least once). Call holding the lease.
    """
    orphans = (
        session.execute(
            select(PrintJob).where(PrintJob.printer_id == printer.id, PrintJob.status == JobStatus.PRINTING)
        )
        .scalars()
        .all()
    )
    for job in orphans:
        if job.kind == JobKind.BADGE:
            _transition(job, JobStatus.UNCERTAIN)
            job.last_error = _(
                "The print worker stopped while sending this badge: it may have printed. "
                "Check the printer's tray, then mark it printed or reprint it."
            )
            log.warning("print job %s: its worker stopped while sending it; it may have printed", job.id)
        else:
            _transition(job, JobStatus.QUEUED)
            job.next_attempt_at = now
            log.warning("print job %s: its worker stopped while sending it; sending it again", job.id)
        job.updated_at = now
    session.flush()


def claim_next_job(
    session: Session,
    printer: Printer,
    now: datetime | None = None,
    *,
    worker: str | None = None,
    lease: timedelta = LEASE,
) -> PrintJob | None:
    """Take the printer and its next due job, or return None if it is busy or has nothing to do.

    Portable on SQLite and PostgreSQL: the printer is taken with a conditional UPDATE (a lease
    naming its holder, `worker`), so one worker prints on it at a time, and the job is taken
    with a second conditional UPDATE (queued → printing), so a job cancelled or moved meanwhile
    is not printed. Jobs left "printing" by a worker whose lease expired are recovered first.
    The caller commits, and so records "printing" before any byte is sent.
    """
    now = now or utcnow()
    worker = worker or worker_id()
    taken = session.execute(
        update(Printer)
        .where(Printer.id == printer.id, or_(Printer.busy_until.is_(None), Printer.busy_until < now))
        .values(busy_until=now + lease, leased_by=worker)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:
        return None
    session.expire(printer, ["busy_until", "leased_by", "enabled"])
    # Holding the printer, any job still "printing" on it was left by a worker that stopped.
    _recover_orphans(session, printer, now)
    candidates = (
        session.execute(
            select(PrintJob.id)
            .where(
                PrintJob.printer_id == printer.id,
                PrintJob.status == JobStatus.QUEUED,
                PrintJob.next_attempt_at <= now,
            )
            .order_by(PrintJob.id)
            .limit(5)
        )
        .scalars()
        .all()
        if printer.enabled
        else []
    )
    for job_id in candidates:
        claimed = session.execute(
            update(PrintJob)
            .where(
                PrintJob.id == job_id,
                PrintJob.printer_id == printer.id,
                PrintJob.status == JobStatus.QUEUED,
            )
            .values(status=JobStatus.PRINTING, attempts=PrintJob.attempts + 1, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount == 1:
            job = session.get(PrintJob, job_id)
            session.refresh(job)
            _announce(job)
            return job
    release_printer(session, printer, worker)
    return None


def release_printer(session: Session, printer: Printer, worker: str | None = None) -> None:
    """Let other workers print on `printer` again (if `worker` holds it, when given)."""
    session.execute(
        update(Printer)
        .where(Printer.id == printer.id, *([Printer.leased_by == worker] if worker else []))
        .values(busy_until=None, leased_by=None)
        .execution_options(synchronize_session=False)
    )
    session.expire(printer, ["busy_until", "leased_by"])


def renew_leases(
    session: Session,
    worker: str,
    printer_ids: Iterable[int],
    now: datetime | None = None,
    lease: timedelta = LEASE,
) -> int:
    """Extend the leases `worker` holds on `printer_ids` (jobs in progress); return how many it holds."""
    ids = list(printer_ids)
    if not ids:
        return 0
    now = now or utcnow()
    renewed = session.execute(
        update(Printer)
        .where(Printer.id.in_(ids), Printer.leased_by == worker, Printer.busy_until.is_not(None))
        .values(busy_until=now + lease)
        .execution_options(synchronize_session=False)
    )
    return renewed.rowcount


#: Printer names the product gives (the demo's, a new installation's): words of the product, shown
#: in the reader's language inside a sentence; a name the secretariat gives is shown as given.
PRODUCT_PRINTER_NAME = re.compile(r"(Badge|Receipt) printer (\w{1,8})")


def shown_name(printer: Printer) -> str:
    """A printer's name for a sentence in the current language: "证件打印机 1", not "Badge printer 1"."""
    given = PRODUCT_PRINTER_NAME.fullmatch(printer.name or "")
    if given is None:
        return printer.name
    if given.group(1) == "Badge":
        return _("Badge printer %(n)s", n=given.group(2))
    return _("Receipt printer %(n)s", n=given.group(2))


#: What separates a meeting's time from its room, in languages that do not write ", ".
_PLACE_SEPARATORS = {"zh": "，", "ar": "، "}


def time_and_place(when: str, room: str | None, language: str) -> str:
    """A meeting's time and room, with the language's comma ("…, Room XIX", "…，Room XIX")."""
    if not room:
        return when
    return f"{when}{_PLACE_SEPARATORS.get(language.split('_')[0], ', ')}{room}"


def _meeting_lines(participant: Participant, language: str) -> tuple[str, ...]:
    """Each meeting of the event: its title, then its day, hours and room in the event's time zone."""
    event = participant.delegation.event
    lines: list[str] = []
    for meeting in event.meetings:
        when = format_meeting(meeting.starts_at, meeting.ends_at, event.tz, language)
        lines += [meeting.title, time_and_place(when, meeting.room, language)]
    return tuple(lines)


def _receipt_data(
    session: Session, participant: Participant, language: str | None = None
) -> printers.ReceiptData:
    """What a participant's receipt says, in `language` or theirs: no code that opens a door."""
    event = participant.delegation.event
    venue = event.venue
    language = language or participant.language or "en"
    now = utcnow().astimezone(event.tz)
    with force_locale(language):
        help_lines = [_("Help: the registration desk at the entrance.")]
        if event.contact_email:
            help_lines.append(_("Contact: %(email)s", email=event.contact_email))
        return printers.ReceiptData(
            event_title=event.title,
            name=badging.printed_name(participant, language),
            delegation=countries.label(participant.delegation, language),
            badge_number=badging.badge_number(participant),
            printed_at=now,
            printed_when=format_moment(now, event.tz, language, zone=False),
            venue=venue.name if venue else "",
            venue_info=(venue.address or None) if venue else None,
            reference=participant.reference,
            meetings=_meeting_lines(participant, language),
            help_lines=tuple(help_lines),
            badge_label=_("Badge"),
            reference_label=_("Reference"),
        )


def _render(session: Session, job: PrintJob) -> tuple[Callable[[], object], int]:
    """What sending `job` takes, ready to go, and the badge serial it prints; reads the database."""
    printer, participant = job.printer, job.participant
    connection = dict(printer.connection)
    if job.kind == JobKind.BADGE:
        fmt = badging.badge_format(printer.badge_format)
        data = badging.badge_data(session, participant)
        pdf = render_pdf(data, fmt)
        png = render_png(data, fmt) if connection.get("type") == "png_folder" else None
        media, title = badging.CUPS_MEDIA[fmt], f"badge-{job.id}-{data.badge_number}"

        def send() -> object:
            return printers.print_badge(pdf, png, connection, media=media, title=title)

    else:
        badging.ensure_accredited(participant)
        receipt = _receipt_data(session, participant, job.language)

        def send() -> object:
            return printers.print_receipt(receipt, connection)

    return send, participant.badge_serial


def backoff(attempts: int) -> timedelta:
    """The wait before the next attempt after `attempts` failed ones."""
    return min(FIRST_BACKOFF * 2 ** max(attempts - 1, 0), MAX_BACKOFF)


@dataclass(frozen=True)
class Outcome:
    """What happened when a job was sent: its next status, why, and what the printer said."""

    status: JobStatus
    error: str | None = None
    printer_failed: bool = False
    badge_serial: int | None = None


@dataclass
class InHand:
    """A job a lane has claimed and not yet settled: enough to settle it after a database outage."""

    job_id: int
    attempt: int
    event_id: int
    since: float = field(default_factory=time.monotonic)
    outcome: Outcome | None = None


#: Outcomes a job may reach from the states it can be found in when its worker settles it.
_SETTLE_FROM = (JobStatus.PRINTING, JobStatus.UNCERTAIN)


class Lane:
    """Drives one printer: claims its next due job, sends it, records what happened.

    `step` raises database errors; call it again (after a rollback) and it first settles the job
    in hand: not sent yet, it is queued again; sent, its outcome is written. Several lanes (one per
    printer, in threads of one process or in several processes) never block one another.
    """

    def __init__(self, printer_id: int, worker: str | None = None, lease: timedelta = LEASE) -> None:
        self.printer_id = printer_id
        self.worker = worker or worker_id()
        self.lease = lease
        self.in_hand: InHand | None = None
        #: After the printer failed: when its job is due again (the printer backs off with it).
        self.retry_at: datetime | None = None

    def step(self, session: Session, now: datetime | None = None) -> JobStatus | None:
        """Print the printer's next due job; its status, or None when nothing could be taken."""
        if self.in_hand is not None:
            self.settle(session, now)
        printer = session.get(Printer, self.printer_id)
        if printer is None:
            return None
        job = claim_next_job(session, printer, now, worker=self.worker, lease=self.lease)
        if job is None:
            session.commit()
            return None
        self.in_hand = InHand(job.id, job.attempts, job.participant.event_id)
        session.commit()  # "printing" is durable before a byte is sent
        self.in_hand.outcome = self.deliver(session, session.get(PrintJob, self.in_hand.job_id))
        return self.settle(session, now)

    def deliver(self, session: Session, job: PrintJob) -> Outcome:
        """Render and send a claimed job; database errors before sending propagate."""
        problem = connection_problem(job.printer.kind, job.printer.connection)
        try:
            if problem:
                raise ValidationFailed(problem)
            send, serial = _render(session, job)
            session.commit()  # nothing to write: hold no database connection while the printer works
            send()
        except printers.PrinterError as exc:
            # A printer that is off, unplugged or out of paper: keep the job and try again later.
            log.info(
                "print job %s on printer %s will be retried: %s", self.in_hand.job_id, self.printer_id, exc
            )
            return Outcome(JobStatus.QUEUED, str(exc)[:1000], printer_failed=True)
        except (ValidationFailed, NotAccredited) as exc:
            # Settings that cannot work, or a participant no longer accredited: retrying cannot help.
            log.warning("print job %s failed: %s", self.in_hand.job_id, exc.code)
            return Outcome(JobStatus.FAILED, exc.detail[:1000])
        except SQLAlchemyError:
            raise
        except Exception as exc:  # noqa: BLE001 - a job that cannot be rendered must not stop the worker
            log.exception("print job %s could not be printed", self.in_hand.job_id)
            detail = (
                exc.detail
                if isinstance(exc, DomainError)
                else _(
                    "The job could not be printed (%(error)s); see the server log.", error=type(exc).__name__
                )
            )
            return Outcome(JobStatus.FAILED, detail[:1000])
        return Outcome(JobStatus.DONE, badge_serial=serial)

    def settle(self, session: Session, now: datetime | None = None) -> JobStatus:
        """Write the outcome of the job in hand (or queue it again if it was not sent) and free the printer.

        The job's row is changed only if it is still this claim's (same attempt) and in a state
        from which JOB_TRANSITIONS allows the outcome: a worker that took the printer over
        meanwhile has decided already, except that a badge it found "uncertain" is known printed.
        """
        hand = self.in_hand
        assert hand is not None
        now = now or utcnow()
        outcome = hand.outcome or Outcome(JobStatus.QUEUED)
        values: dict[str, Any] = {"status": outcome.status, "updated_at": now}
        self.retry_at = None
        if outcome.status == JobStatus.QUEUED:
            printer_failed = outcome.printer_failed
            values |= {"next_attempt_at": now + backoff(hand.attempt) if printer_failed else now}
            if printer_failed:
                values["last_error"] = outcome.error
                self.retry_at = values["next_attempt_at"]
        else:
            values |= {"last_error": outcome.error, "finished_at": now}
        if outcome.badge_serial is not None:
            values["badge_serial"] = outcome.badge_serial
        allowed = [state for state in _SETTLE_FROM if outcome.status in JOB_TRANSITIONS[state]]
        if hand.outcome is None:
            allowed = [JobStatus.PRINTING]  # never sent: only a job still ours goes back to the queue
        written = session.execute(
            update(PrintJob)
            .where(
                PrintJob.id == hand.job_id, PrintJob.attempts == hand.attempt, PrintJob.status.in_(allowed)
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        if written.rowcount != 1:
            log.warning(
                "print job %s: its outcome came after another worker took the printer over", hand.job_id
            )
        if outcome.printer_failed or outcome.status == JobStatus.DONE:
            session.execute(
                update(Printer)
                .where(Printer.id == self.printer_id)
                .values(
                    reachable=not outcome.printer_failed,
                    last_error=outcome.error if outcome.printer_failed else None,
                    last_checked_at=now,
                )
                .execution_options(synchronize_session=False)
            )
        session.execute(
            update(Printer)
            .where(Printer.id == self.printer_id, Printer.leased_by == self.worker)
            .values(busy_until=None, leased_by=None)
            .execution_options(synchronize_session=False)
        )
        live.touch(session, hand.event_id)
        session.commit()
        self.in_hand = None
        return outcome.status

    def next_due(self, session: Session, now: datetime | None = None) -> datetime | None:
        """When this printer may have work: its earliest queued job, or the end of another worker's lease.

        While another worker holds the printer, that worker drains its queue: this lane looks
        again when the lease would run out (renewed, it looks again then), not at every due job.
        """
        now = now or utcnow()
        holder = session.execute(
            select(Printer.busy_until, Printer.leased_by).where(Printer.id == self.printer_id)
        ).one_or_none()
        if holder and holder.busy_until and holder.busy_until > now and holder.leased_by != self.worker:
            return holder.busy_until
        due = session.execute(
            select(func.min(PrintJob.next_attempt_at)).where(
                PrintJob.printer_id == self.printer_id, PrintJob.status == JobStatus.QUEUED
            )
        ).scalar_one()
        stuck = session.execute(
            select(Printer.busy_until)
            .join(PrintJob, PrintJob.printer_id == Printer.id)
            .where(Printer.id == self.printer_id, PrintJob.status == JobStatus.PRINTING)
            .limit(1)
        ).scalar_one_or_none()
        moments = [moment for moment in (due, stuck) if moment is not None]
        return min(moments) if moments else None


def run_job(session: Session, job: PrintJob, now: datetime | None = None) -> JobStatus:
    """Print a job taken with claim_next_job: done, queued again with a back-off, or failed."""
    lane = Lane(job.printer_id, job.printer.leased_by or worker_id())
    lane.in_hand = InHand(job.id, job.attempts, job.participant.event_id)
    lane.in_hand.outcome = lane.deliver(session, job)
    return lane.settle(session, now)


def enabled_printer_ids(session: Session) -> list[int]:
    """The printers that jobs are sent to."""
    return list(
        session.execute(select(Printer.id).where(Printer.enabled.is_(True)).order_by(Printer.id)).scalars()
    )


def process_print_jobs(session: Session, now: datetime | None = None) -> tuple[int, int]:
    """One pass in this thread: print every due job of every enabled printer, one printer after another.

    The worker (kiosk.services.printworker) drives each printer in a thread of its own instead.
    Commits; returns (done, left to retry or failed).
    """
    done = other = 0
    for printer_id in enabled_printer_ids(session):
        lane = Lane(printer_id)
        while (status := lane.step(session, now)) is not None:
            if status == JobStatus.DONE:
                done += 1
            else:
                other += 1
                if status == JobStatus.QUEUED:
                    break  # the printer is off: its other jobs wait for the next pass
    return done, other


def get_job(session: Session, job_id: int) -> PrintJob:
    """The print job `job_id`."""
    job = session.get(PrintJob, job_id)
    if job is None:
        raise NotFound(_("There is no print job %(id)d.", id=job_id))
    return job


def _wrong_printer(printer: Printer, kind: JobKind) -> ValidationFailed:
    """The refusal to send a job of `kind` to a printer of the other kind."""
    if kind == JobKind.BADGE:
        return ValidationFailed(
            _("%(printer)s prints receipts; it cannot print a badge.", printer=shown_name(printer)),
            {"printer_id": [_("Choose a badge printer.")]},
        )
    return ValidationFailed(
        _("%(printer)s prints badges; it cannot print a receipt.", printer=shown_name(printer)),
        {"printer_id": [_("Choose a receipt printer.")]},
    )


def _in_hand(job: PrintJob) -> bool:
    """Whether the job is being printed or may have been: it can no longer be retried or moved."""
    return job.status in (JobStatus.PRINTING, JobStatus.DONE, JobStatus.UNCERTAIN)


def retry_job(session: Session, job: PrintJob, now: datetime | None = None) -> PrintJob:
    """Queue a failed, cancelled or waiting job again, to be tried at once."""
    if _in_hand(job):
        raise InvalidTransition(
            _(
                "Print job %(id)d has the status “%(status)s”; it cannot be retried.",
                id=job.id,
                status=label(job.status),
            )
        )
    _transition(job, JobStatus.QUEUED)
    job.next_attempt_at = now or utcnow()
    job.finished_at = None
    session.flush()
    printwake.wake_on_commit(session, job.printer_id)
    return job


def cancel_job(session: Session, job: PrintJob, now: datetime | None = None) -> PrintJob:
    """Cancel a job that has not been printed."""
    _transition(job, JobStatus.CANCELLED)
    job.finished_at = now or utcnow()
    session.flush()
    return job


def move_job(session: Session, job: PrintJob, printer: Printer, now: datetime | None = None) -> PrintJob:
    """Send a job that has not been printed to another printer of the same kind, at once."""
    if printer.kind != _PRINTER_KIND[job.kind]:
        raise _wrong_printer(printer, job.kind)
    if _in_hand(job):
        raise InvalidTransition(
            _(
                "Print job %(id)d has the status “%(status)s”; it cannot be moved to another printer.",
                id=job.id,
                status=label(job.status),
            )
        )
    _transition(job, JobStatus.QUEUED)
    job.printer = printer
    job.next_attempt_at = now or utcnow()
    job.finished_at = None
    session.flush()
    printwake.wake_on_commit(session, job.printer_id)
    return job


def uncertain_jobs(session: Session, event_id: int | None = None) -> list[PrintJob]:
    """Badges that may have printed (their worker stopped while sending them), oldest first."""
    query = select(PrintJob).where(PrintJob.status == JobStatus.UNCERTAIN).order_by(PrintJob.id)
    if event_id is not None:
        query = query.join(Participant, Participant.id == PrintJob.participant_id).where(
            Participant.event_id == event_id
        )
    return list(session.execute(query).scalars())


def mark_printed(session: Session, job: PrintJob, now: datetime | None = None) -> PrintJob:
    """A badge that may have printed was found in the printer's tray: the job is done."""
    if job.status != JobStatus.UNCERTAIN:
        raise _not_uncertain(job)
    _transition(job, JobStatus.DONE)
    job.last_error = None
    job.finished_at = now or utcnow()
    session.flush()
    return job


def supersede_uncertain(session: Session, job: PrintJob, now: datetime | None = None) -> PrintJob:
    """A badge that may have printed was not found: this job is cancelled, to be replaced by a reissue.

    The caller reissues the badge (a new serial, which revokes whatever this job may have
    printed) and queues it, as for a lost badge: never the same serial twice.
    """
    if job.status != JobStatus.UNCERTAIN:
        raise _not_uncertain(job)
    _transition(job, JobStatus.CANCELLED)
    job.finished_at = now or utcnow()
    session.flush()
    return job


def _not_uncertain(job: PrintJob) -> InvalidTransition:
    return InvalidTransition(
        _(
            "Print job %(id)d has the status “%(status)s”: only a badge that may have printed can be "
            "marked printed or reprinted from here.",
            id=job.id,
            status=label(job.status),
        )
    )


def _test_code() -> str:
    """A well-formed code signed with a throw-away key: it admits no one anywhere."""
    pem, _public = codes.generate_key()
    moment = utcnow().replace(microsecond=0)
    payload = codes.CodePayload(
        kind=codes.CodeKind.BADGE,
        event_id=0,
        participant_id=0,
        serial=0,
        valid_from=moment,
        valid_until=moment,
        key_id=0,
    )
    return codes.sign(payload, pem)


def print_test_page(session: Session, printer: Printer) -> str | None:
    """Print a test receipt or test badge now; raise PrinterError if the printer cannot print."""
    problem = connection_problem(printer.kind, printer.connection)
    if problem:
        raise ValidationFailed(problem)
    if not check_printer(session, printer, timeout=2.0):
        raise printers.PrinterError(printer.last_error or _("The printer cannot be reached."))
    now = utcnow()
    if printer.kind == PrinterKind.RECEIPT:
        data = printers.ReceiptData(
            event_title=_("Test receipt"),
            name=printer.name,
            delegation=_("Printer test"),
            badge_number="TEST-000000-0",
            printed_at=now,
            printed_when=format_stamp(now),
            venue="",
            venue_info=None,
            code=_test_code(),
        )
        printers.print_receipt(data, printer.connection)
        return None
    fmt = badging.badge_format(printer.badge_format)
    badge = BadgeData(
        event_title=_("Test badge"),
        event_dates=format_day(now.date()),
        name=_("Test badge"),
        delegation=printer.name,
        function=_("This badge admits no one."),
        category="other",
        category_label="TEST",
        badge_number="TEST-000000-0",
        code=_test_code(),
    )
    pdf = render_pdf(badge, fmt)
    png = render_png(badge, fmt) if printer.connection.get("type") == "png_folder" else None
    return printers.print_badge(
        pdf, png, printer.connection, media=badging.CUPS_MEDIA[fmt], title="test-badge"
    )
