"""Receipts wrapped at word boundaries for the printer's width, in code pages the printer has."""

from __future__ import annotations

import unicodedata

import pytest

from badges.escpos_reader import read, text_rows
from badges.printers import SAFE_CODE_PAGES, receipt_bytes, wrap_columns
from tests.badges.test_printers import make_receipt

WIDE = "WF"


def cells(row: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in WIDE else 1 for c in row)


LINES = [
    ("Latin", "Delegation of the Swiss Confederation to the Conference on Disarmament at Geneva"),
    ("Spanish", "Excma. Sra. María Fernanda GARCÍA DE LA TORRE Y MONTENEGRO-ALCÁZAR"),
    ("Cyrillic", "Г-жа Александра Владимировна Петровна ИВАНОВА-СМИРНОВА-РОЖДЕСТВЕНСКАЯ"),
    ("Greek", "Κα Αικατερίνη ΠΑΠΑΔΟΠΟΥΛΟΥ-ΚΩΝΣΤΑΝΤΙΝΙΔΟΥ της Ελληνικής Δημοκρατίας"),
    ("Arabic", "السيدة ليلى عبد الرحمن الحداد من المملكة الأردنية الهاشمية لدى مؤتمر نزع السلاح"),
    ("CJK", "关于禁止使用、储存、生产和转让杀伤人员地雷及销毁此种地雷的公约缔约国会议"),
    ("Mixed CJK", "王小明 中华人民共和国常驻联合国日内瓦办事处和瑞士其他国际组织代表团"),
]


@pytest.mark.parametrize("columns", [42, 48, 21, 24])
@pytest.mark.parametrize(("script", "line"), LINES)
def test_rows_fit_and_words_stay_whole(script: str, line: str, columns: int) -> None:
    rows = wrap_columns(line, columns)
    assert len(rows) > 1
    assert all(cells(row) <= columns for row in rows)
    words = set(line.split())
    # Rejoined, the rows are the line (a space lost at each break, none between ideographs).
    assert "".join(rows).replace(" ", "") == line.replace(" ", "")
    parts = {part for word in words for part in word.replace("-", "- ").split()}
    for row in rows:  # no word cut: a word of a row is a word of the line, or its part up to a hyphen
        for word in row.split():
            if unicodedata.east_asian_width(word[0]) not in WIDE:
                assert word in words or set(word.replace("-", "- ").split()) <= parts, (script, word)


def test_wide_characters_take_two_columns() -> None:
    assert wrap_columns("王小明王小明", 5) == ["王小", "明王", "小明"]
    assert wrap_columns("Anti-Personnel Mines", 10) == ["Anti-", "Personnel", "Mines"]  # after the hyphen
    assert wrap_columns("Wolfeschlegelstein Sr", 10) == ["Wolfeschle", "gelstein", "Sr"]  # no hyphen: cut
    assert wrap_columns("Switzerland Petrovna", 12) == ["Switzerland", "Petrovna"]


def decoded(payload: bytes) -> list[str]:
    return text_rows(payload)


RECEIPTS = [
    ("Spanish", "Sra. María Fernanda GARCÍA DE LA TORRE", "Confederación Suiza (Switzerland)"),
    ("Russian", "Г-жа Александра Владимировна ПЕТРОВА", "Российская Федерация и Республика Беларусь"),
    ("English", "Mr. Jonathan Mwangi OTIENO-KAMAU", "United Kingdom of Great Britain and Northern Ireland"),
]


@pytest.mark.parametrize(("profile", "columns"), [(None, 42), ("TM-T88V", 42), ("TM-T20II", 48)])
@pytest.mark.parametrize(("language", "name", "delegation"), RECEIPTS)
def test_receipt_bytes_decode_to_whole_words(
    language: str, name: str, delegation: str, profile: str | None, columns: int
) -> None:
    payload = receipt_bytes(
        make_receipt(
            name=name,
            delegation=delegation,
            code=None,
            event_title="Meeting of the States Parties to the Anti-Personnel Mine Ban Convention",
        ),
        profile,
    )
    rows = [row for row in read(payload) if row.image is None and row.text.strip("-")]
    assert not [row for row in read(payload) if row.image is not None]  # all in the printer's own code pages
    for row in rows:
        assert len(row.text) <= (columns // 2 if row.wide else columns)
    text = " ".join(row.text for row in rows)
    for word in (*name.split(), *delegation.split(), "Anti-Personnel"):
        assert word in text.split()  # every word arrives whole, through the code pages chosen
    name_rows = [row.text for row in rows if row.wide]
    assert " ".join(name_rows) == name
    assert len(name_rows) >= 2  # the name is double width: it needs more than one row


@pytest.mark.parametrize(("profile", "as_text"), [(None, False), ("TM-T88IV", False), ("TM-T88V", True)])
def test_vietnamese_is_text_only_where_the_profile_has_tcvn3(profile: str | None, as_text: bool) -> None:
    name = "Bà NGUYỄN Thị Minh Khai"
    payload = receipt_bytes(make_receipt(name=name, code=None), profile)
    assert (name in " ".join(decoded(payload))) is as_text
    assert (b"\x1dv0" in payload) is not as_text  # otherwise a picture
    assert (b"\x1bt\x1e" in payload) is as_text  # ESC t 30: TCVN-3


def test_without_a_profile_only_safe_code_pages_are_selected() -> None:
    from escpos.capabilities import get_profile

    numbers = {
        int(n) for name, n in get_profile("default").get_code_pages().items() if name in SAFE_CODE_PAGES
    }
    payload = receipt_bytes(
        make_receipt(name="Ms. Ζωή ΠΑΠΑΔΟΠΟΥΛΟΥ", delegation="Česká republika — Россия — Ísland", code=None)
    )
    selected = {payload[i + 2] for i in range(len(payload) - 2) if payload[i : i + 2] == b"\x1bt"}
    assert selected and selected <= numbers
    assert "Česká republika — Россия — Ísland" in decoded(payload)  # CP852, CP1252, CP866
    assert not any("Ζωή" in row for row in decoded(payload))  # Greek pages are not safe: a picture
    assert b"\x1dv0" in payload


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "10:00–13:00, Room XIX"),
        ("fr", "10:00–13:00, Room XIX"),
        ("ru", "10:00–13:00, Room XIX"),
        ("zh", "10:00–13:00，Room XIX"),
        ("zh_Hans", "10:00–13:00，Room XIX"),
        ("ar", "10:00–13:00، Room XIX"),
    ],
)
def test_meeting_time_and_room_use_the_language_comma(language: str, expected: str) -> None:
    from kiosk.services.printing import time_and_place

    assert time_and_place("10:00–13:00", "Room XIX", language) == expected
    assert time_and_place("10:00–13:00", None, language) == "10:00–13:00"
