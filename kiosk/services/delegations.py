"""Delegations: adding one, and importing a list of them from CSV or XLSX, all rows or none."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import openpyxl
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.models import STATE_CATEGORIES, Category, Delegation, Event
from kiosk.services import countries, live
from kiosk.services.audit import Actor, record
from kiosk.services.auth import reset_delegation_link
from kiosk.services.errors import ImportFailed, ValidationFailed
from kiosk.services.fields import EMAIL_RE, has_unsafe_characters

#: Default import limits (the app passes IMPORT_MAX_BYTES and IMPORT_MAX_ROWS from its settings).
MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 20_000
#: An .xlsx file may unpack to at most this many times the upload limit (a zip-bomb guard).
XLSX_UNPACKED_FACTOR = 10
#: Row errors listed when an import is refused; the count covers them all.
MAX_ROW_ERRORS = 100
#: At most this many characters in one of an organisation's names (as its registered name).
MAX_NAME = 200

#: The organizer form's fields for an organisation's own names (kiosk.services.countries.Names):
#: (part, language) → label. Its registered name is the English name; English, French, Spanish and
#: Russian also write the words that follow "delegation" (article, preposition, genitive).
NAME_FIELDS = {
    ("name", "fr"): _l("Name in French"),
    ("name", "es"): _l("Name in Spanish"),
    ("name", "ru"): _l("Name in Russian"),
    ("name", "zh"): _l("Name in Chinese"),
    ("name", "ar"): _l("Name in Arabic"),
    ("after_delegation", "en"): _l("In English, after the word “delegation”"),
    ("after_delegation", "fr"): _l("In French, after the word “delegation”"),
    ("after_delegation", "es"): _l("In Spanish, after the word “delegation”"),
    ("after_delegation", "ru"): _l("In Russian, after the word “delegation” (genitive)"),
}

COLUMNS = ("name", "category", "country", "cap", "focal_point_name", "focal_point_email")
_CATEGORY_ALIASES = {
    **{c.value: c for c in Category},
    "state party": Category.STATE_PARTY,
    "state not party": Category.STATE_NOT_PARTY,
    "observer state": Category.STATE_NOT_PARTY,
    "un": Category.UNITED_NATIONS,
    "united nations": Category.UNITED_NATIONS,
    "international organization": Category.IGO,
    "regional organization": Category.IGO,
    "intergovernmental organization": Category.IGO,
    "icrc": Category.ICRC,
    "ngo": Category.NGO,
    "non-governmental organization": Category.NGO,
}


def _country_code(value: str) -> str | None:
    return countries.lookup(value) if value else None


def clean_delegation(data: Mapping[str, Any]) -> dict[str, Any]:
    """Validate one delegation's fields; raise ValidationFailed with field errors."""
    errors: dict[str, list[str]] = {}
    raw_name = str(data.get("name") or "")
    name = " ".join(raw_name.split())
    if not name:
        errors["name"] = [_("The delegation's name is required.")]
    elif has_unsafe_characters(raw_name):
        errors["name"] = [_("The delegation's name contains characters that are not allowed.")]
    elif len(name) > 200:
        errors["name"] = [_("The delegation's name is too long (at most 200 characters).")]
    raw_category = str(data.get("category") or "").strip().lower().replace("-", " ").replace("_", " ")
    category = _CATEGORY_ALIASES.get(raw_category) or _CATEGORY_ALIASES.get(raw_category.replace(" ", "_"))
    if category is None:
        errors["category"] = [
            _(
                "Unknown category “%(value)s”; use one of: %(choices)s.",
                value=data.get("category") or "",
                choices=", ".join(c.value for c in Category),
            )
        ]
    raw_country = str(data.get("country") or "").strip()
    country = _country_code(raw_country) if raw_country else None
    if raw_country and country is None:
        errors["country"] = [_("Unknown country “%(value)s”; use an ISO code such as CH.", value=raw_country)]
    if category in STATE_CATEGORIES and country is None and not raw_country:
        country = _country_code(name)
        if country is None:
            errors["country"] = [_("A State needs its ISO country code (e.g. CH).")]
    cap = data.get("cap")
    if cap in (None, ""):
        cap = None
    else:
        try:
            number = float(str(cap).strip())
            if number != int(number) or not 0 <= number <= 1000:
                raise ValueError
            cap = int(number)
        except ValueError:
            errors["cap"] = [_("The cap must be a whole number from 0 to 1000.")]
    if has_unsafe_characters(str(data.get("focal_point_name") or "")):
        errors["focal_point_name"] = [_("The focal point's name contains characters that are not allowed.")]
    email = str(data.get("focal_point_email") or "").strip().lower()
    if email and not EMAIL_RE.match(email):
        errors["focal_point_email"] = [_("Enter an e-mail address such as name@example.org.")]
    if errors:
        raise ValidationFailed(_("Some fields need correcting."), errors)
    return {
        "name": name,
        "category": category,
        "country": country,
        "cap_override": cap,
        "focal_point_name": " ".join(str(data.get("focal_point_name") or "").split())[:200],
        "focal_point_email": email,
    }


