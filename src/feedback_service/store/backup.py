"""Backing up and restoring an SQLite store: ``feedback-service backup`` and ``restore``.

A backup is made with SQLite's online backup API (``sqlite3.Connection.backup``) in one step, that
is inside one read transaction of the live database: with WAL the service keeps writing meanwhile,
and the copy is the database as of one moment, every ticket with its whole history and the trend
aggregate that matches it. A copy of the file with ``cp`` is not safe while the service runs (it
can catch a half-written page, and misses what still sits in ``-wal``).

The copy is written next to its destination under a temporary name, checked with
``PRAGMA integrity_check``, switched to a self-contained single file (``journal_mode=DELETE``),
flushed to disk and only then renamed into place, so a backup file that exists is a whole one.
A restore checks the backup the same way first, copies it into the target with the same API (so
a target in WAL mode is replaced consistently, ``-wal`` included) and checks the result.

PostgreSQL is backed up with its own tools, ``pg_dump --format=custom`` and ``pg_restore``
(docs/deployment.md, "Backups").
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import attrs

from feedback_service.store.database import BUSY_TIMEOUT_MS

__all__ = ["BackupError", "BackupReport", "backup_sqlite", "check_sqlite", "restore_sqlite"]


class BackupError(Exception):
    """A backup or restore that cannot be done as asked; the message says why and what to do."""


@attrs.frozen
class BackupReport:
    """What a backup or restore wrote: where, how many tickets, at which schema revision."""

    path: Path
    tickets: int
    revision: str | None
    size: int


@contextlib.contextmanager
def _connect(path: Path, *, read_only: bool = False) -> Iterator[sqlite3.Connection]:
    uri = path.resolve().as_uri() + ("?mode=ro" if read_only else "")
    conn = sqlite3.connect(uri, uri=True, isolation_level=None)
    try:
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        yield conn
    finally:
        conn.close()


def _checked(conn: sqlite3.Connection, path: Path) -> BackupReport:
    """``path``'s report once ``PRAGMA integrity_check`` says ok; :class:`BackupError` otherwise."""
    try:
        problems = [row[0] for row in conn.execute("PRAGMA integrity_check")]
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path}: not an SQLite database ({exc})") from None
    if problems != ["ok"]:
        raise BackupError(f"{path}: integrity check failed: {'; '.join(problems[:3])}")
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "tickets" not in tables or "alembic_version" not in tables:
        raise BackupError(f"{path}: not a feedback-service database (no tickets or alembic_version table)")
    tickets = conn.execute("SELECT count(*) FROM tickets").fetchone()[0]
    revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    return BackupReport(path, int(tickets), revision[0] if revision else None, path.stat().st_size)


def check_sqlite(path: Path) -> BackupReport:
    """Check a database or backup file without changing it."""
    if not path.is_file():
        raise BackupError(f"{path}: no such file")
    with _connect(path, read_only=True) as conn:
        return _checked(conn, path)


def backup_sqlite(source: Path, target: Path) -> BackupReport:
    """Copy the live database ``source`` to ``target`` (replaced if it exists), checked."""
    if not source.is_file():
        raise BackupError(f"{source}: no such database file")
    if target.resolve() == source.resolve():
        raise BackupError("the backup must not be the database itself")
    if not target.parent.is_dir():
        raise BackupError(f"{target.parent}: no such directory")
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        with _connect(source) as live, _connect(partial) as copy:
            live.backup(copy)  # one step: one read transaction, one moment of the live database
            copy.execute("PRAGMA journal_mode=DELETE")
            report = _checked(copy, partial)
        with partial.open("rb") as done:
            os.fsync(done.fileno())
        os.replace(partial, target)
        _fsync_directory(target.parent)
    finally:
        partial.unlink(missing_ok=True)
    return attrs.evolve(report, path=target)


def restore_sqlite(backup: Path, target: Path, *, replace: bool = False) -> BackupReport:
    """Copy the checked ``backup`` into ``target``; a target that holds tickets needs ``replace``."""
    check_sqlite(backup)
    if target.resolve() == backup.resolve():
        raise BackupError("restore into another file than the backup itself")
    if target.exists() and target.stat().st_size > 0 and not replace:
        raise BackupError(
            f"{target} already holds a database: stop the service, then pass --replace to overwrite it"
        )
    if not target.parent.is_dir():
        raise BackupError(f"{target.parent}: no such directory")
    with _connect(backup, read_only=True) as saved, _connect(target) as restored:
        saved.backup(restored)
        restored.execute("PRAGMA journal_mode=WAL")  # as the service runs it
        report = _checked(restored, target)
    return attrs.evolve(report, size=target.stat().st_size)


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
