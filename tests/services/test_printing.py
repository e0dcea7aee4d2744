"""The print queue: real ESC/POS over TCP, a printer that is off, the real CUPS queue, organizer actions."""

from __future__ import annotations

import re
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from badges.codes import CodeKind, verify
from kiosk.extensions import db
from kiosk.models import JobKind, JobStatus, Participant, Printer, PrintJob, Status
from kiosk.models.base import utcnow
from kiosk.services import badging, printing
from kiosk.services.audit import SYSTEM
from kiosk.services.errors import InvalidTransition, NoPrinter, NotAccredited, ValidationFailed
from kiosk.services.keys import public_keys


class Listener:
    """A TCP server on 127.0.0.1 standing in for a receipt printer; records each connection's bytes."""

    def __init__(self, port: int = 0) -> None:
        self.server = socket.socket()
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server.bind(("127.0.0.1", port))
        self.server.listen()
        self.server.settimeout(10)
        self.port = self.server.getsockname()[1]
        self.jobs: list[bytes] = []
        self.received = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _addr = self.server.accept()
            except OSError:
                return
            data = b""
            with conn:
                conn.settimeout(10)
                while chunk := conn.recv(65536):
                    data += chunk
            self.jobs.append(data)
            self.received.set()

    def close(self) -> None:
        self.server.close()
        self.thread.join(timeout=5)


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def accredited(make_delegation, make_participant):
    delegation = make_delegation(name="Chile")
    return make_participant(
        delegation, status=Status.ACCREDITED, title="H.E. Ms.", given_name="Ana", family_name="Pérez"
    )


def add_printer(app, name: str, kind: str, connection: dict, fmt: str | None = None) -> int:
    with app.app_context():
        printer = printing.save_printer(
            db.session, None, name=name, kind=kind, connection=connection, badge_format=fmt
        )
        db.session.commit()
        return printer.id


def queue(app, participant_id: int, kind: str, printer_id: int | None = None) -> int:
    with app.app_context():
        participant = db.session.get(Participant, participant_id)
        printer = db.session.get(Printer, printer_id) if printer_id else None
        job = printing.queue_print(db.session, participant, kind, printer)
        db.session.commit()
        return job.id


def job_state(app, job_id: int) -> PrintJob:
    with app.app_context():
        job = db.session.get(PrintJob, job_id)
        db.session.expunge(job)
        return job


def work(app, now=None) -> tuple[int, int]:
    with app.app_context():
        return printing.process_print_jobs(db.session, now)


def test_receipt_reaches_a_tcp_printer_through_the_queue_and_worker(app, accredited, listener):
    add_printer(
        app, "Desk receipts", "receipt", {"type": "network", "host": "127.0.0.1", "port": listener.port}
    )
    job_id = queue(app, accredited.id, "receipt")
    assert job_state(app, job_id).status == JobStatus.QUEUED
    assert work(app) == (1, 0)
    assert listener.received.wait(5)
    data = listener.jobs[0]
    assert data.startswith(b"\x1b@") and b"\x1dV" in data  # ESC @ (init) ... GS V (cut)
    assert b"H.E. Ms. Ana" in data and b"Chile" in data
    assert f"-{accredited.id:06d}-1".encode() in data
    job = job_state(app, job_id)
    assert (job.status, job.attempts, job.last_error, job.badge_serial) == (JobStatus.DONE, 1, None, 1)
    assert job.finished_at is not None
    assert work(app) == (0, 0)  # nothing left; a done job is never printed twice
    assert len(listener.jobs) == 1


