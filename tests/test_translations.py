"""The message catalogues: complete in the five languages, and each passes GNU msgfmt's checks."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent / "translations"
CATALOGUES = sorted(ROOT.glob("*/LC_MESSAGES/messages.po"))
LANGUAGES = [p.parent.parent.name for p in CATALOGUES]


def test_the_five_catalogues_are_there():
    assert sorted(LANGUAGES) == ["ar", "es", "fr", "ru", "zh"]


@pytest.mark.parametrize("po", CATALOGUES, ids=LANGUAGES)
def test_msgfmt_check_passes(po):
    """Format arguments match in every form of every plural (msgfmt -c), headers are valid."""
    result = subprocess.run(
        ["msgfmt", "-c", "--statistics", "-o", "/dev/null", str(po)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert re.search(r"^\d+ translated messages\.$", result.stderr.strip().splitlines()[-1]), result.stderr


@pytest.mark.parametrize("po", CATALOGUES, ids=LANGUAGES)
def test_no_entry_is_untranslated_or_fuzzy(po):
    with po.open("rb") as f:
        catalog = read_po(f)
    missing = [
        message.id
        for message in catalog
        if message.id
        and (
            not message.string
            or (isinstance(message.string, tuple) and not all(message.string))
            or message.fuzzy
        )
    ]
    assert missing == []


@pytest.mark.parametrize("po", CATALOGUES, ids=LANGUAGES)
def test_babel_checks_find_nothing(po):
    """Babel's own checks (placeholders of python-format strings) agree with msgfmt."""
    with po.open("rb") as f:
        catalog = read_po(f)
    problems = [(message.id, [str(e) for e in errors]) for message, errors in catalog.check()]
    assert problems == []
