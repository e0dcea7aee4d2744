"""Dates and times as people read them: in the locale's own formats, in the event's time zone.

Each language's CLDR formats decide the order, the month's form and the separators of a day or a
moment ("2024年6月18日", "18 يونيو 2024", "18 июня 2024 г."); spans of days follow the UN documents
of each language (`SPANS`). English follows UN editorial style, the British one ("18–20 June 2024",
"09:00"). Nothing outside this module formats a date or a time.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_interval, format_skeleton, get_timezone_name
from flask_babel import get_locale, get_timezone

#: The CLDR locale whose formats each page language uses (UN English is British English).
FORMAT_LOCALES = {"en": "en_GB"}


def _locale(locale: str | Locale | None) -> Locale:
    if locale is None:
        current = get_locale()
        locale = current.language if current else "en"
    language = str(locale).split("_")[0]
    return Locale.parse(FORMAT_LOCALES.get(language, str(locale)))


#: Month names as UN documents of a language write them where CLDR's differ: UN Arabic gives the
#: Syriac name and the European one ("كانون الأول/ديسمبر"), the form of the Arabic translation
#: service's documents (A/…, CD/…), not CLDR's "ديسمبر".
MONTHS: dict[str, tuple[str, ...]] = {
    "ar": ("كانون الثاني/يناير", "شباط/فبراير", "آذار/مارس", "نيسان/أبريل", "أيار/مايو",
           "حزيران/يونيه", "تموز/يوليه", "آب/أغسطس", "أيلول/سبتمبر", "تشرين الأول/أكتوبر",
           "تشرين الثاني/نوفمبر", "كانون الأول/ديسمبر"),
}  # fmt: skip

#: Where a day's weekday goes: after the date in Chinese, with no comma in French.
WEEKDAY = {"zh": "{date}{weekday}", "fr": "{weekday} {date}", "ar": "{weekday}، {date}"}


def _month(loc: Locale, month: int) -> str:
    names = MONTHS.get(loc.language)
    return names[month - 1] if names else loc.months["format"]["wide"][month]


def _day(day: date, loc: Locale, weekday: bool) -> str:
    """One day as the language's UN documents write it, with its weekday if asked."""
    text = format_days(day, day, loc) if loc.language in SPANS else format_date(day, "long", locale=loc)
    if not weekday:
        return text
    name = loc.days["format"]["wide"][day.weekday()]
    return WEEKDAY.get(loc.language, "{weekday}, {date}").format(weekday=name, date=text)


def format_day(day: date, locale: str | Locale | None = None, *, weekday: bool = False) -> str:
    """One day, e.g. "18 June 2024", "1er juin 2024", "6 كانون الأول/ديسمبر 2026", "6 декабря 2026 года"
    (with `weekday`: "Tuesday, 18 June 2024")."""
    return _day(day, _locale(locale), weekday)


#: How each language's UN documents write a span of days: one day, the same month, across months,
#: across years. {d} is the day ("1er" in French), {m} the month's name in the date's grammatical
#: case (Russian genitive "июня"), {n} its number, {y} the year; 1 is the first day, 2 the last.
#: Fixed here rather than taken from CLDR's interval formats, which change between Babel releases
#: ("2024年六月18日 – 20日" in CLDR 47) and never match UN Chinese ("至") or Spanish ("a").
SPANS: dict[str, tuple[str, str, str, str]] = {
    "en": ("{d1} {m1} {y1}", "{d1}–{d2} {m2} {y2}", "{d1} {m1}–{d2} {m2} {y2}",
           "{d1} {m1} {y1}–{d2} {m2} {y2}"),
    "fr": ("{d1} {m1} {y1}", "{d1}–{d2} {m2} {y2}", "{d1} {m1}–{d2} {m2} {y2}",
           "{d1} {m1} {y1}–{d2} {m2} {y2}"),
    "es": ("{d1} de {m1} de {y1}", "{d1} a {d2} de {m2} de {y2}", "{d1} de {m1} a {d2} de {m2} de {y2}",
           "{d1} de {m1} de {y1} a {d2} de {m2} de {y2}"),
    "ru": ("{d1} {m1} {y1} года", "{d1}–{d2} {m2} {y2} года", "{d1} {m1} – {d2} {m2} {y2} года",
           "{d1} {m1} {y1} года – {d2} {m2} {y2} года"),
    "zh": ("{y1}年{n1}月{d1}日", "{y1}年{n1}月{d1}日至{d2}日", "{y1}年{n1}月{d1}日至{n2}月{d2}日",
           "{y1}年{n1}月{d1}日至{y2}年{n2}月{d2}日"),
    "ar": ("{d1} {m1} {y1}", "{d1}–{d2} {m2} {y2}", "{d1} {m1} – {d2} {m2} {y2}",
           "{d1} {m1} {y1} – {d2} {m2} {y2}"),
}  # fmt: skip


