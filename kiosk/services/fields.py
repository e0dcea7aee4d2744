"""The participant fields: their rules, in one place, for forms, the API and its schema."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from kiosk.models import Gender, Mode
from kiosk.services import titles
from kiosk.services.errors import ValidationFailed
from kiosk.services.vocabulary import FUNCTIONS, GENDER_LABELS, MODE_LABELS, OTHER_FUNCTION, function_code

LANGUAGES = ("en", "fr", "es", "ar", "zh", "ru")
EMAIL_RE = re.compile(r"^[^@\s\x00-\x1f\x7f]+@[^@\s\x00-\x1f\x7f]+\.[^@\s\x00-\x1f\x7f]+$")
#: Characters refused in names and other text: controls (C0, DEL, C1), line and paragraph
#: separators, and bidi embeddings, overrides and isolates, which can make a name read otherwise.
#: (Tabs and line breaks are allowed in input: they become spaces.)
UNSAFE_CHARACTERS = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069"
UNSAFE_TEXT_RE = re.compile(f"[{UNSAFE_CHARACTERS}]")
#: The same rules as JSON Schema patterns, for the OpenAPI document.
TEXT_PATTERN = f"^[^{UNSAFE_CHARACTERS}]*$"
REQUIRED_TEXT_PATTERN = f"^[^{UNSAFE_CHARACTERS}]*[^{UNSAFE_CHARACTERS}\\s][^{UNSAFE_CHARACTERS}]*$"
_EMAIL_PART = f"[^@\\s{UNSAFE_CHARACTERS}]+"
_SPACE = f"[^\\S{UNSAFE_CHARACTERS}\\ufeff]*"  # U+FEFF: a space to ECMA-262 regexes, not to Python
EMAIL_PATTERN = f"^{_SPACE}({_EMAIL_PART}@{_EMAIL_PART}\\.{_EMAIL_PART})?{_SPACE}$"

#: Who the person is. When a focal point changes one of these on an accredited participant, the
#: participant goes back to pending for the secretariat to review (a change of function or
#: e-mail does not). "photo" is the uploaded picture.
IDENTITY_FIELDS = frozenset({"title", "given_name", "family_name", "badge_name", "gender", "photo"})
#: What is printed on the badge. Any change to one of these, by anyone, raises the badge serial,
#: which revokes the badge printed before.
BADGE_FIELDS = frozenset(
    {"title", "given_name", "family_name", "badge_name", "family_name_first", "function", "photo"}
)


def has_unsafe_characters(text: str) -> bool:
    """Whether `text` holds a control or bidi-override character (tabs and line breaks aside)."""
    return bool(UNSAFE_TEXT_RE.search(text))


#: The fields that hold a name (printed on badges, compared for duplicates).
NAME_FIELDS = ("title", "given_name", "family_name", "badge_name")
#: Default-ignorable code points (Unicode's DerivedCoreProperties): shown as nothing, so
#: "Em\u200bily" looks like "Emily". With every format character (category Cf: marks of
#: direction, the Arabic letter mark, byte order mark …) they are refused in names.
DEFAULT_IGNORABLE = (
    (0x00AD, 0x00AD), (0x034F, 0x034F), (0x061C, 0x061C), (0x115F, 0x1160), (0x17B4, 0x17B5),
    (0x180B, 0x180F), (0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x206F), (0x3164, 0x3164),
    (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF), (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8), (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A), (0xE0000, 0xE0FFF),
)  # fmt: skip
ZWNJ, ZWJ = "\u200c", "\u200d"
#: Scripts whose words need the zero-width non-joiner or joiner between two of their letters:
#: Persian and other languages in Arabic script (می‌خواهم), Syriac, and the Indic scripts (a
#: half form or an explicit virama: क्‍ष).
JOINER_SCRIPTS = frozenset(
    {"ARABIC", "SYRIAC", "DEVANAGARI", "BENGALI", "GURMUKHI", "GUJARATI", "ORIYA", "TAMIL", "TELUGU",
     "KANNADA", "MALAYALAM", "SINHALA"}
)  # fmt: skip


def is_invisible(char: str) -> bool:
    """Whether `char` is a format character or default-ignorable: it shows as nothing."""
    point = ord(char)
    return unicodedata.category(char) == "Cf" or any(low <= point <= high for low, high in DEFAULT_IGNORABLE)


def _script(char: str) -> str | None:
    """The script of a letter or mark, from its Unicode name ("ARABIC LETTER FARSI YEH": ARABIC)."""
    if unicodedata.category(char)[0] not in "LM":
        return None
    return unicodedata.name(char, "").split(" ", 1)[0] or None


def has_invisible_characters(text: str) -> bool:
    """Whether `text` holds an invisible character, a ZWNJ or ZWJ inside a word of a script that
    needs them aside (both neighbours letters or marks of that one script)."""
    for index, char in enumerate(text):
        if not is_invisible(char):
            continue
        if char in (ZWNJ, ZWJ) and 0 < index < len(text) - 1:
            before, after = _script(text[index - 1]), _script(text[index + 1])
            if before in JOINER_SCRIPTS and before == after:
                continue
        return True
    return False


def comparable_name(name: str) -> str:
    """A name as compared with others for duplicates: compatibility forms and case folded, without
    invisible characters (joiners included), spaces single ("EMILY  Clar\u200dke" is "emily clarke")."""
    visible = "".join(char for char in unicodedata.normalize("NFKC", name or "") if not is_invisible(char))
    return " ".join(visible.casefold().split())


def _ranges(points: list[int]) -> str:
    """Code points as a regular expression's class items, in \\uXXXX escapes."""
    items, start = [], None
    for index, point in enumerate(points):
        start = point if start is None else start
        if index + 1 == len(points) or points[index + 1] != point + 1:
            items.append(f"\\u{start:04x}" + (f"-\\u{point:04x}" if point != start else ""))
            start = None
    return "".join(items)


