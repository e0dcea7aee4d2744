"""Reading untrusted request input the same way everywhere: ids, whole numbers and JSON, bounded.

Whatever a client sends, these turn it into a value the database can hold or into a refusal
with a sentence (ValidationFailed, a 422), never into a 500.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from flask import current_app, request
from flask.json.provider import DefaultJSONProvider
from flask_babel import gettext as _
from werkzeug.routing import IntegerConverter

from kiosk.services.errors import ValidationFailed

#: Largest id: ids are INTEGER columns, 32 bits on PostgreSQL.
MAX_ID = 2**31 - 1
#: Deepest nesting of arrays and objects accepted in a JSON body.
MAX_JSON_DEPTH = 32
#: Never stored: NUL (PostgreSQL refuses it in text) and lone surrogates (not encodable).
_FORBIDDEN = re.compile(r"[\x00\ud800-\udfff]")


class IdConverter(IntegerConverter):
    """`<int:…>` in every route: ASCII digits naming an id a database column can hold, else 404."""

    regex = r"[0-9]{1,10}"

    def __init__(self, map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


class JSONRefused(ValueError):
    """A JSON text that parses but is refused: too deep, or with a lone surrogate."""


def _check_json(value: Any) -> None:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if _FORBIDDEN.search(item):
                raise JSONRefused(
                    _("The JSON text contains a character that is not allowed (NUL or a lone surrogate).")
                )
        elif isinstance(item, dict | list):
            if depth > MAX_JSON_DEPTH:
                raise JSONRefused(_("The JSON text is nested too deeply."))
            children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)


class StrictJSONProvider(DefaultJSONProvider):
    """Flask's JSON, refusing texts nested too deeply or holding lone surrogates (ValueError)."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            value = super().loads(s, **kwargs)
        except RecursionError:
            raise JSONRefused(_("The JSON text is nested too deeply.")) from None
        _check_json(value)
        return value


def refuse_forbidden_characters() -> None:
    """Before every request: no NUL in the path, the query string or a form (PostgreSQL refuses them)."""
    values = [request.path, *request.args.keys(), *request.args.values()]
    if request.method in ("POST", "PUT", "PATCH") and request.mimetype in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        values += [*request.form.keys(), *request.form.values()]
    if any("\x00" in value for value in values):
        raise ValidationFailed(_("The request contains a character that is not allowed (NUL)."))


def json_object(allowed: Iterable[str] | None = None) -> dict[str, Any]:
    """The request body as a JSON object; with `allowed`, any other key is refused."""
    raw = request.get_data(cache=True)
    try:
        data = current_app.json.loads(raw) if raw.strip() else None
    except JSONRefused as exc:
        raise ValidationFailed(str(exc)) from None
    except ValueError:
        raise ValidationFailed(_("The request body is not valid JSON.")) from None
    if not isinstance(data, dict):
        raise ValidationFailed(_("Send a JSON object in the request body."))
    if allowed is not None:
        refuse_unknown(data, allowed)
    return data


def refuse_unknown(data: Mapping[str, Any], allowed: Iterable[str]) -> None:
    """Refuse fields the caller may not set here, rather than ignore them."""
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ValidationFailed(
            _("Some fields cannot be set here: %(names)s.", names=", ".join(unknown)),
            {name: [_("This field cannot be set here.")] for name in unknown},
        )


def whole_number(raw: Any, name: str, *, minimum: int = 0, maximum: int = MAX_ID, text: bool = True) -> int:
    """`raw` (an int, or ASCII digits unless `text` is False) as an integer from `minimum` to `maximum`."""
    value: int | None = None
    if isinstance(raw, int) and not isinstance(raw, bool):
        value = raw
    elif isinstance(raw, str) and text:
        text = raw.strip()
        digits = text[1:] if text.startswith("-") else text
        if digits.isascii() and digits.isdecimal() and len(digits) <= 19:
            value = int(text)
    if value is None or not minimum <= value <= maximum:
        message = _(
            "%(name)s must be a whole number from %(min)d to %(max)d.", name=name, min=minimum, max=maximum
        )
        raise ValidationFailed(message, {name: [message]})
    return value


def optional_number(
    source: Mapping[str, Any],
    name: str,
    default: int | None = None,
    *,
    minimum: int = 0,
    maximum: int = MAX_ID,
    text: bool = True,
) -> int | None:
    """The whole number `name` of a query string or form (`text`) or a JSON object; `default` if absent."""
    raw = source.get(name)
    if raw is None or (text and raw == ""):
        return default
    return whole_number(raw, name, minimum=minimum, maximum=maximum, text=text)
