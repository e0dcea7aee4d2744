"""Words the data carries: the translated names of statuses, roles, categories, kinds and functions."""

from __future__ import annotations

import enum
from typing import Any

from flask_babel import force_locale, lazy_pgettext
from flask_babel import lazy_gettext as _l

from kiosk.models import (
    Authority,
    Category,
    Decision,
    DocumentKind,
    Gender,
    JobKind,
    JobStatus,
    Mode,
    PrinterKind,
    Role,
    Status,
)

#: How each participant status is shown to people.
STATUS_LABELS: dict[str, Any] = {
    Status.PENDING.value: _l("Pending"),
    Status.ACCREDITED.value: _l("Accredited"),
    Status.REJECTED.value: _l("Rejected"),
    Status.WITHDRAWN.value: _l("Withdrawn"),
}
#: How each delegation category is shown to people.
CATEGORY_LABELS: dict[str, Any] = {
    Category.STATE_PARTY.value: _l("State party"),
    Category.STATE_NOT_PARTY.value: _l("State not party (observer)"),
    Category.UNITED_NATIONS.value: _l("United Nations"),
    Category.IGO.value: _l("International or regional organization"),
    Category.ICRC.value: _l("ICRC"),
    Category.NGO.value: _l("Non-governmental organization"),
    Category.OTHER.value: lazy_pgettext("category", "Other"),
}
#: How each role of a user or token is shown to people.
ROLE_LABELS: dict[str, Any] = {
    Role.ORGANIZER.value: _l("Organizer"),
    Role.DESK.value: _l("Registration desk"),
    Role.KIOSK.value: lazy_pgettext("role", "Kiosk"),
    Role.SECURITY.value: _l("Security"),
    Role.FOCAL_POINT.value: _l("Focal point"),
}
#: How each print job status is shown to people.
JOB_STATUS_LABELS: dict[str, Any] = {
    JobStatus.QUEUED.value: _l("Queued"),
    JobStatus.PRINTING.value: _l("Printing"),
    JobStatus.DONE.value: _l("Printed"),
    JobStatus.FAILED.value: _l("Failed"),
    JobStatus.CANCELLED.value: _l("Cancelled"),
    JobStatus.UNCERTAIN.value: _l("May have printed"),
}
#: How what is printed (a badge or a receipt) is shown to people.
KIND_LABELS: dict[str, Any] = {
    JobKind.BADGE.value: lazy_pgettext("print kind", "Badge"),
    JobKind.RECEIPT.value: lazy_pgettext("print kind", "Receipt"),
}
GENDER_LABELS: dict[str, Any] = {
    Gender.FEMALE.value: _l("Woman"),
    Gender.MALE.value: _l("Man"),
    Gender.OTHER.value: lazy_pgettext("gender", "Other"),
    Gender.UNDISCLOSED.value: _l("Prefer not to say"),
}
MODE_LABELS: dict[str, Any] = {Mode.IN_PERSON.value: _l("In person"), Mode.ONLINE.value: _l("Online")}
#: The kinds of credentials document a delegation sends.
DOCUMENT_KIND_LABELS: dict[str, Any] = {
    DocumentKind.CREDENTIALS.value: _l("Formal credentials"),
    DocumentKind.NOTE_VERBALE.value: _l("Note verbale"),
    DocumentKind.NOMINATION.value: _l("Letter of nomination"),
    DocumentKind.OTHER.value: lazy_pgettext("document", "Other"),
}
#: Who issued a credentials document.
AUTHORITY_LABELS: dict[str, Any] = {
    Authority.HEAD_OF_STATE.value: _l("Head of State or Government"),
    Authority.FOREIGN_MINISTER.value: _l("Minister for Foreign Affairs"),
    Authority.PERMANENT_MISSION.value: _l("Permanent Mission"),
    Authority.ORGANISATION.value: _l("Organization"),
}
#: Where the secretariat's review of a document stands.
DECISION_LABELS: dict[str, Any] = {
    Decision.PENDING.value: _l("Awaiting review"),
    Decision.ACCEPTED.value: _l("Accepted"),
    Decision.RETURNED.value: _l("Sent back"),
}

