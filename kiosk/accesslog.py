"""Access logs without secrets: private-link secrets and credentials are replaced by "…".

The private link's secret appears in one address only (`/d/<secret>/`, which signs the focal
point in and redirects), a kiosk's one-time enrolment secret in `/kiosk/enrol/<secret>`; these
filters keep them out of the development server's log and out of gunicorn's access log (see
gunicorn.conf.py).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from gunicorn.glogging import Logger

#: A private link or a kiosk's one-time enrolment link: everything after /d/ or /kiosk/enrol/ up
#: to the next slash, query or space.
SECRET_IN_PATH = re.compile(r"(/d/|/kiosk/enrol/)[^/?#\s\"]+")
#: Header and environment atoms that carry credentials.
CREDENTIAL_ATOMS = re.compile(r"authorization|cookie|token", re.IGNORECASE)


def redact(text: str) -> str:
    """`text` with any private-link secret replaced by "…"."""
    return SECRET_IN_PATH.sub(r"\1…", text)


class RedactSecrets(logging.Filter):
    """A logging filter for the development server's request log."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(arg) if isinstance(arg, str) else arg for arg in record.args)
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True


#: The atoms an access-log format names: %(h)s, %({x-request-id}i)s …
_FORMAT_ATOM = re.compile(r"%\(([^)]+)\)")


class GunicornLogger(Logger):
    """gunicorn's logger, handing the log only the atoms its format names, redacted.

    Every other atom (each header and environment variable gunicorn collects) is dropped rather
    than redacted one by one: that took a third of a trivial request's time.
    """

    def atoms(self, resp, req, environ, request_time) -> dict[str, Any]:
        atoms = super().atoms(resp, req, environ, request_time)
        named: dict[str, Any] = {}
        for key in self._named_atoms():
            value = atoms.get(key)
            if value is None:
                continue  # gunicorn's SafeAtoms shows "-"
            if CREDENTIAL_ATOMS.search(key):
                named[key] = "…"
            else:
                named[key] = redact(value) if isinstance(value, str) else value
        return named

    def _named_atoms(self) -> frozenset[str]:
        """The atoms of the configured format, header atoms in lower case as gunicorn looks them up."""
        log_format = self.cfg.access_log_format
        if getattr(self, "_format_read", None) != log_format:
            keys = _FORMAT_ATOM.findall(log_format)
            self._atoms_named = frozenset(key.lower() if key.startswith("{") else key for key in keys)
            self._format_read = log_format
        return self._atoms_named


def install_dev_server_filter() -> None:
    """Redact secrets from the development server's request log."""
    logger = logging.getLogger("werkzeug")
    if not any(isinstance(f, RedactSecrets) for f in logger.filters):
        logger.addFilter(RedactSecrets())
