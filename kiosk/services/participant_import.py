"""Importing participants from the lists missions send (CSV or XLSX): all rows or none.

The file's columns are matched to participant fields (guessed from their headers in English,
French or Spanish, and corrected by the organizer on the preview); each row is registered through
`registration.add_participant`, so the cap, duplicates and field rules hold exactly as for a
focal point. A row that breaks a rule is listed with its reason and nothing is imported.
"""

from __future__ import annotations

import secrets
import time
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.models import Delegation, Event, Mode, Participant, Status
from kiosk.models.participant import holds_a_place
from kiosk.services import countries, registration
from kiosk.services.audit import Actor, record
from kiosk.services.delegations import read_rows
from kiosk.services.errors import DelegationFull, DomainError, ImportFailed, ValidationFailed
from kiosk.services.fields import clean_participant

#: The fields a column can fill, in the order the preview shows them.
FIELDS = (
    "delegation",
    "title",
    "given_name",
    "family_name",
    "family_name_first",
    "function",
    "gender",
    "email",
    "mode",
    "language",
)
SYNONYMS = {
    "delegation": (
        "delegation",
        "delegacion",
        "country",
        "pays",
        "pais",
        "organization",
        "organisation",
        "mission",
    ),
    "title": ("title", "titre", "titulo", "salutation", "civilite"),
    "given_name": (
        "given_name",
        "first_name",
        "firstname",
        "given",
        "forename",
        "prenom",
        "nombre",
        "name_first",
    ),
    "family_name": (
        "family_name",
        "last_name",
        "lastname",
        "surname",
        "family",
        "nom",
        "nom_de_famille",
        "apellido",
    ),
    "family_name_first": (
        "family_name_first",
        "family_first",
        "name_order",
        "nom_en_premier",
        "nom_de_famille_en_premier",
        "apellido_primero",
    ),
    "function": ("function", "fonction", "funcion", "position", "role", "cargo", "designation", "poste"),
    "gender": ("gender", "sex", "sexe", "genre", "genero", "sexo"),
    "email": ("email", "e-mail", "e_mail", "mail", "courriel", "correo", "email_address"),
    "mode": ("mode", "participation", "attendance", "modalite", "modalidad"),
    "language": ("language", "langue", "idioma", "lang"),
}
GENDER_WORDS = {
    "female": (
        "f",
        "female",
        "woman",
        "women",
        "w",
        "femme",
        "féminin",
        "feminin",
        "mujer",
        "femenino",
        "ms",
        "mrs",
        "mme",
    ),
    "male": ("m", "male", "man", "men", "homme", "masculin", "h", "hombre", "masculino", "mr", "m."),
    "other": ("other", "autre", "otro", "x"),
    "undisclosed": ("undisclosed", "prefer not to say", "non précisé", "", "n/a"),
}
MODE_WORDS = {
    "in_person": (
        "in_person",
        "in person",
        "on site",
        "onsite",
        "présentiel",
        "en présentiel",
        "sur place",
        "presencial",
    ),
    "online": ("online", "en ligne", "virtual", "remote", "à distance", "distance", "en línea"),
}
LANGUAGE_WORDS = {
    "en": ("en", "english", "anglais", "inglés"),
    "fr": ("fr", "french", "français", "francais", "francés"),
    "es": ("es", "spanish", "espagnol", "español"),
    "ar": ("ar", "arabic", "arabe", "árabe", "العربية"),
    "zh": ("zh", "chinese", "chinois", "chino", "中文"),
    "ru": ("ru", "russian", "russe", "ruso", "русский"),
}
PREVIEW_ROWS = 5
#: Uploaded files wait this long for the organizer to confirm the import.
UPLOAD_LIFETIME = 24 * 3600


def _plain(text: Any) -> str:
    decomposed = unicodedata.normalize("NFKD", str(text or "").strip().casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).replace(" ", "_")


