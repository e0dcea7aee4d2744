"""Tests for badge rendering: sizes, QR codes, scripts, long names and the PDF page."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image, ImageChops, features

from badges.codes import CodeKind, verify
from badges.render import (
    CATEGORY_COLOURS,
    CATEGORY_LABELS,
    BadgeFormat,
    find_font,
    qr_matrix,
    render_image,
    render_pdf,
    render_png,
)
from tests.badges.helpers import CODE, NOW, PUBLIC_KEYS, make_badge, rasterise

LONG_NAME = (
    "Hubert Blaine Wolfeschlegelsteinhausenbergerdorff Senior of the Very Long Name "
    "Family Estate and Associated Territories Overseas"
)
ARABIC_NAME = "محمد بن عبد الله الهاشمي"
CHINESE_NAME = "王小明"
MM = 300 / 25.4


def decode_qr(image: Image.Image) -> zxingcpp.Barcode:
    """Return the single QR code found in image."""
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    qr = [barcode for barcode in found if barcode.format == zxingcpp.BarcodeFormat.QRCode]
    assert len(qr) == 1, f"expected one QR code, found {found}"
    return qr[0]


def needs_poppler() -> None:
    """Fail with a clear message when poppler-utils is missing."""
    if shutil.which("pdftoppm") is None or shutil.which("pdfinfo") is None:
        pytest.fail("poppler-utils (pdftoppm, pdfinfo) is required: apt-get install poppler-utils")


@pytest.mark.parametrize(
    ("fmt", "size"),
    [
        (BadgeFormat.CARD_LANDSCAPE, (1011, 638)),
        (BadgeFormat.CARD_PORTRAIT, (638, 1011)),
        (BadgeFormat.A6, (1240, 1748)),
    ],
)
def test_png_size_and_qr_roundtrip(fmt: BadgeFormat, size: tuple[int, int]) -> None:
    png = render_png(make_badge(), fmt)
    assert png.startswith(b"\x89PNG")
    image = Image.open(io.BytesIO(png))
    assert image.size == size
    assert image.info["dpi"] == pytest.approx((300, 300), abs=0.01)
    barcode = decode_qr(image)
    assert barcode.text == CODE
    result = verify(barcode.text, PUBLIC_KEYS, event_id=7, kind=CodeKind.BADGE, now=NOW)
    assert result.ok and result.payload is not None and result.payload.participant_id == 4242


def test_tampered_decoded_code_fails() -> None:
    text = decode_qr(render_image(make_badge())).text
    position = 77
    tampered = text[:position] + ("B" if text[position] != "B" else "C") + text[position + 1 :]
    result = verify(tampered, PUBLIC_KEYS, now=NOW)
    assert not result.ok
    assert result.reason in {"invalid_code", "unknown_key"}


def test_qr_is_alphanumeric_v6_with_quiet_zone_and_whole_pixel_modules() -> None:
    matrix = qr_matrix(CODE.lower())
    assert len(matrix) == 41 + 8  # version 6 plus a 4-module quiet zone on each side
    assert not any(matrix[0]) and not any(row[0] for row in matrix)
    image = render_image(make_badge())
    barcode = decode_qr(image)
    assert barcode.symbology_identifier == "]Q1"
    corners = barcode.position
    pad = 10
    region = image.convert("L").crop(
        (corners.top_left.x - pad, corners.top_left.y - pad)
        + (corners.bottom_right.x + pad, corners.bottom_right.y + pad)
    )
    dark = region.point(lambda value: 255 if value < 128 else 0)
    left, top, right, bottom = dark.getbbox() or (0, 0, 0, 0)
    assert (right - left) == (bottom - top)
    assert (right - left) % 41 == 0, f"QR is {right - left} px wide: modules are not whole pixels"
    module = (right - left) // 41
    x0 = corners.top_left.x - pad + left
    y0 = corners.top_left.y - pad + top
    quiet = image.convert("L").crop((x0 - 4 * module, y0 - 4 * module, x0 + 45 * module, y0 + 45 * module))
    quiet.paste(255, (4 * module, 4 * module, 45 * module, 45 * module))
    assert quiet.getextrema() == (255, 255), "the 4-module quiet zone must be white"


def test_lowercase_code_is_printed_upper_case() -> None:
    image = render_image(make_badge(code="  " + CODE.lower() + "\n"))
    assert decode_qr(image).text == CODE


def test_small_dpi_still_decodes() -> None:
    image = render_image(make_badge(), dpi=150)
    assert image.size == (506, 319)
    assert decode_qr(image).text == CODE


def test_pdf_page_size_and_qr(tmp_path: Path) -> None:
    needs_poppler()
    pdf = render_pdf(make_badge())
    assert pdf.startswith(b"%PDF-")
    info = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    assert re.search(r"Pages:\s+1\n", info)
    match = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info)
    assert match, info
    assert float(match.group(1)) == pytest.approx(242.65, abs=0.05)
    assert float(match.group(2)) == pytest.approx(153.01, abs=0.05)
    path = tmp_path / "badge.pdf"
    path.write_bytes(pdf)
    raster = rasterise(path)
    assert abs(raster.width - 1011) <= 2 and abs(raster.height - 638) <= 2
    assert verify(decode_qr(raster).text, PUBLIC_KEYS, now=NOW).ok


def test_pdf_a6_page_size() -> None:
    needs_poppler()
    pdf = render_pdf(make_badge(), BadgeFormat.A6, dpi=150)
    info = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True)
    match = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info.stdout.decode())
    assert match
    assert float(match.group(1)) == pytest.approx(105 * 72 / 25.4, abs=0.05)
    assert float(match.group(2)) == pytest.approx(148 * 72 / 25.4, abs=0.05)


def band_top(image: Image.Image, colour: tuple[int, int, int]) -> int:
    """Return the first row of the full-bleed category band."""
    for y in range(image.height):
        if image.getpixel((1, y)) == colour:
            return y
    raise AssertionError("no category band")


@pytest.mark.parametrize("category", sorted(CATEGORY_COLOURS))
def test_category_band_has_colour_and_label(category: str) -> None:
    image = render_image(make_badge(category=category))
    colour = CATEGORY_COLOURS[category]
    top = band_top(image, colour)
    assert image.height - top >= 8.5 * MM
    band = image.crop((0, top, image.width, image.height))
    label_pixels = sum(count for count, pixel in band.getcolors(1_000_000) or [] if pixel != colour)
    assert label_pixels > 2000, "the band must carry a written label, not colour alone"


def test_category_colours_are_distinct_and_labelled() -> None:
    assert (
        set(CATEGORY_COLOURS)
        == set(CATEGORY_LABELS)
        == {
            "state_party",
            "state_not_party",
            "united_nations",
            "igo",
            "icrc",
            "ngo",
            "other",
        }
    )
    assert len(set(CATEGORY_COLOURS.values())) == len(CATEGORY_COLOURS)


def changed_box(a: Image.Image, b: Image.Image) -> tuple[int, int, int, int]:
    """Return the bounding box of the pixels that differ between two renders."""
    box = ImageChops.difference(a, b).getbbox()
    assert box is not None
    return box


@pytest.mark.parametrize("fmt", list(BadgeFormat))
def test_long_texts_stay_inside_their_area(fmt: BadgeFormat) -> None:
    base = make_badge(name="A", delegation="B", function=None)
    long = make_badge(
        name=LONG_NAME,
        delegation="International Campaign to Ban Landmines and Cluster Munition Coalition " * 2,
        function="Senior Policy Adviser for Humanitarian Disarmament and Arms Control " * 2,
    )
    plain, crowded = render_image(base, fmt), render_image(long, fmt)
    left, top, right, bottom = changed_box(plain, crowded)
    margin = round(3 * MM * min(1.0, plain.width / 1011)) - 1
    assert left >= margin and right <= plain.width - margin
    assert bottom <= band_top(plain, CATEGORY_COLOURS["state_party"])
    qr = decode_qr(crowded).position
    qr_left, qr_top = qr.top_left.x, qr.top_left.y
    qr_right, qr_bottom = qr.bottom_right.x, qr.bottom_right.y
    overlaps = left < qr_right and right > qr_left and top < qr_bottom and bottom > qr_top
    assert not overlaps, "text ran into the QR code"
    assert decode_qr(crowded).text == CODE


def test_long_name_shrinks_before_wrapping() -> None:
    short = render_image(make_badge(name="Ana Li"))
    medium = render_image(make_badge(name="Ana Lisette Pérez"))
    long = render_image(make_badge(name=LONG_NAME))
    base = render_image(make_badge(name="x"))
    heights = [changed_box(base, image)[3] - changed_box(base, image)[1] for image in (short,)]
    assert heights[0] > 0
    assert changed_box(base, long) != changed_box(base, medium)


def ink_pixels(image: Image.Image, box: tuple[int, int, int, int]) -> int:
    """Return how many dark pixels are in box."""
    grey = image.convert("L").crop(box)
    return sum(count for count, value in grey.getcolors(256) or [] if value < 100)


@pytest.mark.parametrize(
    ("name", "script", "script_font"),
    [
        (ARABIC_NAME, "arabic", "Arabic"),
        (CHINESE_NAME, "cjk", "CJK"),
        ("Александр Сергеевич Пушкин", "latin", "NotoSans-"),
    ],
)
def test_non_latin_names_render_glyphs(name: str, script: str, script_font: str) -> None:
    blank = render_image(make_badge(name=""))
    written = render_image(make_badge(name=name))
    box = changed_box(blank, written)
    assert ink_pixels(written, box) > 1500
    assert script_font in find_font(script, True)[0]


def test_arabic_is_shaped_right_to_left() -> None:
    assert features.check("raqm"), "Pillow needs raqm to shape Arabic"
    blank = render_image(make_badge(name="", delegation="", function=None))
    arabic = render_image(make_badge(name=ARABIC_NAME, delegation="", function=None))
    latin = render_image(make_badge(name="Mohammed Hashemi", delegation="", function=None))
    arabic_box, latin_box = changed_box(blank, arabic), changed_box(blank, latin)
    assert arabic_box[2] > latin_box[2], "Arabic text should be aligned to the right"


def test_photo_is_used_and_bad_photo_falls_back() -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (300, 400), (220, 20, 60)).save(buffer, "JPEG")
    with_photo = render_image(make_badge(photo=buffer.getvalue()))
    reds = sum(
        count for count, (r, g, b) in with_photo.getcolors(2_000_000) or [] if r > 180 and g < 60 and b < 100
    )
    assert reds > 40_000
    broken = render_image(make_badge(photo=b"not an image"))
    assert broken.tobytes() == render_image(make_badge()).tobytes()


def test_unknown_category_renders_as_other() -> None:
    image = render_image(make_badge(category="other", category_label="OBSERVER"))
    assert band_top(image, CATEGORY_COLOURS["other"]) > 0


DOC_PICTURES = [
    "name-mixed-arabic.png",
    "name-chinese.png",
    "name-long-hyphenated.png",
    "name-long-delegation.png",
    "name-long-name.png",
    "name-arabic.png",
    "language-french.png",
    "category-state-party.png",
    "format-card-portrait.png",
    "format-a6.png",
]


def test_docs_screenshots_exist() -> None:
    docs = Path(__file__).resolve().parents[2] / "docs" / "badges"
    pngs = sorted(docs.glob("*.png"))
    assert len(pngs) >= 16
    assert all(p.stat().st_size < 200_000 for p in pngs)


@pytest.mark.parametrize("name", DOC_PICTURES)
def test_docs_pictures_carry_a_code_that_decodes(name: str) -> None:
    path = Path(__file__).resolve().parents[2] / "docs" / "badges" / name
    with Image.open(path) as image:
        text = decode_qr(image.convert("RGB")).text
    assert len(text) == 144 and re.fullmatch(r"[A-Z2-7]+", text)
