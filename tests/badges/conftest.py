"""Fixtures for the badges tests."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Until pyproject.toml sets pytest's `pythonpath = ["."]`, make the repo root importable.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
