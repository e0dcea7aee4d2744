"""Names in the order their owners use, composed in one place."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from badges.names import NameStyle, compose, family_first, set_apart

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("title", "given", "family", "badge", "listed", "sentence", "formal"),
    [
        ("Ms.", "Amina", "Diallo", "Ms. Amina DIALLO", "DIALLO, Amina", "Amina Diallo", "Ms. Amina Diallo"),
        ("先生", "小明", "王", "王小明先生", "王小明", "王小明", "王小明先生"),
        ("Mr.", "小明", "王", "Mr. 王小明", "王小明", "王小明", "Mr. 王小明"),
        ("様", "花子", "山田", "山田花子様", "山田花子", "山田花子", "山田花子様"),
        ("", "はなこ", "山田", "山田はなこ", "山田はなこ", "山田はなこ", "山田はなこ"),
        ("대사", "민준", "김", "김민준 대사", "김민준", "김민준", "김민준 대사"),
        ("Dr.", "ليلى", "الحداد", "Dr. ليلى الحداد", "الحداد, ليلى", "ليلى الحداد", "Dr. ليلى الحداد"),
        (
            "",
            "Александр",
            "Пушкин",
            "Александр ПУШКИН",
            "ПУШКИН, Александр",
            "Александр Пушкин",
            "Александр Пушкин",
        ),
        (
            "Ms.",
            "Ελένη",
            "Παπαδοπούλου",
            "Ms. Ελένη ΠΑΠΑΔΟΠΟΥΛΟΥ",
            "ΠΑΠΑΔΟΠΟΥΛΟΥ, Ελένη",
            "Ελένη Παπαδοπούλου",
            "Ms. Ελένη Παπαδοπούλου",
        ),
        (
            "Ms.",
            "Thị Minh Khai",
            "Nguyễn",
            "Ms. Thị Minh Khai NGUYỄN",
            "NGUYỄN, Thị Minh Khai",
            "Thị Minh Khai Nguyễn",
            "Ms. Thị Minh Khai Nguyễn",
        ),
        ("Shri", "राजेश", "शर्मा", "Shri राजेश शर्मा", "शर्मा, राजेश", "राजेश शर्मा", "Shri राजेश शर्मा"),
        (
            "Mr.",
            "Jean-Baptiste",
            "de la Fontaine",
            "Mr. Jean-Baptiste DE LA FONTAINE",
            "DE LA FONTAINE, Jean-Baptiste",
            "Jean-Baptiste de la Fontaine",
            "Mr. Jean-Baptiste de la Fontaine",
        ),
        ("", "", "Suharto", "SUHARTO", "SUHARTO", "Suharto", "Suharto"),
    ],
)
def test_name_order_per_script(
    title: str, given: str, family: str, badge: str, listed: str, sentence: str, formal: str
) -> None:
    assert compose(title, given, family, NameStyle.BADGE) == badge
    assert compose(title, given, family, NameStyle.LIST) == listed
    assert compose(title, given, family, NameStyle.SENTENCE) == sentence
    assert compose(title, given, family, NameStyle.FORMAL) == formal


def test_family_first_only_for_cjk_scripts() -> None:
    assert family_first("小明", "王") and family_first("민준", "김") and family_first("はなこ", "山田")
    assert not family_first("Xiaoming", "Wang") and not family_first("ليلى", "الحداد")


def test_greek_capitals_lose_their_accents() -> None:
    assert set_apart("Παπαδοπούλου") == "ΠΑΠΑΔΟΠΟΥΛΟΥ"
    assert set_apart("Müller") == "MÜLLER"


def test_badge_name_overrides_the_rule_except_in_sorted_lists() -> None:
    args = ("Mr.", "Péter", "Nagy")
    assert compose(*args, NameStyle.BADGE, badge_name="NAGY Péter") == "Mr. NAGY Péter"
    assert compose(*args, NameStyle.SENTENCE, badge_name="NAGY Péter") == "NAGY Péter"
    assert compose(*args, NameStyle.FORMAL, badge_name="NAGY Péter") == "Mr. NAGY Péter"
    assert compose(*args, NameStyle.LIST, badge_name="NAGY Péter") == "NAGY, Péter"
    assert compose("", "  ", " Nagy ", NameStyle.BADGE, badge_name="   ") == "NAGY"
    assert compose("先生", "小明", "王", NameStyle.BADGE, badge_name="WANG Xiaoming") == "WANG Xiaoming 先生"


def test_names_module_does_not_need_flask() -> None:
    tree = ast.parse((ROOT / "badges" / "names.py").read_text())
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not {name for name in imported if name.split(".")[0] in ("flask", "flask_babel", "kiosk")}
