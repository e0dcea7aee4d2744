"""Bring the translations in line with docs/glossary.md: one word per key term, each language's punctuation.

Run after filling new messages: python scripts/apply-glossary.py (then pybabel compile). It only
rewrites msgstr texts; tests/test_glossary.py checks that the result holds.
"""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
NBSP = "\u00a0"

#: (pattern, replacement) per language, applied to every msgstr in order.
REPLACE: dict[str, list[tuple[str, str]]] = {
    "fr": [
        (r"bureau d[’']enregistrement", "bureau d’inscription"),
        (r"Bureau d[’']enregistrement", "Bureau d’inscription"),
        (r"guichet d[’']inscription", "bureau d’inscription"),
        (r"Guichet d[’']inscription", "Bureau d’inscription"),
        # French typography: a non-breaking space before : ; ! ? » and after «
        (r" ([:;!?»])", NBSP + r"\1"),
        (r"« ", "«" + NBSP),
    ],
    "zh": [
        (r"注册服务台|注册处", "登记服务台"),
        (r"胸卡", "证件"),
        (r"注册账户", "认证账户"),
        (r"([。！？；：，]) +", r"\1"),  # no space after full-width punctuation
    ],
    "ru": [
        (r"контактного лица", "координатора"),
        (r"контактному лицу", "координатору"),
        (r"контактное лицо", "координатор"),
        (r"Контактное лицо", "Координатор"),
        (r"Контактные лица", "Координаторы"),
        (r"пропусков", "бейджей"),
        (r"пропуске", "бейдже"),
        (r"пропуск(?=\b)", "бейдж"),
    ],
}


def apply(language: str) -> int:
    path = ROOT / "translations" / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as f:
        catalog = read_po(f)
    changed = 0
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        fixed = []
        for text in strings:
            new = text
            for pattern, replacement in REPLACE[language]:
                new = re.sub(pattern, replacement, new)
            changed += new != text
            fixed.append(new)
        message.string = tuple(fixed) if isinstance(message.string, tuple) else fixed[0]
    with path.open("wb") as f:
        write_po(f, catalog, width=76, no_location=True, omit_header=False)
    return changed


if __name__ == "__main__":
    for language in REPLACE:
        print(language, apply(language), "messages changed")
