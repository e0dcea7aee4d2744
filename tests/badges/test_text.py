"""Text on badges and receipts: every glyph from a font that has it, bidi order, line breaks, sizes."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from functools import cache

import pytest
from escpos.printer import Dummy
from fontTools.ttLib import TTFont
from PIL import Image, ImageChops, ImageDraw

from badges import text
from badges.printers import ReceiptData, _write_receipt
from badges.render import (
    CATEGORY_COLOURS,
    BadgeFormat,
    category_label,
    render_image,
)
from tests.badges.helpers import CODE, NOW, make_badge

#: Mixed names as focal points type them: Latin titles with Arabic, Latin with CJK, and other scripts.
CORPUS = [
    "Dr. ليلى الحداد",
    "H.E. Mr. أحمد العبيدي",
    "Mr. 王小明",
    "王小明先生",
    "Ms. 山田 はなこ",
    "Mr. 김민준",
    "Александр Сергеевич ПУШКИН",
    "Ms. Ελένη ΠΑΠΑΔΟΠΟΥΛΟΥ",
    "Ms. Nguyễn Thị Minh Khai",
    "Shri राजेश कुमार शर्मा",
    "Ms. Ana Lima 😀",
    "Mr. Abdelkader عبد القادر BENSALAH",
    "Ms. Zoë Ørsted-Łukasiewicz",
    # Punctuation inside Arabic and Devanagari runs: Noto Naskh Arabic has no brackets or dashes.
    "Dr. ليلى “الحداد” – (نائبة الرئيس)",
    "राजेश कुमार · शर्मा (№ 2)",
]


@cache
def font_cmap(path: str, index: int) -> frozenset[int]:
    """Read a font file's own cmap with fontTools, independently of badges.text."""
    kwargs = {"fontNumber": index} if path.endswith(".ttc") else {}
    with TTFont(path, lazy=True, **kwargs) as font:
        return frozenset(font.getBestCmap())


