"""Form plumbing shared by the pages: CSRF-only forms and participant field values."""

from __future__ import annotations

from flask import request
from flask_wtf import FlaskForm

from kiosk.models import Participant
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
        return {f.name: f.default or "" for f in PARTICIPANT_FIELDS}
    return {
        f.name: str(getattr(getattr(participant, f.name), "value", getattr(participant, f.name)) or "")
        for f in PARTICIPANT_FIELDS
    }
