"""Schema migrations: Alembic scripts shipped inside the package, run programmatically.

``feedback-service migrate`` and the app's start (single process) call :func:`upgrade`;
``feedback-service serve --workers N`` calls it once in the parent before starting workers, so
workers never race to migrate. Concurrent callers are still safe: on SQLite the upgrade runs in a
``BEGIN IMMEDIATE`` transaction, on PostgreSQL under an advisory lock, so the second one finds the
schema current and does nothing.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from feedback_service.store.database import Database

__all__ = ["MIGRATIONS", "current_revision", "head_revision", "upgrade"]

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


async def upgrade(db: Database) -> str:
    """Bring the schema to the newest revision; returns it."""

    def run(connection: sa.Connection) -> None:
        if connection.dialect.name == "postgresql":
            connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_ID})
        command.upgrade(_config(connection), "head")

    await db.write(run)
    return head_revision()


async def current_revision(db: Database) -> str | None:
    """The revision the database is at, ``None`` if it was never migrated."""

    def read(connection: sa.Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async with db.reading() as conn:
        return await conn.run_sync(read)
