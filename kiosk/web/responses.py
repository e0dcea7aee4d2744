"""Responses built one way for pages and API alike: a participant's photo."""

from __future__ import annotations

from flask import Response
from flask_babel import gettext as _

from kiosk.models import Participant
from kiosk.services.errors import NotFound


def photo(participant: Participant) -> Response:
    """The participant's photo, or NotFound; each route keeps its own access rule.

    Kept in no cache: desk screens and door phones are shared (the door's service worker keeps
    the last few hundred photos itself, for scanning offline).
    """
    if participant.photo is None:
        raise NotFound(_("There is no photo of this participant."))
    return Response(
        participant.photo,
        mimetype=participant.photo_type or "image/jpeg",
        headers={"Cache-Control": "private, no-store"},
    )
