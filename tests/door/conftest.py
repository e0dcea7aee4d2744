"""Each door test starts with no keys or checkpoints kept by the process from an earlier test."""

from __future__ import annotations

import pytest

from kiosk.services import door


@pytest.fixture(autouse=True)
def fresh_door_caches():
    door.forget_keys()
    door.forget_gates()
    yield
    door.forget_keys()
    door.forget_gates()
