"""One database handle for both stores: SQLite (embedded, a file) and PostgreSQL, chosen by URL.

Reads are ``async with db.reading() as conn``; a small read by key (a token, one ticket) is a plain
function of a synchronous connection, ``await db.read(work)``, run where it costs least (below). A
write is a plain function of a synchronous connection, ``await db.write(work)``: the handle runs it
in a transaction and commits it. Both stores commit concurrent writes together (group commit, in
:mod:`~feedback_service.store.writer`): on PostgreSQL a :class:`~feedback_service.store.writer.PooledWriter`
runs up to two write transactions per process on pooled ``asyncpg`` connections
(``AsyncConnection.run_sync``), each holding every write that waited; on SQLite the one writer
does (a group of creations built on the event loop and committed by a child process, every other
group in the writer's thread). If a write of a group raises, the group runs again write by write,
so a failing write fails alone. Writes never wait on the event loop in the middle of a transaction.

SQLite needs care to behave like a server database under concurrent writers:

- WAL, so readers never block the writer and the writer never blocks readers;
- ``busy_timeout``, so a writer in another process waits for the lock instead of failing at once;
- foreign keys on (SQLite leaves them off per connection);
- ``BEGIN IMMEDIATE`` for write transactions: the write lock is taken at the start, so two
  read-then-write transactions cannot both read and then deadlock on the upgrade to a write lock.

A small read on SQLite runs right on the calling thread (the event loop's), on a synchronous
connection of that thread's own (:class:`LocalReads`): an index lookup takes tens of microseconds,
while the same read through ``aiosqlite`` costs several hand-offs to the driver's thread and back,
each waiting for a busy event loop (docs/performance.md measured the token check at 280 times the
bare statement). WAL readers never wait for the writer; the rare wait (recovery of a WAL another
process left) is capped at :data:`LOCAL_BUSY_TIMEOUT_MS`, after which the read goes through the
pooled ``aiosqlite`` readers instead. Every read sees the latest commit of any process: a check is
answered again (a valid token's check, :class:`feedback_service.auth.tokens.CheckMemo`) only while
the ``access_version`` row (moved by triggers with every change to tokens, teams and failure counts,
by any process) stands, so a revoked token is refused on its very next request.

The Python ``sqlite3`` driver (and ``aiosqlite`` on top of it) starts transactions itself and only
before DML, so SQLAlchemy is told to emit ``BEGIN`` itself (the recipe in SQLAlchemy's SQLite docs,
"Serializable isolation / Savepoints / Transactional DDL"). Everything above this module uses
:meth:`Database.reading` and :meth:`Database.write` and never sees which store it runs on.
"""

from __future__ import annotations

import functools
import os
import sqlite3
import threading
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import attrs
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from feedback_service.metrics import watch_pool
from feedback_service.store.aggregate import discard_deltas, flush_deltas
from feedback_service.store.bulk import MultiRow, collecting, stop_collecting
from feedback_service.store.commit_process import CommitProcess, Statements
from feedback_service.store.writer import PooledWriter, SqliteWriter, Work, Writer

__all__ = [
    "BUSY_TIMEOUT_MS",
    "LOCAL_BUSY_TIMEOUT_MS",
    "Database",
    "DatabaseUrlError",
    "LocalReads",
    "Lookup",
    "LookupRow",
    "Read",
    "collect_statements",
    "insert_later",
    "inserts_only",
    "is_inserts_only",
    "open_database",
    "parse_database_url",
    "run_writes",
    "sqlite_pragmas",
]

BUSY_TIMEOUT_MS = 30_000
LOCAL_BUSY_TIMEOUT_MS = 20
"""How long a read on the event loop's thread, or a group of creations' ``BEGIN IMMEDIATE`` there when no
commit process runs (store/writer.py), may wait for SQLite's lock before going elsewhere (a pooled
reader; the writer thread)."""
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
Read = Callable[[sa.Connection], T]
"""A small read's body: a few statements by key, on a connection already in a read transaction."""


class DatabaseUrlError(ValueError):
    """A database URL the service cannot use; the message says which ones it can."""


