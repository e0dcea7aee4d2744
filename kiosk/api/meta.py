"""The API's own description."""

from __future__ import annotations

from flask import Blueprint, jsonify

from kiosk.api.spec import openapi_document

bp = Blueprint("api_meta", __name__, url_prefix="/api/v1")


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI document, public so that clients can be generated from it."""
    return jsonify(openapi_document())
