"""Tests for receipt and badge printing through real sockets, folders and CUPS."""

from __future__ import annotations

import re
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import zxingcpp

from badges.codes import CodeKind, verify
from badges.printers import (
    PrinterError,
    ReceiptData,
    _describe_os_error,
    check_reachable,
    print_badge,
    print_receipt,
    receipt_bytes,
)
from badges.render import BadgeFormat, render_pdf, render_png
from tests.badges.helpers import CODE, NOW, PUBLIC_KEYS, make_badge, rasterise

QR_COMMAND = b"\x1d(k"
CUT = b"\x1dV"


def make_receipt(**overrides: object) -> ReceiptData:
    """Return receipt data with overrides applied."""
    values: dict[str, object] = {
        "event_title": "Meeting of States Parties",
        "name": "Jonathan Mwangi Otieno",
        "delegation": "Kenya",
        "badge_number": "B-004242",
        "printed_at": datetime(2024, 9, 10, 9, 5, tzinfo=UTC),
        "venue": "Palais des Nations, Geneva",
        "venue_info": "Pregny gate, Room XIX",
        "code": CODE,
    }
    values.update(overrides)
    return ReceiptData(**values)  # type: ignore[arg-type]


class Listener:
    """A one-connection TCP server on 127.0.0.1 that records what it receives."""

    def __init__(self) -> None:
        """Listen on an ephemeral port and accept one connection in a thread."""
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(10)
        self.port = self.server.getsockname()[1]
        self.received = b""
        self.closed_by_client = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        """Accept one client and read until it closes the connection."""
        try:
            conn, _ = self.server.accept()
        except OSError:
            return
        with conn:
            conn.settimeout(10)
            while chunk := conn.recv(65536):
                self.received += chunk
        self.closed_by_client.set()

    def close(self) -> None:
        """Stop listening."""
        self.server.close()
        self.thread.join(timeout=5)


@pytest.fixture
def listener() -> Iterator[Listener]:
    """Return a running TCP listener standing in for a receipt printer."""
    server = Listener()
    yield server
    server.close()


