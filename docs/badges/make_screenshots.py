"""Render the sample badges in docs/badges: .venv/bin/python docs/badges/make_screenshots.py."""

from __future__ import annotations

import io
import sys
from datetime import UTC, datetime
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402

from badges.codes import CodeKind, CodePayload, sign  # noqa: E402
from badges.render import CATEGORY_LABELS, BadgeData, BadgeFormat, render_png  # noqa: E402

OUT = Path(__file__).resolve().parent
PEOPLE = {
    "state_party": ("María José Fernández Ortega", "Chile", "Head of delegation"),
    "state_not_party": ("Jonathan Mwangi Otieno", "Kenya", "Delegate"),
    "united_nations": (
        "Ingrid Johansson",
        "Office for Disarmament Affairs",
        "Political Affairs Officer",
    ),
    "igo": (
        "Александр Сергеевич Пушкин",
        "Organization for Security and Co-operation in Europe",
        "Adviser",
    ),
    "icrc": ("Jean-Pierre Dubois", "International Committee of the Red Cross", "Legal Adviser"),
    "ngo": ("Aiyana Redcloud", "Cluster Munition Coalition", "Campaigner"),
    "other": ("Tomás Ó Briain", "Geneva Graduate Institute", "Researcher"),
}
SCRIPTS = {
    "arabic": ("محمد بن عبد الله الهاشمي", "state_party", "المملكة العربية السعودية", "رئيس الوفد"),
    "chinese": ("王小明", "state_party", "中华人民共和国", "代表"),
    "long_name": (
        "Hubert Blaine Wolfeschlegelsteinhausenbergerdorff Senior of the Very Long Name Family",
        "ngo",
        "International Campaign to Ban Landmines and Cluster Munition Coalition",
        "Senior Policy Adviser for Humanitarian Disarmament and Arms Control",
    ),
}


def badge(code: str, name: str, category: str, delegation: str, function: str) -> BadgeData:
    """Return sample badge data."""
    return BadgeData(
        event_title="Meeting of States Parties to the Convention on Cluster Munitions",
        event_dates="9–11 September 2024",
        name=name,
        delegation=delegation,
        function=function,
        category=category,
        category_label=CATEGORY_LABELS[category],
        badge_number="B-004242",
        code=code,
        venue="Palais des Nations, Geneva",
    )


def save(png: bytes, path: Path) -> None:
    """Write a PNG reduced to a 64-colour palette so each file stays small."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    small = image.quantize(colors=64, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    small.save(path, "PNG", optimize=True)
    print(f"{path.relative_to(ROOT)}: {path.stat().st_size // 1024} KB")


def main() -> None:
    """Render every sample badge into docs/badges."""
    pem = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))  # fixed: stable pictures
    payload = CodePayload(
        CodeKind.BADGE,
        1,
        4242,
        1,
        datetime(2024, 9, 1, tzinfo=UTC),
        datetime(2024, 9, 30, tzinfo=UTC),
        1,
    )
    code = sign(payload, pem)
    for category, (name, delegation, function) in PEOPLE.items():
        data = badge(code, name, category, delegation, function)
        save(render_png(data), OUT / f"category-{category.replace('_', '-')}.png")
    for label, (name, category, delegation, function) in SCRIPTS.items():
        data = badge(code, name, category, delegation, function)
        save(render_png(data), OUT / f"name-{label.replace('_', '-')}.png")
    sample = badge(code, *PEOPLE["state_party"][:1], "state_party", *PEOPLE["state_party"][1:])
    save(render_png(sample, BadgeFormat.CARD_PORTRAIT), OUT / "format-card-portrait.png")
    save(render_png(sample, BadgeFormat.A6, dpi=150), OUT / "format-a6.png")


if __name__ == "__main__":
    main()
