"""Web servers that share the database, each heard of by its heartbeat (no personal data)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from kiosk.models.base import Base, UTCDateTime, utcnow


class WebServer(Base):
    """A running gunicorn server (its master process) and whether it shares state through Redis."""

    __tablename__ = "web_servers"

    #: host:pid:random, unique per server start.
    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int]
    #: Whether the server was started with REDIS_URL (limits and live figures shared).
    uses_redis: Mapped[bool]
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
