"""The colours of static/css/app.css give text a contrast of at least 4.5:1 (WCAG 2.x AA)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

CSS = (Path(__file__).resolve().parent.parent / "static" / "css" / "app.css").read_text(encoding="utf-8")
WHITE = "#ffffff"


def custom_properties(css: str) -> dict[str, str]:
    """The `--name: #rrggbb` colours declared in the stylesheet."""
    return {name: value.lower() for name, value in re.findall(r"(--[\w-]+):\s*(#[0-9a-fA-F]{6})\b", css)}


def luminance(colour: str) -> float:
    """Relative luminance of an sRGB colour written #rrggbb."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """The WCAG contrast ratio of two colours."""
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_the_ratio_formula_matches_known_values():
    assert contrast("#000000", WHITE) == pytest.approx(21.0)
    assert contrast("#009edb", WHITE) == pytest.approx(3.03, abs=0.01)  # UN blue: too light for white text


COLOURS = custom_properties(CSS)
FILLS = ["--un-blue-dark", "--un-blue-deep"]  # backgrounds that carry white text
INKS = ["--ink", "--muted", "--ok", "--warn", "--bad"]  # text colours on the page and in panels
PAPERS = ["--bg", "--panel"]


@pytest.mark.parametrize("fill", FILLS)
def test_white_text_on_blue_reads(fill):
    assert contrast(WHITE, COLOURS[fill]) >= 4.5, f"white on {fill} {COLOURS[fill]}"


@pytest.mark.parametrize("ink", INKS)
@pytest.mark.parametrize("paper", PAPERS)
def test_text_colours_read_on_the_page_and_panels(ink, paper):
    assert contrast(COLOURS[ink], COLOURS[paper]) >= 4.5, f"{ink} on {paper}"


def test_masthead_and_primary_buttons_use_the_dark_blue():
    for selector in (r"\.masthead \{", r"button\.primary, \.button\.primary \{"):
        rule = re.search(selector + r"[^}]*\}", CSS)
        assert rule and "var(--un-blue-dark)" in rule.group(0), selector
    assert not re.search(r"background:\s*var\(--un-blue\)", CSS), "UN blue #009edb under text"


def test_focus_ring_is_dark_enough_on_white():
    rule = re.search(r"^:focus-visible \{[^}]*\}", CSS, re.MULTILINE)
    assert rule and "outline: 3px solid var(--ink)" in rule.group(0)
    assert contrast(COLOURS["--ink"], WHITE) >= 3  # non-text contrast (WCAG 1.4.11)
    assert contrast(COLOURS["--focus"], WHITE) < 3  # why the yellow ring alone would not do