def add_delegation(session: Session, event: Event, data: Mapping[str, Any], actor: Actor) -> Delegation:
    """Create one delegation in `event`."""
    values = clean_delegation(data)
    exists = session.execute(
        select(Delegation.id).where(Delegation.event_id == event.id, Delegation.name == values["name"])
    ).first()
    if exists:
        message = _("A delegation named %(name)s already exists.", name=values["name"])
        raise ValidationFailed(message, {"name": [message]})
    delegation = Delegation(event_id=event.id, **values)
    session.add(delegation)
    session.flush()
    record(
        session,
        actor,
        "delegation.create",
        "delegation",
        delegation.id,
        event_id=event.id,
        changes={"name": values["name"], "category": values["category"].value},
    )
    return delegation


def read_rows(
    filename: str, content: bytes, *, max_bytes: int = MAX_BYTES, max_rows: int = MAX_ROWS
) -> list[dict[str, Any]]:
    """Rows of a CSV or XLSX file as dicts keyed by the lower-cased header, within the limits."""
    if len(content) > max_bytes:
        raise ImportFailed(
            _("The file is too large to import: at most %(mb)s MB.", mb=f"{max_bytes / 1024 / 1024:g}")
        )
    lower = filename.lower()
    if lower.endswith(".xlsx"):
        return _xlsx_rows(content, max_bytes, max_rows)
    if lower.endswith(".csv"):
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ImportFailed(_("The CSV file must be saved as UTF-8.")) from None
        header = text.split("\n", 1)[0]
        delimiter = max(",;\t", key=header.count)  # Excel writes ";" in some locales
        reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
        try:
            return list(_normalise_headers(_at_most(reader, max_rows)))
        except csv.Error:
            raise ImportFailed(
                _(
                    "Line %(n)d of the CSV file cannot be read (a field is too long or the file is damaged).",
                    n=reader.line_num + 1,
                )
            ) from None
    raise ImportFailed(_("Upload a .csv or .xlsx file."))


def _at_most(rows: Iterable[Any], max_rows: int) -> Iterator[Any]:
    """The rows, refusing the file as soon as it has more than `max_rows`."""
    for number, row in enumerate(rows, start=1):
        if number > max_rows:
            raise ImportFailed(
                ngettext(
                    "The file has more than %(num)d row; split it into files of at most %(num)d rows.",
                    "The file has more than %(num)d rows; split it into files of at most %(num)d rows.",
                    max_rows,
                )
            )
        yield row


def _normalise_headers(rows: Iterable[Mapping[str | None, Any]]) -> Iterable[dict[str, Any]]:
    for row in rows:
        yield {str(k).strip().lower().replace(" ", "_"): v for k, v in row.items() if k}


def _xlsx_rows(content: bytes, max_bytes: int, max_rows: int) -> list[dict[str, Any]]:
    unreadable = ImportFailed(_("This file is not a readable .xlsx workbook."))
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise unreadable from None
    if unpacked > XLSX_UNPACKED_FACTOR * max_bytes:
        raise ImportFailed(
            _("The file is too large to import: at most %(mb)s MB.", mb=f"{max_bytes / 1024 / 1024:g}")
        )
    # openpyxl parses with defusedxml (a dependency): entity expansion and external entities
    # are refused. A damaged workbook can fail in many ways inside openpyxl; each is the same
    # refusal for the person importing it.
    try:
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        try:
            rows = book.worksheets[0].iter_rows(values_only=True)
            header = next(rows, None)
            if not header:
                return []
            keys = [str(h or "").strip() for h in header]
            result = [
                dict(zip(keys, row, strict=False))
                for row in _at_most((r for r in rows if any(c not in (None, "") for c in r)), max_rows)
            ]
        finally:
            book.close()
    except ImportFailed:
        raise
    except Exception:
        raise unreadable from None
    return list(_normalise_headers(result))


