"""One database handle for both stores: SQLite (embedded, a file) and PostgreSQL, chosen by URL.

SQLite needs care to behave like a server database under concurrent writers:

- WAL, so readers never block the writer and the writer never blocks readers;
- ``busy_timeout``, so a second writer waits for the lock instead of failing at once;
- foreign keys on (SQLite leaves them off per connection);
- ``BEGIN IMMEDIATE`` for write transactions: the write lock is taken at the start, so two
  read-then-write transactions cannot both read and then deadlock on the upgrade to a write lock.

The Python ``sqlite3`` driver (and ``aiosqlite`` on top of it) starts transactions itself and only
before DML, so SQLAlchemy is told to emit ``BEGIN`` itself (the recipe in SQLAlchemy's SQLite docs,
"Serializable isolation / Savepoints / Transactional DDL"). Everything above this module uses
:meth:`Database.reading` and :meth:`Database.writing` and never sees which store it runs on.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import attrs
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

__all__ = ["BUSY_TIMEOUT_MS", "Database", "DatabaseUrlError", "open_database"]

BUSY_TIMEOUT_MS = 30_000
_WRITE = "feedback_write"
_SUPPORTED = ("sqlite+aiosqlite", "postgresql+asyncpg")


class DatabaseUrlError(ValueError):
    """A database URL the service cannot use; the message says which ones it can."""


@attrs.define
class Database:
    """The engine, and a second view of it whose transactions take SQLite's write lock at once.

    On SQLite, writers of one process also queue on an :class:`asyncio.Lock` before asking for the
    file's write lock: SQLite would make all but one of them sleep and poll (``busy_timeout`` backs
    off to 100 ms naps), which under concurrent load costs far more than the writes themselves.
    Writers in other processes still meet at the file lock.
    """

    engine: AsyncEngine
    _writer: AsyncEngine
    _write_lock: asyncio.Lock | None = None

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncConnection]:
        """A read transaction: a consistent snapshot that blocks no one."""
        async with self.engine.connect() as conn, conn.begin():
            yield conn

    @asynccontextmanager
    async def writing(self) -> AsyncIterator[AsyncConnection]:
        """A write transaction (``BEGIN IMMEDIATE`` on SQLite), committed when the block ends normally."""
        if self._write_lock is None:
            async with self._writer.begin() as conn:
                yield conn
            return
        async with self._write_lock, self._writer.begin() as conn:
            yield conn

    async def dispose(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()


def open_database(url: str, *, pool_size: int = 8, echo: bool = False) -> Database:
    """A :class:`Database` for ``url`` (``sqlite+aiosqlite:///file.db`` or ``postgresql+asyncpg://...``)."""
    parsed = sa.make_url(url)
    if parsed.drivername not in _SUPPORTED:
        raise DatabaseUrlError(
            f"unsupported database URL scheme {parsed.drivername!r}: use one of {', '.join(_SUPPORTED)}"
        )
    options: dict[str, Any] = {"echo": echo, "pool_pre_ping": False}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database in (None, "", ":memory:"):
            raise DatabaseUrlError(
                "an in-memory SQLite database is not shared between connections; use a file"
            )
        options.update(pool_size=pool_size, max_overflow=pool_size * 4, pool_timeout=60)
        engine = create_async_engine(parsed, **options)
        _configure_sqlite(engine)
    else:
        options.update(pool_size=pool_size, max_overflow=pool_size)
        engine = create_async_engine(parsed, **options)
    writer = engine.execution_options(**{_WRITE: True})
    if parsed.get_backend_name() == "sqlite":
        return Database(engine, writer, asyncio.Lock())
    return Database(engine, writer)


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when a transaction begins.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA foreign_keys=ON")
            # FULL: a ticket acknowledged with 201 survives a power cut (NORMAL could lose the last
            # commits, and the phone would already have deleted its copy).
            cursor.execute("PRAGMA synchronous=FULL")
        finally:
            cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(_WRITE) else "BEGIN")
