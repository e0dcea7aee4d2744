"""Badge images and PDFs: colour band per category, photo, name, QR code."""

from __future__ import annotations

import enum
import io
import unicodedata
import zlib
from dataclasses import dataclass
from functools import cache, lru_cache

import qrcode
import qrcode.constants
from fontTools import unicodedata as ucd
from PIL import Image, ImageDraw, ImageOps, UnidentifiedImageError

from badges import text
from badges.codes import normalise

__all__ = [
    "BADGE_LANGUAGES",
    "CATEGORY_COLOURS",
    "CATEGORY_LABELS",
    "CATEGORY_WORDS",
    "FORMAT_SIZES_MM",
    "BadgeData",
    "BadgeFormat",
    "category_label",
    "find_font",
    "qr_matrix",
    "render_image",
    "render_pdf",
    "render_png",
]

MM_PER_INCH = 25.4
PT_PER_INCH = 72.0

CATEGORY_COLOURS: dict[str, tuple[int, int, int]] = {
    "state_party": (0, 71, 133),
    "state_not_party": (0, 122, 77),
    "united_nations": (0, 158, 219),
    "igo": (109, 60, 150),
    "icrc": (200, 16, 46),
    "ngo": (242, 169, 0),
    "other": (96, 99, 102),
}

#: The words printed on the category band, as secretariats print them, per badge language.
CATEGORY_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "state_party": "STATE PARTY",
        "state_not_party": "OBSERVER",
        "united_nations": "UNITED NATIONS",
        "igo": "INTERNATIONAL ORGANIZATION",
        "icrc": "ICRC",
        "ngo": "NGO",
        "other": "GUEST",
    },
    "fr": {
        "state_party": "ÉTAT PARTIE",
        "state_not_party": "OBSERVATEUR",
        "united_nations": "NATIONS UNIES",
        "igo": "ORGANISATION INTERNATIONALE",
        "icrc": "CICR",
        "ngo": "ONG",
        "other": "INVITÉ",
    },
}
#: The languages a badge can be printed in.
BADGE_LANGUAGES = tuple(CATEGORY_WORDS)
#: The English words, for callers that do not choose a language.
CATEGORY_LABELS: dict[str, str] = CATEGORY_WORDS["en"]


def category_label(category: str, language: str = "en") -> str:
    """Return the words printed on the band for a delegation category in a badge language."""
    words = CATEGORY_WORDS.get(language, CATEGORY_WORDS["en"])
    return words.get(category, words["other"])


INK = (24, 24, 27)
MUTED = (70, 72, 77)
WHITE = (255, 255, 255)
PLACEHOLDER_BG = (226, 229, 233)
PLACEHOLDER_FG = (160, 166, 174)


class BadgeFormat(enum.Enum):
    """The physical size of a badge."""

    CARD_LANDSCAPE = "card_landscape"
    CARD_PORTRAIT = "card_portrait"
    A6 = "a6"


FORMAT_SIZES_MM: dict[BadgeFormat, tuple[float, float]] = {
    BadgeFormat.CARD_LANDSCAPE: (85.60, 53.98),
    BadgeFormat.CARD_PORTRAIT: (53.98, 85.60),
    BadgeFormat.A6: (105.0, 148.0),
}


@dataclass(frozen=True)
class BadgeData:
    """What is printed on one badge."""

    event_title: str
    event_dates: str
    name: str
    delegation: str
    function: str | None
    category: str
    category_label: str
    badge_number: str
    code: str
    photo: bytes | None = None
    venue: str | None = None


@dataclass(frozen=True)
class _Box:
    """A rectangle in pixels."""

    x: int
    y: int
    w: int
    h: int


@cache
def find_font(script: str, bold: bool = False) -> tuple[str, int]:
    """Return (path, face index) of the font used first for a script: latin, arabic, cjk, …."""
    sample = {"latin": "A", "arabic": "\u0628", "cjk": "\u738b", "cjk-jp": "\u3042", "cjk-kr": "\ud55c"}
    char = sample.get(script, "A")
    face = text.font_for(char, ucd.script(char), bold, text.cjk_variant(char))
    return face.path, face.index


