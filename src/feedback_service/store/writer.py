"""SQLite's single writer: one thread runs every write transaction, and commits them in groups.

SQLite takes one writer at a time, so a service on it is as fast as its writer. Two costs dominated
that writer when each request ran its own transaction through ``aiosqlite``:

- every statement was three or four hand-offs between the event loop and the driver's thread, and
  each hand-off waited for an event loop that was busy parsing other requests;
- every ticket paid for its own ``COMMIT``, and with ``synchronous=FULL`` that is an ``fsync``.

Here a write is a plain function of a synchronous connection. The event loop hands it to this thread
once; the thread runs it with no hand-offs at all, on SQLAlchemy's ``pysqlite`` driver. Writes that
arrive while a transaction commits wait in a queue, and the thread then runs all of them, in arrival
order, in ONE transaction (group commit): one ``BEGIN``, one ``COMMIT`` and one ``fsync`` for all, and
work left for the transaction's end (the trend aggregate's upserts) done once for the group. Nobody
waits for a group to fill: a write that finds the thread idle starts at once.

Each write stays atomic on its own. If any write of a group raises (a conflict, a lifecycle error),
or the ``COMMIT`` fails, the whole transaction rolls back and the group runs again one write per
transaction, in the same order: every caller then gets exactly what it would have got alone. Failures
are rare, so this costs less than a savepoint around every write.

Every caller is answered only after its ``COMMIT`` returned, so a ``201`` still means the ticket is on
disk.

Both writers (this thread on SQLite, :class:`PooledWriter` on PostgreSQL) settle a group with the one
rule of :class:`GroupCommit`: a transaction for the group, and, if anything at all raises in it, one
transaction per write; each caller then answered with its own result or its own error. A write
that raises ``StopIteration`` (which no future can carry) or ``SystemExit`` (which would stop the
caller's event loop) reaches its caller as a ``RuntimeError`` caused by it, and the writer serves
the rest of its group and every later write.
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import queue
import threading
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import attrs
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from feedback_service.metrics import WRITE_COMMIT_SECONDS, WRITE_GROUP_SIZE

__all__ = ["MAX_GROUP", "GroupCommit", "PooledWriter", "Runner", "SqliteWriter", "Work", "Writer"]

T = TypeVar("T")
Work = Callable[[sa.Connection], T]
"""A write transaction's body: runs on a connection already in a transaction; never commits."""
Runner = Callable[[sa.Connection, Sequence[Work[Any]]], list[Any]]
"""Runs writes one after another in the connection's open transaction; their results, in order."""

MAX_GROUP = 256
"""At most this many writes share one transaction, so one group never holds the lock for long."""


@attrs.define
class _Job:
    work: Work[Any]
    future: asyncio.Future[Any]


class Writer(abc.ABC):
    """Where a store's write transactions run."""

    groups: int
    """Transactions begun so far (for tests and benchmarks)."""

    @abc.abstractmethod
    async def submit(self, work: Work[T]) -> T:
        """Run ``work`` in a write transaction; its result once that committed."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Finish the writes already submitted and let go of the connection."""


class GroupCommit(Writer):
    """The settle-and-retry rule both writers hold: a group's writes share one transaction; if any of
    them (or the ``COMMIT``) raises, nothing of the group is stored, and each write runs again alone,
    in the same order, so every caller gets exactly what it would have got alone."""

    def __init__(self, run: Runner, store: str) -> None:
        self._run_writes = run
        self._store = store
        self.groups = 0
        """Transactions begun so far (for tests and benchmarks)."""

    def _settle(self, conn: sa.Connection, group: list[_Job]) -> None:
        """Run ``group`` on ``conn`` (a synchronous connection, also inside ``run_sync``) and answer
        every job of it, whatever its writes raise."""
        try:
            results = self._transaction(conn, group)
        except asyncio.CancelledError:  # the writer itself is being stopped: say so, and stop
            for job in group:
                _answer(job.future, False, RuntimeError("the writer stopped before this write committed"))
            raise
        except BaseException as error:  # even SystemExit: the writer must live on to serve the others
            if len(group) > 1:
                for job in group:
                    self._settle(conn, [job])
            else:
                _answer(group[0].future, False, error)
            return
        _answer_all([job.future for job in group], results)

    def _transaction(self, conn: sa.Connection, group: list[_Job]) -> list[Any]:
        self.groups += 1
        WRITE_GROUP_SIZE.labels(store=self._store).observe(len(group))
        with WRITE_COMMIT_SECONDS.labels(store=self._store).time(), conn.begin():
            return self._run_writes(conn, [job.work for job in group])


