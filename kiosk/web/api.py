"""The API's way in: one declaration per operation authenticates, validates, commits and documents it.

`operation(bp, rule, method, …)` declares an operation: who may call it, the JSON body and query
parameters it accepts (JSON Schema, as written in the OpenAPI document), what it answers and
which domain errors it may raise. For each request it then

1. finds the caller (kiosk.web.callers) and refuses anyone without one of the roles (401, 403);
2. validates the JSON body and the query parameters against the declared schemas with
   `jsonschema` (Draft 2020-12): a refusal is the 422 problem `invalid`, with a sentence per
   field in the reader's language;
3. calls the handler with the validated values (`body=`, `query=`), which calls a service;
4. commits once (the e-mail the request queued goes out after the commit: kiosk.services.mail);
   on a DomainError it rolls back and answers the problem+json of that error.

The same declarations build the OpenAPI document (kiosk.api.spec).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import Blueprint, Flask, Response, g, jsonify, request
from flask_babel import gettext as _
from jsonschema import Draft202012Validator, FormatChecker, ValidationError
from werkzeug.exceptions import MethodNotAllowed

from kiosk.extensions import db
from kiosk.inputs import json_object
from kiosk.models import Role
from kiosk.services.errors import DomainError, ValidationFailed
from kiosk.services.fields import FIELDS_BY_NAME
from kiosk.services.vocabulary import label
from kiosk.web.callers import CsrfMissing, request_principal

PREFIX = "/api/v1"

#: The named schemas of the OpenAPI document (`components`), which operations refer to with
#: `{"$ref": "#/components/schemas/NAME"}`; kiosk.api.schemas and the API modules fill it.
COMPONENTS: dict[str, Any] = {
    "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
    "schemas": {},
}


def problem(
    status: int, code: str, title: str, detail: str, errors: dict[str, list[str]] | None = None, **extra
) -> Response:
    """An RFC 9457 application/problem+json response: the one shape of every API error."""
    body = {
        "type": f"/api/v1/problems/{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
        **extra,
    }
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


def from_domain_error(exc: DomainError) -> Response:
    """The problem response for a broken business rule."""
    return problem(exc.status, exc.code, exc.title, exc.detail, exc.errors or None)


@dataclass
class Operation:
    """One documented API operation."""

    method: str
    path: str
    summary: str
    roles: tuple[Role, ...]
    status: int
    response: dict[str, Any] | None
    request: dict[str, Any] | None
    errors: tuple[type[DomainError], ...]
    query: tuple[tuple[str, str | dict[str, Any], str], ...]
    media_type: str = "application/json"
    tags: tuple[str, ...] = field(default_factory=tuple)
    #: Public operations (health) need no token and answer other statuses with their own JSON.
    public: bool = False
    other_responses: dict[int, tuple[str, dict[str, Any]]] = field(default_factory=dict)
    #: Response headers, by status (e.g. X-Total-Count, ETag).
    headers: dict[int, dict[str, Any]] = field(default_factory=dict)

    @functools.cached_property
    def query_schema(self) -> dict[str, Any]:
        """The query parameters as one JSON Schema object (each parameter is optional)."""
        return {
            "type": "object",
            "properties": {name: query_parameter_schema(kind) for name, kind, _text in self.query},
        }


OPERATIONS: list[Operation] = []

#: No NUL in text parameters (every request with one is refused; see kiosk.inputs).
NO_NUL = {"pattern": "^[^\\x00]*$"}


def query_parameter_schema(kind: str | dict[str, Any]) -> dict[str, Any]:
    """A query parameter's schema: "string" (any text without NUL) or a JSON Schema."""
    return {"type": kind, **NO_NUL} if isinstance(kind, str) else kind


# --- validation -----------------------------------------------------------------------------------


_FORMATS = FormatChecker(formats=())


@_FORMATS.checks("date-time")
def _is_date_time(value: object) -> bool:
    """ISO 8601 with an offset ("Z" or ±hh:mm), as the door's scanners send their clock."""
    return not isinstance(value, str) or parse_moment(value) is not None