def import_delegations(
    session: Session, event: Event, rows: list[dict[str, Any]], actor: Actor
) -> list[Delegation]:
    """Create every delegation in `rows`, or none: raise ImportFailed listing each bad row."""
    if not rows:
        raise ImportFailed(_("The file has no delegations in it."))
    missing = {"name", "category"} - set(rows[0])
    if missing:
        raise ImportFailed(_("The file needs columns named: %(cols)s.", cols=", ".join(COLUMNS)))
    existing = set(session.execute(select(Delegation.name).where(Delegation.event_id == event.id)).scalars())
    errors: dict[str, list[str]] = {}
    bad_rows = 0
    cleaned = []
    for number, row in enumerate(rows, start=2):
        try:
            values = clean_delegation(row)
        except ValidationFailed as exc:
            problems = [m for messages in exc.errors.values() for m in messages]
        else:
            if values["name"] not in existing:
                existing.add(values["name"])
                cleaned.append(values)
                continue
            problems = [_("A delegation named %(name)s already exists.", name=values["name"])]
        bad_rows += 1
        if len(errors) < MAX_ROW_ERRORS:
            errors[_("Row %(n)d", n=number)] = problems
    if bad_rows:
        detail = ngettext(
            "Nothing was imported: %(num)d row needs correcting.",
            "Nothing was imported: %(num)d rows need correcting.",
            bad_rows,
        )
        if bad_rows > len(errors):
            detail += " " + _("The first %(shown)d are listed.", shown=len(errors))
        raise ImportFailed(detail, errors)
    delegations = [Delegation(event_id=event.id, **values) for values in cleaned]
    session.add_all(delegations)
    session.flush()
    record(
        session,
        actor,
        "delegation.import",
        "event",
        event.id,
        event_id=event.id,
        changes={"count": len(delegations)},
    )
    return delegations


def field_key(part: str, language: str) -> str:
    """The form field (and error key) of one of an organisation's names: "name_fr", "after_delegation_ru"."""
    return f"{part}_{language}"


def clean_names(data: Mapping[str, Mapping[str, Any]]) -> countries.Names:
    """Validate an organisation's own names ({language: {part: text}}, the parts of NAME_FIELDS);
    raise ValidationFailed with one sentence per wrong field (keyed by `field_key`). Blank parts
    are left out."""
    errors: dict[str, list[str]] = {}
    names: countries.Names = {}
    for language, parts in data.items():
        if not set(parts) <= {part for part, known in NAME_FIELDS if known == language}:
            errors[language] = [_("Only the names listed on the form may be given.")]
    for (part, language), label in NAME_FIELDS.items():
        raw = data.get(language, {}).get(part) or ""
        text = " ".join(str(raw).split())
        if has_unsafe_characters(str(raw)):
            errors[field_key(part, language)] = [
                _("“%(field)s” contains characters that are not allowed.", field=label)
            ]
        elif len(text) > MAX_NAME:
            errors[field_key(part, language)] = [
                _("“%(field)s” is too long (at most %(max)d characters).", field=label, max=MAX_NAME)
            ]
        elif text:
            names.setdefault(language, {})[part] = text
    if errors:
        raise ValidationFailed(_("Some fields need correcting."), errors)
    return names


def names_shown(delegation: Delegation) -> countries.Names:
    """An organisation's names as its form shows them: its own, else `organizations.json`'s."""
    shown = countries.default_names(delegation.name)
    for language, parts in (delegation.names or {}).items():
        shown.setdefault(language, {}).update(parts)
    return shown


def set_names(session: Session, delegation: Delegation, data: Mapping[str, Any], actor: Actor) -> Delegation:
    """Set an organisation's own names (audited); what `organizations.json` already says is not kept
    twice, so a correction of that file still reaches every name the secretariat left as it was."""
    if delegation.category in STATE_CATEGORIES:
        message = _("A State is named by its UN names; only an organisation's names can be edited.")
        raise ValidationFailed(message, {"category": [message]})
    given = clean_names(data)
    defaults = countries.default_names(delegation.name)
    names = {
        language: kept
        for language, parts in given.items()
        if (kept := {p: v for p, v in parts.items() if v != defaults.get(language, {}).get(p)})
    }
    old = delegation.names or {}
    if names != old:
        delegation.names = names
        live.touch(session, delegation.event_id)
        record(
            session,
            actor,
            "delegation.names",
            "delegation",
            delegation.id,
            event_id=delegation.event_id,
            changes={
                field_key(part, language): [before, after]
                for part, language in NAME_FIELDS
                if (before := old.get(language, {}).get(part)) != (after := names.get(language, {}).get(part))
            },
        )
    session.flush()
    return delegation


def set_cap_override(session: Session, delegation: Delegation, cap: Any, actor: Actor) -> Delegation:
    """Set a delegation's own cap (empty: the event's default); it may go below the places used."""
    if cap in (None, ""):
        value = None
    else:
        try:
            value = int(str(cap).strip())
            if not 0 <= value <= 1000:
                raise ValueError
        except ValueError:
            message = _("The cap must be a whole number from 0 to 1000.")
            raise ValidationFailed(message, {"cap": [message]}) from None
    old = delegation.cap_override
    if old != value:
        delegation.cap_override = value
        live.touch(session, delegation.event_id)
        record(
            session,
            actor,
            "delegation.cap",
            "delegation",
            delegation.id,
            event_id=delegation.event_id,
            changes={"cap_override": [old, value]},
        )
    session.flush()
    return delegation


def issue_private_link(session: Session, delegation: Delegation, actor: Actor) -> str:
    """Give the delegation a new private link secret (audited); the old link stops working."""
    secret = reset_delegation_link(session, delegation)
    record(session, actor, "delegation.link", "delegation", delegation.id, event_id=delegation.event_id)
    session.flush()
    return secret
