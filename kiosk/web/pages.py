"""The page side of the entry layer: one lookup per thing a URL names, one way to run a service.

CSRF is not checked here: the global CSRFProtect (kiosk.extensions.csrf) refuses every POST
to a page without a valid token before the view runs (only the API blueprints are exempt; they
check the page token themselves when a page calls them).

A handler runs its service inside `attempt()`::

    with attempt() as tried:
        registration.update_participant(db.session, someone, values, actor)
    if refused := tried.error:
        return render_form(error=refused.detail, errors=refused.errors), refused.status
    return redirect(...)

The session commits once when the block ends without error (after-commit effects follow:
mail, live updates, print wake-ups); a DomainError rolls it back and is handed to the handler.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import abort
from sqlalchemy import select

from kiosk.extensions import db
from kiosk.models import Delegation, Event, Participant
from kiosk.services.errors import DomainError


@dataclass
class Attempt:
    """What became of the service calls in an `attempt()` block: the refusal, or None."""

    error: DomainError | None = None


@contextmanager
def attempt() -> Iterator[Attempt]:
    """Commit once if the block succeeds; on a DomainError roll back and keep it in `error`."""
    tried = Attempt()
    try:
        yield tried
    except DomainError as exc:
        db.session.rollback()
        tried.error = exc
    else:
        db.session.commit()


def event_or_404(slug: str) -> Event:
    """The event named `slug`, or 404."""
    return db.first_or_404(select(Event).filter_by(slug=slug))


def delegation_or_404(event: Event, delegation_id: int) -> Delegation:
    """A delegation of `event`, or 404."""
    delegation = db.session.get(Delegation, delegation_id)
    if delegation is None or delegation.event_id != event.id:
        abort(404)
    return delegation


def participant_or_404(event: Event, participant_id: int) -> Participant:
    """A participant of `event`, or 404."""
    participant = db.session.get(Participant, participant_id)
    if participant is None or participant.event_id != event.id:
        abort(404)
    return participant
