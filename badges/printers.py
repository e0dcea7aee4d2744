"""Printing: ESC/POS receipts (network, USB, serial, file) and badges (CUPS, hot folders)."""

from __future__ import annotations

import errno
import os
import re
import shutil
import socket
import subprocess
import tempfile
import unicodedata
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from escpos.constants import QR_ECLEVEL_M
from escpos.escpos import Escpos
from escpos.magicencode import Encoder
from escpos.printer import Dummy
from PIL import Image

from badges import text
from badges.codes import normalise

__all__ = [
    "PrinterError",
    "ReceiptData",
    "check_reachable",
    "print_badge",
    "print_receipt",
    "receipt_bytes",
    "wrap_columns",
]

DEFAULT_PORT = 9100
DEFAULT_TIMEOUT = 5.0
LP_TIMEOUT = 30.0
_RECEIPT_DOTS = 512  # printable width of an 80 mm receipt printer at 203 dpi, when unknown
_RECEIPT_COLUMNS = 42  # characters of Font A on an 80 mm printer, when the profile does not say
#: The code pages a printer is assumed to have when no profile names it. python-escpos's
#: "default" profile lists every page any Epson model has (TCVN-3 for Vietnamese, CP932, …),
#: which many printers lack; these six are in every profile python-escpos describes for an
#: 80 mm Epson, down to the TM-T88IV. A line with other characters is printed as a picture.
SAFE_CODE_PAGES = frozenset({"CP437", "CP850", "CP852", "CP858", "CP866", "CP1252"})


class PrinterError(Exception):
    """A printer is off, unreachable, misconfigured or out of paper; the message is a sentence."""


@dataclass(frozen=True)
class ReceiptData:
    """What is printed on a check-in receipt."""

    event_title: str
    name: str
    delegation: str
    badge_number: str
    printed_at: datetime
    venue: str
    venue_info: str | None
    #: A signed code printed as a QR code: only for test pages. Receipts of participants carry
    #: none (a receipt is thrown away; it must not open a door), but their short reference.
    code: str | None = None
    #: `printed_at` as the reader's language writes it (else ISO 8601, the same in every language).
    printed_when: str = ""
    reference: str = ""
    #: Lines about the meetings (title, day, time, room), already formatted in the event's time zone.
    meetings: tuple[str, ...] = ()
    #: Where to get help (registration desk, contact), one line each.
    help_lines: tuple[str, ...] = ()
    #: The words printed before the badge number and the reference, in the participant's language.
    badge_label: str = "Badge"
    reference_label: str = "Reference"


def _receipt_width(printer: Escpos) -> int:
    """Return the printable width in dots from the printer profile."""
    try:
        pixels = printer.profile.profile_data["media"]["width"]["pixels"]
        return int(pixels) if pixels and pixels != "Unknown" else _RECEIPT_DOTS
    except (KeyError, TypeError, ValueError):
        return _RECEIPT_DOTS


def _columns(printer: Escpos) -> int:
    """Return how many Font A characters fit on a line, from the printer profile."""
    try:
        return int(printer.profile.profile_data["fonts"]["0"]["columns"])
    except (KeyError, TypeError, ValueError):
        return _RECEIPT_COLUMNS


def _limit_code_pages(printer: Escpos, profile: str | None) -> None:
    """Let the printer's encoder use only the code pages its profile really has.

    A named profile is taken at its word (less its "Unknown" slots); without one, only
    SAFE_CODE_PAGES are used.
    """
    pages = {name: number for name, number in printer.profile.get_code_pages().items() if name != "Unknown"}
    if not profile or printer.profile.profile_data.get("name") == "Default":
        pages = {name: number for name, number in pages.items() if name in SAFE_CODE_PAGES}
    printer.magic.encoder = Encoder(pages)


def _cells(text_: str) -> int:
    """Return the columns text takes on a printer: wide (CJK) characters two, combining marks none."""
    return sum(
        0 if unicodedata.combining(char) else 2 if unicodedata.east_asian_width(char) in "WF" else 1
        for char in text_
    )


def _wrap_tokens(line: str) -> list[tuple[str, bool]]:
    """Split a line where it may break: (piece, whether a space comes before it).

    Lines break at spaces and between wide (CJK) characters, never inside a word.
    """
    tokens: list[tuple[str, bool]] = []
    for word in line.split():
        first, piece = True, ""
        for char in word:
            if unicodedata.east_asian_width(char) in "WF":
                if piece:
                    tokens.append((piece, first))
                    first = False
                piece = char
                tokens.append((piece, first))
                first, piece = False, ""
            else:
                piece += char
        if piece:
            tokens.append((piece, first))
    return tokens


