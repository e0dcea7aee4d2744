"""No template, Python module or script formats a date or a time except through `kiosk/services/dates.py`.

What counts as formatting a date for people, and is refused anywhere else:

- Python (`kiosk/`, `badges/`, `scripts/`, `config.py`): `.strftime(`; a format spec with a date
  directive in an f-string or `format()` (`f"{day:%d %b %Y}"`); importing a date formatter from
  Babel or Flask-Babel (`format_date`, `format_datetime`, `format_time`, `format_skeleton`,
  `format_interval`, `format_timedelta`) or using `babel.dates.format_…` by its dotted name.
- Templates (`templates/**/*.html`, `*.txt`): Flask-Babel's filters (`|datetimeformat`,
  `|dateformat`, `|timeformat`, `|timedeltaformat`), `.strftime(` and `.isoformat(` (a page that
  shows a moment uses `format_day`, `format_days`, `format_moment`, `format_meeting` or
  `format_stamp`, all from `dates.py`).
- JavaScript (`static/js/`, not `static/vendor/`): `Intl.DateTimeFormat` and
  `toLocaleString` / `toLocaleDateString` / `toLocaleTimeString`, except in `static/js/clock.js`,
  the browser's one copy of the rules of `dates.py` (the event's zone, the 24-hour clock).

Machine formats are allowed: `.isoformat()` in Python (JSON, the API, the audit log, `<input>`
values), `toISOString()` in JavaScript, RFC 5322 `Date:` headers (`email.utils.format_datetime`).
A line that must write a date for a machine another way (a file name) says so with the comment
`# machine date: <why>`; the test accepts such a line and nothing else.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATES = ROOT / "kiosk" / "services" / "dates.py"
CLOCK_JS = ROOT / "static" / "js" / "clock.js"
MARKER = "# machine date:"

PYTHON_RULES = {
    "strftime": re.compile(r"\.strftime\("),
    "a date directive in a format spec": re.compile(r"\{[^{}\n]*:[^{}\n]*%[aAbBdHIjmMpSyYzZ]"),
    "a Babel date formatter": re.compile(
        r"from\s+(babel\.dates|flask_babel)\s+import\s+[^\n]*\bformat_(date|datetime|time|skeleton|interval|timedelta)\b"
        r"|\bbabel\.dates\.format_\w+"
    ),
}
TEMPLATE_RULES = {
    "a Flask-Babel date filter": re.compile(r"\|\s*(datetimeformat|dateformat|timeformat|timedeltaformat)\b"),
    "strftime": re.compile(r"\.strftime\("),
    "isoformat on a page": re.compile(r"\.isoformat\("),
}
JS_RULES = {
    "Intl.DateTimeFormat": re.compile(r"\bIntl\.DateTimeFormat\b"),
    "toLocale…String": re.compile(r"\.toLocale(Date|Time)?String\("),
}


def _python_files() -> list[Path]:
    files = [*ROOT.glob("kiosk/**/*.py"), *ROOT.glob("badges/**/*.py"), *ROOT.glob("scripts/*.py")]
    return [*files, ROOT / "config.py"]


def _offences(paths: list[Path], rules: dict[str, re.Pattern[str]], skip: Path | None) -> list[str]:
    found = []
    for path in paths:
        if path == skip:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if MARKER in line:
                continue
            for what, pattern in rules.items():
                if pattern.search(line):
                    shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
                    found.append(f"{shown}:{number}: {what}: {line.strip()}")
    return found


def test_python_formats_dates_only_in_dates_py():
    assert _offences(_python_files(), PYTHON_RULES, DATES) == []


def test_templates_format_dates_only_through_dates_py():
    templates = [*ROOT.glob("templates/**/*.html"), *ROOT.glob("templates/**/*.txt")]
    assert templates
    assert _offences(templates, TEMPLATE_RULES, None) == []


def test_javascript_formats_times_only_in_clock_js():
    scripts = list((ROOT / "static" / "js").glob("**/*.js"))
    assert CLOCK_JS in scripts
    assert _offences(scripts, JS_RULES, CLOCK_JS) == []


def test_the_rules_catch_what_they_are_meant_to_catch(tmp_path):
    """Each rule finds its example and leaves machine formats alone (the check can fail)."""
    bad_python = tmp_path / "bad.py"
    bad_python.write_text(
        'a = when.strftime("%d.%m.%Y")\n'
        'b = f"{event.starts_on:%d %b %Y}"\n'
        "from flask_babel import format_datetime, gettext\n"
        "c = babel.dates.format_date(day)\n"
        "d = moment.isoformat()\n"
        'e = f"{count:>5}"\n'
        f'f = now.strftime("%Y%m%d")  {MARKER} a file name\n',
        encoding="utf-8",
    )
    found = _offences([bad_python], PYTHON_RULES, None)
    assert [line.split(":")[1] for line in found] == ["1", "2", "3", "4"]
    bad_template = tmp_path / "bad.html"
    bad_template.write_text(
        "{{ job.finished_at|datetimeformat('short') }}\n{{ day.isoformat() }}\n{{ format_stamp(x) }}\n",
        encoding="utf-8",
    )
    assert len(_offences([bad_template], TEMPLATE_RULES, None)) == 2
    bad_js = tmp_path / "bad.js"
    bad_js.write_text(
        "new Intl.DateTimeFormat('en');\nd.toLocaleString();\nd.toISOString();\n", encoding="utf-8"
    )
    assert len(_offences([bad_js], JS_RULES, None)) == 2
