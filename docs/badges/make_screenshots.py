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
from badges.names import NameStyle, compose, usually_family_first  # noqa: E402
from badges.render import BadgeData, BadgeFormat, category_label, render_png  # noqa: E402

OUT = Path(__file__).resolve().parent
PEOPLE = {
    "state_party": (("Ms.", "María José", "Fernández Ortega"), "Chile", "Head of delegation"),
    "state_not_party": (("Mr.", "Jonathan Mwangi", "Otieno"), "Kenya", "Delegate"),
    "united_nations": (
        ("Ms.", "Ingrid", "Johansson"),
        "Office for Disarmament Affairs",
        "Political Affairs Officer",
    ),
    "igo": (
        ("", "Александр Сергеевич", "Пушкин"),
        "Organization for Security and Co-operation in Europe",
        "Adviser",
    ),
    "icrc": (("Mr.", "Jean-Pierre", "Dubois"), "International Committee of the Red Cross", "Legal Adviser"),
    "ngo": (("Ms.", "Aiyana", "Redcloud"), "Cluster Munition Coalition", "Campaigner"),
    "other": (("Mr.", "Tomás", "Ó Briain"), "Geneva Graduate Institute", "Researcher"),
}
SCRIPTS = {
    "arabic": (("", "محمد بن عبد الله", "الهاشمي"), "state_party", "المملكة العربية السعودية", "رئيس الوفد"),
    "mixed-arabic": (("Dr.", "ليلى", "الحداد"), "state_party", "Jordan", "Head of delegation"),
    "chinese": (("先生", "小明", "王"), "state_party", "中华人民共和国", "代表"),
    "long-hyphenated": (
        ("Mr.", "Jean-Baptiste Marie-Christophe", "de La Rochefoucauld-Montbel"),
        "icrc",
        "International Committee of the Red Cross",
        "Legal Adviser",
    ),
    "long-delegation": (
        ("Mr.", "Oliver", "Bennett-Jones"),
        "state_party",
        "United Kingdom of Great Britain and Northern Ireland",
        "Deputy Permanent Representative to the Conference on Disarmament",
    ),
    "vietnamese": (
        ("Ms.", "Thị Minh Khai", "Nguyễn"),
        "state_party",
        "Viet Nam",
        "Deputy Permanent Representative",
    ),
    "hungarian": (("Dr.", "Győző Péter", "Nagy"), "state_party", "Hungary", "Legal Adviser"),
    "long-name": (
        ("", "Hubert Blaine", "Wolfeschlegelsteinhausenbergerdorff Senior of the Very Long Name Family"),
        "ngo",
        "International Campaign to Ban Landmines and Cluster Munition Coalition",
        "Senior Policy Adviser for Humanitarian Disarmament and Arms Control",
    ),
}


def badge(
    code: str, name: tuple[str, str, str], category: str, delegation: str, function: str, language: str = "en"
) -> BadgeData:
    """Return sample badge data, the name composed as the app composes it."""
    return BadgeData(
        event_title="Meeting of States Parties to the Convention on Cluster Munitions",
        event_dates="9–11 September 2024",
        name=compose(*name, NameStyle.BADGE, family_name_first=usually_family_first(*name[1:])),
        delegation=delegation,
        function=function,
        category=category,
        category_label=category_label(category, language),
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
    french = badge(code, ("M.", "Jonathan Mwangi", "Otieno"), "state_not_party", "Kenya", "Délégué", "fr")
    save(render_png(french), OUT / "language-french.png")
    sample = badge(code, *PEOPLE["state_party"][:1], "state_party", *PEOPLE["state_party"][1:])
    save(render_png(sample, BadgeFormat.CARD_PORTRAIT), OUT / "format-card-portrait.png")
    save(render_png(sample, BadgeFormat.A6, dpi=150), OUT / "format-a6.png")


if __name__ == "__main__":
    main()
