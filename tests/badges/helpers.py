"""Shared builders for the badges tests."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime
from pathlib import Path

from PIL import Image

from badges.codes import CodeKind, CodePayload, generate_key, sign
from badges.render import CATEGORY_LABELS, BadgeData

KEY_PEM, PUBLIC_KEY = generate_key()
PUBLIC_KEYS = {1: PUBLIC_KEY}
NOW = datetime(2024, 9, 10, 9, 0, tzinfo=UTC)
CODE = sign(
    CodePayload(
        kind=CodeKind.BADGE,
        event_id=7,
        participant_id=4242,
        serial=1,
        valid_from=datetime(2024, 9, 1, tzinfo=UTC),
        valid_until=datetime(2024, 9, 30, tzinfo=UTC),
        key_id=1,
    ),
    KEY_PEM,
)


def make_badge(**overrides: object) -> BadgeData:
    """Return badge data for a state party delegate, with overrides applied."""
    category = str(overrides.get("category", "state_party"))
    values: dict[str, object] = {
        "event_title": "Meeting of States Parties to the Convention on Cluster Munitions",
        "event_dates": "9–11 September 2024",
        "name": "María José Fernández Ortega",
        "delegation": "Chile",
        "function": "Head of delegation",
        "category": category,
        "category_label": CATEGORY_LABELS[category],
        "badge_number": "B-004242",
        "code": CODE,
        "photo": None,
        "venue": "Palais des Nations, Geneva",
    }
    values.update(overrides)
    return BadgeData(**values)  # type: ignore[arg-type]


def rasterise(pdf: Path, dpi: int = 300) -> Image.Image:
    """Return the first page of a PDF file rendered by poppler's pdftoppm at dpi."""
    out_root = pdf.with_suffix("")
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-png", "-singlefile", str(pdf), str(out_root)],
        check=True,
        capture_output=True,
    )
    with Image.open(out_root.with_suffix(".png")) as image:
        image.load()
        return image.copy()