#: The invisible characters of the Basic Multilingual Plane as a class for the OpenAPI patterns of
#: names (the joiners aside: they depend on their neighbours; the server checks the rest too).
INVISIBLE_CHARACTERS = _ranges(
    [
        point
        for point in range(0x10000)
        if not 0xD800 <= point <= 0xDFFF and is_invisible(chr(point)) and chr(point) not in (ZWNJ, ZWJ)
    ]
)


#: How each choice is shown to people.
CHOICE_LABELS: dict[str, dict[str, Any]] = {
    "gender": GENDER_LABELS,
    "mode": MODE_LABELS,
    "language": {
        "en": "English",
        "fr": "Français",
        "es": "Español",
        "ar": "العربية",
        "zh": "中文",
        "ru": "Русский",
    },
}


@dataclass(frozen=True)
class Field:
    """One participant field: its label, limits and allowed values."""

    name: str
    label: Any
    required: bool = False
    max_length: int = 200
    choices: tuple[str, ...] | None = None
    default: str | None = None
    check: Callable[[str], str | None] | None = None
    #: A sentence shown under the field in forms.
    hint: Any = None
    #: Turns an accepted value into the stored one (e.g. a function's name into its code).
    normalize: Callable[[str], str] | None = None
    #: Values with a meaning of their own, suggested but not required (free text is accepted too).
    suggested: tuple[str, ...] | None = None
    description: str | None = None
    #: A yes-or-no choice that may be left unsaid (None: as usual); see `yes_or_no`.
    boolean: bool = False

    def schema(self) -> dict[str, Any]:
        """The field as a JSON Schema property."""
        if self.boolean:
            return {"type": ["boolean", "null"], "description": self.description or ""}
        pattern = REQUIRED_TEXT_PATTERN if self.required else TEXT_PATTERN
        if self.name in NAME_FIELDS:
            refused = f"[^{UNSAFE_CHARACTERS}"
            pattern = pattern.replace(refused, refused + INVISIBLE_CHARACTERS)
        if self.check is _check_email:
            pattern = EMAIL_PATTERN
        prop: dict[str, Any] = {"type": "string", "maxLength": self.max_length, "pattern": pattern}
        if self.choices:
            prop = {"type": "string", "enum": list(self.choices)}
        if self.suggested:
            prop["examples"] = list(self.suggested)
        if self.description:
            prop["description"] = self.description
        if self.default is not None:
            prop["default"] = self.default
        return prop


def _check_email(value: str) -> str | None:
    return None if EMAIL_RE.match(value) else _("Enter an e-mail address such as name@example.org.")


def _check_function(value: str) -> str | None:
    """The form's "Other" choice is not a function: the function itself must be written."""
    if value.casefold() == OTHER_FUNCTION:
        return _("Write the function, or choose one from the list.")
    return None


#: How forms and spreadsheets say yes and no, in the six languages.
_YES = frozenset({"yes", "y", "true", "1", "on", "oui", "sí", "si", "да", "是", "نعم", "x"})
_NO = frozenset({"no", "n", "false", "0", "off", "non", "нет", "否", "لا"})


def yes_or_no(value: Any) -> bool | None:
    """A yes-or-no answer from JSON (true, false, null) or text ("yes", "non", "да", "" …).

    Raises ValueError for anything else.
    """
    if value is None or isinstance(value, bool):
        return value
    if not isinstance(value, str):
        raise ValueError(value)
    text = value.strip().casefold()
    if not text:
        return None
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise ValueError(value)


def _check_title(value: str) -> str | None:
    """The form's "Other" choice is not a title: the title itself must be written."""
    if value.casefold() == titles.OTHER_TITLE:
        return _("Write the title, or choose one from the list.")
    return None


