"""Text set in pictures: each character in a font whose cmap has it, runs in bidi order."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from fontTools import unicodedata as ucd
from fontTools.ttLib import TTFont
from PIL import Image, ImageDraw, ImageFont, features

__all__ = [
    "NO_BREAK_AFTER",
    "Face",
    "Run",
    "block_height",
    "cjk_variant",
    "draw_runs",
    "fit_lines",
    "font_for",
    "invisible",
    "is_rtl",
    "layout_line",
    "line_metrics",
    "line_width",
]

FONT_DIRS = (
    Path("/usr/share/fonts"),
    Path("/usr/local/share/fonts"),
    Path(__file__).resolve().parent.parent / "static" / "fonts",
)

#: Font families to try first for a script (ISO 15924 code); others use "NotoSans" + script name.
_SCRIPT_FAMILIES: dict[str, tuple[str, ...]] = {
    "Latn": ("NotoSans", "DejaVuSans", "LiberationSans"),
    "Grek": ("NotoSans", "DejaVuSans"),
    "Cyrl": ("NotoSans", "DejaVuSans"),
    "Arab": ("NotoNaskhArabic", "NotoSansArabic"),
    "Hebr": ("NotoSansHebrew",),
    "Emoji": ("NotoColorEmoji",),
}
#: Families tried, in order, for a character the script's own families lack.
_FALLBACK = (
    "NotoSans",
    "NotoSansSymbols",
    "NotoSansSymbols2",
    "NotoSansMath",
    "NotoColorEmoji",
    "DejaVuSans",
)
_CJK_SCRIPTS = frozenset({"Hani", "Hira", "Kana", "Hang", "Bopo"})
#: Face index in the Noto Sans CJK collections for each variant.
_CJK_FACES = {"ja": 0, "ko": 1, "zh": 2}
_COMMON = frozenset({"Zyyy", "Zinh", "Zzzz"})
_LAYOUT = ImageFont.Layout.RAQM if features.check("raqm") else ImageFont.Layout.BASIC


@dataclass(frozen=True)
class Face:
    """One font face in a file; `strike` is the pixel size of a bitmap-only font (colour emoji)."""

    path: str
    index: int = 0
    strike: int | None = None


@dataclass(frozen=True)
class Run:
    """Characters drawn with one face in one direction; a line is its runs in visual order."""

    text: str
    face: Face
    rtl: bool


@cache
def _font_files() -> dict[str, str]:
    """Return every font file under the font folders, by file name."""
    found: dict[str, str] = {}
    for root in FONT_DIRS:
        if not root.is_dir():
            continue
        for folder, _, files in os.walk(root):
            for name in files:
                if name.endswith((".ttf", ".otf", ".ttc")):
                    found.setdefault(name, os.path.join(folder, name))
    return found


@cache
def _face(family: str, bold: bool, cjk: str = "zh") -> Face | None:
    """Return the face of a family in the wanted weight (or the other one), if installed."""
    files = _font_files()
    weights = ("Bold", "Regular") if bold else ("Regular", "Bold")
    names = [f"{family}-{weight}{ext}" for weight in weights for ext in (".ttf", ".otf", ".ttc")]
    names.insert(1 if bold else 0, f"{family}.ttf")
    for name in names:
        path = files.get(name)
        if path is None:
            continue
        index = _CJK_FACES.get(cjk, 2) if name.endswith(".ttc") else 0
        with _open(path, index) as font:
            strike = None
            if "CBDT" in font and "glyf" not in font and "CFF " not in font:
                strike = int(font["CBLC"].strikes[0].bitmapSizeTable.ppemY)
        return Face(path, index, strike)
    return None


@cache
def cmap(face: Face) -> frozenset[int]:
    """Return the code points a face has glyphs for, read from its own cmap."""
    with _open(face.path, face.index) as font:
        return frozenset(font.getBestCmap() or ())


def _open(path: str, index: int) -> TTFont:
    """Open a font file (one face of a collection) for reading its tables."""
    if path.endswith(".ttc"):
        return TTFont(path, fontNumber=index, lazy=True)
    return TTFont(path, lazy=True)


def _families(script: str) -> tuple[str, ...]:
    """Return the families that suit a script, best first."""
    if script in _SCRIPT_FAMILIES:
        return _SCRIPT_FAMILIES[script]
    if script in _CJK_SCRIPTS:
        return ("NotoSansCJK",)
    name = ucd.script_name(script, default="").replace(" ", "").replace("_", "")
    return (f"NotoSans{name}", f"NotoSerif{name}") if name else ()


@cache
def _faces(script: str, bold: bool, cjk: str) -> tuple[Face, ...]:
    """Return the faces to try for a script: its own families, then the fallbacks."""
    faces: list[Face] = []
    for family in _families(script) + _FALLBACK:
        face = _face(family, bold, cjk)
        if face is not None and face not in faces:
            faces.append(face)
    if not faces:
        raise FileNotFoundError("No font found: apt-get install fonts-noto-core fonts-noto-cjk")
    return tuple(faces)


def invisible(char: str) -> bool:
    """Return True for characters that take no glyph of their own (joiners, variation selectors)."""
    code = ord(char)
    return (
        unicodedata.category(char) == "Cf"
        or 0xFE00 <= code <= 0xFE0F
        or 0xE0100 <= code <= 0xE01EF
        or 0xE0020 <= code <= 0xE007F
    )


def _emoji(cluster: str) -> bool:
    """Return True if a cluster is an emoji (pictograph, flag, or with an emoji selector)."""
    code = ord(cluster[0])
    dingbat_with_modifier = 0x2600 <= code <= 0x27BF and len(cluster) > 1
    return 0x1F000 <= code <= 0x1FAFF or "\ufe0f" in cluster or dingbat_with_modifier


def _clusters(text: str) -> list[str]:
    """Split text into clusters: a base character with its marks, joiners and modifiers."""
    clusters: list[str] = []
    join_next = False
    for char in text:
        code = ord(char)
        attach = clusters and (
            join_next
            or unicodedata.category(char).startswith("M")
            or invisible(char)
            or 0x1F3FB <= code <= 0x1F3FF
            or (
                0x1F1E6 <= code <= 0x1F1FF
                and len(clusters[-1]) == 1
                and 0x1F1E6 <= ord(clusters[-1]) <= 0x1F1FF
            )
        )
        if attach:
            clusters[-1] += char
        else:
            clusters.append(char)
        join_next = char == "\u200d"
    return clusters


def cjk_variant(text: str) -> str:
    """Return the CJK glyph variant a text needs: ja with kana, ko with hangul, else zh."""
    scripts = {ucd.script(char) for char in text}
    if scripts & {"Hira", "Kana"}:
        return "ja"
    if "Hang" in scripts:
        return "ko"
    return "zh"


def is_rtl(text: str) -> bool:
    """Return True if most strong characters of text are right-to-left (an Arabic name with "Dr.")."""
    rtl = ltr = 0
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            rtl += 1
        elif kind == "L":
            ltr += 1
    return rtl > ltr


def _scripts(clusters: list[str]) -> list[str]:
    """Return each cluster's script; common characters take their neighbours' script."""
    scripts = ["Emoji" if _emoji(c) else ucd.script(c[0]) for c in clusters]
    previous = None
    for i, script in enumerate(scripts):
        if script in _COMMON:
            scripts[i] = previous or ""
        elif script != "Emoji":
            previous = script
    following = "Latn"
    for i in range(len(scripts) - 1, -1, -1):
        if scripts[i] == "":
            scripts[i] = following
        elif scripts[i] != "Emoji":
            following = scripts[i]
    return scripts


def font_for(cluster: str, script: str, bold: bool, cjk: str) -> Face:
    """Return the first face for the script, then the fallbacks, whose cmap has the cluster."""
    needed = [ord(char) for char in cluster if not invisible(char)] or [ord(cluster[0])]
    faces = _faces(script, bold, cjk)
    for face in faces:
        codes = cmap(face)
        if all(code in codes for code in needed):
            return face
    for face in faces:
        if needed[0] in cmap(face):
            return face
    return faces[0]


@cache
def _fribidi() -> ctypes.CDLL:
    """Load GNU FriBidi, the bidi library Pillow's raqm layout uses too."""
    name = ctypes.util.find_library("fribidi") or "libfribidi.so.0"
    try:
        library = ctypes.CDLL(name)
    except OSError as error:
        raise RuntimeError("Right-to-left text needs GNU FriBidi: apt-get install libfribidi0") from error
    library.fribidi_get_par_embedding_levels_ex.restype = ctypes.c_int8
    return library


