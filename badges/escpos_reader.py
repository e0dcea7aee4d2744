"""ESC/POS bytes read back: what a receipt printer would print, as lines of text and pictures.

Understands the commands `badges.printers` sends (python-escpos's text, style, code page,
raster image, QR code, feed and cut commands), so tests can check what a receipt says and
docs can show it as a picture, decoded from the very bytes a printer receives.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from escpos.capabilities import get_profile
from escpos.magicencode import Encoder
from PIL import Image, ImageDraw, ImageFont

__all__ = ["Row", "read", "render", "text_rows"]

#: Font A: 12 × 24 dots a character.
CELL_WIDTH, CELL_HEIGHT = 12, 24
_MONO_FONTS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf",
    "/usr/share/fonts/truetype/noto/NotoSansMono-Regular.ttf",
)


@dataclass
class Row:
    """One printed row: text (with its style) or a raster picture."""

    text: str = ""
    bold: bool = False
    wide: bool = False
    tall: bool = False
    align: int = 0
    image: Image.Image | None = None


@cache
def _code_page_chars(number: int) -> tuple[str, ...]:
    """Characters 128–255 of the code page the default profile numbers `number`."""
    names = {int(value): name for name, value in get_profile("default").get_code_pages().items()}
    return tuple(Encoder._get_codepage_char_list(names[number]))


def read(payload: bytes) -> list[Row]:
    """Return the rows that `payload` prints, text decoded through the code pages it selected."""
    rows: list[Row] = []
    state = {"bold": False, "wide": False, "tall": False, "align": 0, "page": 0}
    line: list[str] = []
    i = 0

    def end_line() -> None:
        rows.append(
            Row("".join(line), state["bold"], state["wide"], state["tall"], state["align"])  # type: ignore[arg-type]
        )
        line.clear()

    while i < len(payload):
        byte = payload[i]
        if byte == 0x1B:  # ESC
            command = payload[i + 1]
            if command == 0x40:  # ESC @ initialise
                state.update(bold=False, wide=False, tall=False, align=0, page=0)
                i += 2
            elif command == 0x21:  # ESC ! print mode
                mode = payload[i + 2]
                state.update(bold=bool(mode & 0x08), tall=bool(mode & 0x10), wide=bool(mode & 0x20))
                i += 3
            elif command == 0x45:  # ESC E bold
                state["bold"] = bool(payload[i + 2])
                i += 3
            elif command == 0x61:  # ESC a alignment
                state["align"] = payload[i + 2] % 48
                i += 3
            elif command == 0x74:  # ESC t code page
                state["page"] = payload[i + 2]
                i += 3
            elif command == 0x64:  # ESC d feed n lines
                rows.extend(Row() for _ in range(payload[i + 2]))
                i += 3
            else:
                raise ValueError(f"unexpected ESC {command:#04x} at byte {i}")
        elif byte == 0x1D:  # GS
            command = payload[i + 1]
            if command == 0x21:  # GS ! character size
                size = payload[i + 2]
                state.update(wide=bool(size & 0xF0), tall=bool(size & 0x0F))
                i += 3
            elif command == 0x76:  # GS v 0 raster image
                width_bytes = payload[i + 4] + 256 * payload[i + 5]
                height = payload[i + 6] + 256 * payload[i + 7]
                data = payload[i + 8 : i + 8 + width_bytes * height]
                image = Image.frombytes("1", (width_bytes * 8, height), data).point(lambda v: 255 - v)
                rows.append(Row(image=image.convert("L"), align=state["align"]))
                i += 8 + width_bytes * height
            elif command == 0x28:  # GS ( k: a QR code, shown as a placeholder
                i += 5 + payload[i + 3] + 256 * payload[i + 4]
            elif command == 0x56:  # GS V cut
                i += 4 if payload[i + 2] in (65, 66) else 3
            else:
                raise ValueError(f"unexpected GS {command:#04x} at byte {i}")
        elif byte == 0x0A:
            end_line()
            i += 1
        elif byte >= 0x80:
            line.append(_code_page_chars(state["page"])[byte - 0x80])
            i += 1
        else:
            line.append(chr(byte))
            i += 1
    if line:
        end_line()
    return rows


def text_rows(payload: bytes) -> list[str]:
    """Return the text rows `payload` prints (pictures left out)."""
    return [row.text for row in read(payload) if row.image is None]


def _font() -> ImageFont.FreeTypeFont:
    for path in _MONO_FONTS:
        if Path(path).exists():
            return ImageFont.truetype(path, 20)
    return ImageFont.load_default()


def render(payload: bytes, width: int = 512, columns: int = 42) -> Image.Image:
    """Return the receipt `payload` prints as a picture `width` dots wide (Font A, 12 × 24 dots)."""
    cell = width // columns
    font = _font()
    bold_font = font
    pieces: list[Image.Image] = []
    for row in read(payload):
        if row.image is not None:
            pieces.append(row.image)
            continue
        scale_x, scale_y = (2 if row.wide else 1), (2 if row.tall else 1)
        strip = Image.new("L", (width // scale_x, CELL_HEIGHT), 255)
        draw = ImageDraw.Draw(strip)
        used = len(row.text) * cell
        x = {0: 0, 1: (strip.width - used) // 2, 2: strip.width - used}[row.align]
        for char in row.text:
            draw.text(
                (x + cell / 2, CELL_HEIGHT / 2), char, font=bold_font if row.bold else font, anchor="mm"
            )
            if row.bold:
                draw.text((x + cell / 2 + 1, CELL_HEIGHT / 2), char, font=font, anchor="mm")
            x += cell
        pieces.append(strip.resize((strip.width * scale_x, CELL_HEIGHT * scale_y), Image.NEAREST))
    margin = 16
    paper = Image.new("L", (width + 2 * margin, sum(p.height for p in pieces) + 2 * margin), 255)
    y = margin
    for piece in pieces:
        x = margin + (width - piece.width) // 2 if piece.width < width else margin
        paper.paste(piece, (x, y))
        y += piece.height
    return paper
