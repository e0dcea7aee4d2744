"""Dates and times in each language's own formats, in the event's time zone, with the zone named."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from kiosk.services import dates

GENEVA = ZoneInfo("Europe/Zurich")
#: Friday 11 November 2022, 23:59 in Geneva (the deadline of a seed letter).
DEADLINE = datetime(2022, 11, 11, 22, 59, tzinfo=UTC)


@pytest.mark.parametrize(
    "locale, expected",
    [
        ("en", "Friday, 11 November 2022, 23:59 (Central European Standard Time)"),
        ("fr", "vendredi 11 novembre 2022, 23:59 (heure normale d’Europe centrale)"),
        ("es", "viernes, 11 de noviembre de 2022, 23:59 (hora estándar de Europa central)"),
        ("zh", "2022年11月11日星期五 23:59（中欧标准时间）"),
        ("ar", "الجمعة، 11 تشرين الثاني/نوفمبر 2022، 23:59 (توقيت وسط أوروبا الرسمي)"),
    ],
)
def test_a_deadline_in_the_event_zone_with_the_zone_named(locale, expected):
    assert dates.format_moment(DEADLINE, GENEVA, locale, weekday=True) == expected


def test_no_latin_comma_in_arabic_and_no_mixed_month_in_chinese():
    arabic = dates.format_moment(DEADLINE, GENEVA, "ar", weekday=True)
    assert "," not in arabic and "،" in arabic
    chinese = dates.format_days(date(2024, 6, 18), date(2024, 6, 20), "zh")
    assert chinese == "2024年6月18日至20日"
    assert "六月" not in chinese


#: Spans of days as the UN's documents in each language print them (cover pages and letters).
SPANS = [
    # one day, same month, across months, across years
    ("en", "18 June 2024", "18–20 June 2024", "30 June–2 July 2024", "28 December 2024–3 January 2025"),
    ("fr", "18 juin 2024", "18–20 juin 2024", "30 juin–2 juillet 2024", "28 décembre 2024–3 janvier 2025"),
    ("es", "18 de junio de 2024", "18 a 20 de junio de 2024", "30 de junio a 2 de julio de 2024",
     "28 de diciembre de 2024 a 3 de enero de 2025"),
    ("ru", "18 июня 2024 года", "18–20 июня 2024 года", "30 июня – 2 июля 2024 года",
     "28 декабря 2024 года – 3 января 2025 года"),
    ("zh", "2024年6月18日", "2024年6月18日至20日", "2024年6月30日至7月2日", "2024年12月28日至2025年1月3日"),
    ("ar", "18 حزيران/يونيه 2024", "18–20 حزيران/يونيه 2024", "30 حزيران/يونيه – 2 تموز/يوليه 2024",
     "28 كانون الأول/ديسمبر 2024 – 3 كانون الثاني/يناير 2025"),
]  # fmt: skip


@pytest.mark.parametrize("locale, one_day, same_month, across_months, across_years", SPANS)
def test_spans_of_days_as_un_documents_write_them(locale, one_day, same_month, across_months, across_years):
    assert dates.format_days(date(2024, 6, 18), date(2024, 6, 18), locale) == one_day
    assert dates.format_days(date(2024, 6, 18), date(2024, 6, 20), locale) == same_month
    assert dates.format_days(date(2024, 6, 30), date(2024, 7, 2), locale) == across_months
    assert dates.format_days(date(2024, 12, 28), date(2025, 1, 3), locale) == across_years


def test_the_first_of_the_month_is_1er_in_french_only():
    assert dates.format_days(date(2024, 11, 1), date(2024, 11, 3), "fr") == "1er–3 novembre 2024"
    assert dates.format_days(date(2024, 10, 31), date(2024, 11, 1), "fr") == "31 octobre–1er novembre 2024"
    assert dates.format_days(date(2024, 11, 1), date(2024, 11, 3), "en") == "1–3 November 2024"


def test_the_event_zone_decides_the_day_not_the_server():
    moment = datetime(2024, 6, 18, 23, 30, tzinfo=UTC)  # already 19 June in Geneva
    assert dates.format_moment(moment, GENEVA, "en").startswith("19 June 2024, 01:30")
    assert dates.format_moment(moment, ZoneInfo("America/New_York"), "en").startswith("18 June 2024, 19:30")


def test_a_meeting_with_its_hours_and_zone():
    starts = datetime(2024, 6, 20, 13, 0, tzinfo=UTC)
    ends = datetime(2024, 6, 20, 16, 0, tzinfo=UTC)
    assert dates.format_meeting(starts, ends, GENEVA, "en") == (
        "Thursday, 20 June 2024, 15:00–18:00 (Central European Summer Time)"
    )
    assert dates.format_meeting(starts, ends, GENEVA, "ru") == (
        "четверг, 20 июня 2024 года, 15:00–18:00 (Центральная Европа, летнее время)"
    )
    chinese = dates.format_meeting(starts, ends, GENEVA, "zh")
    assert chinese == "2024年6月20日星期四 15:00至18:00（中欧夏令时间）"


@pytest.mark.parametrize("locale", ["en", "fr", "es", "ru", "zh", "ar"])
def test_a_time_of_day_is_on_the_24_hour_clock_in_every_language(locale):
    moment = datetime(2026, 11, 24, 21, 4, tzinfo=UTC)  # 22:04 in Geneva
    assert dates.format_clock(moment, GENEVA, locale) == "22:04"


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en", "6 December 2026, 15:00:07"),
        ("fr", "6 décembre 2026, 15:00:07"),
        ("es", "6 de diciembre de 2026, 15:00:07"),
        ("ru", "6 декабря 2026 года, 15:00:07"),
        ("zh", "2026年12月6日 15:00:07"),
        ("ar", "6 كانون الأول/ديسمبر 2026، 15:00:07"),
    ],
)
def test_a_stamp_for_tables_reads_the_same_in_geneva_as_anywhere(locale, expected):
    """Never "12/6/26, 3:00 PM" (12 June to a reader in Geneva): the day spelled out, 24-hour clock."""
    moment = datetime(2026, 12, 6, 14, 0, 7, tzinfo=UTC)  # 15:00:07 in Geneva
    assert dates.format_stamp(moment, GENEVA, locale, seconds=True) == expected
    assert dates.format_stamp(moment, GENEVA, locale) == expected[:-3]