_PAR_LTR, _PAR_RTL = 0x110, 0x111  # FRIBIDI_PAR_LTR, FRIBIDI_PAR_RTL


def word_direction(word: str) -> str | None:
    """Return "R" or "L" after the first strong character of a word, or None if it has none."""
    for char in word:
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return "R"
        if kind == "L":
            return "L"
    return None


def _levels(text: str, rtl: bool) -> list[int]:
    """Return each character's bidi level, with each group of same-direction words isolated.

    Isolating keeps "Dr." as "Dr." beside an Arabic name (plain bidi would show ".Dr"),
    while consecutive Arabic words in a Latin line still read right to left.
    """
    if not rtl and not any(unicodedata.bidirectional(c) in ("R", "AL", "AN") for c in text):
        return [0] * len(text)
    words = re.findall(r"\S+|\s+", text)
    directions = [None if word.isspace() else word_direction(word) for word in words]
    for i, word in enumerate(words):  # words without a strong letter join the group before them
        if directions[i] is None and not word.isspace():
            before = [d for d, w in zip(directions[:i], words[:i], strict=True) if not w.isspace() and d]
            after = [d for d, w in zip(directions[i:], words[i:], strict=True) if not w.isspace() and d]
            directions[i] = (before or after or ["R" if rtl else "L"])[-1 if before else 0]
    isolated: list[int] = []
    positions: list[int] = []
    group: str | None = None
    for i, word in enumerate(words):
        if not word.isspace():
            if group is not None and directions[i] != group:
                isolated.append(0x2069)  # PDI: end of the previous group
                group = None
            if group is None:
                isolated.append(0x2068)  # FSI: a group starts; the spaces before it stay outside
                group = directions[i]
        elif group is not None:
            following = next(
                (directions[j] for j in range(i + 1, len(words)) if not words[j].isspace()), None
            )
            if following != group:
                isolated.append(0x2069)
                group = None
        for char in word:
            positions.append(len(isolated))
            isolated.append(ord(char))
    if group is not None:
        isolated.append(0x2069)
    fribidi = _fribidi()
    size = len(isolated)
    chars = (ctypes.c_uint32 * size)(*isolated)
    types = (ctypes.c_uint32 * size)()
    brackets = (ctypes.c_uint32 * size)()
    levels = (ctypes.c_int8 * size)()
    fribidi.fribidi_get_bidi_types(chars, size, types)
    fribidi.fribidi_get_bracket_types(chars, size, types, brackets)
    base = ctypes.c_uint32(_PAR_RTL if rtl else _PAR_LTR)
    if fribidi.fribidi_get_par_embedding_levels_ex(types, brackets, size, ctypes.byref(base), levels) == 0:
        raise RuntimeError("FriBidi could not resolve the text's direction.")
    return [levels[i] for i in positions]


