"""Each door test starts with nothing the process kept from an earlier test (keys, checkpoints, bundles)."""

from __future__ import annotations

import pytest

from kiosk.services import door


@pytest.fixture(autouse=True)
def fresh_door_caches():
    door.forget_caches()
    yield
    door.forget_caches()