class SqliteWriter(GroupCommit):
    """The thread that owns the write connection; started by the first write, stopped by :meth:`close`."""

    def __init__(self, engine: sa.Engine, run: Runner, *, max_group: int = MAX_GROUP) -> None:
        super().__init__(run, "sqlite")
        self._engine = engine
        self._max_group = max_group
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._guard = threading.Lock()

    async def submit(self, work: Work[T]) -> T:
        """Run ``work`` in the writer thread and return its result once its transaction committed."""
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        with self._guard:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="feedback-sqlite-writer", daemon=True)
                self._thread.start()
            self._jobs.put(_Job(work, future))
        return await future

    async def close(self) -> None:
        """Finish the queued writes, stop the thread and close its connection."""
        with self._guard:
            thread = self._thread
            if thread is not None:
                self._jobs.put(None)
        if thread is None:
            self._engine.dispose()
            return
        await asyncio.to_thread(thread.join)
        with self._guard:
            # A write submitted while the thread was stopping queued behind the stop; the thread it
            # would have used is gone, so a new one serves it (the engine reopens on demand).
            self._thread = None
            if not self._jobs.empty():
                self._thread = threading.Thread(target=self._run, name="feedback-sqlite-writer", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        conn: sa.Connection | None = None
        try:
            stopping = False
            while not stopping:
                group, stopping = self._next_group()
                if not group:
                    continue
                try:
                    if conn is None:
                        conn = self._engine.connect()
                except Exception as error:  # the file cannot be opened: say so to everyone waiting
                    for job in group:
                        _answer(job.future, False, error)
                    continue
                self._settle(conn, group)
        finally:
            if conn is not None:
                conn.close()
            self._engine.dispose()

    def _next_group(self) -> tuple[list[_Job], bool]:
        """The writes waiting now (at least one; waits for it), and whether :meth:`close` was asked."""
        first = self._jobs.get()
        if first is None:
            return [], True
        group = [first]
        while len(group) < self._max_group:
            try:
                job = self._jobs.get_nowait()
            except queue.Empty:
                break
            if job is None:
                return group, True
            group.append(job)
        return group, False


class PooledWriter(GroupCommit):
    """Group commit on PostgreSQL: writes that arrive while a transaction runs share the next one.

    Every ticket change adds to the same few aggregate rows (this week's province total, say), so
    concurrent transactions queue on those rows' locks anyway, each holding them through its own
    ``COMMIT``. Here a worker runs few write transactions at a time, each with everything waiting,
    on a pooled connection (``AsyncConnection.run_sync``), settled by the same rule as
    :class:`SqliteWriter` (:class:`GroupCommit`): if any write of a group raises, the group runs again
    write by write, on the same connection.
    ``concurrency`` transactions (two) may run at once, so a large batch does not hold up the rest;
    workers in other processes run side by side too, and PostgreSQL's row locks keep them apart (the
    aggregate's rows are written in key order, so they cannot deadlock; should two groups lock the
    same tickets in opposite orders, PostgreSQL aborts one and it runs again write by write).
    """

    def __init__(
        self, engine: AsyncEngine, run: Runner, *, max_group: int = MAX_GROUP, concurrency: int = 2
    ) -> None:
        super().__init__(run, engine.dialect.name)
        self._engine = engine
        self._max_group = max_group
        self._concurrency = concurrency
        self._waiting: list[_Job] = []
        self._drains: set[asyncio.Task[None]] = set()

    async def submit(self, work: Work[T]) -> T:
        """Run ``work`` in the next write transaction; its result once that committed."""
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._waiting.append(_Job(work, future))
        # Pruned here rather than by a done-callback: a callback may never run if its event loop
        # closes first (a command-line tool runs one loop per step).
        self._drains = {d for d in self._drains if not d.done()}
        if len(self._drains) < self._concurrency:
            # A task of its own: a caller that goes away does not take the others' transaction with it.
            self._drains.add(asyncio.ensure_future(self._run()))
        return await future

    async def close(self) -> None:
        """Wait for the writes already submitted."""
        running = [d for d in self._drains if not d.done()]
        self._drains = set()
        if running:
            await asyncio.gather(*(asyncio.shield(d) for d in running))

    async def _run(self) -> None:
        while self._waiting:
            group, self._waiting = self._waiting[: self._max_group], self._waiting[self._max_group :]
            await self._commit(group)

    async def _commit(self, group: list[_Job]) -> None:
        try:
            async with self._engine.connect() as conn:
                await conn.run_sync(self._settle, group)
        except asyncio.CancelledError:
            raise
        except BaseException as error:  # no connection to be had (the server is down): tell everyone
            for job in group:
                _answer(job.future, False, error)


def _answer_all(futures: list[asyncio.Future[Any]], results: list[Any]) -> None:
    """Each future its result, with one wake-up of each waiting event loop for the whole group."""
    by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[Any], Any]]] = {}
    for future, value in zip(futures, results, strict=True):
        by_loop.setdefault(future.get_loop(), []).append((future, value))

    def settle(answers: list[tuple[asyncio.Future[Any], Any]]) -> None:
        for future, value in answers:
            if not future.done():  # the caller gave up (a closed connection); the write stands
                future.set_result(value)

    for loop, answers in by_loop.items():
        # RuntimeError: the caller's event loop is already closed, and nobody is waiting.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(settle, answers)


def _answer(future: asyncio.Future[Any], ok: bool, value: Any) -> None:
    if not ok and (isinstance(value, StopIteration) or not isinstance(value, Exception)):
        # A future cannot carry StopIteration, and SystemExit or the like would stop the caller's
        # event loop: the caller gets a RuntimeError caused by it, as inside a coroutine.
        wrapped = RuntimeError(f"a write raised {type(value).__name__}")
        wrapped.__cause__ = value
        value = wrapped

    def settle() -> None:
        if future.done():  # the caller gave up (a closed connection); the write stands
            return
        if ok:
            future.set_result(value)
        else:
            future.set_exception(value)

    # RuntimeError: the caller's event loop is already closed, and nobody is waiting.
    with contextlib.suppress(RuntimeError):
        future.get_loop().call_soon_threadsafe(settle)