@lru_cache(maxsize=4096)
def layout_line(text: str, bold: bool, rtl: bool, cjk: str = "zh") -> tuple[Run, ...]:
    """Split one line into runs of one face and one direction, in visual order (left to right)."""
    clusters = _clusters(text)
    if not clusters:
        return ()
    scripts = _scripts(clusters)
    levels = _levels(text, rtl)
    logical: list[tuple[str, Face, int]] = []
    offset = 0
    for cluster, script in zip(clusters, scripts, strict=True):
        level = levels[offset]
        offset += len(cluster)
        face = font_for(cluster, script, bold, cjk)
        if logical and logical[-1][1] == face and logical[-1][2] == level:
            logical[-1] = (logical[-1][0] + cluster, face, level)
        else:
            logical.append((cluster, face, level))
    order = list(range(len(logical)))
    highest = max(level for _, _, level in logical)
    lowest_odd = min((level for _, _, level in logical if level % 2), default=highest + 1)
    for level in range(highest, lowest_odd - 1, -1):
        i = 0
        while i < len(order):
            if logical[order[i]][2] >= level:
                j = i
                while j < len(order) and logical[order[j]][2] >= level:
                    j += 1
                order[i:j] = reversed(order[i:j])
                i = j
            else:
                i += 1
    runs: list[Run] = []
    for i in order:
        text, face, level = logical[i]
        rtl_run = level % 2 == 1
        if runs and runs[-1].face == face and runs[-1].rtl == rtl_run:
            # Neighbours in the same face and direction are one run (right-to-left: this one first).
            joined = text + runs[-1].text if rtl_run else runs[-1].text + text
            runs[-1] = Run(joined, face, rtl_run)
        else:
            runs.append(Run(text, face, rtl_run))
    return tuple(runs)


@lru_cache(maxsize=512)
def _pil_font(face: Face, size: int) -> ImageFont.FreeTypeFont:
    """Return a Pillow font for a face at a pixel size (a bitmap face at its own strike)."""
    pixels = face.strike or max(size, 1)
    return ImageFont.truetype(face.path, size=pixels, index=face.index, layout_engine=_LAYOUT)


def _scale(face: Face, size: int) -> float:
    """Return how much a face's drawing is scaled to reach size (1 for outline fonts)."""
    return size / face.strike if face.strike else 1.0