def wrap_columns(line: str, columns: int) -> list[str]:
    """Return `line` in rows of at most `columns` printer columns, broken at word boundaries.

    Wide characters take two columns (east Asian width). A word longer than a whole row breaks
    after one of its hyphens ("ИВАНОВА-" / "СМИРНОВА"), and only a word without one that fits
    is ever cut, as late as it can be.
    """
    rows: list[str] = []
    current = ""
    for piece, spaced in _wrap_tokens(" ".join(line.split())):
        joined = f"{current} {piece}" if current and spaced else current + piece
        if _cells(joined) <= columns:
            current = joined
            continue
        if current:
            rows.append(current)
        current = piece
        while _cells(current) > columns:
            cut = len(current)
            while _cells(current[:cut]) > columns:
                cut -= 1
            hyphen = current.rfind("-", 0, cut)
            cut = hyphen + 1 if hyphen > 0 else cut
            rows.append(current[:cut])
            current = current[cut:]
    if current:
        rows.append(current)
    return rows


def _printable(printer: Escpos, line: str) -> bool:
    """Return True if the printer's own code pages have every character and none needs shaping.

    Right-to-left text, scripts that need shaping (Arabic, Devanagari, …), CJK and emoji are
    not in code pages, or not in the right order: those lines are printed as pictures.
    """
    encoder = printer.magic.encoder
    for char in line:
        if unicodedata.bidirectional(char) in ("R", "AL", "AN", "NSM") or unicodedata.combining(char):
            return False
        if not char.isascii() and encoder.find_suitable_encoding(char) is None:
            return False
    return True


def _text_as_image(line: str, width: int, size: int, bold: bool) -> Image.Image:
    """Return text as a black-on-white picture, every character in a font that has it, centred."""
    height = size * 4
    px, rows = text.fit_lines(line, width, height, bold=bold, max_px=size, max_lines=3, spacing=1.1)
    rtl, cjk = text.is_rtl(line), text.cjk_variant(line)
    block = text.block_height(rows, px, bold, rtl, cjk, 1.1)
    ascent, _ = text.line_metrics(text.layout_line(" ".join(rows), bold, rtl, cjk), px)
    image = Image.new("L", (width, block + 4), 255)
    for index, row in enumerate(rows):
        runs = text.layout_line(row, bold, rtl, cjk)
        x = (width - text.line_width(runs, px)) // 2
        text.draw_runs(image, x, 2 + ascent + index * round(px * 1.1), runs, px, 0)
    return image.convert("1")  # Floyd–Steinberg: text stays crisp, colour emoji keep their shapes


