"""Form plumbing shared by the pages: CSRF-only forms and participant field values."""

from __future__ import annotations

from dataclasses import dataclass

from flask import request
from flask_babel import get_locale
from flask_wtf import FlaskForm

from kiosk.models import Event, Participant
from kiosk.services import countries, identity_details
from kiosk.services.fields import PARTICIPANT_FIELDS
from kiosk.services.titles import OTHER_TITLE
from kiosk.services.vocabulary import OTHER_FUNCTION


class CsrfForm(FlaskForm):
    """A form that only carries the CSRF token; its fields are described in services.fields."""


def submitted_fields() -> dict[str, str]:
    """The participant fields posted with the request; "other" takes the function or title written beside it.

    "Other" with nothing written stays "other", which the field refuses with a sentence.
    """
    values = {f.name: request.form.get(f.name, "") for f in PARTICIPANT_FIELDS if f.name in request.form}
    for name, other in (("function", OTHER_FUNCTION), ("title", OTHER_TITLE)):
        written = request.form.get(f"{name}_other", "").strip()
        if written and values.get(name) in (other, "", None):
            values[name] = written
    return values


def participant_values(participant: Participant | None) -> dict[str, str]:
    """Current values of a participant for pre-filling a form (defaults for a new one)."""
    if participant is None:
        return {f.name: "" if f.boolean else f.default or "" for f in PARTICIPANT_FIELDS}
    return {
        f.name: yes_no_value(getattr(participant, f.name))
        if f.boolean
        else str(getattr(getattr(participant, f.name), "value", getattr(participant, f.name)) or "")
        for f in PARTICIPANT_FIELDS
    }


@dataclass(frozen=True)
class IdentityForm:
    """What the identity fields of a form show (templates/registration/_identity.html)."""

    labels: dict
    nationalities: list[tuple[str, str]]
    document_types: dict


def identity_form(event: Event) -> IdentityForm | None:
    """The identity fields' choices in the page's language; None when the event does not ask for them."""
    if not identity_details.enabled(event):
        return None
    locale = get_locale()
    return IdentityForm(
        labels={name: str(label) for name, label in identity_details.LABELS.items()},
        nationalities=countries.country_choices(locale.language if locale else None),
        document_types={code: str(label) for code, label in identity_details.DOCUMENT_TYPES.items()},
    )


def submitted_identity() -> dict[str, str]:
    """The identity fields posted with the request."""
    return identity_details.submitted(request.form)


def yes_no_value(value: bool | None) -> str:
    """A yes-or-no field's value as its form option: "yes", "no" or "" (as usual)."""
    return "" if value is None else "yes" if value else "no"
