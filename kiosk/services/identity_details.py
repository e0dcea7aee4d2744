"""Identity details for security badges: asked only when the event's setting is on, kept encrypted.

Nationality, date of birth and an identity document (type, number, expiry), as the UN's own
security-badge forms ask for them. Each field is sealed on its own with AES-256-GCM under the
identity data key, a file in KEYS_DIR beside the events' signing keys (never in the database,
never derived from SECRET_KEY). The associated data names the participant and the field, so a
cell copied to another row or another column does not decrypt. Organizers and the desk read them;
the focal point who entered them sees them masked; exports carry them only when an organizer asks
for them by name (audited); the personal-data purge deletes them. Audit entries name the fields
that changed, never their values. See docs/security.md, "Identity details".
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from badges import codes
from kiosk.models import Event, IdentityDetails, Participant
from kiosk.models.base import utcnow
from kiosk.services import countries, dates
from kiosk.services.audit import Actor, record
from kiosk.services.errors import DomainError, ValidationFailed

FIELDS = ("nationality", "birth_date", "document_type", "document_number", "document_expiry")
DOCUMENT_TYPES = {
    "passport": _l("Passport"),
    "national_id": _l("National identity card"),
    "un_laissez_passer": _l("United Nations laissez-passer"),
    "other": _l("Other identity document"),
}
LABELS = {
    "nationality": _l("Nationality"),
    "birth_date": _l("Date of birth"),
    "document_type": _l("Identity document"),
    "document_number": _l("Document number"),
    "document_expiry": _l("Document valid until"),
}
#: The key files: identity-data-key-1.bin, -2.bin …; the highest number seals, every one opens.
KEY_FILE = re.compile(r"^identity-data-key-(\d+)\.bin$")
#: A sealed field: version byte, key number (4 bytes), 12-byte nonce, ciphertext and 16-byte tag.
VERSION = b"\x01"
DOCUMENT_NUMBER = re.compile(r"^[A-Z0-9][A-Z0-9 -]{1,28}[A-Z0-9]$")
OLDEST_BIRTH = date(1900, 1, 1)
ISO_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


class IdentityUnreadable(DomainError):
    code, status, title = "identity_unreadable", 500, "Identity details unreadable"


@dataclass(frozen=True)
class Identity:
    """One participant's identity details, in clear (never stored, logged or cached like this)."""

    nationality: str
    birth_date: date
    document_type: str
    document_number: str
    document_expiry: date

    def shown(self, locale: str | None = None) -> dict[str, str]:
        """Each field as a person reads it, in full (organizers and the desk)."""
        return {
            "nationality": countries.country_name(self.nationality, locale),
            "birth_date": dates.format_day(self.birth_date, locale),
            "document_type": str(DOCUMENT_TYPES.get(self.document_type, self.document_type)),
            "document_number": self.document_number,
            "document_expiry": dates.format_day(self.document_expiry, locale),
        }

    def masked(self, locale: str | None = None) -> dict[str, str]:
        """What the focal point who entered them sees: the kind of document, little else."""
        return {
            "nationality": countries.country_name(self.nationality, locale),
            "birth_date": "••••-••-••",
            "document_type": str(DOCUMENT_TYPES.get(self.document_type, self.document_type)),
            "document_number": "•••• " + self.document_number[-2:],
            "document_expiry": str(self.document_expiry.year),
        }

    def values(self) -> dict[str, str]:
        """The fields as text, as the columns of an export hold them."""
        return {
            "nationality": self.nationality,
            "birth_date": self.birth_date.isoformat(),
            "document_type": self.document_type,
            "document_number": self.document_number,
            "document_expiry": self.document_expiry.isoformat(),
        }


# --- the data key ----------------------------------------------------------------------------------


def _keys_dir() -> Path:
    return Path(current_app.config["KEYS_DIR"])


def _key_numbers(folder: Path) -> list[int]:
    if not folder.is_dir():
        return []
    return sorted(int(m.group(1)) for name in os.listdir(folder) if (m := KEY_FILE.match(name)))


@lru_cache(maxsize=32)
def _load_key(path: str) -> AESGCM:
    data = Path(path).read_bytes()
    if len(data) != 32:
        raise IdentityUnreadable(f"The identity data key {path} is not 32 bytes long.")
    return AESGCM(data)


def _key_path(number: int) -> Path:
    return _keys_dir() / f"identity-data-key-{number}.bin"


def sealing_key() -> tuple[int, AESGCM]:
    """The newest identity data key and its number; the first one is created on first use (0600)."""
    numbers = _key_numbers(_keys_dir())
    if not numbers:
        codes.save_private_key(_key_path(1), AESGCM.generate_key(bit_length=256))
        numbers = [1]
    return numbers[-1], _load_key(str(_key_path(numbers[-1])))


def new_key() -> int:
    """Add a newer identity data key (rotation): new details are sealed with it, old ones still open."""
    number = (_key_numbers(_keys_dir()) or [0])[-1] + 1
    codes.save_private_key(_key_path(number), AESGCM.generate_key(bit_length=256))
    return number


def _associated(participant_id: int, field: str) -> bytes:
    return f"kiosk identity v1|participant {participant_id}|{field}".encode()


def seal(participant_id: int, field: str, value: str) -> bytes:
    """One field of one participant, encrypted and bound to both."""
    number, key = sealing_key()
    nonce = os.urandom(12)
    sealed = key.encrypt(nonce, value.encode(), _associated(participant_id, field))
    return VERSION + number.to_bytes(4, "big") + nonce + sealed