def guess_mapping(columns: list[str]) -> dict[str, str]:
    """For each field, the file's column that most likely holds it ("" when none does)."""
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for field in FIELDS:
        wanted = {_plain(word) for word in SYNONYMS[field]}
        mapping[field] = next((c for c in columns if c not in taken and _plain(c) in wanted), "")
        taken.add(mapping[field])
    return mapping


def _word(value: Any, words: Mapping[str, tuple[str, ...]]) -> str | None:
    text = str(value or "").strip().casefold().rstrip(".")
    for key, spellings in words.items():
        if text in spellings:
            return key
    return None


@dataclass
class Preview:
    """What the organizer checks before importing: columns, their guessed fields, the first rows."""

    columns: list[str]
    mapping: dict[str, str]
    rows: list[dict[str, Any]]
    total: int


def preview(rows: list[dict[str, Any]], mapping: dict[str, str] | None = None) -> Preview:
    """The preview of a file's rows, with `mapping` or a guessed one."""
    if not rows:
        raise ImportFailed(_("The file has no participants in it."))
    columns = list(rows[0])
    chosen = mapping if mapping is not None else guess_mapping(columns)
    return Preview(columns=columns, mapping=chosen, rows=rows[:PREVIEW_ROWS], total=len(rows))


class DelegationFinder:
    """Finds a row's delegation by its name or its country (ISO code, or UN name in any language)."""

    def __init__(self, session: Session, event: Event) -> None:
        self.by_name: dict[str, Delegation] = {}
        self.by_country: dict[str, Delegation] = {}
        for delegation in session.execute(
            select(Delegation).where(Delegation.event_id == event.id)
        ).scalars():
            self.by_name[_plain(delegation.name)] = delegation
            if delegation.country:
                self.by_country[delegation.country.upper()] = delegation

    def find(self, value: Any) -> Delegation | None:
        """The delegation `value` names, if any."""
        text = str(value or "").strip()
        if not text:
            return None
        if found := self.by_name.get(_plain(text)):
            return found
        code = countries.lookup(text)  # an ISO code, or a country's name in any of the six languages
        return self.by_country.get(code) if code else None


def row_values(row: Mapping[str, Any], mapping: Mapping[str, str]) -> tuple[dict[str, str], list[str]]:
    """The participant fields of one row, translated to the stored values, and the problems found."""
    data: dict[str, str] = {}
    problems: list[str] = []
    for field in FIELDS[1:]:
        column = mapping.get(field, "")
        if not column:
            continue
        raw = row.get(column)
        value = "" if raw is None else str(raw).strip()
        if field == "gender":
            found = _word(value, GENDER_WORDS)
            if found is None:
                problems.append(
                    _("Gender “%(value)s” is not understood; use F, M, other or leave it empty.", value=value)
                )
                continue
            value = found
        elif field == "mode":
            if not value:
                continue
            found = _word(value, MODE_WORDS)
            if found is None:
                problems.append(
                    _("Participation “%(value)s” is not understood; use in person or online.", value=value)
                )
                continue
            value = found
        elif field == "language":
            if not value:
                continue
            value = _word(value, LANGUAGE_WORDS) or value
        data[field] = value
    return data, problems


