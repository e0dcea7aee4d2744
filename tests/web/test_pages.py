"""attempt(): a page's service call commits once, or rolls back and hands the refusal over."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from kiosk.extensions import db
from kiosk.models import Venue
from kiosk.services.errors import DelegationFull
from kiosk.web.pages import attempt


def venue_names(app) -> list[str]:
    with app.app_context():
        return list(db.session.execute(select(Venue.name).order_by(Venue.name)).scalars())


def test_a_block_that_succeeds_is_committed(app):
    with app.app_context():
        with attempt() as tried:
            db.session.add(Venue(name="CICG"))
        assert tried.error is None
    assert venue_names(app) == ["CICG"]


def test_a_refusal_rolls_back_and_is_handed_over(app):
    with app.app_context():
        with attempt() as tried:
            db.session.add(Venue(name="Palais"))
            db.session.flush()
            raise DelegationFull("No place left.")
        assert isinstance(tried.error, DelegationFull) and tried.error.detail == "No place left."
    assert venue_names(app) == []


def test_any_other_error_is_not_swallowed(app):
    with app.app_context(), pytest.raises(ZeroDivisionError):
        with attempt():
            db.session.add(Venue(name="Palais"))
            _ = 1 / 0
    assert venue_names(app) == []