def _line(printer: Escpos, line: str, *, bold: bool = False, big: bool = False) -> None:
    """Print one centred line: as text where code pages allow it, else as a picture."""
    line = unicodedata.normalize("NFC", " ".join(line.split()))
    if not line:
        return
    if _printable(printer, line):
        printer.set(align="center", bold=bold, double_height=big, double_width=big)
        for row in wrap_columns(line, _columns(printer) // (2 if big else 1)):
            printer.textln(row)
        printer.set(align="center", bold=False, normal_textsize=True)
    else:
        image = _text_as_image(line, _receipt_width(printer), 44 if big else 30, bold)
        printer.image(image, center=True)


def _write_receipt(printer: Escpos, data: ReceiptData, qr: str) -> None:
    """Send the receipt's commands to an ESC/POS printer object."""
    if qr not in ("native", "image"):
        raise PrinterError(f'The receipt QR mode must be "native" or "image", not "{qr}".')
    printer.hw("INIT")
    printer.set(align="center")
    rule = "-" * _columns(printer)
    _line(printer, data.event_title, bold=True)
    _line(printer, data.venue)
    if data.venue_info:
        _line(printer, data.venue_info)
    printer.textln(rule)
    _line(printer, data.name, bold=True, big=True)
    _line(printer, data.delegation)
    printer.ln()
    _line(printer, f"{data.badge_label} {data.badge_number}", bold=True)
    if data.reference:
        _line(printer, f"{data.reference_label} {data.reference}")
    _line(printer, data.printed_when or data.printed_at.isoformat(" ", "minutes")[:16])
    printer.ln()
    if data.meetings:
        printer.textln(rule)
        for text in data.meetings:
            _line(printer, text)
        printer.ln()
    if data.help_lines:
        printer.textln(rule)
        for text in data.help_lines:
            _line(printer, text)
        printer.ln()
    if data.code:
        code = normalise(data.code)
        if qr == "native":
            printer.qr(code, ec=QR_ECLEVEL_M, size=6, native=True)
        else:
            printer.qr(code, ec=QR_ECLEVEL_M, size=6, native=False, center=True)
        printer.ln()
    printer.cut()


def receipt_bytes(data: ReceiptData, profile: str | None = None, qr: str = "native") -> bytes:
    """Return the ESC/POS bytes of a receipt, built on a Dummy printer (for tests and preview)."""
    try:
        printer = Dummy(profile=profile)
    except Exception as error:  # escpos raises its own errors for unknown profiles
        raise PrinterError(f'The printer profile "{profile}" is not known to python-escpos.') from (error)
    _limit_code_pages(printer, profile)
    _write_receipt(printer, data, qr)
    return bytes(printer.output)


def _describe_os_error(error: BaseException, where: str, timeout: float) -> str:
    """Return a sentence explaining a connection failure."""
    cause: BaseException | None = error
    while cause is not None and not isinstance(cause, OSError):
        cause = cause.__cause__ or cause.__context__
    if isinstance(cause, TimeoutError | socket.timeout):
        return f"The printer at {where} did not answer within {timeout:g} seconds; is it on?"
    if isinstance(cause, ConnectionRefusedError):
        return f"The printer at {where} refused the connection; is it switched on and online?"
    if isinstance(cause, socket.gaierror):
        return f"The printer address {where} could not be resolved; check the host name."
    if isinstance(cause, OSError) and cause.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH):
        return f"The printer at {where} cannot be reached from this machine; check the network."
    if isinstance(cause, OSError) and cause.errno in (errno.EPIPE, errno.ECONNRESET):
        return f"The printer at {where} dropped the connection while printing; check its paper."
    detail = str(cause or error).strip().rstrip(".") or type(error).__name__
    return f"The printer at {where} could not print: {detail}."


def _device(connection: Mapping[str, Any]) -> tuple[Escpos, str]:
    """Return an unopened python-escpos printer for a connection and a description of it."""
    kind = connection.get("type")
    profile = connection.get("profile")
    try:
        if kind == "usb":
            from escpos.printer import Usb

            vendor, product = _int(connection["vendor_id"]), _int(connection["product_id"])
            extra = {
                key: _int(connection[key])
                for key in ("in_ep", "out_ep", "interface", "timeout")
                if key in connection
            }
            printer = Usb(vendor, product, profile=profile, **extra)
            return printer, f"USB {vendor:04x}:{product:04x}"
        if kind == "serial":
            from escpos.printer import Serial

            devfile = connection["devfile"]
            options = {
                key: connection[key]
                for key in ("baudrate", "bytesize", "timeout", "parity", "stopbits", "dsrdtr")
                if key in connection
            }
            return Serial(devfile, profile=profile, **options), f"serial port {devfile}"
        if kind == "file":
            from escpos.printer import File

            return File(connection["path"], profile=profile), f"file {connection['path']}"
        if kind == "dummy":
            return Dummy(profile=profile), "dummy printer"
    except KeyError as missing:
        raise PrinterError(f"The {kind} printer settings lack {missing.args[0]!r}.") from None
    except PrinterError:
        raise
    except Exception as error:
        raise PrinterError(f"The {kind} printer cannot be set up: {error}.") from error
    raise PrinterError(f"Unknown receipt printer type {kind!r}.")


def _int(value: Any) -> int:
    """Return an int from an int or a string such as "0x04b8"."""
    return value if isinstance(value, int) else int(str(value), 0)


def _send_network(payload: bytes, connection: Mapping[str, Any]) -> None:
    """Send raw ESC/POS bytes to a network printer (port 9100) and close the socket."""
    host = connection.get("host")
    if not host:
        raise PrinterError("The network printer settings lack 'host'.")
    port = int(connection.get("port", DEFAULT_PORT))
    timeout = float(connection.get("timeout", DEFAULT_TIMEOUT))
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.sendall(payload)
            sock.shutdown(socket.SHUT_WR)
    except OSError as error:
        raise PrinterError(_describe_os_error(error, f"{host}:{port}", timeout)) from error