@pytest.fixture
def drawn(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, str, int]]]:
    """Record every string Pillow draws, with the font file and face that drew it."""
    calls: list[tuple[str, str, int]] = []
    original = ImageDraw.ImageDraw.text

    def spy(self, xy, content, fill=None, font=None, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append((str(content), str(font.path), int(font.index)))
        return original(self, xy, content, fill, font, *args, **kwargs)

    monkeypatch.setattr(ImageDraw.ImageDraw, "text", spy)
    yield calls


def assert_every_glyph_covered(name: str, calls: list[tuple[str, str, int]]) -> None:
    """Every visible character of name was drawn by a font whose cmap has it."""
    drawn_chars: list[str] = []
    for content, path, index in calls:
        codes = font_cmap(path, index)
        for char in content:
            if text.invisible(char) or char.isspace():
                continue
            assert ord(char) in codes, f"{char!r} (U+{ord(char):04X}) of {name!r} drawn with {path}"
            drawn_chars.append(char)
    for char in unicodedata.normalize("NFC", name):
        if not (text.invisible(char) or char.isspace()):
            assert char in drawn_chars, f"{char!r} of {name!r} was never drawn"


@pytest.mark.parametrize("name", CORPUS)
def test_badge_draws_every_character_with_a_font_that_has_it(name: str, drawn: list) -> None:
    render_image(make_badge(name=name, delegation=name, function=None), dpi=150)
    assert_every_glyph_covered(name, drawn)


def receipt_lines(name: str, monkeypatch: pytest.MonkeyPatch) -> tuple[list[str], bytes, Dummy]:
    """Print a receipt for name; return the lines sent as text, the bytes and the printer."""
    native: list[str] = []
    original = Dummy.textln

    def spy(self, content="", *args, **kwargs):  # type: ignore[no-untyped-def]
        native.append(content)
        return original(self, content, *args, **kwargs)

    monkeypatch.setattr(Dummy, "textln", spy)
    printer = Dummy()
    data = ReceiptData("Meeting", name, name, "B-1", NOW, "Palais des Nations", None, CODE)
    _write_receipt(printer, data, "native")
    return native, bytes(printer.output), printer


@pytest.mark.parametrize("name", CORPUS)
def test_receipt_prints_every_character(name: str, drawn: list, monkeypatch: pytest.MonkeyPatch) -> None:
    native, _, printer = receipt_lines(name, monkeypatch)
    if name in native:
        encoder = printer.magic.encoder
        assert all(c.isascii() or encoder.find_suitable_encoding(c) for c in name), "a code page has it"
        assert not drawn
    else:
        assert drawn, "a name outside the code pages is printed as a picture"
        assert_every_glyph_covered(name, drawn)
    if text.is_rtl(name) or any(ord(c) > 0x2000 for c in name):
        assert name not in native


def test_latin_receipt_names_stay_text_and_keep_accents(monkeypatch: pytest.MonkeyPatch) -> None:
    native, output, _ = receipt_lines("Ms. José ÑÚÑEZ", monkeypatch)
    assert "Ms. José ÑÚÑEZ" in native
    assert b"Jos\x82" in output  # é in code page 437, not "?"


def test_title_keeps_its_order_beside_an_arabic_name() -> None:
    runs = text.layout_line("Dr. ليلى الحداد", True, True)
    assert [run.text for run in runs] == ["ليلى الحداد", " ", "Dr."]
    assert runs[0].rtl and not runs[-1].rtl
    assert "Arabic" in runs[0].face.path and "NotoSans-" in runs[-1].face.path


def test_arabic_words_in_a_latin_line_read_right_to_left() -> None:
    runs = text.layout_line("Mr. عبد القادر BENSALAH", True, False)
    assert [run.text for run in runs if run.rtl] == ["عبد القادر"]
    assert runs[0].text.startswith("Mr.") and runs[-1].text == "BENSALAH"


def test_cjk_variant_follows_the_script() -> None:
    assert text.cjk_variant("山田はなこ") == "ja"
    assert text.cjk_variant("김민준") == "ko"
    assert text.cjk_variant("王小明") == "zh"
    korean = text.layout_line("김민준", False, False, "ko")
    assert korean[0].face.index == 1


def test_emoji_is_drawn_in_colour() -> None:
    image = Image.new("RGB", (400, 120), "white")
    runs = text.layout_line("Ana 😀", True, False)
    assert any(run.face.strike for run in runs), "the emoji comes from the colour emoji font"
    text.draw_runs(image, 5, 90, runs, 60, (0, 0, 0))
    yellow = sum(n for n, (r, g, b) in image.getcolors(100_000) or [] if r > 200 and g > 150 and b < 90)
    assert yellow > 300


@pytest.mark.parametrize(
    "name",
    ["Mr. Jean-Baptiste Marie-Christophe DE LA FONTAINE", "Mr. عبد القادر محمد العبيدي الهاشمي"],
)
def test_lines_never_break_inside_a_word_or_after_a_particle(name: str) -> None:
    for width in (300, 400, 500, 700):
        _, rows = text.fit_lines(name, width, 400, bold=True, max_px=70, max_lines=3, spacing=1.1)
        assert " ".join(rows) == name
        assert all(not row.endswith("-") for row in rows)
        assert all(row.split()[-1].casefold() not in text.NO_BREAK_AFTER for row in rows)
        assert "Jean-Baptiste" in " ".join(rows).split() or "Jean-Baptiste" not in name


def test_longer_names_are_never_set_larger_than_shorter_ones() -> None:
    names = [
        "Ms. Amina DIALLO",
        "Ms. Amina Fatou DIALLO",
        "Ms. Amina Fatou Bintou DIALLO-SOW",
        "Ms. Amina " * 5,
    ]
    sizes = [
        text.fit_lines(name, 400, 260, bold=True, max_px=66, max_lines=3, spacing=1.08)[0] for name in names
    ]
    assert sizes == sorted(sizes, reverse=True), sizes
    assert sizes[0] == 66, "a short name is set at the largest size"


def test_delegation_wraps_to_two_lines_before_shrinking_and_is_never_cut() -> None:
    delegation = "Organization for Security and Co-operation in Europe"
    one_line = text.fit_lines(delegation, 400, 200, bold=True, max_px=37, max_lines=1, spacing=1.05)
    two_lines = text.fit_lines(delegation, 400, 200, bold=True, max_px=37, max_lines=2, spacing=1.05)
    assert len(two_lines[1]) == 2 and two_lines[0] > one_line[0]
    huge = delegation + " and the International Campaign to Ban Landmines and Cluster Munition Coalition"
    size, rows = text.fit_lines(huge, 400, 200, bold=True, max_px=37, max_lines=2, spacing=1.05)
    assert len(rows) == 2 and " ".join(rows) == huge and "…" not in "".join(rows)
    assert size < two_lines[0]


def ink_box(image: Image.Image, blank: Image.Image) -> tuple[int, int, int, int]:
    """Return where image differs from blank."""
    box = ImageChops.difference(image, blank).getbbox()
    assert box is not None
    return box


@pytest.mark.parametrize("fmt", [BadgeFormat.CARD_LANDSCAPE, BadgeFormat.CARD_PORTRAIT])
def test_arabic_name_and_english_delegation_align_together(fmt: BadgeFormat) -> None:
    name = "H.E. Mr. أحمد العبيدي"
    blank = render_image(make_badge(name=name, delegation="", function=None), fmt)
    with_delegation = render_image(make_badge(name=name, delegation="Iraq", function=None), fmt)
    only_name = render_image(make_badge(name="", delegation="", function=None), fmt)
    name_box = ink_box(blank, only_name)
    delegation_box = ink_box(with_delegation, blank)
    if fmt is BadgeFormat.CARD_LANDSCAPE:
        assert abs(name_box[2] - delegation_box[2]) <= 3, "both end at the right edge of the text column"
    else:
        centre = lambda box: (box[0] + box[2]) / 2  # noqa: E731
        assert abs(centre(name_box) - centre(delegation_box)) <= 3


@pytest.mark.parametrize(
    ("category", "language", "words"),
    [
        ("state_not_party", "en", "OBSERVER"),
        ("state_not_party", "fr", "OBSERVATEUR"),
        ("state_party", "fr", "ÉTAT PARTIE"),
        ("ngo", "fr", "ONG"),
        ("icrc", "fr", "CICR"),
        ("united_nations", "en", "UNITED NATIONS"),
    ],
)
def test_category_band_words(category: str, language: str, words: str, drawn: list) -> None:
    assert category_label(category, language) == words
    image = render_image(make_badge(category=category, category_label=category_label(category, language)))
    assert any(content == words for content, _, _ in drawn), drawn
    assert image.getpixel((1, image.height - 2)) == CATEGORY_COLOURS[category]
