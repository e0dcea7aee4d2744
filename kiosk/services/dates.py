"""Dates and times as people read them: in the locale's own formats, in the event's time zone.

No fixed pattern such as 'd MMMM y' is used anywhere: each language's CLDR formats decide the
order, the month's form and the separators ("2024年6月18日", "18 يونيو 2024", "18 июня 2024 г.").
English follows UN editorial style, the British one ("18–20 June 2024", "09:00").
"""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import (
    format_date,
    format_interval,
    format_skeleton,
    get_timezone_name,
    match_skeleton,
    parse_pattern,
)
from flask_babel import get_locale

#: The CLDR locale whose formats each page language uses (UN English is British English).
FORMAT_LOCALES = {"en": "en_GB"}
_SHORT_MONTH = re.compile(r"(?<![ML])([ML])\1\1(?![ML])")


def _locale(locale: str | Locale | None) -> Locale:
    if locale is None:
        current = get_locale()
        locale = current.language if current else "en"
    language = str(locale).split("_")[0]
    return Locale.parse(FORMAT_LOCALES.get(language, str(locale)))


def format_day(day: date, locale: str | None = None, *, weekday: bool = False) -> str:
    """One day, e.g. "18 June 2024" (with `weekday`: "Tuesday, 18 June 2024")."""
    return format_date(day, "full" if weekday else "long", locale=_locale(locale))


def format_days(start: date, end: date, locale: str | None = None) -> str:
    """A span of days with the month written out, e.g. "18–20 June 2024", "2024年6月18日至20日"."""
    loc = _locale(locale)
    if start == end:
        return format_date(start, "long", locale=loc)
    if "yMMMMd" in loc.interval_formats:
        return format_interval(start, end, "yMMMMd", locale=loc)
    skeleton = match_skeleton("yMMMd", loc.interval_formats)
    field = "y" if start.year != end.year else "M" if start.month != end.month else "d"
    parts = loc.interval_formats.get(skeleton, {}).get(field) if skeleton else None
    if not parts:
        return format_interval(start, end, "yMMMMd", locale=loc)
    return "".join(
        parse_pattern(_SHORT_MONTH.sub(r"\1\1\1\1", pattern)).apply(day, loc)
        for pattern, day in zip(parts, (start, end), strict=True)
    )


def _with_zone(text: str, moment: datetime, tz: ZoneInfo, loc: Locale) -> str:
    """`text` followed by the zone's name in brackets (full-width ones in Chinese)."""
    name = get_timezone_name(moment.astimezone(tz), "long", locale=loc)
    return f"{text}（{name}）" if loc.language == "zh" else f"{text} ({name})"


def format_moment(
    moment: datetime, tz: ZoneInfo, locale: str | None = None, *, weekday: bool = False, zone: bool = True
) -> str:
    """A moment in the zone `tz`, e.g. "Friday, 11 November 2022, 23:59 (Central European Time)"."""
    loc = _locale(locale)
    local = moment.astimezone(tz)
    day = format_date(local.date(), "full" if weekday else "long", locale=loc)
    time = format_skeleton("Hm", local, tzinfo=tz, locale=loc)
    text = (loc.datetime_formats["long"] or "{1} {0}").replace("{1}", day).replace("{0}", time)
    text = text.replace("'", "")
    return _with_zone(text, moment, tz, loc) if zone else text


def format_meeting(starts: datetime, ends: datetime, tz: ZoneInfo, locale: str | None = None) -> str:
    """A meeting's day and hours with the zone, e.g. "Thursday, 20 June 2024, 15:00–18:00 (…)"."""
    loc = _locale(locale)
    start, end = starts.astimezone(tz), ends.astimezone(tz)
    if start.date() != end.date():
        return f"{format_moment(starts, tz, locale, zone=False)} – {format_moment(ends, tz, locale)}"
    day = format_date(start.date(), "full", locale=loc)
    hours = format_interval(start.timetz(), end.timetz(), "Hm", tzinfo=tz, locale=loc)
    text = (loc.datetime_formats["long"] or "{1} {0}").replace("{1}", day).replace("{0}", hours)
    text = text.replace("'", "")
    return _with_zone(text, starts, tz, loc)


def format_clock(moment: datetime, tz: ZoneInfo, locale: str | None = None) -> str:
    """The time of day on the 24-hour clock, e.g. "09:00" (Arabic's short time would be 12-hour)."""
    return format_skeleton("Hm", moment.astimezone(tz), tzinfo=tz, locale=_locale(locale))
