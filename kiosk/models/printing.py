"""Printers and the print queue: badge and receipt jobs that wait, retry and show their state."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kiosk.models.base import Base, UTCDateTime, str_enum, utcnow

if TYPE_CHECKING:
    from kiosk.models.participant import Participant


class PrinterKind(enum.StrEnum):
    """What a printer prints."""

    RECEIPT = "receipt"
    BADGE = "badge"


class JobKind(enum.StrEnum):
    """What a print job prints."""

    BADGE = "badge"
    RECEIPT = "receipt"


class JobStatus(enum.StrEnum):
    """Where a print job stands."""

    QUEUED = "queued"
    PRINTING = "printing"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"
    #: A badge whose worker stopped while sending it: it may have printed. Never sent again by
    #: itself; staff check the tray and mark it printed (done) or reprint it with a new serial
    #: (this job is then cancelled).
    UNCERTAIN = "uncertain"


#: The only status changes a print job may make. PRINTING is recorded (committed) before any
#: byte goes to the printer; a worker that finds a job left PRINTING by a worker that stopped
#: moves a badge to UNCERTAIN and a receipt back to QUEUED.
JOB_TRANSITIONS: dict[JobStatus, frozenset[JobStatus]] = {
    JobStatus.QUEUED: frozenset({JobStatus.PRINTING, JobStatus.CANCELLED, JobStatus.QUEUED}),
    JobStatus.PRINTING: frozenset({JobStatus.DONE, JobStatus.QUEUED, JobStatus.FAILED, JobStatus.UNCERTAIN}),
    JobStatus.UNCERTAIN: frozenset({JobStatus.DONE, JobStatus.CANCELLED}),
    JobStatus.FAILED: frozenset({JobStatus.QUEUED, JobStatus.CANCELLED}),
    JobStatus.CANCELLED: frozenset({JobStatus.QUEUED}),
    JobStatus.DONE: frozenset(),
}


class Printer(Base):
    """A receipt or badge printer and how to reach it (the connection badges.printers expects)."""

    __tablename__ = "printers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    kind: Mapped[PrinterKind] = mapped_column(str_enum(PrinterKind, 10))
    connection: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: Badge printers only: card_landscape, card_portrait or a6.
    badge_format: Mapped[str | None] = mapped_column(String(20))
    #: Names of the kiosks that use this printer, separated by commas (empty: any kiosk).
    kiosks: Mapped[str] = mapped_column(String(500), default="")
    enabled: Mapped[bool] = mapped_column(default=True)
    last_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reachable: Mapped[bool | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    #: Set while a worker prints on this printer, so only one job at a time runs on it: a short
    #: lease that the worker's heartbeat renews while the job is in progress.
    busy_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The worker holding the lease (PrintWorker.id), while busy_until is set.
    leased_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def kiosk_names(self) -> list[str]:
        """The kiosks that use this printer."""
        return [name.strip() for name in self.kiosks.split(",") if name.strip()]


class PrintJob(Base):
    """One badge or receipt to print for a participant."""

    __tablename__ = "print_jobs"
    __table_args__ = (Index("ix_print_jobs_printer_status", "printer_id", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    printer_id: Mapped[int] = mapped_column(ForeignKey("printers.id"))
    kind: Mapped[JobKind] = mapped_column(str_enum(JobKind, 10))
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"), index=True)
    status: Mapped[JobStatus] = mapped_column(str_enum(JobStatus, 10), default=JobStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The badge serial printed (or to be printed) by this job.
    badge_serial: Mapped[int | None]
    #: The language to print in (a kiosk's: the one its delegate chose); None: the participant's.
    language: Mapped[str | None] = mapped_column(String(5))

    printer: Mapped[Printer] = relationship()
    participant: Mapped[Participant] = relationship()


class PrintWorker(Base):
    """A running print worker process and when it was last heard of (no personal data)."""

    __tablename__ = "print_workers"

    #: host:pid:random, unique per process start.
    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int]
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