def import_participants(
    session: Session,
    event: Event,
    rows: list[dict[str, Any]],
    mapping: Mapping[str, str],
    actor: Actor,
    *,
    delegation: Delegation | None = None,
) -> list[Participant]:
    """Register every row as a participant, or none: raise ImportFailed listing each bad row.

    Rows go to `delegation` when given, else to the delegation named in the mapped column.
    """
    if not rows:
        raise ImportFailed(_("The file has no participants in it."))
    if not mapping.get("given_name") or not mapping.get("family_name"):
        raise ImportFailed(_("Choose the columns that hold the given name and the family name."))
    if delegation is None and not mapping.get("delegation"):
        raise ImportFailed(
            _("Choose a delegation for every row, or the column that names each row's delegation.")
        )
    finder = DelegationFinder(session, event)
    record(
        session,
        actor,
        "participant.import",
        "event",
        event.id,
        event_id=event.id,
        changes={"rows": len(rows)},
    )
    session.flush()  # the transaction has begun: each row's savepoint below nests inside it
    errors: dict[str, list[str]] = {}
    created: list[Participant] = []
    unsaved: dict[int, int] = {}  # per delegation: places asked for by rows not stored for their errors
    for number, row in enumerate(rows, start=2):
        label = _("Row %(n)d", n=number)
        target = delegation or finder.find(row.get(mapping["delegation"]))
        data, problems = row_values(row, mapping)
        if target is None:
            problems.insert(
                0,
                _(
                    "No delegation of this event is named “%(value)s”.",
                    value=row.get(mapping["delegation"]) or "",
                ),
            )
        if target is None:
            errors[label] = problems
            continue
        # Every problem of the row in one round: its fields, and the cap counted with the rows
        # above it that have errors too (correcting them must not reveal new errors below).
        over_cap = _cap_problem(session, target, data, unsaved.get(target.id, 0))
        if problems or over_cap:
            errors[label] = problems + _field_problems(data) + ([over_cap] if over_cap else [])
            if not over_cap:  # corrected, this row takes a place: the rows below count it
                unsaved[target.id] = unsaved.get(target.id, 0) + _holds_place(data)
            continue
        savepoint = session.begin_nested()
        try:
            created.append(registration.add_participant(session, target, data, actor))
            savepoint.commit()
        except DomainError as exc:
            savepoint.rollback()
            errors[label] = [exc.detail] + [m for messages in exc.errors.values() for m in messages]
            if not isinstance(exc, DelegationFull):
                unsaved[target.id] = unsaved.get(target.id, 0) + _holds_place(data)
    if errors:
        raise ImportFailed(
            ngettext(
                "Nothing was imported: %(num)d row needs correcting.",
                "Nothing was imported: %(num)d rows need correcting.",
                len(errors),
            ),
            errors,
        )
    return created


def _holds_place(data: Mapping[str, str]) -> int:
    """1 if the row's person would hold a place in the delegation (in person), else 0."""
    return int(holds_a_place(Status.PENDING, data.get("mode") or Mode.IN_PERSON.value))


def _field_problems(data: Mapping[str, str]) -> list[str]:
    """What the registration form would say about the row's fields (empty if they are fine)."""
    try:
        clean_participant(data)
    except ValidationFailed as exc:
        return [m for messages in exc.errors.values() for m in messages] or [exc.detail]
    return []


def _cap_problem(session: Session, target: Delegation, data: Mapping[str, str], unsaved: int) -> str | None:
    """The cap's sentence if the row's person would be one too many, counting rows not stored."""
    if not _holds_place(data):
        return None
    try:
        registration.ensure_place(session, target, unsaved=unsaved)
    except DelegationFull as exc:
        return exc.detail
    return None


# Uploaded files waiting for confirmation


def store_upload(folder: Path, filename: str, content: bytes) -> str:
    """Keep an uploaded file until the organizer confirms; return its token."""
    folder.mkdir(parents=True, exist_ok=True)
    now = time.time()
    for old in folder.glob("*"):
        if now - old.stat().st_mtime > UPLOAD_LIFETIME:
            old.unlink(missing_ok=True)
    suffix = ".xlsx" if filename.lower().endswith(".xlsx") else ".csv"
    token = secrets.token_hex(16) + suffix
    (folder / token).write_bytes(content)
    return token


def upload_path(folder: Path, token: str) -> Path:
    """The stored file of `token`; ImportFailed if the token is malformed or the file gone."""
    stem, _dot, suffix = token.partition(".")
    if len(stem) != 32 or not all(c in "0123456789abcdef" for c in stem) or suffix not in ("csv", "xlsx"):
        raise ImportFailed(_("Upload the file again."))
    path = folder / token
    if not path.exists():
        raise ImportFailed(_("The uploaded file has expired. Upload it again."))
    return path


def load_upload(folder: Path, token: str) -> list[dict[str, Any]]:
    """The rows of a stored upload."""
    path = upload_path(folder, token)
    return read_rows(path.name, path.read_bytes())
