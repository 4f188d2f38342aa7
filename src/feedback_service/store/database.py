"""One database handle for both stores: SQLite (embedded, a file) and PostgreSQL, chosen by URL.

Reads are ``async with db.reading() as conn``. A write is a plain function of a synchronous
connection, ``await db.write(work)``: the handle runs it in a transaction and commits it, wherever that
is cheapest for the store. On PostgreSQL it runs on a pooled ``asyncpg`` connection
(``AsyncConnection.run_sync``), one transaction per write, as many at once as the pool allows. On
SQLite it runs in the one writer thread of :mod:`~feedback_service.store.writer`, which commits
concurrent writes together; writes never wait on the event loop in the middle of a transaction.

SQLite needs care to behave like a server database under concurrent writers:

- WAL, so readers never block the writer and the writer never blocks readers;
- ``busy_timeout``, so a writer in another process waits for the lock instead of failing at once;
- foreign keys on (SQLite leaves them off per connection);
- ``BEGIN IMMEDIATE`` for write transactions: the write lock is taken at the start, so two
  read-then-write transactions cannot both read and then deadlock on the upgrade to a write lock.

The Python ``sqlite3`` driver (and ``aiosqlite`` on top of it) starts transactions itself and only
before DML, so SQLAlchemy is told to emit ``BEGIN`` itself (the recipe in SQLAlchemy's SQLite docs,
"Serializable isolation / Savepoints / Transactional DDL"). Everything above this module uses
:meth:`Database.reading` and :meth:`Database.write` and never sees which store it runs on.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import attrs
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from feedback_service.metrics import watch_pool
from feedback_service.store.aggregate import discard_deltas, flush_deltas
from feedback_service.store.writer import PooledWriter, SqliteWriter, Work, Writer

__all__ = [
    "BUSY_TIMEOUT_MS",
    "Database",
    "DatabaseUrlError",
    "open_database",
    "parse_database_url",
    "run_writes",
]

BUSY_TIMEOUT_MS = 30_000
_SUPPORTED = ("sqlite+aiosqlite", "postgresql+asyncpg")
_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "sqlite+aiosqlite": "sqlite+aiosqlite",
    "postgresql": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",
    "postgresql+asyncpg": "postgresql+asyncpg",
}
"""The URL schemes people write (and hosting platforms hand out), and the driver the service uses for each."""

T = TypeVar("T")


class DatabaseUrlError(ValueError):
    """A database URL the service cannot use; the message says which ones it can."""


@attrs.define
class Database:
    """The engine for reads, and the writer that runs write transactions (group commit on both stores)."""

    engine: AsyncEngine
    _writer: Writer

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncConnection]:
        """A read transaction: a consistent snapshot that blocks no one."""
        async with self.engine.connect() as conn, conn.begin():
            yield conn

    async def write(self, work: Work[T]) -> T:
        """Run ``work`` in a write transaction (``BEGIN IMMEDIATE`` on SQLite); its result once committed.

        ``work`` gets a synchronous :class:`sqlalchemy.Connection` already in the transaction and must
        not commit; if it raises, nothing it wrote is kept and the exception comes out here.
        """
        return await self._writer.submit(work)

    async def dispose(self) -> None:
        """Finish queued writes and close every connection."""
        await self._writer.close()
        await self.engine.dispose()


def run_writes(conn: sa.Connection, works: Sequence[Work[Any]]) -> list[Any]:
    """Run ``works`` in the connection's open transaction, then what they left for its end.

    Mutations add their trend-aggregate rows to the transaction (:func:`~feedback_service.store.
    aggregate.add_deltas`); they are upserted here, once, after the last write.
    """
    discard_deltas(conn)
    results = [work(conn) for work in works]
    flush_deltas(conn)
    return results


def parse_database_url(url: str) -> sa.URL:
    """``url`` with the driver the service uses: ``sqlite:///x.db``, ``postgresql://...`` and
    ``postgres://...`` are accepted as written, the driver-qualified forms too.

    Raises :class:`DatabaseUrlError` for text that is no URL or a database the service cannot use.
    """
    try:
        parsed = sa.make_url(url)
    except (sa.exc.ArgumentError, ValueError):
        raise DatabaseUrlError(
            f"{url!r} is not a database URL: write sqlite:///feedback.db or postgresql://user@host/database"
        ) from None
    driver = _DRIVERS.get(parsed.drivername)
    if driver is None:
        raise DatabaseUrlError(
            f"unsupported database URL scheme {parsed.drivername!r}: use sqlite:///FILE or "
            f"postgresql://USER@HOST/DATABASE (or {', '.join(_SUPPORTED)})"
        )
    return parsed.set(drivername=driver)


def open_database(url: str, *, pool_size: int = 8, echo: bool = False) -> Database:
    """A :class:`Database` for ``url`` (SQLite or PostgreSQL; see :func:`parse_database_url`)."""
    parsed = parse_database_url(url)
    options: dict[str, Any] = {"echo": echo, "pool_pre_ping": False}
    if parsed.get_backend_name() != "sqlite":
        options.update(pool_size=pool_size, max_overflow=pool_size)
        engine = create_async_engine(parsed, **options)
        watch_pool(engine.sync_engine, store=engine.dialect.name, purpose="read_write")
        return Database(engine, PooledWriter(engine, run_writes))
    if parsed.database in (None, "", ":memory:"):
        raise DatabaseUrlError("an in-memory SQLite database is not shared between connections; use a file")
    # Readers on aiosqlite, many at once; the writer on the synchronous driver, in its own thread.
    # The pool keeps four times as many readers as on PostgreSQL: an SQLite connection costs a thread
    # and a few pages, but opening one (a thread, the file, four PRAGMAs) is slow, and group commit
    # answers many requests at once, whose next requests then all authenticate at once. With only
    # eight kept, the readers of each burst were opened and closed again (docs/performance.md).
    reader = create_async_engine(
        parsed, pool_size=pool_size * 4, max_overflow=pool_size * 4, pool_timeout=60, **options
    )
    _configure_sqlite(reader.sync_engine, write=False)
    writer = sa.create_engine(parsed.set(drivername="sqlite"), pool_size=1, max_overflow=0, **options)
    _configure_sqlite(writer, write=True)
    watch_pool(reader.sync_engine, store="sqlite", purpose="read")
    watch_pool(writer, store="sqlite", purpose="write")
    return Database(reader, SqliteWriter(writer, run_writes))


def _configure_sqlite(engine: sa.Engine, *, write: bool) -> None:
    @event.listens_for(engine, "connect")
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

    @event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