class Lookup:
    """A select of at most one row by key, with named bind parameters, compiled once per dialect.

    :meth:`Database.lookup` runs it. On SQLite it runs on the calling thread's ``sqlite3`` connection
    as plain SQL (``sqlite3`` keeps the prepared statement), with the columns' own result processing:
    a few microseconds, where SQLAlchemy's execution machinery costs tens. Parameters must be plain
    strings or numbers compared with ``=`` (no ``IN``, no bind processing).
    """

    def __init__(self, statement: sa.Select[Any]) -> None:
        self.statement = statement
        self._compiled: dict[str, tuple[str, tuple[str, ...], list[tuple[int, Any]], list[Any]]] = {}

    def compiled(self, dialect: sa.Dialect) -> tuple[str, tuple[str, ...], list[tuple[int, Any]], list[Any]]:
        """The SQL, its parameters' names in order, the (position, result processor) pairs of the
        columns that have one (most have none: converting only those is a third of the cost), the
        columns."""
        known = self._compiled.get(dialect.name)
        if known is None:
            compiled = self.statement.compile(dialect=dialect)
            columns = list(self.statement.selected_columns)
            processors = [c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns]
            converters = [(i, p) for i, p in enumerate(processors) if p is not None]
            known = (compiled.string, tuple(compiled.positiontup or ()), converters, columns)
            self._compiled[dialect.name] = known
        return known


_ACCESS_VERSION = "SELECT version FROM access_version WHERE id = 1"


class LookupRow(tuple[Any, ...]):
    """A row of :meth:`Database.lookup`: a tuple in the select's column order, and ``_mapping`` by column
    (like :class:`sqlalchemy.Row`, for the row readers of :mod:`~feedback_service.store.rows`)."""

    columns: list[Any]

    @property
    def _mapping(self) -> dict[Any, Any]:
        return dict(zip(self.columns, self, strict=True))


class LocalReads:
    """SQLite reads on the calling thread: one synchronous connection per thread, opened on first use."""

    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine
        self._local = threading.local()
        self._opened: list[sa.Connection] = []
        self._lock = threading.Lock()

    def _connection(self) -> sa.Connection:
        conn: sa.Connection | None = getattr(self._local, "conn", None)
        if conn is None or conn.closed:
            conn = self._engine.connect()
            self._local.conn = conn
            with self._lock:
                self._opened.append(conn)
        return conn

    def run(self, work: Read[T]) -> T:
        """``work`` in a read transaction on this thread's connection."""
        with self._connection().begin() as transaction:
            return work(transaction.connection)

    def lookup(self, lookup: Lookup, params: dict[str, Any]) -> LookupRow | None:
        """``lookup`` run as plain SQL on this thread's ``sqlite3`` connection (one statement, atomic)."""
        sql, names, converters, columns = lookup.compiled(self._engine.dialect)
        values = [params[n] for n in names]
        return _row(_fetch(self._raw(), sql, values), converters, columns)

    def access_version(self) -> int | None:
        """``access_version`` as of the latest commit (``None`` if its row is missing)."""
        found = _fetch(self._raw(), _ACCESS_VERSION, [])
        return None if found is None else int(found[0])

    def _raw(self) -> sqlite3.Connection:
        conn = self._connection()
        if conn.in_transaction():  # a lookup from inside run() on this thread would not see its snapshot
            raise RuntimeError("Database.lookup inside Database.read on the same thread")
        raw: sqlite3.Connection = conn.connection.driver_connection  # type: ignore[assignment]
        return raw

    def close(self) -> None:
        """Close every thread's connection (each is used only by its own thread, so none is busy)."""
        with self._lock:
            opened, self._opened = self._opened, []
        for conn in opened:
            conn.close()
        self._engine.dispose()


def _fetch(raw: sqlite3.Connection, sql: str, values: list[Any]) -> Any:
    """The first row of ``sql``, outside a transaction (the driver's isolation_level is None): the
    statement is its own read transaction, ended by closing the cursor."""
    try:
        cursor = raw.execute(sql, values)
        try:
            return cursor.fetchone()
        finally:
            cursor.close()
    except sqlite3.OperationalError as exc:
        raise sa.exc.OperationalError(sql, values, exc) from exc


