"""Backups of the database and their restoration, into an empty database only.

SQLite: sqlite3's online backup API (a consistent copy while the app keeps writing).
PostgreSQL: `pg_dump -Fc` (custom format) and `pg_restore` in one transaction, found in the
newest /usr/lib/postgresql/*/bin (a newer pg_dump reads older servers) or else on PATH. The
connection's password travels in the environment (PGPASSWORD), never on a command line.
"""

from __future__ import annotations

import glob
import os
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path

from sqlalchemy import Engine, inspect
from sqlalchemy.engine import URL

#: The first bytes of each kind of backup file.
SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"


class BackupError(Exception):
    """A backup or restore that cannot be done; the message is a sentence for the operator."""


def pg_program(name: str) -> str:
    """The path of a PostgreSQL client program (pg_dump, pg_restore)."""
    versions = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=_version_of)
    found = versions[-1] if versions else shutil.which(name)
    if not found:
        raise BackupError(f"{name} is not installed: apt-get install postgresql-client.")
    return found


def _version_of(path: str) -> tuple[int, ...]:
    part = Path(path).parent.parent.name
    return tuple(int(n) for n in part.split(".") if n.isdigit())


def _pg_environment(url: URL) -> dict[str, str]:
    """libpq's variables for `url` (the password out of sight of `ps`)."""
    env = {**os.environ}
    for variable, value in (
        ("PGHOST", url.host),
        ("PGPORT", url.port),
        ("PGUSER", url.username),
        ("PGPASSWORD", url.password),
        ("PGDATABASE", url.database),
    ):
        if value is not None:
            env[variable] = str(value)
    return env


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
        raise BackupError(f"{what} failed: {lines[-1] if lines else f'exit status {result.returncode}'}")


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("An in-memory SQLite database cannot be backed up or restored.")
    return Path(url.database)


def backup(engine: Engine, out: Path) -> str:
    """Write a backup of the database to `out` (a new file); return which kind."""
    if out.exists():
        raise BackupError(f"{out} already exists; choose a new file name (nothing was written).")
    out.parent.mkdir(parents=True, exist_ok=True)
    url = engine.url
    fd, temporary = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".part")
    os.close(fd)
    try:
        if url.get_backend_name() == "sqlite":
            source = sqlite3.connect(_sqlite_path(url))
            target = sqlite3.connect(temporary)
            try:
                with target:
                    source.backup(target)
            finally:
                target.close()
                source.close()
            kind = "SQLite"
        elif url.get_backend_name() == "postgresql":
            _run(
                [
                    pg_program("pg_dump"),
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    "--file",
                    temporary,
                ],
                _pg_environment(url),
                "pg_dump",
            )
            kind = "PostgreSQL (pg_dump custom format)"
        else:
            raise BackupError(f"Backups of {url.get_backend_name()} databases are not supported.")
        os.replace(temporary, out)  # a backup file is whole or absent
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return kind


def tables_in(engine: Engine) -> list[str]:
    """The tables the database holds now (every schema but the system's, on PostgreSQL)."""
    inspector = inspect(engine)
    if engine.url.get_backend_name() == "postgresql":
        return [
            f"{schema}.{table}"
            for schema in inspector.get_schema_names()
            if schema not in ("information_schema", "pg_catalog") and not schema.startswith("pg_")
            for table in inspector.get_table_names(schema=schema)
        ]
    return inspector.get_table_names()


def restore(engine: Engine, backup_file: Path) -> str:
    """Restore `backup_file` into the database of `engine`, which must hold no table yet."""
    if not backup_file.is_file():
        raise BackupError(f"{backup_file} is not a file.")
    with backup_file.open("rb") as handle:
        head = handle.read(16)
    backend = engine.url.get_backend_name()
    expected = {"sqlite": SQLITE_MAGIC, "postgresql": PG_DUMP_MAGIC}.get(backend)
    if expected is None:
        raise BackupError(f"Restoring into {backend} databases is not supported.")
    if not head.startswith(expected):
        made_by = (
            "SQLite"
            if head.startswith(SQLITE_MAGIC)
            else "pg_dump"
            if head.startswith(PG_DUMP_MAGIC)
            else None
        )
        raise BackupError(
            f"{backup_file} is not a backup of a {backend} database"
            + (f" (it is a {made_by} backup)." if made_by else ".")
        )
    present = tables_in(engine)
    engine.dispose()
    if present:
        raise BackupError(
            f"The database is not empty ({len(present)} tables, e.g. {present[0]}): restore only into an "
            "empty database. Create a new one and point DATABASE_URL at it; nothing was changed."
        )
    if backend == "sqlite":
        source = sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True)
        try:
            if source.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise BackupError(
                    f"{backup_file} is damaged (SQLite's quick_check failed); nothing was changed."
                )
            target = sqlite3.connect(_sqlite_path(engine.url))
            try:
                with target:
                    source.backup(target)
            finally:
                target.close()
        finally:
            source.close()
        return "SQLite"
    _run(
        [
            pg_program("pg_restore"),
            "--single-transaction",
            "--exit-on-error",
            "--no-owner",
            "--no-privileges",
            "--dbname",
            str(engine.url.database),
            str(backup_file),
        ],
        _pg_environment(engine.url),
        "pg_restore",
    )
    return "PostgreSQL"