#: Hours of a meeting, on the 24-hour clock: an en dash, "至" in Chinese (CLDR's own interval
#: changes between releases: an em dash in Russian since CLDR 47).
HOURS = {"zh": "{0}至{1}"}


def format_days(start: date, end: date, locale: str | Locale | None = None) -> str:
    """A span of days as UN documents write it, e.g. "18–20 June 2024", "2024年6月18日至20日"."""
    loc = _locale(locale)
    spans = SPANS.get(loc.language)
    if spans is None:  # a language the product does not offer: CLDR's own interval
        return format_interval(start, end, "yMMMMd", locale=loc)
    pattern = spans[
        0 if start == end
        else 1 if (start.year, start.month) == (end.year, end.month)
        else 2 if start.year == end.year
        else 3
    ]  # fmt: skip
    fields = {}
    for n, day in (("1", start), ("2", end)):
        first = loc.language == "fr" and day.day == 1
        fields |= {"d" + n: "1er" if first else str(day.day), "m" + n: _month(loc, day.month),
                   "n" + n: str(day.month), "y" + n: str(day.year)}  # fmt: skip
    return pattern.format(**fields)


def _with_zone(text: str, moment: datetime, tz: ZoneInfo, loc: Locale) -> str:
    """`text` followed by the zone's name in brackets (full-width ones in Chinese)."""
    name = get_timezone_name(moment.astimezone(tz), "long", locale=loc)
    return f"{text}（{name}）" if loc.language == "zh" else f"{text} ({name})"


def format_moment(
    moment: datetime,
    tz: ZoneInfo,
    locale: str | None = None,
    *,
    weekday: bool = False,
    zone: bool = True,
    seconds: bool = False,
) -> str:
    """A moment in the zone `tz`, e.g. "Friday, 11 November 2022, 23:59 (Central European Time)".

    `seconds` adds them ("23:59:07"), for records where the order of events matters (door scans).
    """
    loc = _locale(locale)
    local = moment.astimezone(tz)
    day = _day(local.date(), loc, weekday)
    time = format_skeleton("Hms" if seconds else "Hm", local, tzinfo=tz, locale=loc)
    text = (loc.datetime_formats["long"] or "{1} {0}").replace("{1}", day).replace("{0}", time)
    text = text.replace("'", "")
    return _with_zone(text, moment, tz, loc) if zone else text


def format_meeting(starts: datetime, ends: datetime, tz: ZoneInfo, locale: str | None = None) -> str:
    """A meeting's day and hours with the zone, e.g. "Thursday, 20 June 2024, 15:00–18:00 (…)"."""
    loc = _locale(locale)
    start, end = starts.astimezone(tz), ends.astimezone(tz)
    if start.date() != end.date():
        return f"{format_moment(starts, tz, locale, zone=False)} – {format_moment(ends, tz, locale)}"
    day = _day(start.date(), loc, True)
    hours = HOURS.get(loc.language, "{0}–{1}").format(
        format_clock(starts, tz, loc), format_clock(ends, tz, loc)
    )
    text = (loc.datetime_formats["long"] or "{1} {0}").replace("{1}", day).replace("{0}", hours)
    text = text.replace("'", "")
    return _with_zone(text, starts, tz, loc)


def format_clock(moment: datetime, tz: ZoneInfo, locale: str | Locale | None = None) -> str:
    """The time of day on the 24-hour clock, e.g. "09:00" (Arabic's short time would be 12-hour)."""
    return format_skeleton("Hm", moment.astimezone(tz), tzinfo=tz, locale=_locale(locale))


def format_stamp(
    moment: datetime, tz: ZoneInfo | None = None, locale: str | None = None, *, seconds: bool = False
) -> str:
    """When something happened, for a table: "6 December 2026, 14:58" on the 24-hour clock in `tz`
    (default: the application's zone), never "12/6/26, 3:00 PM", which Geneva reads as 12 June."""
    loc = _locale(locale)
    tz = tz or ZoneInfo(str(get_timezone()))
    local = moment.astimezone(tz)
    time = format_skeleton("Hms" if seconds else "Hm", local, tzinfo=tz, locale=loc)
    text = (loc.datetime_formats["long"] or "{1} {0}").replace("{1}", _day(local.date(), loc, False))
    return text.replace("{0}", time).replace("'", "")


def machine_moment(moment: datetime, tz: ZoneInfo) -> str:
    """A moment for programs and spreadsheets in the zone `tz`: ISO 8601, "2024-06-18 09:15:02"."""
    return moment.astimezone(tz).isoformat(" ", "seconds")[:19]


def input_moment(moment: datetime, tz: ZoneInfo) -> str:
    """A moment as a form field's value in the zone `tz` (ISO 8601 to the minute): "2024-06-18 09:00"."""
    return machine_moment(moment, tz)[:16]
