"""The writers: write transactions committed in groups (SQLite's single writer, PostgreSQL's pool).

SQLite takes one writer at a time, so a service on it is as fast as its writer. Two costs dominated
that writer when each request ran its own transaction through ``aiosqlite``:

- every statement was three or four hand-offs between the event loop and the driver's thread, and
  each hand-off waited for an event loop that was busy parsing other requests;
- every ticket paid for its own ``COMMIT``, and with ``synchronous=FULL`` that is an ``fsync``.

Here a write is a plain function of a synchronous connection, run with no hand-offs at all, on
SQLAlchemy's ``pysqlite`` driver. Writes that arrive while a transaction commits wait, and then all
of them run, in arrival order, in ONE transaction (group commit): one ``BEGIN``, one ``COMMIT`` and
one ``fsync`` for all, and work left for the transaction's end (the trend aggregate's upserts) done
once for the group. Nobody waits for a group to fill: a write that finds the writer idle starts at
once. On SQLite a group of ticket creations is built into its statements on the event loop and
committed by a child process (:mod:`~feedback_service.store.commit_process`); any other group runs
in the writer's thread (:class:`SqliteWriter` says why).

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
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import attrs
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from feedback_service.metrics import WRITE_COMMIT_SECONDS, WRITE_GROUP_SIZE
from feedback_service.store.commit_process import CommitProcess, Statements

__all__ = [
    "MAX_GROUP",
    "THREAD_NAME",
    "Collector",
    "GroupCommit",
    "PooledWriter",
    "Runner",
    "SqliteWriter",
    "Work",
    "Writer",
]

T = TypeVar("T")
Work = Callable[[sa.Connection], T]
"""A write transaction's body: runs on a connection already in a transaction; never commits."""
Runner = Callable[[sa.Connection, Sequence[Work[Any]]], list[Any]]
"""Runs writes one after another in the connection's open transaction; their results, in order."""
Collector = Callable[[sa.Connection, Sequence[Work[Any]]], tuple[list[Any], Statements]]
"""Runs inserts-only writes outside any transaction; their results, and the statements they leave."""