def _direction(run: Run) -> str | None:
    """Return the direction argument for Pillow (raqm only)."""
    if _LAYOUT != ImageFont.Layout.RAQM:
        return None
    return "rtl" if run.rtl else "ltr"


@lru_cache(maxsize=8192)
def _run_extent(run: Run, size: int) -> tuple[float, float, float]:
    """Return a run's advance and its ink's left and right edges, in pixels at size."""
    font = _pil_font(run.face, size)
    scale = _scale(run.face, size)
    direction = _direction(run)
    advance = font.getlength(run.text, direction=direction)
    left, _, right, _ = font.getbbox(run.text, anchor="ls", direction=direction)
    return advance * scale, left * scale, right * scale


def line_width(runs: tuple[Run, ...], size: int) -> int:
    """Return the width a line takes when drawn, covering both its advance and its ink."""
    x = 0.0
    ink_left, ink_right = 0.0, 0.0
    for run in runs:
        advance, left, right = _run_extent(run, size)
        ink_left = min(ink_left, x + left)
        ink_right = max(ink_right, x + right)
        x += advance
    return int(max(x, ink_right) - ink_left) + 1 if runs else 0


def line_metrics(runs: tuple[Run, ...], size: int) -> tuple[int, int]:
    """Return the ascent and descent of a line: the largest of its faces'."""
    ascent = descent = 0
    for face in {run.face for run in runs}:
        a, d = _pil_font(face, size).getmetrics()
        scale = _scale(face, size)
        ascent, descent = max(ascent, round(a * scale)), max(descent, round(d * scale))
    return ascent, descent


def draw_runs(
    image: Image.Image,
    x: float,
    baseline: float,
    runs: tuple[Run, ...],
    size: int,
    fill: int | tuple[int, ...],
) -> None:
    """Draw a line's runs left to right from x on baseline; the line's ink starts at x."""
    draw = ImageDraw.Draw(image)
    first = _run_extent(runs[0], size)[1] if runs else 0.0
    x -= min(first, 0.0)
    for run in runs:
        font = _pil_font(run.face, size)
        advance = _run_extent(run, size)[0]
        if run.face.strike:
            _paste_bitmap_run(image, run, font, x, baseline, size)
        else:
            draw.text((x, baseline), run.text, font=font, fill=fill, anchor="ls", direction=_direction(run))
        x += advance


def _paste_bitmap_run(
    image: Image.Image, run: Run, font: ImageFont.FreeTypeFont, x: float, baseline: float, size: int
) -> None:
    """Draw a run of a bitmap (colour emoji) font at its strike size, scale it and paste it."""
    scale = _scale(run.face, size)
    ascent, descent = font.getmetrics()
    width = max(1, round(font.getlength(run.text, direction=_direction(run))))
    strip = Image.new("RGBA", (width, ascent + descent), (255, 255, 255, 0))
    ImageDraw.Draw(strip).text(
        (0, ascent), run.text, font=font, anchor="ls", embedded_color=True, direction=_direction(run)
    )
    scaled = strip.resize(
        (max(1, round(width * scale)), max(1, round((ascent + descent) * scale))), Image.Resampling.LANCZOS
    )
    position = (round(x), round(baseline - ascent * scale))
    image.paste(scaled.convert(image.mode), position, scaled.getchannel("A"))


#: Words that stay on the same line as the word after them (Arabic and Romance name particles).
NO_BREAK_AFTER = frozenset(
    "عبد أبو ابو أبي ابي بن بنت ابن ذو آل abd abdel abdul abou abu bin bint ibn ben bou el al "
    "van von de del della der den di da du dos das la le st. san".split()
)
_TINIEST_PX = 4


def _tokens(line: str, hyphens: bool = False) -> list[str]:
    """Split text where a line may break: at spaces (never inside a word) and between CJK ideographs.

    With `hyphens`, a family name set in capitals may also break after one of its hyphens
    ("ROCHEFOUCAULD-" / "MONTBEL"), which still never cuts a word.
    """
    tokens: list[str] = []
    for word in line.split():
        if ucd.script(word[0]) in ("Hani", "Hira", "Kana") and all(
            ucd.script(char) in ("Hani", "Hira", "Kana", "Zyyy") for char in word
        ):
            tokens.extend(word)
            tokens[-1] += " "
            continue
        parts = [word]
        if hyphens and word.isupper() and all(len(part) > 1 for part in word.split("-")):
            parts = [part + "-" for part in word.split("-")]
            parts[-1] = parts[-1][:-1]
        parts[-1] += " "
        if tokens and tokens[-1].endswith(" ") and tokens[-1].split()[-1].casefold() in NO_BREAK_AFTER:
            tokens[-1] += parts.pop(0)
        tokens.extend(parts)
    if tokens:
        tokens[-1] = tokens[-1].rstrip()
    return tokens