def test_a_printer_that_is_off_keeps_the_job_queued_until_it_comes_back(app, accredited):
    port = free_port()
    printer_id = add_printer(
        app, "Kiosk 1", "receipt", {"type": "network", "host": "127.0.0.1", "port": port}
    )
    job_id = queue(app, accredited.id, "receipt")
    now = utcnow()
    assert work(app, now) == (0, 1)
    job = job_state(app, job_id)
    assert job.status == JobStatus.QUEUED and job.attempts == 1
    assert "refused the connection" in job.last_error
    assert job.next_attempt_at == now + printing.FIRST_BACKOFF
    with app.app_context():
        printer = db.session.get(Printer, printer_id)
        assert printer.reachable is False and printer.last_error == job.last_error
        assert printer.busy_until is None

    server = Listener(port)
    try:
        assert work(app, now + timedelta(seconds=1)) == (0, 0)  # not due yet: back-off
        assert server.jobs == []
        assert work(app, now + timedelta(seconds=11)) == (1, 0)
        assert server.received.wait(5)
        assert b"Ana" in server.jobs[0]
    finally:
        server.close()
    job = job_state(app, job_id)
    assert (job.status, job.attempts, job.last_error) == (JobStatus.DONE, 2, None)


def test_dashboards_hear_of_queued_failed_and_printed_jobs(app, accredited):
    broker = app.extensions["live"]
    port = free_port()
    add_printer(app, "Kiosk 1", "receipt", {"type": "network", "host": "127.0.0.1", "port": port})
    seen = broker.version(accredited.event_id)
    queue(app, accredited.id, "receipt")
    assert broker.wait(accredited.event_id, seen, timeout=1) > seen, "a queued job is announced"
    seen = broker.version(accredited.event_id)
    now = utcnow()
    assert work(app, now) == (0, 1)  # the printer is off: back to the queue, with its error
    assert broker.wait(accredited.event_id, seen, timeout=1) > seen, "a printer that is off is announced"
    seen = broker.version(accredited.event_id)
    server = Listener(port)
    try:
        assert work(app, now + timedelta(seconds=11)) == (1, 0)
    finally:
        server.close()
    assert broker.wait(accredited.event_id, seen, timeout=1) > seen, "a printed job is announced"