#: Functions in a delegation, in protocol order; any other function is written as free text.
FUNCTIONS: dict[str, Any] = {
    "head_of_delegation": _l("Head of delegation"),
    "deputy_head_of_delegation": _l("Deputy head of delegation"),
    "alternate_head_of_delegation": _l("Alternate head of delegation"),
    "representative": _l("Representative"),
    "alternate_representative": _l("Alternate representative"),
    "delegate": _l("Delegate"),
    "adviser": _l("Adviser"),
    "legal_adviser": _l("Legal adviser"),
    "expert": _l("Expert"),
    "observer": _l("Observer"),
}
#: The functions as said of a woman and of a man, in the languages that mark gender (Déléguée,
#: Delegada, مندوبة); the plain names above are the neutral forms, used when the gender is not known.
FUNCTIONS_BY_GENDER: dict[str, dict[str, Any]] = {
    Gender.FEMALE.value: {
        "head_of_delegation": lazy_pgettext("female", "Head of delegation"),
        "deputy_head_of_delegation": lazy_pgettext("female", "Deputy head of delegation"),
        "alternate_head_of_delegation": lazy_pgettext("female", "Alternate head of delegation"),
        "representative": lazy_pgettext("female", "Representative"),
        "alternate_representative": lazy_pgettext("female", "Alternate representative"),
        "delegate": lazy_pgettext("female", "Delegate"),
        "adviser": lazy_pgettext("female", "Adviser"),
        "legal_adviser": lazy_pgettext("female", "Legal adviser"),
        "expert": lazy_pgettext("female", "Expert"),
        "observer": lazy_pgettext("female", "Observer"),
    },
    Gender.MALE.value: {
        "head_of_delegation": lazy_pgettext("male", "Head of delegation"),
        "deputy_head_of_delegation": lazy_pgettext("male", "Deputy head of delegation"),
        "alternate_head_of_delegation": lazy_pgettext("male", "Alternate head of delegation"),
        "representative": lazy_pgettext("male", "Representative"),
        "alternate_representative": lazy_pgettext("male", "Alternate representative"),
        "delegate": lazy_pgettext("male", "Delegate"),
        "adviser": lazy_pgettext("male", "Adviser"),
        "legal_adviser": lazy_pgettext("male", "Legal adviser"),
        "expert": lazy_pgettext("male", "Expert"),
        "observer": lazy_pgettext("male", "Observer"),
    },
}
#: The form's choice for a function that is not in the list.
OTHER_FUNCTION = "other"

_LABELS: dict[type[enum.Enum], dict[str, Any]] = {
    Status: STATUS_LABELS,
    Category: CATEGORY_LABELS,
    Role: ROLE_LABELS,
    JobStatus: JOB_STATUS_LABELS,
    JobKind: KIND_LABELS,
    PrinterKind: KIND_LABELS,
    Gender: GENDER_LABELS,
    Mode: MODE_LABELS,
    DocumentKind: DOCUMENT_KIND_LABELS,
    Authority: AUTHORITY_LABELS,
    Decision: DECISION_LABELS,
}


def label(value: enum.Enum) -> str:
    """The name of a status, role, category, kind, gender or mode in the current language."""
    return str(_LABELS[type(value)][value.value])


def function_code(text: str) -> str | None:
    """The code of a listed function written as its code or its name in any of the six languages."""
    wanted = " ".join(text.split()).casefold()
    if wanted in FUNCTIONS:
        return wanted
    for language in ("en", "fr", "es", "ar", "zh", "ru"):
        with force_locale(language):
            for names in (FUNCTIONS, *FUNCTIONS_BY_GENDER.values()):
                for code, name in names.items():
                    if str(name).casefold() == wanted:
                        return code
    return None


def gender_key(gender: Gender | str | None) -> str | None:
    """ "female" or "male" when the gender is known to be one of them; None (neutral words) otherwise."""
    value = getattr(gender, "value", gender)
    return value if value in (Gender.FEMALE.value, Gender.MALE.value) else None


def function_label(function: str, locale: str | None = None, gender: Gender | str | None = None) -> str:
    """A participant's function as shown in `locale` (default: the current one), for their gender
    ("Déléguée" for a woman, the neutral name when unknown); free text stays as is."""
    name = FUNCTIONS.get(function)
    if name is None:
        return function
    key = gender_key(gender)
    if key is not None:
        name = FUNCTIONS_BY_GENDER[key][function]
    if locale is None:
        return str(name)
    with force_locale(locale):
        return str(name)
