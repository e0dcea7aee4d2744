"""The OpenAPI 3.1 document, built from the operations declared with kiosk.web.api.operation."""

from __future__ import annotations

import re
from typing import Any

from kiosk.inputs import MAX_ID
from kiosk.web.api import COMPONENTS, OPERATIONS, query_parameter_schema


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
                "schema": query_parameter_schema(kind),
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
        for status, headers in op.headers.items():
            responses.setdefault(str(status), {"description": "Success"})["headers"] = headers
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