def _row(found: Any, converters: list[tuple[int, Any]], columns: list[Any]) -> LookupRow | None:
    if found is None:
        return None
    if len(found) != len(columns):
        raise ValueError(f"a row of {len(found)} columns for a select of {len(columns)}")
    values = list(found)
    for i, convert in converters:
        values[i] = convert(values[i])
    row = LookupRow(values)
    row.columns = columns
    return row


@attrs.define
class Database:
    """The engine for reads, and the writer that runs write transactions (group commit on both stores)."""

    engine: AsyncEngine
    _writer: Writer
    _local: LocalReads | None = None
    """SQLite only: small reads on the calling thread."""
    _single: AsyncEngine | None = None
    """PostgreSQL only: the same pool in autocommit, for one-statement lookups (no BEGIN, no ROLLBACK:
    one round trip instead of three)."""

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncConnection]:
        """A read transaction: a consistent snapshot that blocks no one."""
        async with self.engine.connect() as conn, conn.begin():
            yield conn

    async def read(self, work: Read[T]) -> T:
        """Run a small read ``work`` (a few rows by key) in a read transaction; its result.

        On SQLite it runs at once on this thread's own connection, without yielding to the event loop,
        so keep it to index lookups; if SQLite's lock is held past :data:`LOCAL_BUSY_TIMEOUT_MS`, it
        runs on a pooled reader instead. On PostgreSQL it runs on a pooled connection
        (``AsyncConnection.run_sync``).
        """
        if self._local is not None:
            try:
                return self._local.run(work)
            except sa.exc.OperationalError as exc:
                if not _is_busy(exc):
                    raise
        async with self.engine.connect() as conn, conn.begin():
            return await conn.run_sync(work)

    async def lookup(self, lookup: Lookup, **params: Any) -> LookupRow | sa.Row[Any] | None:
        """The one row ``lookup`` selects with ``params``, or ``None``; as of the latest commit.

        On SQLite it runs at once on this thread's own ``sqlite3`` connection (see :class:`Lookup`),
        falling back to a pooled reader if SQLite's lock is held; on PostgreSQL, on a pooled
        connection in autocommit (one statement needs no transaction around it).
        """
        if self._local is not None:
            try:
                return self._local.lookup(lookup, params)
            except sa.exc.OperationalError as exc:
                if not _is_busy(exc):
                    raise
        async with (self._single or self.engine).connect() as conn:
            row: sa.Row[Any] | None = (await conn.execute(lookup.statement, params)).first()
            return row

    def access_version(self) -> int | None:
        """On SQLite, the ``access_version`` row's number as of the latest commit of any process: it
        moves with every change to tokens, teams and failure counts (triggers, migration 0008), so
        what was read of those may be answered again while it stands. ``None`` on PostgreSQL (each
        check reads the token: one round trip either way), and where the number cannot be read at
        once (SQLite's lock held, no row): then nothing may be answered again."""
        if self._local is None:
            return None
        try:
            return self._local.access_version()
        except sa.exc.OperationalError as exc:
            if not _is_busy(exc):
                raise
            return None

    async def write(self, work: Work[T]) -> T:
        """Run ``work`` in a write transaction (``BEGIN IMMEDIATE`` on SQLite); its result once committed.

        ``work`` gets a synchronous :class:`sqlalchemy.Connection` already in the transaction and must
        not commit; if it raises, nothing it wrote is kept and the exception comes out here.
        """
        return await self._writer.submit(work)

    async def dispose(self) -> None:
        """Finish queued writes and close every connection."""
        await self._writer.close()
        if self._local is not None:
            self._local.close()
        await self.engine.dispose()


def _is_busy(exc: sa.exc.OperationalError) -> bool:
    """SQLite's lock was held too long (``SQLITE_BUSY``, ``SQLITE_LOCKED`` and their extended codes)."""
    code: int = getattr(exc.orig, "sqlite_errorcode", 0) & 0xFF
    return code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


