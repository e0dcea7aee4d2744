"""One decorator declares an API route: its path, roles, input and output, and its OpenAPI entry."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, current_app, g, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.orm import Session

from kiosk.api.schemas import COMPONENTS
from kiosk.extensions import csrf, db
from kiosk.inputs import MAX_ID
from kiosk.models import Kiosk, Role
from kiosk.services import kiosks
from kiosk.services.auth import Principal, authenticate, session_user
from kiosk.services.errors import DomainError
from kiosk.services.vocabulary import label
from kiosk.web.responses import problem

PREFIX = "/api/v1"
#: The cookie that holds an enrolled kiosk's device secret.
KIOSK_COOKIE = "kiosk_device"


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


OPERATIONS: list[Operation] = []


def bearer_secret() -> str:
    """The secret of an `Authorization: Bearer …` header, or an empty string."""
    scheme, _sep, secret = request.headers.get("Authorization", "").partition(" ")
    return secret.strip() if scheme.lower() == "bearer" else ""


class CsrfMissing(Exception):
    """A page's request to the API that changes something came without the page's CSRF token."""


def _require_page_csrf() -> None:
    """A page's request that changes something must carry the page's CSRF token."""
    if request.method not in ("GET", "HEAD", "OPTIONS") and current_app.config.get("WTF_CSRF_ENABLED", True):
        try:
            csrf.protect()
        except CSRFError:
            raise CsrfMissing from None


def request_principal() -> Principal | None:
    """Who is calling: a bearer token, else an enrolled kiosk's browser, else the signed-in user.

    Pages of this application (the kiosk, the desk, the door, the dashboard) call the API with
    a cookie: the kiosk device cookie (`KIOSK_COOKIE`, set at enrolment) or the user's session.
    A request that changes something must then carry the page's CSRF token in the `X-CSRFToken`
    header, which another site cannot read nor send. A browser enrolled as a kiosk acts as that
    kiosk even if someone signs in on it: staff work on their own screens.
    """
    secret = bearer_secret()
    if secret:
        return authenticate(db.session, secret)
    device = kiosk_from_cookie()
    if device is not None:
        _require_page_csrf()
        return Principal(
            role=Role.KIOSK, label=f"kiosk:{device.id}", event_id=device.event_id, kiosk_id=device.id
        )
    if not current_user.is_authenticated:
        return None
    _require_page_csrf()
    return Principal(role=current_user.role, label=f"user:{current_user.id}", user_id=current_user.id)


def still_signed_in() -> Callable[[Session], bool]:
    """A check, for later, that this request's credentials still sign its caller in.

    A long response (an event stream) outlives the request: it asks again now and then, so that
    a sign-out, a deactivated user or a revoked token ends it. For bearer tokens and staff
    sign-ins (kiosks have no long responses).
    """
    principal: Principal = g.principal
    secret = bearer_secret()
    if secret:
        return lambda session: authenticate(session, secret) == principal
    user_id, key = current_user.id, current_user.session_key
    lifetime = current_app.permanent_session_lifetime

    def check(session: Session) -> bool:
        user = session_user(session, user_id, key, lifetime)
        return user is not None and user.is_active

    return check


def kiosk_from_cookie() -> Kiosk | None:
    """The enrolled, unrevoked kiosk whose device cookie this request carries."""
    secret = request.cookies.get(KIOSK_COOKIE, "")
    return kiosks.kiosk_for_secret(db.session, secret) if secret else None


def route(
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
) -> Callable:
    """Register `rule` on `bp`, allow only `roles`, and document it in the OpenAPI document."""
    allowed = tuple(roles)

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def guarded(*args, **kwargs):
            try:
                principal = request_principal()
            except CsrfMissing:
                return problem(403, "csrf", "Forbidden", _("The page has expired. Reload it and try again."))
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
            g.principal = principal
            try:
                return view(*args, **kwargs)
            except DomainError as exc:
                db.session.rollback()
                return problem(exc.status, exc.code, exc.title, exc.detail, exc.errors or None)

        bp.add_url_rule(rule, endpoint=view.__name__, view_func=guarded, methods=[method])
        OPERATIONS.append(
            Operation(
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
            )
        )
        return guarded

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


#: No NUL in text parameters (every request with one is refused; see kiosk.inputs).
_NO_NUL = {"pattern": "^[^\\x00]*$"}


def _path_schema(name: str) -> dict[str, Any]:
    """Ids are positive and fit the database (the `int` converter); other names are text without "/"."""
    if name.endswith("id"):
        return {"type": "integer", "minimum": 1, "maximum": MAX_ID}
    return {"type": "string", "minLength": 1, "pattern": "^[^\\x00/]+$"}


def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.1 document, built from the registered operations and schemas."""
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        parameters = [
            {"name": name, "in": "path", "required": True, "schema": _path_schema(name)}
            for name in re.findall(r"{(\w+)}", op.path)
        ] + [
            {
                "name": name,
                "in": "query",
                "required": False,
                "schema": {"type": kind, **_NO_NUL} if kind == "string" else kind,
                "description": text,
            }
            for name, kind, text in op.query
        ]
        responses: dict[str, Any] = {
            str(op.status): {
                "description": "Success",
                **({"content": {op.media_type: {"schema": op.response}}} if op.response else {}),
            },
        }
        for status, (description, schema) in sorted(op.other_responses.items()):
            responses[str(status)] = {
                "description": description,
                "content": {op.media_type: {"schema": schema}},
            }
        if op.public:
            paths.setdefault(op.path, {})[op.method] = {
                "summary": op.summary,
                "description": "Public: no token needed.",
                "operationId": f"{op.method}_{re.sub(r'[^a-z0-9]+', '_', op.path.lower()).strip('_')}",
                "responses": responses,
                "security": [],
                **({"tags": list(op.tags)} if op.tags else {}),
            }
            continue
        codes: dict[int, list[str]] = {401: ["unauthorized"], 403: ["forbidden"]}
        if "{" in op.path:
            codes[404] = ["not_found"]
        if op.request or op.query:
            codes.setdefault(422, []).append("invalid")
        for error in op.errors:
            codes.setdefault(error.status, []).append(error.code)
        for status, names in sorted(codes.items()):
            responses[str(status)] = {
                "description": "Problem codes: " + ", ".join(f"`{name}`" for name in dict.fromkeys(names)),
                "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
            }
        operation: dict[str, Any] = {
            "summary": op.summary,
            "description": "Roles: " + ", ".join(r.value for r in op.roles),
            "operationId": f"{op.method}_{re.sub(r'[^a-z0-9]+', '_', op.path.lower()).strip('_')}",
            "parameters": parameters,
            "responses": responses,
            "security": [{"bearer": []}],
        }
        if op.tags:
            operation["tags"] = list(op.tags)
        if op.request:
            operation["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": op.request}},
            }
        paths.setdefault(op.path, {})[op.method] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": "Accreditation, check-in and badges API", "version": "1.0.0"},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": COMPONENTS,
    }
