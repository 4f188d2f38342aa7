"""The writers: writes that wait commit together, and each stays atomic on its own.

SQLite's writer thread is held busy on purpose (a write that waits for an event) so that the writes
submitted meanwhile are certain to form one group; on PostgreSQL, writes submitted in one turn of the
event loop are. Nothing here depends on timing.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import pytest
import sqlalchemy as sa
from service_api import own_postgres_database
from sqlalchemy.exc import IntegrityError

from feedback_service.store import Database, open_database
from feedback_service.store.writer import PooledWriter, SqliteWriter, Work

T = TypeVar("T")
POSTGRES_URL = os.environ.get("FEEDBACK_TEST_POSTGRES_URL")


class Refused(Exception):
    """A write's own failure, raised after it wrote something."""


def run(tmp_path: Path, scenario: Callable[[Database], Awaitable[T]]) -> T:
    """``scenario`` on a fresh store with a ``notes`` table, in one event loop."""

    async def main() -> T:
        db = open_database(f"sqlite+aiosqlite:///{tmp_path / 'writer.db'}")
        try:
            await db.write(lambda c: c.exec_driver_sql("CREATE TABLE notes (id INTEGER PRIMARY KEY)"))
            return await scenario(db)
        finally:
            await db.dispose()

    return asyncio.run(main())


def writer_of(db: Database) -> SqliteWriter:
    writer = db._writer
    assert isinstance(writer, SqliteWriter)
    return writer


def insert(note: int, *, then_fail: bool = False) -> Work[int]:
    def work(conn: sa.Connection) -> int:
        conn.execute(sa.text("INSERT INTO notes (id) VALUES (:id)"), {"id": note})
        if then_fail:
            raise Refused(note)
        return note

    return work


async def stored(db: Database) -> list[int]:
    async with db.reading() as conn:
        return list((await conn.exec_driver_sql("SELECT id FROM notes ORDER BY id")).scalars())


async def while_busy(db: Database, works: list[Work[int]]) -> tuple[list[object], int]:
    """Submit ``works`` while the writer is held in another write; their outcomes and the groups used."""
    started, release = threading.Event(), threading.Event()

    def hold(conn: sa.Connection) -> None:
        started.set()
        release.wait(10)

    blocker = asyncio.ensure_future(db.write(hold))
    assert await asyncio.to_thread(started.wait, 10)
    before = writer_of(db).groups
    tasks = [asyncio.ensure_future(db.write(w)) for w in works]
    await asyncio.sleep(0)  # every task runs up to its submitted write
    release.set()
    await blocker
    outcomes = await asyncio.gather(*tasks, return_exceptions=True)
    return list(outcomes), writer_of(db).groups - before


def test_writes_that_wait_share_one_commit(tmp_path: Path) -> None:
    """Ten writes submitted while the writer is busy are committed in one transaction, in order."""

    async def scenario(db: Database) -> None:
        outcomes, groups = await while_busy(db, [insert(n) for n in range(10)])
        assert outcomes == list(range(10))
        assert groups == 1
        assert await stored(db) == list(range(10))

    run(tmp_path, scenario)


def test_a_failing_write_fails_alone_and_leaves_nothing(tmp_path: Path) -> None:
    """In a group, a write that raises after writing keeps nothing; the others are stored all the same."""

    async def scenario(db: Database) -> None:
        outcomes, groups = await while_busy(db, [insert(1), insert(2, then_fail=True), insert(3)])
        assert outcomes[0] == 1 and outcomes[2] == 3
        assert isinstance(outcomes[1], Refused)
        assert groups == 1 + 3  # the group, rolled back, then each write alone
        assert await stored(db) == [1, 3]

    run(tmp_path, scenario)


def test_a_constraint_violation_reaches_its_caller_only(tmp_path: Path) -> None:
    """A duplicate key in a group is the duplicate's IntegrityError, and the first insert stands."""

    async def scenario(db: Database) -> None:
        outcomes, _ = await while_busy(db, [insert(7), insert(7), insert(8)])
        assert outcomes[0] == 7 and outcomes[2] == 8
        assert isinstance(outcomes[1], IntegrityError)
        assert await stored(db) == [7, 8]

    run(tmp_path, scenario)


def test_a_write_that_finds_the_writer_idle_runs_alone(tmp_path: Path) -> None:
    """No waiting for a group to fill: one write at a time is one transaction each."""

    async def scenario(db: Database) -> None:
        before = writer_of(db).groups
        for n in range(5):
            assert await db.write(insert(n)) == n
        assert writer_of(db).groups - before == 5

    run(tmp_path, scenario)