def free_port() -> int:
    """Return a localhost port with nothing listening on it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_receipt_reaches_network_printer(listener: Listener) -> None:
    connection = {"type": "network", "host": "127.0.0.1", "port": listener.port, "timeout": 5}
    print_receipt(make_receipt(), connection)
    assert listener.closed_by_client.wait(5), "the connection must be closed after the job"
    data = listener.received
    assert b"Jonathan Mwangi\nOtieno" in data  # double width: 21 columns, broken between words
    assert b"B-004242" in data
    assert b"Kenya" in data and b"Room XIX" in data
    assert QR_COMMAND in data and CODE.encode() in data
    assert CUT in data and data.rindex(CUT) > data.rindex(QR_COMMAND)
    assert data == receipt_bytes(make_receipt())


def test_receipt_with_profile_and_image_qr(listener: Listener) -> None:
    connection = {
        "type": "network",
        "host": "127.0.0.1",
        "port": listener.port,
        "profile": "TM-T88V",
        "qr": "image",
    }
    print_receipt(make_receipt(), connection)
    assert listener.closed_by_client.wait(5)
    assert QR_COMMAND not in listener.received
    assert b"\x1dv0" in listener.received  # raster image
    assert CUT in listener.received


def test_no_listener_raises_printer_error() -> None:
    port = free_port()
    connection = {"type": "network", "host": "127.0.0.1", "port": port, "timeout": 2}
    with pytest.raises(PrinterError) as caught:
        print_receipt(make_receipt(), connection)
    message = str(caught.value)
    assert f"127.0.0.1:{port}" in message and "refused" in message
    assert message.endswith((".", "?"))


def test_unresolvable_host_raises_printer_error() -> None:
    connection = {"type": "network", "host": "printer.invalid", "port": 9100, "timeout": 2}
    with pytest.raises(PrinterError):
        print_receipt(make_receipt(), connection)


def test_timeout_is_described() -> None:
    message = _describe_os_error(TimeoutError("timed out"), "10.0.0.9:9100", 5)
    assert message == "The printer at 10.0.0.9:9100 did not answer within 5 seconds; is it on?"


def test_receipt_bytes_native_qr_and_cut() -> None:
    data = receipt_bytes(make_receipt())
    assert data.startswith(b"\x1b@")
    assert QR_COMMAND in data and CUT in data
    assert b"\x1d(k\x03\x001E1" in data  # error correction level M


def test_non_latin_names_are_printed_as_images() -> None:
    data = receipt_bytes(make_receipt(name="王小明", delegation="المملكة العربية السعودية"))
    assert data.count(b"\x1dv0") == 2
    assert "王".encode() not in data


def test_bad_settings_raise_printer_error(tmp_path: Path) -> None:
    with pytest.raises(PrinterError, match="native"):
        receipt_bytes(make_receipt(), qr="laser")
    with pytest.raises(PrinterError, match="profile"):
        receipt_bytes(make_receipt(), profile="No Such Printer 3000")
    with pytest.raises(PrinterError, match="host"):
        print_receipt(make_receipt(), {"type": "network"})
    with pytest.raises(PrinterError, match="Unknown"):
        print_receipt(make_receipt(), {"type": "pigeon"})
    with pytest.raises(PrinterError):
        print_receipt(make_receipt(), {"type": "file", "path": str(tmp_path / "no" / "dir")})


def test_file_and_dummy_connections(tmp_path: Path) -> None:
    path = tmp_path / "lp0"
    print_receipt(make_receipt(), {"type": "file", "path": str(path)})
    assert path.read_bytes() == receipt_bytes(make_receipt())
    print_receipt(make_receipt(), {"type": "dummy"})


def test_a_folder_keeps_one_file_per_receipt(tmp_path: Path) -> None:
    folder = {"type": "folder", "path": str(tmp_path / "printed")}
    assert check_reachable(folder)[0]
    first = print_receipt(make_receipt(), folder)
    second = print_receipt(make_receipt(), folder)
    assert first and second and first != second
    files = sorted((tmp_path / "printed").iterdir())
    assert [f.name for f in files] == sorted(Path(p).name for p in (first, second))
    assert all(re.fullmatch(r"receipt-[A-Za-z0-9._-]+\.escpos", f.name) for f in files)
    assert all(f.read_bytes() == receipt_bytes(make_receipt()) for f in files)
    with pytest.raises(PrinterError, match="folder path"):
        print_receipt(make_receipt(), {"type": "folder"})


def test_check_reachable_network(listener: Listener) -> None:
    ok, message = check_reachable({"type": "network", "host": "127.0.0.1", "port": listener.port})
    assert ok, message
    ok, message = check_reachable({"type": "network", "host": "127.0.0.1", "port": free_port()})
    assert not ok and "refused" in message


def test_check_reachable_folders_and_others(tmp_path: Path) -> None:
    assert check_reachable({"type": "hot_folder", "path": str(tmp_path)})[0]
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    assert not check_reachable({"type": "png_folder", "path": str(blocker / "sub")})[0]
    assert not check_reachable({"type": "serial", "devfile": "/dev/no-such-tty"})[0]
    assert check_reachable({"type": "dummy"})[0]
    assert not check_reachable({"type": "smoke_signal"})[0]


def test_hot_folder_writes_atomically(tmp_path: Path) -> None:
    pdf = render_pdf(make_badge())
    written = print_badge(pdf, None, {"type": "hot_folder", "path": str(tmp_path / "hot")},
                          title="Badge B-004242 / María")  # fmt: skip
    assert written is not None
    path = Path(written)
    assert path.parent == tmp_path / "hot" and path.suffix == ".pdf"
    assert re.fullmatch(r"[A-Za-z0-9._-]+", path.name)
    assert path.read_bytes() == pdf
    assert [p.name for p in path.parent.iterdir()] == [path.name]


def test_png_folder(tmp_path: Path) -> None:
    png = render_png(make_badge())
    written = print_badge(b"%PDF", png, {"type": "png_folder", "path": str(tmp_path)})
    assert written is not None and Path(written).read_bytes() == png
    with pytest.raises(PrinterError, match="PNG"):
        print_badge(b"%PDF", None, {"type": "png_folder", "path": str(tmp_path)})


def test_unwritable_folder_raises_printer_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with pytest.raises(PrinterError, match="could not be written"):
        print_badge(b"%PDF", None, {"type": "hot_folder", "path": str(blocker / "sub")})
    with pytest.raises(PrinterError, match="Unknown"):
        print_badge(b"%PDF", None, {"type": "fax"})


def wait_for_output(folder: Path, job_id: str, timeout: float = 30.0) -> Path:
    """Poll the cups-pdf output folder until the PDF of a job appears and is complete."""
    number = job_id.rsplit("-", 1)[-1]
    pattern = re.compile(rf"job_{number}(?!\d)")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in folder.glob("*.pdf"):
            if pattern.search(path.name) and path.read_bytes().rstrip().endswith(b"%%EOF"):
                return path
        time.sleep(0.3)
    raise AssertionError(f"cups-pdf wrote no PDF for job {job_id} in {folder} within {timeout} s")


def test_badge_through_real_cups_spooler(cups_pdf_dir: Path, tmp_path: Path) -> None:
    assert check_reachable({"type": "cups", "queue": "BadgePDF"})[0]
    pdf = render_pdf(make_badge(), BadgeFormat.CARD_LANDSCAPE)
    job_id = print_badge(pdf, None, {"type": "cups", "queue": "BadgePDF"}, title="badge-B-004242")
    assert job_id is not None and re.fullmatch(r"BadgePDF-\d+", job_id)
    output = wait_for_output(cups_pdf_dir, job_id)
    info = subprocess.run(["pdfinfo", str(output)], capture_output=True, text=True, check=True)
    assert re.search(r"Page size:\s+242(\.\d+)? x 153(\.\d+)? pts", info.stdout), info.stdout
    copy = tmp_path / "spooled.pdf"
    copy.write_bytes(output.read_bytes())
    barcodes = zxingcpp.read_barcodes(rasterise(copy), formats=zxingcpp.BarcodeFormat.QRCode)
    assert [b.text for b in barcodes] == [CODE]
    result = verify(barcodes[0].text, PUBLIC_KEYS, event_id=7, kind=CodeKind.BADGE, now=NOW)
    assert result.ok


def test_cups_unknown_queue(cups_pdf_dir: Path) -> None:
    ok, message = check_reachable({"type": "cups", "queue": "NoSuchQueue"})
    assert not ok and "NoSuchQueue" in message
    with pytest.raises(PrinterError, match="NoSuchQueue"):
        print_badge(b"%PDF-1.4", None, {"type": "cups", "queue": "NoSuchQueue"})