_LATER = "feedback_service.inserts_later"
_INSERTS_ONLY = "_feedback_inserts_only"


def inserts_only(work: Work[T]) -> Work[T]:
    """Mark ``work`` (a function or a :func:`functools.partial`) as one that reads nothing and only
    inserts, through :func:`insert_later`: consecutive such writes of a group share their statements,
    and on SQLite a group of them is committed by the commit process (store/writer.py).

    Such a write must be idempotent: its rows' keys refuse a second copy. A group whose commit
    process died before answering may have been committed, and runs again write by write (a
    ticket's creation then finds its id taken and answers with the stored ticket)."""
    setattr(work, _INSERTS_ONLY, True)
    return work


def is_inserts_only(work: Work[Any]) -> bool:
    """Whether ``work`` was marked by :func:`inserts_only`."""
    return bool(getattr(work, _INSERTS_ONLY, False))


def insert_later(conn: sa.Connection, statement: sa.Insert, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` with ``statement`` before the transaction's next write that may read, at the latest
    at its end: the rows of a group's creations go in one statement per table (on SQLite a few
    multi-row statements, :mod:`~feedback_service.store.bulk`; elsewhere an ``executemany``), in the order the
    statements were first used (so a parent table's rows come before its children's)."""
    pending: dict[sa.Insert, list[dict[str, Any]]] = conn.info.setdefault(_LATER, {})
    pending.setdefault(statement, []).extend(rows)


def _flush_inserts(conn: sa.Connection) -> None:
    pending: dict[sa.Insert, list[dict[str, Any]]] = conn.info.pop(_LATER, {})
    sqlite = conn.dialect.name == "sqlite"
    for statement, rows in pending.items():
        if not rows:
            continue
        if sqlite:  # one step per chunk of rows, not one per row (store/bulk.py)
            multi = _multi_row(statement.table, tuple(rows[0]))
            multi.execute(conn, [[row[c] for c in multi.columns] for row in rows])
        else:
            conn.execute(statement, rows)


@functools.cache
def _multi_row(table: sa.Table, columns: tuple[str, ...]) -> MultiRow:
    return MultiRow(table, columns)


def collect_statements(conn: sa.Connection, works: Sequence[Work[Any]]) -> tuple[list[Any], Statements]:
    """Run inserts-only ``works`` (:func:`inserts_only`) as :func:`run_writes` does, on a connection
    outside any transaction, and return their results with the statements they leave, unrun, in
    order: a group of creations as data, for the commit process (store/writer.py)."""
    statements = collecting(conn)
    try:
        results = run_writes(conn, works)
    finally:
        stop_collecting(conn)
    if conn.in_transaction():  # a write ran SQL of its own: it was no inserts-only write
        conn.rollback()
        raise RuntimeError("a write marked inserts-only ran a statement of its own")
    return results, statements


def run_writes(conn: sa.Connection, works: Sequence[Work[Any]]) -> list[Any]:
    """Run ``works`` in the connection's open transaction, then what they left for its end.

    Rows given to :func:`insert_later` by writes marked :func:`inserts_only` are inserted before the
    next write that is not, and at the end. Mutations add their trend-aggregate rows to the transaction
    (:func:`~feedback_service.store.aggregate.add_deltas`); they are upserted here, once, after the
    last write. A failure in either raises here, so the group runs again write by write and the
    failure reaches the write it belongs to.
    """
    discard_deltas(conn)
    conn.info.pop(_LATER, None)
    results = []
    for work in works:
        if not is_inserts_only(work):
            _flush_inserts(conn)
        results.append(work(conn))
    _flush_inserts(conn)
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


def open_database(
    url: str, *, pool_size: int = 8, echo: bool = False, commit_process: bool = True
) -> Database:
    """A :class:`Database` for ``url`` (SQLite or PostgreSQL; see :func:`parse_database_url`).

    ``commit_process=False``: on SQLite, groups of creations commit in the writer's thread rather
    than in a child process (:mod:`~feedback_service.store.commit_process`)."""
    parsed = parse_database_url(url)
    # hide_parameters: an error's message names the statement but never its values (citizen text).
    options: dict[str, Any] = {"echo": echo, "pool_pre_ping": False, "hide_parameters": True}
    if parsed.get_backend_name() != "sqlite":
        # Twice the pool size, all kept once opened, and no overflow: an overflow connection is
        # closed when it is returned to a full pool, so 64 concurrent reads opened and closed a
        # connection (a TCP connect, an SSL attempt, a startup) on most requests: half of the
        # read's time (docs/performance.md). The ceiling is the same as before (pool + overflow).
        options.update(pool_size=pool_size * 2, max_overflow=0)
        engine = create_async_engine(parsed, **options)
        watch_pool(engine.sync_engine, store=engine.dialect.name, purpose="read_write")
        single = engine.execution_options(isolation_level="AUTOCOMMIT")
        return Database(engine, PooledWriter(engine, run_writes), None, single)
    if parsed.database in (None, "", ":memory:"):
        raise DatabaseUrlError("an in-memory SQLite database is not shared between connections; use a file")
    # Readers on aiosqlite, many at once; the writer on the synchronous driver (store/writer.py).
    # The pool keeps four times as many readers as on PostgreSQL: an SQLite connection costs a thread
    # and a few pages, but opening one (a thread, the file, four PRAGMAs) is slow, and group commit
    # answers many requests at once, whose next requests then all authenticate at once. With only
    # eight kept, the readers of each burst were opened and closed again (docs/performance.md).
    reader = create_async_engine(
        parsed, pool_size=pool_size * 4, max_overflow=pool_size * 4, pool_timeout=60, **options
    )
    _configure_sqlite(reader.sync_engine, write=False)
    # check_same_thread off: a group's statements may run on the event loop's thread and its COMMIT
    # on the writer's (one after the other, never at once: store/writer.py).
    writer = sa.create_engine(
        parsed.set(drivername="sqlite"),
        pool_size=1,
        max_overflow=0,
        connect_args={"check_same_thread": False},
        **options,
    )
    _configure_sqlite(writer, write=True)
    watch_pool(reader.sync_engine, store="sqlite", purpose="read")
    watch_pool(writer, store="sqlite", purpose="write")
    # Small reads on the event loop's thread: connections held per thread by LocalReads, so no pool;
    # check_same_thread off only so that dispose may close them from another thread.
    local = sa.create_engine(
        parsed.set(drivername="sqlite"),
        poolclass=sa.pool.NullPool,
        connect_args={"check_same_thread": False},
        **options,
    )
    _configure_sqlite(local, write=False, busy_timeout_ms=LOCAL_BUSY_TIMEOUT_MS)
    sqlite_writer = SqliteWriter(
        writer,
        run_writes,
        quick=is_inserts_only,
        loop_busy_ms=LOCAL_BUSY_TIMEOUT_MS,
        busy_ms=BUSY_TIMEOUT_MS,
        # On POSIX only: its replies are read with add_reader, which Windows' event loop lacks.
        committer=CommitProcess(str(parsed.database), sqlite_pragmas())
        if commit_process and os.name == "posix"
        else None,
        collect=collect_statements,
    )
    return Database(reader, sqlite_writer, LocalReads(local))


def sqlite_pragmas(busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> list[str]:
    """What every SQLite connection of the service runs first (the commit process's too)."""
    return [
        "PRAGMA journal_mode=WAL",
        f"PRAGMA busy_timeout={busy_timeout_ms}",
        "PRAGMA foreign_keys=ON",
        # FULL: a ticket acknowledged with 201 survives a power cut (NORMAL could lose the last
        # commits, and the phone would already have deleted its copy).
        "PRAGMA synchronous=FULL",
    ]


def _configure_sqlite(engine: sa.Engine, *, write: bool, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when a transaction begins.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            for pragma in sqlite_pragmas(busy_timeout_ms):
                cursor.execute(pragma)
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
