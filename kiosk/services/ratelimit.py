"""A sliding-window rate limit kept in this process (per key: a kiosk, a participant)."""

from __future__ import annotations

import threading
import time
from collections import deque


class RateLimit:
    """At most `limit` events per key within `window` seconds."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        events = self._events.setdefault(key, deque())
        while events and now - events[0] > self.window:
            events.popleft()
        return events

    def allowed(self, key: str) -> bool:
        """Whether one more event for `key` stays within the limit (and count it if so)."""
        now = time.monotonic()
        with self._lock:
            events = self._recent(key, now)
            if len(events) >= self.limit:
                return False
            events.append(now)
            if len(self._events) > 10_000:  # forget idle keys so memory stays bounded
                for other in [k for k, v in self._events.items() if not v]:
                    del self._events[other]
            return True

    def exceeded(self, key: str) -> bool:
        """Whether `key` has used up its events, without counting one."""
        with self._lock:
            return len(self._recent(key, time.monotonic())) >= self.limit

    def hit(self, key: str) -> None:
        """Count one event for `key` (e.g. a failed attempt)."""
        with self._lock:
            self._recent(key, time.monotonic()).append(time.monotonic())
