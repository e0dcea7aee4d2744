"""Access logs without secrets or names: private-link secrets, credentials and searched names become "…".

The private link's secret appears in one address only (`/d/<secret>/`, which signs the focal
point in and redirects), a kiosk's one-time enrolment secret in `/kiosk/enrol/<secret>`; names
in the query strings of searches (`?q=`, `?family_name=`). Addresses are read as the app reads
them, percent-decoded, so `/%64/<secret>/` is redacted like `/d/<secret>/`. These filters keep
them out of the development server's log and out of gunicorn's access log (see gunicorn.conf.py).
"""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import unquote, unquote_plus

from gunicorn.glogging import Logger

#: A private link or a kiosk's one-time enrolment link, in an address as the app reads it (percent
#: decoded: /%64/… is /d/…; slashes merged: /d//… is /d/…): everything after /d/ or /kiosk/enrol/
#: up to the next slash, query, ampersand or space.
SECRET_IN_PATH = re.compile(r"(/+d/+|/+kiosk/+enrol/+)[^/?#&\s\"]+")
#: Query parameters that carry a person's name or address: the desk's and the API's search (q),
#: the kiosk's "find me" (family_name), the audit log's person filter (actor).
PERSONAL_PARAMETERS = frozenset({"q", "family_name", "given_name", "name", "email", "actor"})
#: Header and environment atoms that carry credentials.
CREDENTIAL_ATOMS = re.compile(r"authorization|cookie|token", re.IGNORECASE)
#: A word of a log line that may be an address (a request line's target, a Referer).
_WORD = re.compile(r"[^\s\"]+")
#: What a redacted, decoded address must not show as such in a log line.
_UNPRINTABLE = re.compile(r"[\s\"\\\x00-\x1f\x7f-\x9f]")


def _printable(decoded: str) -> str:
    return _UNPRINTABLE.sub(lambda m: "".join(f"%{b:02X}" for b in m.group().encode()), decoded)


def _without_secret(part: str) -> str:
    """`part` of an address, or its decoded form with any secret replaced by "…" if it holds one."""
    decoded = unquote(part, errors="replace")
    if not SECRET_IN_PATH.search(decoded):
        return part
    return _printable(SECRET_IN_PATH.sub(r"\1…", decoded))


def redact_query(query: str) -> str:
    """A query string with the values of personal parameters, and any secret, replaced by "…"."""
    fields = []
    for field in query.split("&"):
        key, equals, _value = field.partition("=")
        if equals and unquote_plus(key, errors="replace").strip() in PERSONAL_PARAMETERS:
            fields.append(f"{key}=…")
        else:
            fields.append(_without_secret(field))
    return "&".join(fields)


def _redact_word(word: str) -> str:
    path, mark, query = word.partition("?")
    return _without_secret(path) + mark + (redact_query(query) if mark else "")


def redact(text: str) -> str:
    """`text` with private-link and enrolment secrets, and names searched for, replaced by "…"."""
    return _WORD.sub(lambda m: _redact_word(m.group()), text)


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
            elif key == "q" and isinstance(value, str):  # the query string alone, without "?"
                named[key] = redact_query(value)
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
