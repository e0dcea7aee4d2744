"""Setting up printers and jobs for the fault tests, and reading their state back."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from kiosk.extensions import db
from kiosk.models import JobStatus, Participant, Printer, PrintJob
from kiosk.models.base import utcnow
from kiosk.services import printing, printworker


def add_printer(app: Flask, name: str, kind: str, connection: dict) -> int:
    with app.app_context():
        printer = printing.save_printer(db.session, None, name=name, kind=kind, connection=connection)
        db.session.commit()
        return printer.id


def queue(app: Flask, participant_ids: list[int], printer_id: int, due_in: float = 0.0) -> list[int]:
    """One job per participant on the printer, due in `due_in` seconds; their ids."""
    with app.app_context():
        printer = db.session.get(Printer, printer_id)
        kind = printer.kind.value
        jobs = []
        for participant_id in participant_ids:
            job = printing.queue_print(db.session, db.session.get(Participant, participant_id), kind, printer)
            job.next_attempt_at = utcnow() + timedelta(seconds=due_in)
            jobs.append(job)
        db.session.commit()
        return [job.id for job in jobs]


def statuses(app: Flask, job_ids: list[int]) -> list[JobStatus | None]:
    """The jobs' statuses (None for each while the database cannot be read)."""
    try:
        with app.app_context():
            query = select(PrintJob.id, PrintJob.status).where(PrintJob.id.in_(job_ids))
            rows = dict(db.session.execute(query).all())
            return [JobStatus(rows[job_id]) for job_id in job_ids]
    except SQLAlchemyError:  # the database is being restarted
        return [None] * len(job_ids)


def all_in(app: Flask, job_ids: list[int], status: JobStatus):
    return lambda: statuses(app, job_ids) == [status] * len(job_ids)


def worker_running(app: Flask):
    def check() -> bool:
        try:
            with app.app_context():
                return printworker.worker_status(db.session).running
        except SQLAlchemyError:  # the database is being restarted
            return False

    return check