def parse_moment(value: str) -> datetime | None:
    """A time sent as ISO 8601 with an offset, or None if it is not one."""
    try:
        moment = datetime.fromisoformat(value.strip().upper().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


#: Compiled validators, by the id of the declared schema (declarations live as long as the process).
_COMPILED: dict[int, tuple[dict[str, Any], Draft202012Validator]] = {}


def _compiled(schema: dict[str, Any]) -> Draft202012Validator:
    """The validator of a declared schema, compiled on first use.

    `#/components/schemas/…` references resolve inside the schema's own document, to which the
    components are added, as they resolve in the OpenAPI document.
    """
    found = _COMPILED.get(id(schema))
    if found is None or found[0] is not schema:
        found = (schema, Draft202012Validator({**schema, "components": COMPONENTS}, format_checker=_FORMATS))
        _COMPILED[id(schema)] = found
    return found[1]


def _label(name: str) -> str:
    """How a field is named in a sentence: a participant field's label, else its JSON name."""
    found = FIELDS_BY_NAME.get(name)
    return str(found.label) if found else name


def _messages(error: ValidationError) -> Iterable[tuple[str, str]]:
    """Each (field, sentence) one jsonschema error stands for."""
    path = [str(part) for part in error.absolute_path]
    key = ".".join(path) or "body"
    name = path[-1] if path else "body"
    schema, value, keyword = error.schema, error.instance, error.validator
    if not isinstance(schema, Mapping):
        schema = {}
    if keyword == "required":
        for missing in error.validator_value:
            if isinstance(value, Mapping) and missing not in value:
                yield ".".join([*path, missing]), _("%(label)s is required.", label=_label(missing))
        return
    if keyword in ("additionalProperties", "unevaluatedProperties"):
        known = set(schema.get("properties", {}))
        for extra in sorted(set(value) - known if isinstance(value, Mapping) else ()):
            yield ".".join([*path, extra]), _("This field is not known.")
        return
    text = _label(name)
    if keyword == "type":
        kinds = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        kind = next((k for k in kinds if k != "null"), "null")
        if kind == "integer" and ("minimum" in schema or "maximum" in schema):
            yield key, _whole_number(text, schema)
        else:
            yield (
                key,
                {
                    "string": _("%(label)s must be text.", label=text),
                    "integer": _("%(label)s must be a whole number.", label=text),
                    "number": _("%(label)s must be a number.", label=text),
                    "boolean": _("%(label)s must be true or false.", label=text),
                    "array": _("%(label)s must be a list.", label=text),
                    "object": _("%(label)s must be an object.", label=text),
                }.get(kind, _("%(label)s is not valid.", label=text)),
            )
    elif keyword in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        yield key, _whole_number(text, schema)
    elif keyword == "maxLength":
        yield key, _("%(label)s is too long (at most %(n)d characters).", label=text, n=error.validator_value)
    elif keyword == "minLength" or (keyword == "pattern" and isinstance(value, str) and not value.strip()):
        yield key, _("%(label)s is required.", label=text)
    elif keyword == "pattern":
        yield key, _("%(label)s contains characters that are not allowed.", label=text)
    elif keyword in ("enum", "const"):
        choices = error.validator_value if keyword == "enum" else [error.validator_value]
        yield (
            key,
            _(
                "%(label)s must be one of: %(choices)s.",
                label=text,
                choices=", ".join(str(c) for c in choices if c is not None),
            ),
        )
    elif keyword == "minItems":
        yield key, _("%(label)s must have at least %(n)d items.", label=text, n=error.validator_value)
    elif keyword == "maxItems":
        yield key, _("%(label)s must have at most %(n)d items.", label=text, n=error.validator_value)
    elif keyword == "format" and error.validator_value == "date-time":
        yield key, _("Not a time with an offset.")
    else:
        yield key, _("%(label)s is not valid.", label=text)


def _whole_number(text: str, schema: Mapping[str, Any]) -> str:
    return _(
        "%(name)s must be a whole number from %(min)d to %(max)d.",
        name=text,
        min=schema.get("minimum", -(2**63)),
        max=schema.get("maximum", 2**63 - 1),
    )


def validate(schema: dict[str, Any], value: Any) -> None:
    """Refuse `value` unless it matches `schema`: ValidationFailed with a sentence per field."""
    errors: dict[str, list[str]] = {}
    for error in sorted(_compiled(schema).iter_errors(value), key=lambda e: list(map(str, e.absolute_path))):
        for key, message in _messages(error):
            if message not in errors.setdefault(key, []):
                errors[key].append(message)
    if errors:
        raise ValidationFailed(_("Some fields need correcting."), errors)


def whole_numbers(value: Any) -> Any:
    """`value` with integral floats as ints: JSON has one number type, and 7.0 is the id 7."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**63:
        return int(value)
    if isinstance(value, list):
        return [whole_numbers(item) for item in value]
    if isinstance(value, dict):
        return {key: whole_numbers(item) for key, item in value.items()}
    return value


_WHOLE = re.compile(r"^-?[0-9]{1,19}$")


def _query_values(op: Operation) -> dict[str, Any]:
    """The declared query parameters sent, integers read as such (what is not one stays text)."""
    values: dict[str, Any] = {}
    properties = op.query_schema["properties"]
    for name, schema in properties.items():
        raw = request.args.get(name)
        if raw is None:
            continue
        kind = schema.get("type")
        values[name] = int(raw) if kind == "integer" and _WHOLE.match(raw.strip()) else raw
    return values


# --- the decorator --------------------------------------------------------------------------------


def _refusal(principal: Any, allowed: tuple[Role, ...]) -> Response | None:
    """401 or 403 when the caller may not call this operation."""
    if principal is None:
        return problem(
            401,
            "unauthorized",
            "Unauthorized",
            _("Send a valid token in the Authorization header (Bearer …)."),
        )
    if principal.role not in allowed:
        return problem(
            403,
            "forbidden",
            "Forbidden",
            _("Your role (“%(role)s”) may not do this.", role=label(principal.role)),
        )
    return None


def operation(
    bp: Blueprint,
    rule: str,
    method: str,
    *,
    summary: str,
    roles: Iterable[Role],
    status: int = 200,
    response: dict[str, Any] | None = None,
    request_body: dict[str, Any] | None = None,
    errors: Iterable[type[DomainError]] = (),
    query: Iterable[tuple[str, str | dict[str, Any], str]] = (),
    media_type: str = "application/json",
    tag: str = "",
    headers: dict[int, dict[str, Any]] | None = None,
    find: Callable[..., Any] | None = None,
    commit: bool = True,
) -> Callable:
    """Register `rule` on `bp` for `roles`, validate its input, commit once; document it.

    The handler is called with its path parameters, or with what `find` finds by them (the
    event, the participant: a 404 comes before any complaint about the input), plus `body`
    (the validated JSON object) when the operation declares `request_body`, and `query` (the
    validated query parameters) when it declares `query`. `commit=False` is for the services
    that commit themselves (the door's scans: SQLite commits concurrent scans as a group).
    """
    allowed = tuple(roles)
    op = Operation(
        method=method.lower(),
        path=PREFIX + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule),
        summary=summary,
        roles=allowed,
        status=status,
        response=response,
        request=request_body,
        errors=tuple(errors),
        query=tuple(query),
        media_type=media_type,
        tags=(tag,) if tag else (),
        headers=headers or {},
    )

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def entry(**kwargs: Any):
            try:
                principal = request_principal()
            except CsrfMissing:
                return problem(403, "csrf", "Forbidden", _("The page has expired. Reload it and try again."))
            refused = _refusal(principal, allowed)
            if refused is not None:
                return refused
            g.principal = principal
            try:
                args = (find(**kwargs),) if find else ()
                if find:
                    kwargs = {}
                if op.request is not None:
                    kwargs["body"] = whole_numbers(json_object())
                    validate(op.request, kwargs["body"])
                if op.query:
                    kwargs["query"] = _query_values(op)
                    validate(op.query_schema, kwargs["query"])
                answer = view(*args, **kwargs)
                if commit:
                    db.session.commit()
            except DomainError as exc:
                db.session.rollback()
                return from_domain_error(exc)
            return answer

        bp.add_url_rule(rule, endpoint=view.__name__, view_func=entry, methods=[method])
        OPERATIONS.append(op)
        return entry

    return decorator


def document_public(
    path: str,
    method: str,
    *,
    summary: str,
    response: dict[str, Any],
    other_responses: dict[int, tuple[str, dict[str, Any]]] | None = None,
    tag: str = "",
) -> None:
    """Document a public route outside /api/v1 (no token; e.g. /healthz) in the OpenAPI document."""
    OPERATIONS.append(
        Operation(
            method=method.lower(),
            path=path,
            summary=summary,
            roles=(),
            status=200,
            response=response,
            request=None,
            errors=(),
            query=(),
            tags=(tag,) if tag else (),
            public=True,
            other_responses=other_responses or {},
        )
    )


def allow_header(response: Response) -> Response:
    """Every 405 says which methods the resource has (RFC 9110), problem+json ones included."""
    exc = request.routing_exception
    if response.status_code == 405 and isinstance(exc, MethodNotAllowed) and exc.valid_methods:
        response.headers.setdefault("Allow", ", ".join(sorted(exc.valid_methods)))
    return response


def init_app(app: Flask) -> None:
    """Install what every operation shares: the Allow header of 405 answers."""
    app.after_request(allow_header)