def _draw_text(
    image: Image.Image | None,
    content: str,
    box: _Box,
    *,
    bold: bool = False,
    max_px: int,
    max_lines: int = 1,
    align: str = "start",
    valign: str = "top",
    fill: tuple[int, int, int] = INK,
    spacing: float = 1.15,
    rtl: bool | None = None,
) -> int:
    """Draw text fitted into box (or only measure it when image is None); return its height.

    `align="start"` means right for right-to-left text; `rtl` gives the direction of the block
    the text belongs to (an Arabic name and an English delegation both align right).
    """
    content = " ".join(content.split())
    if not content:
        return 0
    size, rows = text.fit_lines(
        content, box.w, box.h, bold=bold, max_px=max_px, max_lines=max_lines, spacing=spacing
    )
    own_rtl, cjk = text.is_rtl(content), text.cjk_variant(content)
    height = text.block_height(rows, size, bold, own_rtl, cjk, spacing)
    if image is None:
        return height
    ascent, _ = text.line_metrics(text.layout_line(" ".join(rows), bold, own_rtl, cjk), size)
    top = box.y if valign == "top" else box.y + (box.h - height) // 2
    if align == "start":
        align = "right" if (own_rtl if rtl is None else rtl) else "left"
    step = round(size * spacing)
    for index, row in enumerate(rows):
        runs = text.layout_line(row, bold, own_rtl, cjk)
        width = text.line_width(runs, size)
        if align == "left":
            x = box.x
        elif align == "right":
            x = box.x + box.w - width
        else:
            x = box.x + (box.w - width) // 2
        text.draw_runs(image, x, top + ascent + index * step, runs, size, fill)
    return height


#: The smallest size of the name on a badge, in points, and the lines it takes before shrinking.
MIN_NAME_PT = 9
NAME_LINES = 3
#: The most lines a name takes rather than go under MIN_NAME_PT.
MORE_LINES = 8
#: Line spacing of names without marks above; at MIN_NAME_PT every name's is 0.1 less, at least solid.
PLAIN_LEADING = 1.05
SOLID_LEADING = 1.0


def name_leading(name: str) -> float:
    """Line spacing of a name: more where marks stack above a letter (Vietnamese "Ễ", "ậ") or
    sit above a capital ("Á"), so they do not touch the line above."""
    stacked = capital_marked = False
    for char in unicodedata.normalize("NFC", name):
        above = [
            mark for mark in unicodedata.normalize("NFD", char)[1:] if unicodedata.combining(mark) == 230
        ]
        stacked |= len(above) >= 2
        capital_marked |= bool(above) and char.isupper()
    return 1.35 if stacked else 1.15 if capital_marked else PLAIN_LEADING


def _break_long_words(content: str, width: int, px: int) -> str:
    """Return content with each word wider than `width` at `px` (bold) broken into pieces that fit:
    after one of its own hyphens where it can ("MONTENEGRO-" "ALCÁZAR"), else anywhere, with a
    hyphen. A word is measured with the particles that never end a line before it ("DE LA")."""
    rtl, cjk = text.is_rtl(content), text.cjk_variant(content)

    def fits(piece: str) -> bool:
        return text.line_width(text.layout_line(piece, True, rtl, cjk), px) <= width

    words: list[str] = []
    glue = ""
    for word in content.split():
        if word.casefold() in text.NO_BREAK_AFTER:
            glue += word + " "
            words.append(word)
            continue
        rest, prefix = word, glue
        while not fits(prefix + rest) and len(rest) > 2:
            at = next(
                (i for i in range(len(rest) - 1, 1, -1) if rest[i - 1] == "-" and fits(prefix + rest[:i])), 0
            )
            if at:
                words.append(rest[:at])
            else:
                at = len(rest) - 1
                while at > 1 and not fits(prefix + rest[:at] + "-"):
                    at -= 1
                words.append(rest[:at] + "-")
            rest, prefix = rest[at:], ""
        words.append(rest)
        glue = ""
    return " ".join(words)


def qr_matrix(code: str) -> list[list[bool]]:
    """Return the QR modules of a code (error correction M, 4-module quiet zone included)."""
    return [list(row) for row in _qr_modules(normalise(code))]


