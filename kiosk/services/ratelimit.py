"""Sliding-window rate limits per key (a kiosk, a participant): in this process, or shared through Redis.

`RateLimit` counts in this process's memory. `SharedRateLimit` counts in the storage of the
sign-in limits (`RATELIMIT_STORAGE_URI`: Redis when REDIS_URL is set), so that every worker and
server counts the same attempts; if that storage cannot be reached it counts in this process
meanwhile (still a limit, per process) rather than refusing or letting everyone through.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Mapping
from typing import Any

from flask import Flask
from limits import RateLimitItemPerSecond
from limits.errors import StorageError
from limits.storage import Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

log = logging.getLogger(__name__)


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

    def remaining(self, key: str) -> int:
        """How many more events `key` may have now."""
        with self._lock:
            return max(0, self.limit - len(self._recent(key, time.monotonic())))


class SharedRateLimit:
    """At most `limit` events per key within `window` seconds, counted in shared `storage`."""

    def __init__(self, name: str, limit: int, window: float, storage: Storage, prefix: str = "kiosk") -> None:
        self.limit = limit
        self.window = window
        self._item = RateLimitItemPerSecond(limit, max(1, round(window)))
        self._strategy = MovingWindowRateLimiter(storage)
        self._scope = (prefix, name)
        self._local = RateLimit(limit, window)

    def _storage_failed(self, error: Exception) -> None:
        log.warning(
            "rate limit %s: shared storage unavailable (%s); counting in this process", self._scope[1], error
        )

    def allowed(self, key: str) -> bool:
        """Whether one more event for `key` stays within the limit (and count it if so)."""
        try:
            return self._strategy.hit(self._item, *self._scope, key)
        except StorageError as error:
            self._storage_failed(error)
            return self._local.allowed(key)

    def exceeded(self, key: str) -> bool:
        """Whether `key` has used up its events, without counting one."""
        try:
            return not self._strategy.test(self._item, *self._scope, key)
        except StorageError as error:
            self._storage_failed(error)
            return self._local.exceeded(key)

    def hit(self, key: str) -> None:
        """Count one event for `key` (e.g. a failed attempt)."""
        try:
            self._strategy.hit(self._item, *self._scope, key)
        except StorageError as error:
            self._storage_failed(error)
            self._local.hit(key)

    def remaining(self, key: str) -> int:
        """How many more events `key` may have now."""
        try:
            return max(0, self._strategy.get_window_stats(self._item, *self._scope, key).remaining)
        except StorageError as error:
            self._storage_failed(error)
            return self._local.remaining(key)


def storage_for(config: Mapping[str, Any]) -> Storage:
    """The storage of the sign-in limits (`RATELIMIT_STORAGE_URI`), with short Redis timeouts."""
    uri = config.get("RATELIMIT_STORAGE_URI") or "memory://"
    options: dict[str, Any] = {}
    if uri.startswith(("redis", "rediss")):
        options = {"socket_timeout": 1.0, "socket_connect_timeout": 1.0}
    options.update(config.get("RATELIMIT_STORAGE_OPTIONS") or {})
    return storage_from_string(uri, wrap_exceptions=True, **options)


def app_limit(app: Flask, name: str, defaults: Mapping[str, tuple[int, float]]) -> SharedRateLimit:
    """The rate limit `name` of this application: `defaults[name]` (events, seconds), unless the
    app's KIOSK_RATE_LIMITS overrides it; built once per application.

    Counted where the sign-in limits are (`RATELIMIT_STORAGE_URI`): in Redis when REDIS_URL is
    set, so that a kiosk's attempts count the same on every worker and server.
    """
    limits = app.extensions.setdefault("kiosk_rate_limits", {})
    if name not in limits:
        if "storage" not in limits:
            limits["storage"] = storage_for(app.config)
        events, seconds = {**defaults, **app.config.get("KIOSK_RATE_LIMITS", {})}[name]
        limits[name] = SharedRateLimit(
            name, events, seconds, limits["storage"], app.config.get("RATELIMIT_KEY_PREFIX") or "kiosk"
        )
    return limits[name]
