"""The kiosk printing on real printers: ESC/POS over TCP and the CUPS queue; and a printer that is off."""

from __future__ import annotations

import re
import subprocess
from datetime import timedelta

import zxingcpp
from PIL import Image
from playwright.sync_api import expect

from badges.codes import CodeKind, verify
from kiosk.extensions import db
from kiosk.models import Event, JobStatus, Participant, PrintJob
from kiosk.services import badging, printing
from kiosk.services import kiosks as kiosk_service
from kiosk.services.audit import SYSTEM
from kiosk.services.keys import public_keys
from tests.browser.test_kiosk import kiosk_context, scan
from tests.checkin_fixtures import *  # noqa: F403 (fixtures)
from tests.services.test_printing import Listener, wait_for_output


def enrol_with(app, setting, badge: dict, receipt: dict, fmt: str = "card") -> str:
    """An enrolled kiosk with these badge and receipt printers; its device secret."""
    with app.app_context():
        badge_printer = printing.save_printer(
            db.session, None, name="Kiosk badges", kind="badge", connection=badge, badge_format=fmt
        )
        receipt_printer = printing.save_printer(
            db.session, None, name="Kiosk receipts", kind="receipt", connection=receipt
        )
        kiosk = kiosk_service.save_kiosk(
            db.session,
            None,
            db.session.get(Event, setting.event_id),
            {
                "name": "Kiosk 4",
                "badge_printer_id": badge_printer.id,
                "receipt_printer_id": receipt_printer.id,
            },
            SYSTEM,
        )
        link = kiosk_service.enrolment_link_secret(db.session, kiosk, SYSTEM)
        secret = kiosk_service.enrol(db.session, kiosk_service.kiosk_for_enrolment(db.session, link))
        db.session.commit()
    return secret


def check_in_at_the_kiosk(browser, live_server, secret, code):
    context = kiosk_context(browser, live_server, secret)
    page = context.new_page()
    page.goto(f"{live_server}/kiosk/flow?lang=en")
    scan(page, code)
    page.locator("#confirm-print").click()
    return context, page


def test_badge_to_cups_and_receipt_to_an_escpos_tcp_printer(
    app, browser, live_server, setting, code_of, cups_pdf_dir, print_worker, tmp_path
):
    listener = Listener()
    try:
        secret = enrol_with(
            app,
            setting,
            {"type": "cups", "queue": "BadgePDF"},
            {"type": "network", "host": "127.0.0.1", "port": listener.port},
        )
        context, page = check_in_at_the_kiosk(browser, live_server, secret, code_of(setting.ana))
        expect(page.locator("#collect")).to_contain_text("Kiosk badges")
        expect(page.locator("body")).to_have_attribute("data-printed", "1", timeout=30000)
        context.close()
        assert listener.received.wait(10)
    finally:
        listener.close()
    receipt = listener.jobs[0]
    assert b"Ana P" in receipt and b"Chile" in receipt and b"First Preparatory Meeting" in receipt
    assert b"\x1d(k" not in receipt and b"\x1dV" in receipt  # no QR code; cut
    with app.app_context():
        participant = db.session.get(Participant, setting.ana)
        assert participant.reference.encode() in receipt
        job = db.session.query(PrintJob).filter_by(kind="badge").one()
        title = f"badge-{job.id}-{badging.badge_number(participant)}"
    output = wait_for_output(cups_pdf_dir, title)
    info = subprocess.run(["pdfinfo", str(output)], capture_output=True, text=True, check=True)
    assert re.search(r"Page size:\s+242(\.\d+)? x 153(\.\d+)? pts", info.stdout), info.stdout
    page_png = tmp_path / "page"
    subprocess.run(["pdftoppm", "-r", "300", "-png", "-singlefile", str(output), str(page_png)], check=True)
    with Image.open(page_png.with_suffix(".png")) as image:
        [barcode] = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    with app.app_context():
        event = db.session.get(Event, setting.event_id)
        result = verify(
            barcode.text,
            public_keys(db.session, event),
            event_id=event.id,
            kind=CodeKind.BADGE,
            now=event.local_midnight(event.starts_on) + timedelta(hours=9),
        )
    assert result.ok and result.payload.participant_id == setting.ana


def test_a_printer_that_is_off_sends_the_delegate_to_the_desk(
    app, browser, live_server, setting, code_of, print_worker, tmp_path
):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the printer's folder should be")
    closed = Listener()
    port = closed.port
    closed.close()  # nothing listens there any more: a receipt printer switched off
    secret = enrol_with(
        app,
        setting,
        {"type": "png_folder", "path": str(blocked / "badges")},
        {"type": "network", "host": "127.0.0.1", "port": port, "timeout": 1},
    )
    context, page = check_in_at_the_kiosk(browser, live_server, secret, code_of(setting.ana))
    expect(page.locator("#print-state")).to_have_text(
        "The printer is not answering. Your badge waits in the queue: please go to the registration desk.",
        timeout=15000,
    )
    context.close()
    with app.app_context():
        job = db.session.query(PrintJob).filter_by(kind="badge").one()
        assert job.status == JobStatus.QUEUED and job.attempts >= 1 and job.last_error
