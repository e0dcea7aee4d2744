"""Bounded work: import limits, the first 100 row errors, paginated delegations, photo limits and metadata."""

from __future__ import annotations

import io
import re
import struct
import zlib

import pytest
from PIL import Image

from config import Config
from kiosk.models import Category, Role
from kiosk.services import photos
from kiosk.services.errors import ValidationFailed

# Imports


def import_file(client, slug: str, name: str, content: bytes):
    return client.post(
        f"/admin/events/{slug}/delegations/import",
        data={"file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def test_the_limits_are_ten_megabytes_and_twenty_thousand_rows_by_default():
    assert Config.IMPORT_MAX_BYTES == 10 * 1024 * 1024
    assert Config.IMPORT_MAX_ROWS == 20_000


def test_an_import_larger_than_the_limit_is_refused_with_a_sentence(app, client, login, make_event):
    # (Kept under 500 kB: larger test bodies make Werkzeug's test client leave a temporary file open.)
    app.config["IMPORT_MAX_BYTES"] = 256 * 1024
    event = make_event()
    login(Role.ORGANIZER)
    content = b"name,category\n" + b"".join(b"Delegation %d,ngo\n" % n for n in range(20_000))
    assert 256 * 1024 < len(content) < 500 * 1024
    response = import_file(client, event.slug, "big.csv", content)
    assert response.status_code == 422
    assert "The file is too large to import: at most 0.25 MB." in response.text


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_an_import_with_more_rows_than_the_limit_is_refused(app, client, login, make_event, kind):
    app.config["IMPORT_MAX_ROWS"] = 5
    event = make_event()
    login(Role.ORGANIZER)
    rows = [("name", "category")] + [(f"NGO {n}", "ngo") for n in range(6)]
    if kind == "csv":
        content = "".join(f"{a},{b}\n" for a, b in rows).encode()
    else:
        import openpyxl

        book = openpyxl.Workbook()
        for row in rows:
            book.active.append(row)
        buffer = io.BytesIO()
        book.save(buffer)
        content = buffer.getvalue()
    response = import_file(client, event.slug, f"list.{kind}", content)
    assert response.status_code == 422
    assert "The file has more than 5 rows; split it into files of at most 5 rows." in response.text
    five = import_file(
        client, event.slug, f"list.{kind}", content if kind == "xlsx" else content.rsplit(b"NGO 5", 1)[0]
    )
    assert five.status_code == (422 if kind == "xlsx" else 302)


def test_the_error_page_lists_the_first_hundred_row_errors_and_counts_them_all(client, login, make_event):
    event = make_event()
    login(Role.ORGANIZER)
    content = "name,category\n" + "".join(f"Delegation {n},not-a-category\n" for n in range(150))
    response = import_file(client, event.slug, "list.csv", content.encode())
    assert response.status_code == 422
    assert "Nothing was imported: 150 rows need correcting. The first 100 are listed." in response.text
    listed = re.findall(r"<li>Row (\d+): ", response.text)
    assert listed == [str(n) for n in range(2, 102)]


# The delegation list


def test_the_delegation_list_is_paginated(app, client, login, make_event, make_delegation):
    event = make_event()
    for n in range(120):
        make_delegation(event=event, name=f"NGO {n:03d}", category=Category.NGO, country=None)
    login(Role.ORGANIZER)
    first = client.get(f"/admin/events/{event.slug}/delegations")
    assert first.text.count('<tr id="delegation-') == 100
    assert "120 delegations." in first.text and "Page 1 of 2" in first.text
    assert "NGO 099" in first.text and "NGO 100" not in first.text
    second = client.get(f"/admin/events/{event.slug}/delegations?page=2")
    assert second.text.count('<tr id="delegation-') == 20 and "NGO 100" in second.text
    searched = client.get(f"/admin/events/{event.slug}/delegations?q=NGO+11")
    assert searched.text.count('<tr id="delegation-') == 10 and "Page" not in searched.text


# Photos


def png_claiming(width: int, height: int) -> bytes:
    """A small PNG whose header claims `width` x `height` pixels."""
    out = io.BytesIO()
    Image.new("L", (8, 8)).save(out, format="PNG")
    data = bytearray(out.getvalue())
    ihdr = struct.pack(">II", width, height) + bytes(data[24:29])
    data[16:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    return bytes(data)


@pytest.mark.parametrize(("width", "height"), [(6000, 5000), (20000, 20000), (100000, 100000)])
def test_an_image_with_too_many_pixels_is_too_large_not_unreadable(app, width, height):
    with app.test_request_context(), pytest.raises(ValidationFailed) as refused:
        photos.clean_photo(png_claiming(width, height), 5 * 1024 * 1024)
    assert refused.value.detail == "The photo is too large: at most 25 megapixels. Use a smaller image."


def test_a_photo_of_25_megapixels_is_accepted(app):
    out = io.BytesIO()
    Image.new("L", (5000, 5000), 128).save(out, format="PNG")
    with app.test_request_context():
        data, kind = photos.clean_photo(out.getvalue(), 5 * 1024 * 1024)
    assert kind == "image/jpeg" and Image.open(io.BytesIO(data)).size == (600, 600)


def segment(marker: int, payload: bytes) -> bytes:
    return struct.pack(">BBH", 0xFF, marker, len(payload) + 2) + payload


def jpeg_full_of_metadata() -> bytes:
    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "SecretCameraMaker"
    Image.new("RGB", (300, 400), (120, 80, 40)).save(
        out, format="JPEG", exif=exif, comment=b"secret comment", icc_profile=b"\x00" * 128
    )
    jpeg = out.getvalue()
    extra = (
        segment(0xE1, b"http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta>secret xmp</x:xmpmeta>")
        + segment(0xED, b"Photoshop 3.0\x00secret iptc")
        + segment(0xEB, b"secret app11")
        + segment(0xFE, b"secret second comment")
    )
    return jpeg[:2] + extra + jpeg[2:]


def markers(jpeg: bytes) -> list[int]:
    """The markers of a JPEG's header segments, up to the image data."""
    found, at = [], 2
    while at < len(jpeg):
        marker = jpeg[at + 1]
        found.append(marker)
        if marker == 0xDA:  # start of scan: image data follows
            break
        (length,) = struct.unpack(">H", jpeg[at + 2 : at + 4])
        at += 2 + length
    return found


def test_every_metadata_segment_is_stripped_jpeg_comments_included(app):
    original = jpeg_full_of_metadata()
    assert {0xE1, 0xE2, 0xED, 0xEB, 0xFE} <= set(markers(original))
    with app.test_request_context():
        cleaned, _kind = photos.clean_photo(original, 5 * 1024 * 1024)
    kept = set(markers(cleaned))
    assert not kept & ({0xFE} | set(range(0xE1, 0xF0))), sorted(hex(m) for m in kept)
    assert b"secret" not in cleaned and b"SecretCameraMaker" not in cleaned
    assert Image.open(io.BytesIO(cleaned)).size == (300, 400)