def print_receipt(data: ReceiptData, connection: Mapping[str, Any]) -> str | None:
    """Print a receipt on an ESC/POS printer and close the connection; raise PrinterError.

    A "folder" printer keeps each receipt's raw ESC/POS bytes in a file of its own
    (receipt-<badge number>-<time>-<random>.escpos) and returns its path.
    """
    payload = receipt_bytes(data, connection.get("profile"), connection.get("qr", "native"))
    if connection.get("type") == "network":
        _send_network(payload, connection)
        return None
    if connection.get("type") == "folder":
        if not connection.get("path"):
            raise PrinterError("The folder printer settings lack the folder path.")
        try:
            name = _file_name(f"receipt-{data.badge_number}", ".escpos")
            return str(_atomic_write(Path(connection["path"]), name, payload))
        except OSError as error:
            raise PrinterError(
                f"The receipt could not be written to {connection['path']}: {error.strerror or error}."
            ) from error
    printer, where = _device(connection)
    timeout = float(connection.get("timeout", DEFAULT_TIMEOUT))
    try:
        if not isinstance(printer, Dummy):
            printer.open()
        printer._raw(payload)
    except PrinterError:
        raise
    except Exception as error:  # escpos, pyusb and pyserial each fail their own way
        raise PrinterError(_describe_os_error(error, where, timeout)) from error
    finally:
        _close(printer)
    return None


def _close(printer: Escpos) -> None:
    """Close a printer's device, ignoring errors from an already broken connection."""
    try:
        if getattr(printer, "_device", False):
            printer.close()
    except Exception:  # noqa: BLE001 - closing must never hide the real error
        pass
    if hasattr(printer, "_device"):
        printer._device = False


def _safe_name(title: str) -> str:
    """Return title reduced to characters that are safe in file names."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", title).strip("-.") or "badge"


def _atomic_write(folder: Path, name: str, content: bytes) -> Path:
    """Write content to folder/name through a hidden temporary file and a rename."""
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=".", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, 0o644)
        target = folder / name
        os.replace(tmp_name, target)
        return target
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def _file_name(title: str, suffix: str) -> str:
    """Return a unique file name for a badge job."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")  # machine date: a file name
    return f"{_safe_name(title)}-{stamp}-{uuid.uuid4().hex[:8]}{suffix}"