def test_backoff_doubles_and_is_capped():
    assert [printing.backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [10, 20, 40, 80]
    assert printing.backoff(30) == printing.MAX_BACKOFF


def wait_for_output(folder: Path, title: str, timeout: float = 30.0) -> Path:
    pattern = re.compile(rf"^{re.escape(title)}_")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in folder.glob("*.pdf"):
            if pattern.search(path.name) and path.read_bytes().rstrip().endswith(b"%%EOF"):
                return path
        time.sleep(0.3)
    raise AssertionError(f"cups-pdf wrote no PDF titled {title} in {folder}")


def test_badge_job_through_the_real_cups_queue(app, accredited, cups_pdf_dir, tmp_path):
    add_printer(app, "Badge printer", "badge", {"type": "cups", "queue": "BadgePDF"}, "card")
    job_id = queue(app, accredited.id, "badge")
    assert work(app) == (1, 0)
    assert job_state(app, job_id).status == JobStatus.DONE
    with app.app_context():
        number = badging.badge_number(db.session.get(Participant, accredited.id))
    output = wait_for_output(cups_pdf_dir, f"badge-{job_id}-{number}")  # the job's title names the file
    info = subprocess.run(["pdfinfo", str(output)], capture_output=True, text=True, check=True)
    assert re.search(r"Page size:\s+242(\.\d+)? x 153(\.\d+)? pts", info.stdout), info.stdout
    page = tmp_path / "page"
    subprocess.run(["pdftoppm", "-r", "300", "-png", "-singlefile", str(output), str(page)], check=True)
    with Image.open(page.with_suffix(".png")) as image:
        barcodes = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    assert len(barcodes) == 1
    with app.app_context():
        participant = db.session.get(Participant, accredited.id)
        event = participant.delegation.event
        result = verify(
            barcodes[0].text,
            public_keys(db.session, event),
            event_id=event.id,
            kind=CodeKind.BADGE,
            now=event.local_midnight(event.starts_on) + timedelta(hours=9),
        )
    assert result.ok, result.reason
    assert (result.payload.participant_id, result.payload.serial) == (accredited.id, 1)


def test_png_folder_badge_printer_gets_a_png(app, accredited, tmp_path):
    add_printer(app, "Hot folder", "badge", {"type": "png_folder", "path": str(tmp_path / "hot")}, "a6")
    queue(app, accredited.id, "badge")
    assert work(app) == (1, 0)
    [png] = list((tmp_path / "hot").glob("*.png"))
    with Image.open(png) as image:
        assert image.width < image.height  # A6 is portrait


def test_invalid_settings_fail_the_job_and_cancel_retry_move(app, accredited, tmp_path):
    good = add_printer(app, "Folder", "badge", {"type": "hot_folder", "path": str(tmp_path / "good")})
    bad = add_printer(app, "Broken", "badge", {"type": "hot_folder", "path": str(tmp_path / "bad")})
    with app.app_context():  # a printer whose settings were broken behind the service's back
        db.session.get(Printer, bad).connection = {"type": "hot_folder"}
        db.session.commit()
    job_id = queue(app, accredited.id, "badge", bad)
    assert work(app) == (0, 1)
    job = job_state(app, job_id)
    assert job.status == JobStatus.FAILED and "path" in job.last_error
    with app.app_context():
        job = db.session.get(PrintJob, job_id)
        printing.move_job(db.session, job, db.session.get(Printer, good))
        db.session.commit()
    assert work(app) == (1, 0)
    assert len(list((tmp_path / "good").glob("*.pdf"))) == 1
    with app.app_context():
        job = db.session.get(PrintJob, job_id)
        with pytest.raises(InvalidTransition):
            printing.cancel_job(db.session, job)
        with pytest.raises(InvalidTransition):
            printing.retry_job(db.session, job)
        db.session.rollback()

    second = queue(app, accredited.id, "badge", good)
    with app.app_context():
        printing.cancel_job(db.session, db.session.get(PrintJob, second))
        db.session.commit()
    assert work(app) == (0, 0)
    assert job_state(app, second).status == JobStatus.CANCELLED
    with app.app_context():
        printing.retry_job(db.session, db.session.get(PrintJob, second))
        db.session.commit()
    assert work(app) == (1, 0)
    assert len(list((tmp_path / "good").glob("*.pdf"))) == 2


def test_move_refuses_a_printer_of_the_other_kind(app, accredited, tmp_path):
    badge = add_printer(app, "Folder", "badge", {"type": "hot_folder", "path": str(tmp_path)})
    receipt = add_printer(app, "Receipts", "receipt", {"type": "dummy"})
    job_id = queue(app, accredited.id, "badge", badge)
    with app.app_context(), pytest.raises(ValidationFailed):
        printing.move_job(db.session, db.session.get(PrintJob, job_id), db.session.get(Printer, receipt))


def test_one_job_at_a_time_per_printer(app, accredited, tmp_path):
    printer_id = add_printer(app, "Folder", "badge", {"type": "hot_folder", "path": str(tmp_path)})
    first, second = queue(app, accredited.id, "badge"), queue(app, accredited.id, "badge")
    with app.app_context():
        printer = db.session.get(Printer, printer_id)
        job = printing.claim_next_job(db.session, printer)
        db.session.commit()
        assert job.id == first and job.status == JobStatus.PRINTING and job.attempts == 1
        assert printing.claim_next_job(db.session, printer) is None  # the printer is busy
        assert db.session.get(PrintJob, second).status == JobStatus.QUEUED
        printing.run_job(db.session, job)
        db.session.commit()
        assert printing.claim_next_job(db.session, printer).id == second


def test_a_badge_whose_worker_stopped_mid_job_is_never_printed_again(app, accredited, tmp_path):
    printer_id = add_printer(app, "Folder", "badge", {"type": "hot_folder", "path": str(tmp_path)})
    job_id = queue(app, accredited.id, "badge")
    later = queue(app, accredited.id, "badge")
    with app.app_context():
        assert printing.claim_next_job(db.session, db.session.get(Printer, printer_id)).id == job_id
        db.session.commit()  # ... "printing" is recorded, and the worker dies here, holding the printer
    assert work(app) == (0, 0)  # the lease still holds
    assert work(app, utcnow() + printing.LEASE + timedelta(seconds=1)) == (1, 0)  # only the later job
    job = job_state(app, job_id)
    assert job.status == JobStatus.UNCERTAIN and "may have printed" in job.last_error
    assert job_state(app, later).status == JobStatus.DONE
    assert len(list(tmp_path.glob("*.pdf"))) == 1
    with app.app_context():
        job = db.session.get(PrintJob, job_id)
        with pytest.raises(InvalidTransition):  # a retry would print the same serial a second time
            printing.retry_job(db.session, job)
        with pytest.raises(InvalidTransition):
            printing.move_job(db.session, job, db.session.get(Printer, printer_id))
        db.session.rollback()


def test_a_receipt_whose_worker_stopped_mid_job_is_printed_again(app, accredited, listener):
    printer_id = add_printer(
        app, "Receipts", "receipt", {"type": "network", "host": "127.0.0.1", "port": listener.port}
    )
    job_id = queue(app, accredited.id, "receipt")
    with app.app_context():
        assert printing.claim_next_job(db.session, db.session.get(Printer, printer_id)).id == job_id
        db.session.commit()
    assert work(app, utcnow() + printing.LEASE + timedelta(seconds=1)) == (1, 0)
    assert listener.received.wait(5)
    job = job_state(app, job_id)
    assert (job.status, job.attempts) == (JobStatus.DONE, 2)


def uncertain_badge(app, accredited, tmp_path) -> int:
    """A badge job left "uncertain" by a worker that died while sending it."""
    printer_id = add_printer(app, "Folder", "badge", {"type": "hot_folder", "path": str(tmp_path)})
    job_id = queue(app, accredited.id, "badge")
    with app.app_context():
        printing.claim_next_job(db.session, db.session.get(Printer, printer_id), worker="dead:1:x")
        db.session.commit()
    assert work(app, utcnow() + printing.LEASE + timedelta(seconds=1)) == (0, 0)
    assert job_state(app, job_id).status == JobStatus.UNCERTAIN
    return job_id


def test_an_uncertain_badge_found_in_the_tray_is_marked_printed(app, accredited, tmp_path):
    job_id = uncertain_badge(app, accredited, tmp_path)
    with app.app_context():
        assert [job.id for job in printing.uncertain_jobs(db.session, accredited.event_id)] == [job_id]
        printing.mark_printed(db.session, db.session.get(PrintJob, job_id))
        db.session.commit()
        assert printing.uncertain_jobs(db.session) == []
        with pytest.raises(InvalidTransition):
            printing.mark_printed(db.session, db.session.get(PrintJob, job_id))
    job = job_state(app, job_id)
    assert (job.status, job.last_error) == (JobStatus.DONE, None)


def test_an_uncertain_badge_is_superseded_not_sent_again(app, accredited, tmp_path):
    job_id = uncertain_badge(app, accredited, tmp_path)
    with app.app_context():
        printing.supersede_uncertain(db.session, db.session.get(PrintJob, job_id))
        db.session.commit()
    assert job_state(app, job_id).status == JobStatus.CANCELLED
    assert work(app, utcnow() + timedelta(minutes=1)) == (0, 0)
    assert list(tmp_path.glob("*.pdf")) == []


def test_the_outcome_of_a_job_taken_over_is_not_lost(app, accredited, tmp_path):
    """A worker cut off from the database for longer than its lease: another one took the badge over."""
    printer_id = add_printer(app, "Folder", "badge", {"type": "hot_folder", "path": str(tmp_path)})
    job_id = queue(app, accredited.id, "badge")
    slow = printing.Lane(printer_id, "slow:1:x")
    with app.app_context():
        job = printing.claim_next_job(db.session, db.session.get(Printer, printer_id), worker=slow.worker)
        slow.in_hand = printing.InHand(job.id, job.attempts, accredited.event_id)
        db.session.commit()
        slow.in_hand.outcome = slow.deliver(db.session, db.session.get(PrintJob, job_id))
    assert work(app, utcnow() + printing.LEASE + timedelta(seconds=1)) == (0, 0)  # taken over
    assert job_state(app, job_id).status == JobStatus.UNCERTAIN
    with app.app_context():  # the slow worker knows it printed: the badge is not uncertain after all
        assert slow.settle(db.session) == JobStatus.DONE
    assert job_state(app, job_id).status == JobStatus.DONE
    assert len(list(tmp_path.glob("*.pdf"))) == 1


def test_a_lease_is_renewed_only_by_its_holder(app, accredited, tmp_path):
    printer_id = add_printer(app, "Folder", "badge", {"type": "hot_folder", "path": str(tmp_path)})
    queue(app, accredited.id, "badge")
    now = utcnow()
    with app.app_context():
        printing.claim_next_job(db.session, db.session.get(Printer, printer_id), now, worker="a:1:x")
        db.session.commit()
        assert printing.renew_leases(db.session, "b:2:y", [printer_id], now) == 0
        later = now + timedelta(seconds=5)
        assert printing.renew_leases(db.session, "a:1:x", [printer_id], later) == 1
        db.session.commit()
        assert db.session.get(Printer, printer_id).busy_until == later + printing.LEASE


def test_only_accredited_participants_are_printed(app, make_participant):
    pending = make_participant(status=Status.PENDING)
    add_printer(app, "Receipts", "receipt", {"type": "dummy"})
    with app.app_context():
        with pytest.raises(NotAccredited):
            printing.queue_print(db.session, db.session.get(Participant, pending.id), "badge")


def test_no_printer_of_that_kind(app, accredited):
    with app.app_context(), pytest.raises(NoPrinter):
        printing.queue_print(db.session, db.session.get(Participant, accredited.id), JobKind.BADGE)


def test_printer_settings_are_checked(app):
    with app.app_context():
        with pytest.raises(ValidationFailed) as info:
            printing.save_printer(db.session, None, name="", kind="receipt", connection={"type": "network"})
        assert set(info.value.errors) == {"name", "connection"}
        with pytest.raises(ValidationFailed) as info:
            printing.save_printer(db.session, None, name="X", kind="badge", connection={"type": "network"})
        assert "cups" in info.value.errors["connection"][0]


def test_check_printers_records_reachability(app, listener, tmp_path):
    add_printer(app, "Up", "receipt", {"type": "network", "host": "127.0.0.1", "port": listener.port})
    add_printer(app, "Down", "receipt", {"type": "network", "host": "127.0.0.1", "port": free_port()})
    with app.app_context():
        result = {p.name: (p.reachable, p.last_error) for p in printing.check_printers(db.session)}
        db.session.commit()
    assert result["Up"] == (True, None)
    assert result["Down"][0] is False and "refused" in result["Down"][1]


def test_reissue_changes_the_serial_and_the_old_code_is_revoked(app, accredited):
    with app.app_context():
        participant = db.session.get(Participant, accredited.id)
        old = badging.badge_data(db.session, participant).code
        assert badging.reissue_badge(db.session, participant, SYSTEM) == 2
        db.session.commit()
        new = badging.badge_data(db.session, participant)
        assert new.badge_number.endswith(f"-{accredited.id:06d}-2")
        keys = public_keys(db.session, participant.delegation.event)
        at = participant.delegation.event.local_midnight(participant.delegation.event.starts_on)
        old_serial = verify(old, keys, kind=CodeKind.BADGE, now=at).payload.serial
        new_serial = verify(new.code, keys, kind=CodeKind.BADGE, now=at).payload.serial
        assert (old_serial, new_serial, participant.badge_serial) == (1, 2, 2)


def test_event_dates_as_printed(make_event):
    from datetime import date

    from kiosk.models import Event

    def dates(a: date, b: date) -> str:
        return badging.event_dates(Event(starts_on=a, ends_on=b))

    assert dates(date(2024, 6, 18), date(2024, 6, 20)) == "18–20 June 2024"
    # UN editorial style: a closed-up en dash between two months or years too
    assert dates(date(2024, 6, 30), date(2024, 7, 2)) == "30 June–2 July 2024"
    assert dates(date(2024, 6, 18), date(2024, 6, 18)) == "18 June 2024"
    assert dates(date(2024, 12, 30), date(2025, 1, 2)) == "30 December 2024–2 January 2025"


@pytest.mark.parametrize(
    "locale, printed",
    [
        ("en", "18–20 June 2024"),
        ("fr", "18–20 juin 2024"),
        ("es", "18 a 20 de junio de 2024"),
        ("ru", "18–20 июня 2024 года"),
        ("zh", "2024年6月18日至20日"),
        ("ar", "18–20 حزيران/يونيه 2024"),
    ],
)
def test_event_dates_in_the_badge_language(locale, printed):
    from datetime import date

    from kiosk.models import Event

    event = Event(starts_on=date(2024, 6, 18), ends_on=date(2024, 6, 20))
    assert badging.event_dates(event, locale) == printed


def test_badge_prints_the_function_in_the_badge_language(app, make_participant):
    from kiosk.extensions import db
    from kiosk.models import Participant, Status

    listed = make_participant(status=Status.ACCREDITED, function="head_of_delegation")
    written = make_participant(status=Status.ACCREDITED, function="Attaché de presse")
    with app.app_context():
        first = db.session.get(Participant, listed.id)
        assert badging.badge_data(db.session, first).function == "Head of delegation"
        assert badging.badge_data(db.session, first, "fr").function == "Chef de délégation"
        # the delegation too, by its UN name in that language (Chile; English: as registered)
        names = [badging.badge_data(db.session, first, lang).delegation for lang in ("en", "fr", "zh")]
        assert names == [first.delegation.name, "Chili", "智利"]
        assert badging.badge_data(db.session, first, "fr").event_dates.endswith(
            str(first.delegation.event.ends_on.year)
        )
        assert (
            badging.badge_data(db.session, db.session.get(Participant, written.id), "zh").function
            == "Attaché de presse"
        )


def test_a_database_error_after_sending_records_the_outcome_later_and_sends_nothing_again(
    app, accredited, tmp_path, monkeypatch
):
    from sqlalchemy.exc import OperationalError

    printer_id = add_printer(app, "Folder", "badge", {"type": "hot_folder", "path": str(tmp_path)})
    job_id = queue(app, accredited.id, "badge")
    lane, settle, failures = printing.Lane(printer_id), printing.Lane.settle, []

    def settle_once_failing(self, session, now=None):
        if not failures:
            failures.append(1)
            raise OperationalError("UPDATE print_jobs", {}, Exception("server closed the connection"))
        return settle(self, session, now)

    monkeypatch.setattr(printing.Lane, "settle", settle_once_failing)
    with app.app_context():
        with pytest.raises(OperationalError):
            lane.step(db.session)
        db.session.rollback()
        assert lane.in_hand.outcome.status == JobStatus.DONE  # sent; known in memory only
        assert lane.step(db.session) is None  # the outcome is written first; nothing else is due
    assert job_state(app, job_id).status == JobStatus.DONE
    assert len(list(tmp_path.glob("*.pdf"))) == 1


@pytest.fixture
def confined(app, tmp_path) -> tuple[Path, Path]:
    """PRINTER_FILES_DIR set to tmp_path/printed, and a file outside it that must stay untouched."""
    printed = tmp_path / "printed"
    printed.mkdir()
    app.config["PRINTER_FILES_DIR"] = str(printed)
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    return printed, victim


def test_file_printers_write_only_inside_printer_files_dir(app, confined):
    printed, victim = confined
    (printed / "escape").symlink_to(victim.parent)
    outside = [
        ("receipt", {"type": "file", "path": str(victim)}),
        ("receipt", {"type": "file", "path": str(printed / ".." / "victim.txt")}),
        ("receipt", {"type": "file", "path": str(printed / "escape" / "victim.txt")}),  # a symlink out
        ("receipt", {"type": "file", "path": "victim.txt"}),  # relative: to where the server runs
        ("receipt", {"type": "file", "path": str(printed)}),  # the folder itself is not a file
        ("receipt", {"type": "folder", "path": str(victim.parent)}),  # one file per receipt
        ("badge", {"type": "hot_folder", "path": str(victim.parent)}),
        ("badge", {"type": "png_folder", "path": "/etc"}),
        ("badge", {"type": "png_folder", "path": str(printed / "escape")}),
    ]
    with app.app_context():
        for kind, connection in outside:
            with pytest.raises(ValidationFailed) as refused:
                printing.save_printer(db.session, None, name="P", kind=kind, connection=connection)
            assert refused.value.errors["connection"] == [
                f"Printers write only inside {printed} (PRINTER_FILES_DIR, set on the server): "
                "give the full path of a file or folder there."
            ], connection
        with pytest.raises(ValidationFailed) as refused:
            printing.save_printer(
                db.session,
                None,
                name="S",
                kind="receipt",
                connection={"type": "serial", "devfile": "/etc/passwd"},
            )
        assert refused.value.errors["connection"] == [
            "A serial printer's device must be in /dev, e.g. /dev/ttyUSB0."
        ]
        for kind, connection in [
            ("receipt", {"type": "file", "path": str(printed / "receipt.escpos")}),
            ("badge", {"type": "png_folder", "path": str(printed)}),
            ("badge", {"type": "hot_folder", "path": str(printed / "cards" / "pdf")}),
        ]:
            printing.save_printer(db.session, None, name=connection["type"], kind=kind, connection=connection)
        db.session.rollback()
    assert victim.read_text() == "precious"


def test_a_printer_saved_before_the_rule_neither_checks_nor_prints_outside(app, accredited, confined):
    """Rows written before (or behind the service's back): the test page, the check and the worker refuse."""
    printed, victim = confined
    with app.app_context():
        receipt = Printer(
            name="Old receipts", kind="receipt", connection={"type": "file", "path": str(victim)}
        )
        badge = Printer(name="Old badges", kind="badge", connection={"type": "hot_folder", "path": "/tmp"})
        db.session.add_all([receipt, badge])
        db.session.commit()
        for printer in (receipt, badge):
            with pytest.raises(ValidationFailed, match="PRINTER_FILES_DIR"):
                printing.print_test_page(db.session, printer)
            assert printing.check_printer(db.session, printer) is False
            assert "PRINTER_FILES_DIR" in printer.last_error and "writable" not in printer.last_error
        db.session.commit()
        receipt_id = receipt.id
    job_id = queue(app, accredited.id, "receipt", receipt_id)
    assert work(app) == (0, 1)
    assert job_state(app, job_id).status == JobStatus.FAILED
    assert victim.read_text() == "precious"


def test_the_default_folder_is_instance_printed_where_the_demo_kiosk_prints(app, tmp_path):
    from kiosk import create_app
    from tests.conftest import base_config

    config = base_config(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path)
    del config["PRINTER_FILES_DIR"]
    default = create_app(config)
    assert default.config["PRINTER_FILES_DIR"] == str(Path(default.instance_path) / "printed")
    with default.app_context():
        printed = Path(default.instance_path) / "printed"
        for kind, connection in [
            ("badge", {"type": "png_folder", "path": str(printed)}),
            ("receipt", {"type": "file", "path": str(printed / "receipt.escpos")}),
        ]:
            assert printing.connection_problem(printing.PrinterKind(kind), connection) is None
        db.engine.dispose()


@pytest.mark.parametrize(
    ("language", "badge", "receipt"),
    [
        ("en", "Badge printer 1", "Receipt printer 1"),
        ("fr", "Imprimante de badges 1", "Imprimante de reçus 1"),
        ("es", "Impresora de credenciales 1", "Impresora de recibos 1"),
        ("ru", "Принтер бейджей 1", "Принтер квитанций 1"),
        ("ar", "طابعة الشارات 1", "طابعة الإيصالات 1"),
        ("zh", "证件打印机 1", "回执打印机 1"),
    ],
)
def test_printer_names_the_product_gives_are_words_of_the_readers_language(app, language, badge, receipt):
    """The demo's "Badge printer 1" inside a translated sentence; a name the secretariat gives stays."""
    from flask_babel import force_locale

    from kiosk.models import Printer

    with app.test_request_context(), force_locale(language):
        assert printing.shown_name(Printer(name="Badge printer 1")) == badge
        assert printing.shown_name(Printer(name="Receipt printer 1")) == receipt
        assert printing.shown_name(Printer(name="Salle XX – Zebra")) == "Salle XX – Zebra"