THREAD_NAME = "feedback-sqlite-writer"
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
    """SQLite's writer: groups formed on the event loop, run where they cost the event loop least.

    Writes wait in a list on the event loop that runs the writer (the first to write; another
    loop's writes join it there, and a loop that stops or closes hands it to the next); one group
    is in flight at a time (one file, one writer), and the writes that arrived meanwhile form the
    next. Where a group runs:

    - a group made only of inserts-only writes (``quick``: ticket creations, which only queue rows)
      runs on the event loop to the statements it leaves (``collect``), and the commit process
      (``committer``) runs those between ``BEGIN IMMEDIATE`` and ``COMMIT`` in a process of its own.
      The event loop's process was the bound on intake (one GIL for the loop and SQLite's work):
      this takes SQLite's work, the lock and the ``fsync`` off it (docs/performance.md);
    - the same group without a commit process (none wanted, none could start, off POSIX) runs its
      statements on the event loop and hands only its ``COMMIT`` to the writer thread; the loop
      never waits for SQLite's lock: its ``BEGIN IMMEDIATE`` gives up after ``loop_busy_ms``
      (another process writing) and the thread runs the group instead, waiting up to ``busy_ms``;
    - every other group (a write that reads first, a batch, a migration) runs in the thread, whole.

    Each group is settled by :class:`GroupCommit`'s rule: if any write, the ``COMMIT`` or the commit
    process fails, the thread runs the writes again one per transaction. The connection is used by
    one side at a time by construction: the next group starts only once the last one is done.
    """

    def __init__(
        self,
        engine: sa.Engine,
        run: Runner,
        *,
        max_group: int = MAX_GROUP,
        quick: Callable[[Work[Any]], bool] = lambda _work: False,
        loop_busy_ms: int = 20,
        busy_ms: int = 30_000,
        committer: CommitProcess | None = None,
        collect: Collector | None = None,
    ) -> None:
        super().__init__(run, "sqlite")
        self._engine = engine
        self._committer = committer if collect is not None else None
        self._collect = collect
        self._max_group = max_group
        self._quick = quick
        self._loop_busy_ms = loop_busy_ms
        self._busy_ms = busy_ms
        self._busy_now = busy_ms  # what the connection's busy_timeout is set to
        self._conn: sa.Connection | None = None
        self._waiting: list[_Job] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        """The event loop that runs the groups (``None``: the writer is idle)."""
        self._in_flight = False
        """A group is in the thread's or the commit process's hands; the next waits for it."""
        self._tasks: queue.SimpleQueue[_Task | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._guard = threading.Lock()

    async def submit(self, work: Work[T]) -> T:
        """Run ``work`` in the next group and return its result once its transaction committed."""
        loop = asyncio.get_running_loop()
        owner = self._claim(loop)
        if owner is not loop:  # another event loop, running, has writes in flight: join them there
            return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(self.submit(work), owner))
        future: asyncio.Future[T] = loop.create_future()
        self._waiting.append(_Job(work, future))
        return await future

    async def close(self) -> None:
        """Finish the writes already submitted, stop the thread, the commit process and the connection."""
        self._claim(asyncio.get_running_loop())
        while self._loop is not None:  # writes in flight: they finish first (and any that join them)
            await asyncio.sleep(0.005)
        if self._committer is not None:
            await asyncio.to_thread(self._committer.close)
        with self._guard:
            thread, self._thread = self._thread, None
            if thread is not None:
                self._tasks.put(None)
        if thread is not None:
            await asyncio.to_thread(thread.join)
        else:
            self._close_connection()

    def _claim(self, loop: asyncio.AbstractEventLoop) -> asyncio.AbstractEventLoop:
        """The event loop that runs the writer's groups from now on: ``loop`` if the writer was idle,
        or if the loop that ran them no longer runs (closed, or stopped: its writes are carried on
        here, each caller still answered on its own loop); else that loop."""
        with self._guard:
            owner = self._loop
            if owner is None:
                self._loop = loop
                loop.call_soon(self._next)
                return loop
            if owner is not loop and (owner.is_closed() or not owner.is_running()):
                self._loop = loop
                if not self._in_flight:
                    loop.call_soon(self._next)
                elif self._committer is not None:  # its answer, if the child has the group, is read here
                    self._committer.listen_on(loop)
                return loop
            return owner

    def _next(self) -> None:
        """On the event loop: start the next group, or become idle."""
        group = self._waiting[: self._max_group]
        del self._waiting[: self._max_group]
        if not group:
            with self._guard:
                self._loop = None
            return
        try:
            if all(self._quick(job.work) for job in group) and self._run_here(group):
                return
            self._hand(_Task(group))
        except Exception as error:  # nothing was handed over (no thread to be had): say so, go on
            for job in group:
                _answer(job.future, False, error)
            asyncio.get_running_loop().call_soon(self._next)

    def _run_here(self, group: list[_Job]) -> bool:
        """Run ``group``'s writes on this event loop and hand what is left to do to the commit process
        (its statements and its ``COMMIT``), or else its ``COMMIT`` to the thread; or ``False`` (nothing
        done) when the thread must run it: the lock is held elsewhere, or the file cannot be opened."""
        if self._committer is not None and self._collect is not None and self._committer.usable():
            return self._send(group, self._committer, self._collect)
        try:
            conn = self._connection()
            self._busy_timeout(conn, self._loop_busy_ms)
            transaction = conn.begin()
        except Exception:  # SQLite's lock is held by another process, or the file is not there:
            return False  # the thread waits for the lock, or says what is wrong
        started = self._begun(group)
        try:
            results = self._run_writes(conn, [job.work for job in group])
        except BaseException as error:  # a write failed: nothing of the group is kept; each runs alone
            with contextlib.suppress(Exception):  # (if even that fails, the thread's BEGIN says so)
                transaction.rollback()
            self._timed(started)
            self._hand(_Task(group, alone=True))
            if isinstance(error, KeyboardInterrupt):  # the group is answered; the interrupt goes on
                raise
            return True
        self._hand(_Task(group, transaction, results, started))
        return True

    def _send(self, group: list[_Job], committer: CommitProcess, collect: Collector) -> bool:
        """The group's writes run here, outside any transaction, to the statements they leave; the
        commit process runs those and commits; its answer comes back on the writer's event loop."""
        try:
            conn = self._connection()
            # A write wrongly marked inserts-only that runs SQL would take the lock here: not for long.
            self._busy_timeout(conn, self._loop_busy_ms)
            results, statements = collect(conn, [job.work for job in group])
        except BaseException as error:  # a write failed: nothing was run; each runs alone
            self._hand(_Task(group, alone=True))
            if isinstance(error, KeyboardInterrupt):
                raise
            return True
        started = self._begun(group)

        def committed(error: str | None) -> None:
            self._timed(started)
            if error is not None:  # not committed, or not known to be: each write runs alone
                self._hand(_Task(group, alone=True))
                return
            with self._guard:
                self._in_flight = False
            _answer_all([job.future for job in group], results)
            self._next()

        with self._guard:
            self._in_flight = True
        committer.commit(statements, committed)
        return True

    def _hand(self, task: _Task) -> None:
        with self._guard:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._serve, name=THREAD_NAME, daemon=True)
                self._thread.start()
            self._in_flight = True
        self._tasks.put(task)

    def _serve(self) -> None:
        """The writer thread: commits and whole groups, one at a time, until :meth:`close`."""
        try:
            while (task := self._tasks.get()) is not None:
                try:
                    self._finish(task)
                finally:
                    with self._guard:
                        self._in_flight = False
                        loop = self._loop
                    if loop is not None:
                        # RuntimeError: that loop is closed; the next to write carries on (_claim).
                        with contextlib.suppress(RuntimeError):
                            loop.call_soon_threadsafe(self._next)
        finally:
            self._close_connection()

    def _finish(self, task: _Task) -> None:
        group = task.group
        if task.transaction is not None:  # statements run on the event loop: commit them
            try:
                task.transaction.commit()
            except BaseException:  # nothing of the group is stored: each write runs alone
                with contextlib.suppress(Exception):
                    task.transaction.rollback()
            else:
                self._timed(task.started)
                _answer_all([job.future for job in group], task.results)
                return
            self._timed(task.started)
            task = _Task(group, alone=True)
        try:
            conn = self._connection()
            self._busy_timeout(conn, self._busy_ms)
        except Exception as error:  # the file cannot be opened: say so to everyone waiting
            for job in group:
                _answer(job.future, False, error)
            return
        if task.alone:
            for job in group:
                self._settle(conn, [job])
        else:
            self._settle(conn, group)

    def _begun(self, group: list[_Job]) -> float:
        """A transaction for ``group`` is under way (counted as :meth:`GroupCommit._transaction`
        counts its own); its start, for :meth:`_timed`."""
        self.groups += 1
        WRITE_GROUP_SIZE.labels(store=self._store).observe(len(group))
        return time.perf_counter()

    def _timed(self, started: float) -> None:
        """A transaction begun on the event loop has ended, committed or not (as every other
        transaction is timed: :meth:`GroupCommit._transaction`)."""
        WRITE_COMMIT_SECONDS.labels(store=self._store).observe(time.perf_counter() - started)

    def _connection(self) -> sa.Connection:
        if self._conn is None:
            self._conn = self._engine.connect()
            self._busy_now = self._busy_ms  # as every connection of the engine starts
        return self._conn

    def _busy_timeout(self, conn: sa.Connection, ms: int) -> None:
        if self._busy_now != ms:
            conn.connection.driver_connection.execute(f"PRAGMA busy_timeout={ms}").close()  # type: ignore[union-attr]
            self._busy_now = ms

    def _close_connection(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()
        self._engine.dispose()


@attrs.define
class _Task:
    """What the writer thread is handed: a group to commit (its statements already run on the event
    loop, in ``transaction``), or to run itself (``alone``: one transaction per write)."""

    group: list[_Job]
    transaction: sa.RootTransaction | None = None
    results: list[Any] = attrs.field(factory=list)
    started: float = 0.0
    alone: bool = False


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
    """Each future its result: at once on this thread's event loop, with one wake-up of each other
    waiting event loop for the whole group."""
    by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[Any], Any]]] = {}
    for future, value in zip(futures, results, strict=True):
        by_loop.setdefault(future.get_loop(), []).append((future, value))

    def settle(answers: list[tuple[asyncio.Future[Any], Any]]) -> None:
        for future, value in answers:
            if not future.done():  # the caller gave up (a closed connection); the write stands
                future.set_result(value)

    try:
        here: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
    except RuntimeError:  # the writer thread
        here = None
    for loop, answers in by_loop.items():
        if loop is here:  # the commit process's answer, read on the callers' own loop
            settle(answers)
            continue
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