def test_dispose_finishes_queued_writes(tmp_path: Path) -> None:
    """Writes already submitted are committed before the writer stops."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'closing.db'}"

    async def submit_then_close() -> list[int]:
        db = open_database(url)
        await db.write(lambda c: c.exec_driver_sql("CREATE TABLE notes (id INTEGER PRIMARY KEY)"))
        tasks = [asyncio.ensure_future(db.write(insert(n))) for n in range(20)]
        await asyncio.sleep(0)  # every task runs up to its submitted write
        await db.dispose()
        assert [await t for t in tasks] == list(range(20))
        reopened = open_database(url)
        try:
            return await stored(reopened)
        finally:
            await reopened.dispose()

    assert asyncio.run(submit_then_close()) == list(range(20))


def test_a_write_that_raises_a_base_exception_is_answered_and_the_writer_lives_on(tmp_path: Path) -> None:
    """SystemExit or StopIteration from a write reach its caller as a RuntimeError; later writes still run."""

    def exits(conn: sa.Connection) -> int:
        raise SystemExit(3)

    def stops(conn: sa.Connection) -> int:
        return next(iter(()))

    async def scenario(db: Database) -> None:
        for work in (exits, stops):
            with pytest.raises(RuntimeError, match="a write raised") as caught:
                await asyncio.wait_for(db.write(work), 10)
            assert isinstance(caught.value.__cause__, (SystemExit, StopIteration))
        assert await asyncio.wait_for(db.write(insert(5)), 10) == 5
        assert await stored(db) == [5]

    run(tmp_path, scenario)


def test_a_write_submitted_while_dispose_waits_is_answered_and_dispose_returns(tmp_path: Path) -> None:
    """Shutting down while the writer is busy and another write arrives: both finish, nothing hangs."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'late.db'}"

    async def scenario() -> list[int]:
        db = open_database(url)
        await db.write(lambda c: c.exec_driver_sql("CREATE TABLE notes (id INTEGER PRIMARY KEY)"))
        started, release = threading.Event(), threading.Event()

        def hold(conn: sa.Connection) -> int:
            started.set()
            release.wait(10)
            return insert(1)(conn)

        first = asyncio.ensure_future(db.write(hold))
        assert await asyncio.to_thread(started.wait, 10)
        closing = asyncio.ensure_future(db.dispose())
        await asyncio.sleep(0.05)  # dispose is waiting for the busy writer
        late = asyncio.ensure_future(db.write(insert(2)))
        await asyncio.sleep(0.05)
        release.set()
        assert await asyncio.wait_for(first, 10) == 1
        assert await asyncio.wait_for(late, 10) == 2
        await asyncio.wait_for(closing, 10)
        await db.dispose()
        reopened = open_database(url)
        try:
            return await stored(reopened)
        finally:
            await reopened.dispose()

    assert asyncio.run(scenario()) == [1, 2]


# --- PostgreSQL: the pooled writer groups the writes submitted while none of its transactions runs ---


@pytest.fixture(scope="module")
def postgres_url() -> str:
    if not POSTGRES_URL:
        pytest.skip("FEEDBACK_TEST_POSTGRES_URL is not set")
    return own_postgres_database(POSTGRES_URL, "writer")


def run_pg(url: str, scenario: Callable[[Database], Awaitable[T]]) -> T:
    """``scenario`` on ``url`` with a fresh ``notes`` table, in one event loop."""

    async def main() -> T:
        db = open_database(url)
        try:
            await db.write(lambda c: c.exec_driver_sql("DROP TABLE IF EXISTS notes"))
            await db.write(lambda c: c.exec_driver_sql("CREATE TABLE notes (id INTEGER PRIMARY KEY)"))
            return await scenario(db)
        finally:
            await db.dispose()

    return asyncio.run(main())


def pooled_writer_of(db: Database) -> PooledWriter:
    writer = db._writer
    assert isinstance(writer, PooledWriter)
    return writer


async def at_once(db: Database, works: list[Work[int]]) -> tuple[list[object], int]:
    """Submit ``works`` in one turn of the event loop; their outcomes and the transactions used."""
    before = pooled_writer_of(db).groups
    outcomes = await asyncio.gather(*(db.write(w) for w in works), return_exceptions=True)
    return list(outcomes), pooled_writer_of(db).groups - before


@pytest.mark.postgres
def test_postgres_writes_submitted_together_share_one_commit(postgres_url: str) -> None:
    """Ten writes submitted in one turn of the event loop are one transaction, in order."""

    async def scenario(db: Database) -> None:
        outcomes, groups = await at_once(db, [insert(n) for n in range(10)])
        assert outcomes == list(range(10))
        assert groups == 1
        assert await stored(db) == list(range(10))

    run_pg(postgres_url, scenario)


@pytest.mark.postgres
def test_postgres_a_failing_write_fails_alone(postgres_url: str) -> None:
    """A write that raises after writing (or a duplicate key, which aborts the transaction) fails alone."""

    async def scenario(db: Database) -> None:
        works = [insert(1), insert(2, then_fail=True), insert(1), insert(3)]
        outcomes, groups = await at_once(db, works)
        assert outcomes[0] == 1 and outcomes[3] == 3
        assert isinstance(outcomes[1], Refused) and isinstance(outcomes[2], IntegrityError)
        assert groups == 1 + 4  # the group, rolled back, then each write alone
        assert await stored(db) == [1, 3]

    run_pg(postgres_url, scenario)
