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
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import attrs
import sqlalchemy as sa

__all__ = ["MAX_GROUP", "Runner", "SqliteWriter", "Work"]

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


class SqliteWriter:
    """The thread that owns the write connection; started by the first write, stopped by :meth:`close`."""

    def __init__(self, engine: sa.Engine, run: Runner, *, max_group: int = MAX_GROUP) -> None:
        self._engine = engine
        self._run_writes = run
        self._max_group = max_group
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._guard = threading.Lock()
        self.groups = 0
        """Transactions begun so far (for tests and benchmarks)."""

    async def submit(self, work: Work[T]) -> T:
        """Run ``work`` in the writer thread and return its result once its transaction committed."""
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        with self._guard:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="feedback-sqlite-writer", daemon=True)
                self._thread.start()
            self._jobs.put(_Job(work, future))
        return await future

    async def close(self) -> None:
        """Finish the queued writes, stop the thread and close its connection."""
        with self._guard:
            thread, self._thread = self._thread, None
            if thread is not None:
                self._jobs.put(None)
        if thread is not None:
            await asyncio.to_thread(thread.join)
        else:
            self._engine.dispose()

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
                self._commit(conn, group)
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

    def _commit(self, conn: sa.Connection, group: list[_Job]) -> None:
        self.groups += 1
        try:
            with conn.begin():
                results = self._run_writes(conn, [job.work for job in group])
        except Exception as error:
            if len(group) > 1:  # nothing of the group is stored: each write again, alone, in order
                for job in group:
                    self._commit(conn, [job])
                return
            results = [error]
            ok = False
        else:
            ok = True
        for job, value in zip(group, results, strict=True):
            _answer(job.future, ok, value)


def _answer(future: asyncio.Future[Any], ok: bool, value: Any) -> None:
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
