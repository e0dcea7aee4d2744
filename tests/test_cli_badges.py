"""Command line: keys generate, add-printer, print-test, render-badge and the worker."""

from __future__ import annotations

import base64
import io
import json
import os
import socket
import stat
import threading
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from kiosk.extensions import db
from kiosk.models import EventKey, JobStatus, Participant, Printer, PrintJob, Status
from kiosk.services import printing


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def accredited(make_participant):
    return make_participant(status=Status.ACCREDITED, given_name="Ana", family_name="Pérez")


def test_keys_generate(runner, app, make_event):
    event = make_event(slug="im2024")
    result = runner.invoke(args=["keys", "generate", "im2024"])
    assert result.exit_code == 0, result.output
    public_b64 = result.output.strip().splitlines()[-1].removeprefix("public_key: ")
    with app.app_context():
        key = db.session.execute(db.select(EventKey).filter_by(event_id=event.id)).scalar_one()
        assert base64.b64decode(public_b64) == key.public_key and len(key.public_key) == 32
        assert f"key_id: {key.key_id}" in result.output
        assert stat.S_IMODE(os.stat(key.private_key_path).st_mode) == 0o600
    second = runner.invoke(args=["keys", "generate", "im2024"])
    assert "key_id: 2" in second.output
    missing = runner.invoke(args=["keys", "generate", "nope"])
    assert missing.exit_code != 0 and "No event with slug 'nope'" in missing.output


def test_add_printer(runner, app):
    result = runner.invoke(
        args=[
            "add-printer",
            "Cards",
            "--kind",
            "badge",
            "--connection",
            '{"type": "cups", "queue": "BadgePDF"}',
            "--format",
            "card_portrait",
        ]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        printer = db.session.execute(db.select(Printer)).scalar_one()
        assert (printer.kind.value, printer.badge_format, printer.connection["queue"]) == (
            "badge",
            "card_portrait",
            "BadgePDF",
        )
    duplicate = runner.invoke(
        args=["add-printer", "Cards", "--kind", "receipt", "--connection", '{"type": "dummy"}']
    )
    assert duplicate.exit_code != 0 and "Another printer is called Cards" in duplicate.output
    bad_json = runner.invoke(args=["add-printer", "X", "--kind", "receipt", "--connection", "{nope"])
    assert bad_json.exit_code != 0 and "not valid JSON" in bad_json.output
    wrong_type = runner.invoke(
        args=["add-printer", "Y", "--kind", "receipt", "--connection", '{"type": "cups"}']
    )
    assert wrong_type.exit_code != 0 and "network" in wrong_type.output


def test_print_test_on_a_receipt_printer(runner, app):
    server = socket.create_server(("127.0.0.1", 0))
    received: list[bytes] = []

    def serve() -> None:
        for _n in range(2):  # the reachability probe, then the receipt
            conn, _addr = server.accept()
            with conn:
                data = b""
                while chunk := conn.recv(65536):
                    data += chunk
                received.append(data)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    port = server.getsockname()[1]
    connection = json.dumps({"type": "network", "host": "127.0.0.1", "port": port})
    runner.invoke(args=["add-printer", "Desk", "--kind", "receipt", "--connection", connection])
    result = runner.invoke(args=["print-test", "Desk"])
    assert result.exit_code == 0, result.output
    thread.join(5)
    server.close()
    assert "Test receipt sent to Desk." in result.output
    assert received[0] == b"" and received[-1].startswith(b"\x1b@") and b"Desk" in received[-1]


def test_print_test_fails_with_one_line_when_unreachable(runner):
    connection = json.dumps({"type": "network", "host": "127.0.0.1", "port": free_port()})
    runner.invoke(args=["add-printer", "Off", "--kind", "receipt", "--connection", connection])
    result = runner.invoke(args=["print-test", "Off"])
    assert result.exit_code != 0
    assert result.output.strip().count("\n") == 0 and "refused the connection" in result.output
    unknown = runner.invoke(args=["print-test", "Nope"])
    assert unknown.exit_code != 0 and "No printer called 'Nope'" in unknown.output


def test_print_test_on_a_badge_folder(runner, tmp_path):
    folder = tmp_path / "hot"
    runner.invoke(
        args=[
            "add-printer",
            "Hot",
            "--kind",
            "badge",
            "--connection",
            json.dumps({"type": "hot_folder", "path": str(folder)}),
        ]
    )
    result = runner.invoke(args=["print-test", "Hot"])
    assert result.exit_code == 0, result.output
    [pdf] = list(folder.glob("*.pdf"))
    assert pdf.read_bytes().startswith(b"%PDF") and str(pdf) in result.output


def test_render_badge(runner, app, accredited, make_participant, tmp_path):
    png = tmp_path / "badge.png"
    result = runner.invoke(args=["render-badge", str(accredited.id), "--out", str(png)])
    assert result.exit_code == 0, result.output
    with Image.open(png) as image:
        assert image.size == (1011, 638)
        assert len(zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)) == 1
    pdf = tmp_path / "badge.pdf"
    result = runner.invoke(args=["render-badge", str(accredited.id), "--out", str(pdf), "--format", "a6"])
    assert result.exit_code == 0 and pdf.read_bytes().startswith(b"%PDF")
    bad = runner.invoke(args=["render-badge", str(accredited.id), "--out", str(tmp_path / "b.jpg")])
    assert bad.exit_code != 0 and ".png or .pdf" in bad.output
    pending = make_participant(status=Status.PENDING)
    refused = runner.invoke(args=["render-badge", str(pending.id), "--out", str(png)])
    assert refused.exit_code != 0 and "not accredited" in refused.output


def test_worker_prints_queued_jobs(runner, app, accredited, tmp_path):
    folder = tmp_path / "png"
    runner.invoke(
        args=[
            "add-printer",
            "PNG",
            "--kind",
            "badge",
            "--connection",
            json.dumps({"type": "png_folder", "path": str(folder)}),
        ]
    )
    with app.app_context():
        job = printing.queue_print(db.session, db.session.get(Participant, accredited.id), "badge")
        db.session.commit()
        job_id = job.id
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "print: 1 printed" in result.output
    with app.app_context():
        assert db.session.get(PrintJob, job_id).status == JobStatus.DONE
    [png] = list(Path(folder).glob("*.png"))
    with Image.open(io.BytesIO(png.read_bytes())) as image:
        assert len(zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)) == 1