def _print_cups(pdf: bytes, connection: Mapping[str, Any], media: str, title: str) -> str:
    """Submit a PDF to a CUPS queue with lp and return the job id."""
    queue = connection.get("queue")
    if not queue:
        raise PrinterError("The CUPS printer settings lack the queue name.")
    lp = shutil.which("lp")
    if lp is None:
        raise PrinterError("CUPS is not installed on this machine (no lp command).")
    command = [lp, "-d", str(queue), "-o", f"media={media}", "-t", title]
    if connection.get("server"):
        command[1:1] = ["-h", str(connection["server"])]
    for key, value in dict(connection.get("options", {})).items():
        command += ["-o", f"{key}={value}"]
    command.append("-")
    try:
        result = subprocess.run(command, input=pdf, capture_output=True, timeout=LP_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        raise PrinterError(
            f"The print spooler did not accept the badge within {LP_TIMEOUT:g} seconds."
        ) from None
    except OSError as error:
        raise PrinterError(f"The lp command could not be run: {error.strerror}.") from error
    output = (result.stdout + result.stderr).decode(errors="replace").strip()
    if result.returncode != 0:
        reason = output.splitlines()[-1] if output else f"exit status {result.returncode}"
        reason = reason.removeprefix("lp: ").rstrip(".")
        raise PrinterError(f"The print queue {queue} refused the badge: {reason}.")
    match = re.search(r"request id is (\S+)", output)
    if match is None:
        raise PrinterError(f"The print queue {queue} gave no job id: {output or 'no output'}.")
    return match.group(1)


def print_badge(
    pdf: bytes,
    png: bytes | None,
    connection: Mapping[str, Any],
    *,
    media: str = "Custom.85.6x53.98mm",
    title: str = "badge",
) -> str | None:
    """Send a badge to a CUPS queue (returns the job id) or a folder (returns the file path)."""
    kind = connection.get("type")
    try:
        if kind == "cups":
            return _print_cups(pdf, connection, media, title)
        if kind in ("hot_folder", "png_folder"):
            if not connection.get("path"):
                raise PrinterError(f"The {kind} printer settings lack the folder path.")
            folder = Path(connection["path"])
            if kind == "hot_folder":
                return str(_atomic_write(folder, _file_name(title, ".pdf"), pdf))
            if png is None:
                raise PrinterError("This printer takes PNG files, but no PNG badge was given.")
            return str(_atomic_write(folder, _file_name(title, ".png"), png))
    except OSError as error:
        raise PrinterError(
            f"The badge could not be written to {connection.get('path')}: {error.strerror or error}."
        ) from error
    raise PrinterError(f"Unknown badge printer type {kind!r}.")


def _check_network(connection: Mapping[str, Any], timeout: float) -> tuple[bool, str]:
    """Try a TCP connection to a network printer."""
    host = connection.get("host")
    if not host:
        return False, "The network printer settings lack the host."
    port = int(connection.get("port", DEFAULT_PORT))
    where = f"{host}:{port}"
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True, f"The printer at {where} accepts connections."
    except OSError as error:
        return False, _describe_os_error(error, where, timeout)


def _check_cups(connection: Mapping[str, Any], timeout: float) -> tuple[bool, str]:
    """Ask CUPS (lpstat -p) whether the queue exists and is enabled."""
    queue = connection.get("queue")
    if not queue:
        return False, "The CUPS printer settings lack the queue name."
    lpstat = shutil.which("lpstat")
    if lpstat is None:
        return False, "CUPS is not installed on this machine (no lpstat command)."
    command = [lpstat, "-p", str(queue)]
    if connection.get("server"):
        command[1:1] = ["-h", str(connection["server"])]
    try:
        result = subprocess.run(command, capture_output=True, timeout=max(timeout, 1.0), check=False)
    except subprocess.TimeoutExpired:
        return False, f"The print spooler did not answer within {timeout:g} seconds."
    output = (result.stdout + result.stderr).decode(errors="replace").strip()
    if result.returncode != 0 or not output.startswith("printer"):
        if "scheduler is not running" in output or "connect" in output.lower():
            return False, "The print spooler (cupsd) is not running."
        return False, f"The print queue {queue} does not exist."
    if "disabled" in output.splitlines()[0]:
        return False, f"The print queue {queue} is paused (disabled)."
    return True, f"The print queue {queue} is ready."


def _check_folder(connection: Mapping[str, Any]) -> tuple[bool, str]:
    """Check that a hot folder exists (or can be made) and is writable."""
    if not connection.get("path"):
        return False, "The folder printer settings lack the folder path."
    folder = Path(connection["path"])
    if not folder.exists():
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            return False, f"The folder {folder} does not exist and cannot be created."
    if not folder.is_dir():
        return False, f"{folder} is not a folder."
    if not os.access(folder, os.W_OK | os.X_OK):
        return False, f"The folder {folder} is not writable."
    return True, f"The folder {folder} is writable."


def check_reachable(connection: Mapping[str, Any], timeout: float = 2.0) -> tuple[bool, str]:
    """Return whether a printer can be reached now, with a sentence saying why or why not."""
    kind = connection.get("type")
    if kind == "network":
        return _check_network(connection, timeout)
    if kind == "cups":
        return _check_cups(connection, timeout)
    if kind in ("hot_folder", "png_folder", "folder"):
        return _check_folder(connection)
    if kind == "file":
        path = Path(str(connection.get("path", "")))
        if path.exists() and os.access(path, os.W_OK):
            return True, f"{path} is writable."
        if not path.exists() and path.parent.is_dir() and os.access(path.parent, os.W_OK):
            return True, f"{path} can be created."
        return False, f"{path} cannot be written."
    if kind == "serial":
        devfile = str(connection.get("devfile", ""))
        if os.path.exists(devfile):
            return True, f"The serial port {devfile} is present."
        return False, f"The serial port {devfile} is not present; is the printer plugged in?"
    if kind == "usb":
        return _check_usb(connection)
    if kind == "dummy":
        return True, "The dummy printer is always ready."
    return False, f"Unknown printer type {kind!r}."


def _check_usb(connection: Mapping[str, Any]) -> tuple[bool, str]:
    """Look for a USB printer by vendor and product id (needs pyusb)."""
    try:
        import usb.core
    except ImportError:
        return False, "USB printers need the pyusb package, which is not installed."
    try:
        vendor, product = _int(connection["vendor_id"]), _int(connection["product_id"])
    except (KeyError, ValueError):
        return False, "The USB printer settings need vendor_id and product_id."
    try:
        found = usb.core.find(idVendor=vendor, idProduct=product)
    except Exception as error:  # noqa: BLE001 - no USB backend (libusb) available
        return False, f"USB devices cannot be listed here: {error}."
    if found is None:
        return False, f"No USB printer {vendor:04x}:{product:04x} is plugged in."
    return True, f"The USB printer {vendor:04x}:{product:04x} is plugged in."
