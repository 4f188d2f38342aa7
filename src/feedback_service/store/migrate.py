"""Schema migrations: Alembic scripts shipped inside the package, run programmatically.

``feedback-service migrate`` and the app's start (single process) call :func:`upgrade`;
``feedback-service serve --workers N`` calls it once in the parent before starting workers, so a
host's workers never race to migrate. Several hosts starting at once (or a ``migrate`` run during a
start) are safe too: the upgrade runs under a lock that waits as long as the migration takes, and
whoever comes second finds the schema current and does nothing.

- PostgreSQL: ``pg_advisory_xact_lock`` in the migration's transaction (released by its commit);
- SQLite: an exclusive ``flock`` on ``<database>-migrate.lock`` beside the file (released when the
  migration ends or the process dies), then the migration in a ``BEGIN IMMEDIATE`` transaction. The
  lock file is separate because SQLite's own locks on the database file are POSIX locks, which any
  other descriptor of that file closing would release; and because ``BEGIN IMMEDIATE`` alone gives
  up after the busy timeout (30 s) while a long migration may take longer.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
from collections.abc import AsyncIterator
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from feedback_service.store.database import Database

__all__ = ["MIGRATIONS", "current_revision", "head_revision", "migration_lock", "upgrade"]

MIGRATIONS = Path(__file__).with_name("migrations")
_LOCK_ID = 0x_FEED_BAC  # an arbitrary key for pg_advisory_xact_lock


def _config(connection: sa.Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest revision the package ships."""
    head = ScriptDirectory.from_config(_config()).get_current_head()
    if head is None:  # pragma: no cover - the package always ships revisions
        raise RuntimeError(f"no migration scripts in {MIGRATIONS}")
    return head


@contextlib.asynccontextmanager
async def migration_lock(db: Database) -> AsyncIterator[None]:
    """Held while this process migrates an SQLite file; waits (off the event loop) while another does.

    On PostgreSQL it holds nothing: the advisory lock is taken inside the migration's transaction.
    """
    database = db.engine.url.database
    if db.dialect != "sqlite" or not database:
        yield
        return
    fd = os.open(f"{database}-migrate.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        await asyncio.to_thread(fcntl.flock, fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


async def upgrade(db: Database, revision: str = "head") -> str:
    """Bring the schema to ``revision`` (the newest by default), under the migration lock; returns it.

    An earlier revision is for tests that build a database as an older release left it.
    """

    def run(connection: sa.Connection) -> None:
        if connection.dialect.name == "postgresql":
            connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_ID})
        command.upgrade(_config(connection), revision)

    async with migration_lock(db):
        await db.write(run)
    return head_revision() if revision == "head" else revision


async def current_revision(db: Database) -> str | None:
    """The revision the database is at, ``None`` if it was never migrated."""

    def read(connection: sa.Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async with db.reading() as conn:
        return await conn.run_sync(read)
