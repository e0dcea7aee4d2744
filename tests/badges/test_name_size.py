"""The name on a badge: at least 9 pt, up to three lines before it shrinks, room for stacked marks."""

from __future__ import annotations

import pytest

from badges import render
from badges.render import BadgeFormat, name_leading, render_image
from tests.badges.helpers import make_badge

NINE_PT = round(9 * 300 / 72)


def drawn(monkeypatch, **badge) -> list[tuple[str, int, int]]:
    """(text, size in px, baseline y) of every run drawn on a 300 dpi card."""
    calls: list[tuple[str, int, int]] = []
    original = render.text.draw_runs

    def spy(image, x, y, runs, size, fill):
        calls.append(("".join(run.text for run in runs), size, y))
        return original(image, x, y, runs, size, fill)

    monkeypatch.setattr(render.text, "draw_runs", spy)
    render_image(make_badge(**badge), BadgeFormat.CARD_LANDSCAPE, 300)
    return calls


LONG = "Hubert Blaine WOLFESCHLEGELSTEINHAUSENBERGERDORFF SENIOR OF THE VERY LONG NAME FAMILY"


@pytest.mark.parametrize(
    "name",
    [
        LONG,
        "Excma. Sra. María Fernanda GARCÍA DE LA TORRE Y MONTENEGRO-ALCÁZAR DE LOS SANTOS",
        "Ms. NGUYỄN Thị Minh Khai",
        "Mr. Jean-Baptiste Marie-Christophe DE LA ROCHEFOUCAULD-MONTBEL",
    ],
)
def test_the_name_is_never_under_nine_points(monkeypatch, name):
    calls = drawn(monkeypatch, name=name, function="Senior Policy Adviser for Humanitarian Disarmament")
    name_rows = [
        (row, size)
        for row, size, _y in calls
        if row.split() and all(t.strip("-") in name for t in row.split())
    ]
    assert name_rows
    assert min(size for _row, size in name_rows) >= NINE_PT, name_rows
    # Every letter of the name is drawn (a word too wide for the line is broken with a hyphen).
    shown = "".join(row for row, _size in name_rows).replace(" ", "").replace("-", "")
    assert shown.startswith(name.replace(" ", "").replace("-", "")[:20])


def test_a_name_takes_more_lines_rather_than_shrink(monkeypatch):
    name = "Mr. Jonathan Mwangi OTIENO-KAMAU WANJIRU"
    calls = drawn(monkeypatch, name=name)
    rows = [(row, size) for row, size, _y in calls if row.split() and all(t in name for t in row.split())]
    three_lines, _ = render.text.fit_lines(name, 345, 250, bold=True, max_px=62, max_lines=3, spacing=1.05)
    assert len(rows) > 3 and min(size for _row, size in rows) > max(three_lines, NINE_PT)


@pytest.mark.parametrize(
    ("name", "leading"),
    [
        ("Ms. NGUYỄN Thị Minh Khai", 1.35),
        ("Ms. Anna MÜLLER", 1.15),
        ("Mr. John SMITH", 1.05),
        ("王小明先生", 1.05),
    ],
)
def test_stacked_marks_get_more_leading(name, leading):
    assert name_leading(name) == leading


def test_vietnamese_lines_are_spaced_for_their_marks(monkeypatch):
    calls = drawn(monkeypatch, name="Ms. NGUYỄN Thị Minh Khai Phương Thảo")
    rows = [(size, y) for row, size, y in calls if any(w in row for w in ("NGUYỄN", "Minh", "Thảo", "Ms."))]
    assert len(rows) >= 2
    (size, first), (_size, second) = rows[0], rows[1]
    assert second - first >= round(size * 1.35) - 1