def _balanced(widths: list[float], spaces: list[float], lines: int) -> tuple[list[int], float]:
    """Return where to break tokens into `lines` lines so the widest line is as narrow as can be."""
    count = len(widths)
    prefix = [0.0]
    for width in widths:
        prefix.append(prefix[-1] + width)

    def span(i: int, j: int) -> float:
        return prefix[j] - prefix[i] - spaces[j - 1]

    best: dict[tuple[int, int], tuple[float, list[int]]] = {}
    for end in range(1, count + 1):
        best[(1, end)] = (span(0, end), [])
    for k in range(2, lines + 1):
        for end in range(k, count + 1):
            options = (
                (max(best[(k - 1, cut)][0], span(cut, end)), best[(k - 1, cut)][1] + [cut])
                for cut in range(k - 1, end)
            )
            best[(k, end)] = min(options, key=lambda option: option[0])
    widest, cuts = best[(lines, count)]
    return cuts, widest


@lru_cache(maxsize=1024)
def fit_lines(
    text: str, width: int, height: int, *, bold: bool, max_px: int, max_lines: int, spacing: float
) -> tuple[int, tuple[str, ...]]:
    """Return the largest size (at most max_px) and line breaks at which text fits width × height.

    Lines break at spaces only; a capitalised family name breaks after a hyphen only when the
    text would otherwise be set at under half the size, and that makes it 15 % larger.
    """
    size, rows = _fit_tokens(text, _tokens(text), width, height, bold, max_px, max_lines, spacing)
    hyphenated = _tokens(text, hyphens=True)
    if len(hyphenated) > len(_tokens(text)) and size < max_px / 2:
        size_h, rows_h = _fit_tokens(text, hyphenated, width, height, bold, max_px, max_lines, spacing)
        if size_h >= size * 1.15:
            return size_h, rows_h
    return size, rows


def _fit_tokens(
    text: str,
    tokens: list[str],
    width: int,
    height: int,
    bold: bool,
    max_px: int,
    max_lines: int,
    spacing: float,
) -> tuple[int, tuple[str, ...]]:
    """Return the largest size and line breaks between tokens at which text fits width × height."""
    if not tokens:
        return max_px, ()
    rtl, cjk = is_rtl(text), cjk_variant(text)
    measure = [line_width(layout_line(token.strip(), bold, rtl, cjk), max_px) for token in tokens]
    spaced = [line_width(layout_line(token, bold, rtl, cjk), max_px) for token in tokens]
    spaces = [max(0.0, b - a) for a, b in zip(measure, spaced, strict=True)]
    ascent, descent = line_metrics(layout_line(text, bold, rtl, cjk), max_px)
    best_size, best_cuts = 0.0, []
    for lines in range(1, min(max_lines, len(tokens)) + 1):
        cuts, widest = _balanced(spaced, spaces, lines)
        by_width = max_px * width / max(widest, 1.0)
        by_height = max_px * height / (ascent + descent + (lines - 1) * max_px * spacing)
        size = min(float(max_px), by_width, by_height)
        if size > best_size + 0.25:
            best_size, best_cuts = size, cuts
    bounds = [0, *best_cuts, len(tokens)]
    rows = tuple("".join(tokens[a:b]).strip() for a, b in zip(bounds, bounds[1:], strict=False))
    size = max(int(best_size), _TINIEST_PX)
    while size > _TINIEST_PX and not _fits(rows, size, width, height, bold, rtl, cjk, spacing):
        size -= 1
    return size, rows


def _fits(
    rows: tuple[str, ...], size: int, width: int, height: int, bold: bool, rtl: bool, cjk: str, spacing: float
) -> bool:
    """Return True if the lines, drawn at size, fit width × height."""
    if block_height(rows, size, bold, rtl, cjk, spacing) > height:
        return False
    return all(line_width(layout_line(row, bold, rtl, cjk), size) <= width for row in rows)


def block_height(rows: tuple[str, ...], size: int, bold: bool, rtl: bool, cjk: str, spacing: float) -> int:
    """Return the height of a block of lines, ascender of the first to descender of the last."""
    ascent, descent = line_metrics(layout_line(" ".join(rows), bold, rtl, cjk), size)
    return ascent + descent + round((len(rows) - 1) * size * spacing)