@lru_cache(maxsize=256)
def _qr_modules(text: str) -> tuple[tuple[bool, ...], ...]:
    """Return the QR modules of already normalised text; cached as PNG and PDF share them."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4, box_size=1)
    qr.add_data(text)
    qr.make(fit=True)
    return tuple(tuple(row) for row in qr.get_matrix())


def _qr_image(code: str, max_px: int) -> Image.Image:
    """Return the QR code as an image with whole-pixel modules no larger than max_px."""
    matrix = _qr_modules(normalise(code))
    modules = len(matrix)
    scale = max(1, max_px // modules)
    small = Image.new("L", (modules, modules), 255)
    small.putdata([0 if dark else 255 for row in matrix for dark in row])
    return small.resize((modules * scale, modules * scale), Image.Resampling.NEAREST)


def _photo(photo: bytes | None, size: tuple[int, int]) -> Image.Image:
    """Return the participant photo cropped to size, or a silhouette placeholder."""
    if photo:
        try:
            with Image.open(io.BytesIO(photo)) as source:
                source.load()
                image = ImageOps.exif_transpose(source) or source
                return ImageOps.fit(image.convert("RGB"), size, Image.Resampling.LANCZOS)
        except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
            pass
    width, height = size
    image = Image.new("RGB", size, PLACEHOLDER_BG)
    draw = ImageDraw.Draw(image)
    head = width * 0.19
    cx, cy = width / 2, height * 0.40
    draw.ellipse((cx - head, cy - head * 1.15, cx + head, cy + head * 1.15), fill=PLACEHOLDER_FG)
    draw.ellipse((width * 0.14, height * 0.66, width * 0.86, height * 1.25), fill=PLACEHOLDER_FG)
    return image


def _band_text_colour(colour: tuple[int, int, int]) -> tuple[int, int, int]:
    """Return black or white, whichever contrasts more with the band colour (WCAG)."""

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    luminance = sum(w * channel(v) for w, v in zip((0.2126, 0.7152, 0.0722), colour, strict=True))
    return WHITE if (1.05 / (luminance + 0.05)) >= ((luminance + 0.05) / 0.05) else INK


def _size_px(fmt: BadgeFormat, dpi: int) -> tuple[int, int]:
    """Return the pixel size of a format at dpi."""
    width_mm, height_mm = FORMAT_SIZES_MM[fmt]
    return round(width_mm * dpi / MM_PER_INCH), round(height_mm * dpi / MM_PER_INCH)


class _Canvas:
    """A badge image with helpers that work in millimetres and points."""

    def __init__(self, fmt: BadgeFormat, dpi: int) -> None:
        """Create a white badge of the format's size."""
        self.dpi = dpi
        self.width_mm, self.height_mm = FORMAT_SIZES_MM[fmt]
        self.image = Image.new("RGB", _size_px(fmt, dpi), WHITE)
        self.draw = ImageDraw.Draw(self.image)

    def px(self, mm: float) -> int:
        """Return millimetres as pixels."""
        return round(mm * self.dpi / MM_PER_INCH)

    def pt(self, points: float) -> int:
        """Return a font size in points as pixels."""
        return max(1, round(points * self.dpi / PT_PER_INCH))

    def box(self, x: float, y: float, w: float, h: float) -> _Box:
        """Return a box given in millimetres."""
        return _Box(self.px(x), self.px(y), self.px(w), self.px(h))

    def text(
        self,
        content: str,
        box: _Box,
        size_pt: float,
        *,
        measure: bool = False,
        bold: bool = False,
        max_lines: int = 1,
        align: str = "start",
        valign: str = "top",
        fill: tuple[int, int, int] = INK,
        spacing: float = 1.15,
        rtl: bool | None = None,
    ) -> int:
        """Draw (or only measure) text as large as fits, at most size_pt; return its height."""
        return _draw_text(
            None if measure else self.image,
            content,
            box,
            bold=bold,
            max_px=self.pt(size_pt),
            max_lines=max_lines,
            align=align,
            valign=valign,
            fill=fill,
            spacing=spacing,
            rtl=rtl,
        )

    def band(self, data: BadgeData, height_mm: float, margin_mm: float, size_pt: float) -> None:
        """Draw the full-bleed category band at the bottom with its label."""
        colour = CATEGORY_COLOURS.get(data.category, CATEGORY_COLOURS["other"])
        top = self.image.height - self.px(height_mm)
        self.draw.rectangle((0, top, self.image.width, self.image.height), fill=colour)
        label = data.category_label or category_label(data.category)
        inner = _Box(
            self.px(margin_mm),
            top + self.px(0.8),
            self.image.width - 2 * self.px(margin_mm),
            self.image.height - top - self.px(0.8) - self.px(margin_mm * 0.6),
        )
        self.text(
            label.upper(),
            inner,
            size_pt,
            bold=True,
            max_lines=2,
            align="center",
            valign="center",
            fill=_band_text_colour(colour),
            spacing=1.0,
        )

    def paste_photo(self, data: BadgeData, box: _Box) -> None:
        """Paste the photo (or placeholder) into box with a thin frame."""
        self.image.paste(_photo(data.photo, (box.w, box.h)), (box.x, box.y))
        self.draw.rectangle(
            (box.x, box.y, box.x + box.w - 1, box.y + box.h - 1), outline=PLACEHOLDER_FG, width=1
        )

    def paste_qr(self, code: str, x_mm: float, y_mm: float, max_mm: float) -> _Box:
        """Paste the QR code (quiet zone included) centred in a square; return its box."""
        qr = _qr_image(code, self.px(max_mm))
        x = self.px(x_mm) + (self.px(max_mm) - qr.width) // 2
        y = self.px(y_mm)
        self.image.paste(qr.convert("RGB"), (x, y))
        return _Box(x, y, qr.width, qr.height)

    def badge_number(self, number: str, qr: _Box, height_mm: float, size_pt: float) -> None:
        """Write the badge number centred under the QR code (inside its quiet zone's width)."""
        quiet = qr.w * 4 // 49
        box = _Box(qr.x, qr.y + qr.h - quiet // 2, qr.w, self.px(height_mm))
        self.text(number, box, size_pt, bold=True, align="center")

    def people(self, data: BadgeData, area: _Box, scale: float, align: str) -> None:
        """Stack name, delegation and function, centred vertically in area, aligned as the name.

        The name takes up to three lines before it gets smaller, and not smaller than MIN_NAME_PT:
        a name that needs more room at that size takes more lines, and the room, from the
        delegation and function (which keep one line each at 6.5 and 6 pt; only a name too long
        even for all the rest of the card goes under 9 pt). Names with stacked marks (Vietnamese)
        get more leading.
        """
        gap = self.px(1.4 * scale)
        small_gap = self.px(0.5 * scale)
        rtl = text.is_rtl(data.name)
        deleg = dict(bold=True, max_lines=2, align=align, spacing=1.05, rtl=rtl)
        func = dict(fill=MUTED, max_lines=2, align=align, spacing=1.05, rtl=rtl)
        deleg_box = _Box(area.x, 0, area.w, area.h * 3 // 10)
        func_box = _Box(area.x, 0, area.w, area.h * 22 // 100)
        deleg_h = self.text(data.delegation, deleg_box, 9 * scale, measure=True, **deleg)
        func_h = self.text(data.function, func_box, 7.5 * scale, measure=True, **func) if data.function else 0
        rest = area.h - deleg_h - func_h - gap - (small_gap if func_h else 0)
        spacing = name_leading(data.name)
        name = dict(bold=True, align=align, spacing=spacing, rtl=rtl)
        name_box = _Box(area.x, 0, area.w, max(rest, self.pt(8)))
        name_text = " ".join(data.name.split())
        name_pt, name_lines = 16 * scale, NAME_LINES
        size, _rows = text.fit_lines(
            name_text, name_box.w, name_box.h, bold=True, max_px=self.pt(name_pt), max_lines=NAME_LINES,
            spacing=spacing,
        )  # fmt: skip
        if size < self.pt(MIN_NAME_PT):
            # More lines in the same room, before the lines below give some of theirs.
            size, _rows = text.fit_lines(
                name_text, name_box.w, name_box.h, bold=True, max_px=self.pt(name_pt), max_lines=MORE_LINES,
                spacing=spacing,
            )  # fmt: skip
            name_lines = MORE_LINES
        if size < self.pt(MIN_NAME_PT):
            # At the smallest size, on as many lines as it takes; the lines below make room. A word
            # wider than the whole line even then is broken, with a hyphen.
            name_pt = MIN_NAME_PT
            name_text = _break_long_words(name_text, name_box.w, self.pt(name_pt))
            spacing = max(SOLID_LEADING, round(spacing - 0.1, 2))  # every line counts now
            name["spacing"] = spacing
            _size, rows = text.fit_lines(
                name_text, name_box.w, 10**6, bold=True, max_px=self.pt(name_pt), max_lines=MORE_LINES,
                spacing=spacing,
            )  # fmt: skip
            needed = text.block_height(
                rows, self.pt(name_pt), True, text.is_rtl(name_text), text.cjk_variant(name_text), spacing
            )
            # The delegation and the function keep one line each at a size still read (6.5 and 6 pt).
            floor = round(self.pt(6.5) * 1.2) + (round(self.pt(6) * 1.2) + small_gap if data.function else 0)
            name_box = _Box(area.x, 0, area.w, min(needed, area.h - floor - gap))
            left = max(area.h - name_box.h - gap - (small_gap if data.function else 0), self.pt(8))
            deleg_box = _Box(area.x, 0, area.w, left * 58 // 100 if data.function else left)
            func_box = _Box(area.x, 0, area.w, left - deleg_box.h)
            deleg_h = self.text(data.delegation, deleg_box, 9 * scale, measure=True, **deleg)
            func_h = (
                self.text(data.function, func_box, 7.5 * scale, measure=True, **func) if data.function else 0
            )
        name_h = self.text(name_text, name_box, name_pt, measure=True, max_lines=name_lines, **name)
        total = name_h + gap + deleg_h + (small_gap + func_h if func_h else 0)
        y = area.y + max(0, (area.h - total) // 2)
        self.text(name_text, _Box(area.x, y, area.w, name_box.h), name_pt, max_lines=name_lines, **name)
        y += name_h + gap
        self.text(data.delegation, _Box(area.x, y, area.w, deleg_box.h), 9 * scale, **deleg)
        if data.function:
            y += deleg_h + small_gap
            self.text(data.function, _Box(area.x, y, area.w, func_box.h), 7.5 * scale, **func)


def _header(canvas: _Canvas, data: BadgeData, m: float, h: float, align: str, s: float) -> None:
    """Draw the event title and the dates and venue line across the top."""
    w = canvas.width_mm - 2 * m
    title_h = h * 0.62
    title_box = canvas.box(m, m, w, title_h)
    canvas.text(data.event_title, title_box, 8.5 * s, bold=True, max_lines=2, align=align, spacing=1.05)
    line = " · ".join(part for part in (data.event_dates, data.venue) if part)
    line_box = canvas.box(m, m + title_h, w, h - title_h)
    canvas.text(line, line_box, 6 * s, fill=MUTED, align=align)


def _render_landscape(data: BadgeData, dpi: int) -> Image.Image:
    """Lay out a landscape card: header, photo, name block, QR, category band."""
    canvas = _Canvas(BadgeFormat.CARD_LANDSCAPE, dpi)
    m, band_h, header_h, qr_mm = 3.0, 9.0, 8.5, 24.0
    width, height = canvas.width_mm, canvas.height_mm
    _header(canvas, data, m, header_h, "left", 1.0)
    top = m + header_h + 1.0
    bottom = height - band_h - 1.5
    body_h = bottom - top
    photo_w = body_h * 0.75
    canvas.paste_photo(data, canvas.box(m, top, photo_w, body_h))
    qr = canvas.paste_qr(data.code, width - m - qr_mm, top - 1.2, min(qr_mm, body_h - 2.0))
    canvas.badge_number(data.badge_number, qr, 3.6, 7)
    text_x = m + photo_w + 2.5
    canvas.people(data, canvas.box(text_x, top, width - m - qr_mm - text_x, body_h), 0.93, "start")
    canvas.band(data, band_h, m, 13)
    return canvas.image


def _render_portrait(data: BadgeData, fmt: BadgeFormat, dpi: int) -> Image.Image:
    """Lay out a portrait badge: header, photo and QR side by side, name block, category band."""
    canvas = _Canvas(fmt, dpi)
    width, height = canvas.width_mm, canvas.height_mm
    s = min(width / 53.98, height / 85.6)
    m = 3.0 * s
    band_h = 10.0 * s
    header_h = 9.5 * s
    _header(canvas, data, m, header_h, "center", s)
    top = m + header_h + 1.0 * s
    inner_w = width - 2 * m
    photo_w = inner_w * 0.42
    photo_h = photo_w / 0.75
    canvas.paste_photo(data, canvas.box(m, top, photo_w, photo_h))
    qr_max = inner_w - photo_w - 2.0 * s
    qr = canvas.paste_qr(data.code, width - m - qr_max, top - 1.0 * s, qr_max)
    canvas.badge_number(data.badge_number, qr, 4.0 * s, 7 * s)
    y_mm = top + photo_h + 1.5 * s
    bottom = height - band_h - 1.5 * s
    canvas.people(data, canvas.box(m, y_mm, inner_w, bottom - y_mm), s, "center")
    canvas.band(data, band_h, m, 13 * s)
    return canvas.image


def render_image(
    data: BadgeData, fmt: BadgeFormat = BadgeFormat.CARD_LANDSCAPE, dpi: int = 300
) -> Image.Image:
    """Return the badge as an RGB Pillow image of the format's size at dpi."""
    if fmt is BadgeFormat.CARD_LANDSCAPE:
        return _render_landscape(data, dpi)
    return _render_portrait(data, fmt, dpi)


def render_png(data: BadgeData, fmt: BadgeFormat = BadgeFormat.CARD_LANDSCAPE, dpi: int = 300) -> bytes:
    """Return the badge as PNG bytes (CR80 at 300 dpi is 1011 × 638 px)."""
    buffer = io.BytesIO()
    render_image(data, fmt, dpi).save(buffer, "PNG", dpi=(dpi, dpi), compress_level=3)
    return buffer.getvalue()


def _pdf_from_image(image: Image.Image, width_pt: float, height_pt: float, title: str) -> bytes:
    """Return a one-page PDF of exactly width × height points showing image, losslessly."""
    rgb = image.convert("RGB")
    pixels = zlib.compress(rgb.tobytes(), 6)
    content = f"q {width_pt:.3f} 0 0 {height_pt:.3f} 0 0 cm /Im0 Do Q".encode("ascii")
    safe_title = "".join(c if c.isascii() and c.isprintable() else "?" for c in title)
    safe_title = safe_title.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {width_pt:.3f} {height_pt:.3f}] "
            f"/Resources << /XObject << /Im0 4 0 R >> >> /Contents 5 0 R >>"
        ).encode("ascii"),
        (
            f"<< /Type /XObject /Subtype /Image /Width {rgb.width} /Height {rgb.height} "
            f"/ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /FlateDecode "
            f"/Length {len(pixels)} >>\nstream\n"
        ).encode("ascii")
        + pixels
        + b"\nendstream",
        f"<< /Length {len(content)} >>\nstream\n".encode("ascii") + content + b"\nendstream",
        f"<< /Title ({safe_title}) /Producer (badges.render) >>".encode("ascii"),
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode("ascii") + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode("ascii"))
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode("ascii"))
    out.write(
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info {len(objects)} 0 R >>\n"
        f"startxref\n{xref}\n%%EOF\n".encode("ascii")
    )
    return out.getvalue()


def render_pdf(data: BadgeData, fmt: BadgeFormat = BadgeFormat.CARD_LANDSCAPE, dpi: int = 300) -> bytes:
    """Return the badge as a one-page PDF whose page is exactly the format's size."""
    width_mm, height_mm = FORMAT_SIZES_MM[fmt]
    to_pt = PT_PER_INCH / MM_PER_INCH
    return _pdf_from_image(
        render_image(data, fmt, dpi),
        width_mm * to_pt,
        height_mm * to_pt,
        f"Badge {data.badge_number}",
    )