PARTICIPANT_FIELDS: tuple[Field, ...] = (
    Field(
        "title",
        lazy_pgettext("honorific", "Title"),
        max_length=40,
        normalize=titles.normalize,
        check=_check_title,
        suggested=titles.codes(),
        description=(
            "One of the listed codes (mr, ms, mrs, he, he_mr, he_ms, dr, prof, amb, hon, sheikh, and any the "
            'secretariat added; a listed title written in any of the six languages, such as "H.E. Ms." or '
            '"S.E. Mme", is read as its code), shown in each language\'s form; or any other title as free '
            "text, shown as typed."
        ),
    ),
    Field("given_name", _l("Given name"), required=True, max_length=120),
    Field("family_name", _l("Family name"), required=True, max_length=120),
    Field(
        "badge_name",
        _l("Name on the badge"),
        max_length=120,
        hint=_l("Only if the name must be printed otherwise than composed from the fields above."),
        description=(
            "The name exactly as printed on the badge (the title is added to it), for people the "
            "composed name does not fit; empty: composed from the given and family names in the "
            "order family_name_first says."
        ),
    ),
    Field(
        "family_name_first",
        _l("Family name first"),
        boolean=True,
        hint=_l(
            "How this person writes their name: NGUYỄN Thị Minh Khai, NAGY Péter, 王小明. "
            "Left to the usual order, names in Chinese, Japanese or Korean script, Vietnamese "
            "and Hungarian names are written family name first."
        ),
        description=(
            "Whether the person's name is written family name first (NGUYỄN Thị Minh Khai, NAGY Péter, "
            "王小明) or given name first (Amina DIALLO). Null or left out when registering: as usual "
            "for the name, i.e. true for names in Chinese, Japanese or Korean script, names with "
            "letters only Vietnamese or Hungarian use, and people of delegations of China, Japan, "
            "the Republic of Korea, the Democratic People's Republic of Korea, Viet Nam, Cambodia "
            "and Hungary; false otherwise. Null when editing: as usual again."
        ),
    ),
    Field(
        "function",
        _l("Function"),
        max_length=120,
        normalize=lambda value: function_code(value) or value,
        check=_check_function,
        suggested=tuple(FUNCTIONS),
        description=(
            "One of the listed codes (head_of_delegation, deputy_head_of_delegation, …; their name in any "
            "of the six languages is read as the code), or any other function as free text."
        ),
    ),
    Field("gender", _l("Gender"), choices=tuple(g.value for g in Gender), default="undisclosed"),
    Field("email", _l("E-mail"), max_length=200, check=_check_email),
    Field("mode", _l("Participation"), choices=tuple(m.value for m in Mode), default="in_person"),
    Field("language", _l("Language"), choices=LANGUAGES, default="en"),
)
FIELDS_BY_NAME = {f.name: f for f in PARTICIPANT_FIELDS}


def clean_participant(data: Mapping[str, Any], *, partial: bool = False) -> dict[str, Any]:
    """Validate participant input; return clean values or raise ValidationFailed with field errors.

    With `partial`, only the fields present are checked (an edit); otherwise required fields
    must be there and defaults fill the rest (a new participant).
    """
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    unknown = set(data) - set(FIELDS_BY_NAME)
    for name in sorted(unknown):
        errors[name] = [_("This field is not known.")]
    for field in PARTICIPANT_FIELDS:
        if field.name not in data:
            if partial:
                continue
            if field.required:
                errors[field.name] = [_("%(label)s is required.", label=field.label)]
            elif field.boolean:
                clean[field.name] = None
            elif field.default is not None:
                clean[field.name] = field.default
            else:
                clean[field.name] = ""
            continue
        raw = data[field.name]
        if field.boolean:
            try:
                clean[field.name] = yes_or_no(raw)
            except ValueError:
                errors[field.name] = [_("%(label)s: answer yes or no.", label=field.label)]
            continue
        if raw is None:
            raw = ""
        if not isinstance(raw, str):
            errors[field.name] = [_("%(label)s must be text.", label=field.label)]
            continue
        value = " ".join(raw.split()) if field.name != "email" else raw.strip().lower()
        if has_unsafe_characters(raw):
            errors[field.name] = [_("%(label)s contains characters that are not allowed.", label=field.label)]
        elif field.name in NAME_FIELDS and has_invisible_characters(value):
            errors[field.name] = [
                _(
                    "%(label)s contains an invisible character (such as a zero-width space): "
                    "type it again without it.",
                    label=field.label,
                )
            ]
        elif not value:
            if field.required:
                errors[field.name] = [_("%(label)s is required.", label=field.label)]
            else:
                clean[field.name] = field.default or ""
        elif len(value) > field.max_length:
            errors[field.name] = [
                _("%(label)s is too long (at most %(n)d characters).", label=field.label, n=field.max_length)
            ]
        elif field.choices and value not in field.choices:
            errors[field.name] = [
                _(
                    "%(label)s must be one of: %(choices)s.",
                    label=field.label,
                    choices=", ".join(field.choices),
                )
            ]
        elif field.check and (message := field.check(value)):
            errors[field.name] = [message]
        else:
            clean[field.name] = field.normalize(value) if field.normalize else value
    if errors:
        raise ValidationFailed(_("Some fields need correcting."), errors)
    return clean