def unseal(participant_id: int, field: str, blob: bytes) -> str:
    """The clear text of a sealed field; IdentityUnreadable if it was altered, moved or the key is gone."""
    blob = bytes(blob)
    if len(blob) < 1 + 4 + 12 + 16 or blob[:1] != VERSION:
        raise IdentityUnreadable("A sealed identity field has an unknown format.")
    number = int.from_bytes(blob[1:5], "big")
    path = _key_path(number)
    if not path.exists():
        raise IdentityUnreadable(f"The identity data key {number} is missing from KEYS_DIR.")
    try:
        clear = _load_key(str(path)).decrypt(blob[5:17], blob[17:], _associated(participant_id, field))
    except InvalidTag:
        raise IdentityUnreadable(
            "A sealed identity field does not open with its key for this participant and field."
        ) from None
    return clear.decode()


# --- the rules of the form -------------------------------------------------------------------------


def enabled(event: Event) -> bool:
    """Whether the event asks for identity details (its setting; off by default)."""
    return bool(event.identity_details)


def submitted(form: Any) -> dict[str, str]:
    """The identity fields of a posted form, as text."""
    return {name: str(form.get(name, "") or "").strip() for name in FIELDS}


def _day(text: str, errors: dict[str, list[str]], name: str) -> date | None:
    match = ISO_DAY.match(text)
    if not match:
        errors[name] = [_("Enter the date as year-month-day, for example 1975-03-21.")]
        return None
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        errors[name] = [_("This date does not exist: check the day and the month.")]
        return None


def clean(data: dict[str, str], *, required: bool, today: date | None = None) -> Identity | None:
    """Check the identity fields; None when all are blank and they may be (an edit that keeps them)."""
    values = {name: str(data.get(name, "") or "").strip() for name in FIELDS}
    if not any(values.values()) and not required:
        return None
    today = today or utcnow().date()
    errors: dict[str, list[str]] = {}
    missing = _("Required for the security badge.")
    for name in FIELDS:
        if not values[name]:
            errors[name] = [missing]
    nationality = values["nationality"].upper()
    if values["nationality"] and nationality not in dict(countries.country_choices()):
        errors["nationality"] = [_("Choose the nationality from the list.")]
    birth = _day(values["birth_date"], errors, "birth_date") if values["birth_date"] else None
    if birth is not None:
        if birth > today:
            errors["birth_date"] = [_("The date of birth cannot be in the future.")]
        elif birth < OLDEST_BIRTH:
            errors["birth_date"] = [_("Check the date of birth: it is before 1900.")]
    kind = values["document_type"]
    if kind and kind not in DOCUMENT_TYPES:
        errors["document_type"] = [_("Choose the type of identity document from the list.")]
    number = " ".join(values["document_number"].upper().split())
    if number and not DOCUMENT_NUMBER.match(number):
        errors["document_number"] = [
            _(
                "Write the document number as printed: 3 to 30 letters and digits "
                "(spaces and hyphens allowed)."
            )
        ]
    expiry = _day(values["document_expiry"], errors, "document_expiry") if values["document_expiry"] else None
    if expiry is not None:
        if expiry < today:
            errors["document_expiry"] = [
                _(
                    "This document expired on %(day)s: give a document that is still valid.",
                    day=dates.format_day(expiry),
                )
            ]
        elif expiry.year > today.year + 20:
            errors["document_expiry"] = [_("Check the expiry date: no identity document is valid that long.")]
    if errors:
        raise ValidationFailed(_("Some identity details need correcting."), errors)
    assert birth is not None and expiry is not None
    return Identity(nationality, birth, kind, number, expiry)


# --- reading and writing ---------------------------------------------------------------------------


def store(session: Session, participant: Participant, identity: Identity, actor: Actor) -> None:
    """Seal and keep a participant's identity details (replacing any), audited without the values."""
    row = session.get(IdentityDetails, participant.id)
    old = read(session, participant) if row is not None else None
    if row is None:
        row = IdentityDetails(participant_id=participant.id)
        session.add(row)
    for name, value in identity.values().items():
        setattr(row, name, seal(participant.id, name, value))
    row.updated_at = utcnow()
    changed = [n for n in FIELDS if old is None or getattr(old, n) != getattr(identity, n)]
    if changed:
        record(
            session,
            actor,
            "participant.identity_details",
            "participant",
            participant.id,
            event_id=participant.event_id,
            changes={"fields": changed},
        )
    session.flush()


def save(
    session: Session, participant: Participant, data: dict[str, str], actor: Actor, *, required: bool
) -> Identity | None:
    """Check and store submitted identity details; blank fields keep what is on file (if not required)."""
    identity = clean(data, required=required)
    if identity is not None:
        store(session, participant, identity, actor)
    return identity


def read(session: Session, participant: Participant) -> Identity | None:
    """A participant's identity details in clear, or None if none are on file."""
    row = session.get(IdentityDetails, participant.id)
    if row is None:
        return None
    clear = {name: unseal(participant.id, name, getattr(row, name)) for name in FIELDS}
    return Identity(
        clear["nationality"],
        date.fromisoformat(clear["birth_date"]),
        clear["document_type"],
        clear["document_number"],
        date.fromisoformat(clear["document_expiry"]),
    )


def has_details(session: Session, participant: Participant) -> bool:
    """Whether identity details are on file for the participant (nothing is decrypted)."""
    return session.get(IdentityDetails, participant.id) is not None


def of_event(session: Session, event: Event) -> dict[int, Identity]:
    """The identity details of every participant of the event who has them, by participant id."""
    ids = session.execute(
        select(IdentityDetails.participant_id)
        .join(Participant, Participant.id == IdentityDetails.participant_id)
        .where(Participant.event_id == event.id)
    ).scalars()
    out: dict[int, Identity] = {}
    for participant_id in ids:
        found = read(session, session.get(Participant, participant_id))
        if found is not None:
            out[participant_id] = found
    return out
