"""Badge codes, rendering and printing; a plain library importable without Flask."""

from __future__ import annotations
