"""The command-line side of the entry layer: run a service, commit once, or stop with its sentence."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click

from kiosk.extensions import db
from kiosk.services.errors import DomainError


def refusal_text(error: DomainError) -> str:
    """The error's sentence followed by what is wrong with each row or field."""
    lines = [f"{where}: {'; '.join(messages)}" for where, messages in error.errors.items()]
    return " ".join([error.detail, *lines])


@contextmanager
def attempt() -> Iterator[None]:
    """Commit once if the block succeeds; on a DomainError roll back and stop the command with its text."""
    try:
        yield
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(refusal_text(exc)) from exc
    db.session.commit()
