"""The writers: writes that wait commit together, and each stays atomic on its own.

Both writers settle a group by one rule (``GroupCommit``), so the tests of that rule run on both
stores: SQLite's writer thread is held busy on purpose (a write that waits for an event) so that the
writes submitted meanwhile are certain to form one group; on PostgreSQL, writes submitted in one turn
of the event loop are. Nothing here depends on timing.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import pytest
import sqlalchemy as sa
from service_api import own_postgres_database
from sqlalchemy.exc import IntegrityError

from feedback_service.store import Database, open_database
from feedback_service.store.commit_process import CommitProcess
from feedback_service.store.database import insert_later, inserts_only, sqlite_pragmas
from feedback_service.store.writer import THREAD_NAME, PooledWriter, SqliteWriter, Work

T = TypeVar("T")
POSTGRES_URL = os.environ.get("FEEDBACK_TEST_POSTGRES_URL")


class Refused(Exception):
    """A write's own failure, raised after it wrote something."""


def run(tmp_path: Path, scenario: Callable[[Database], Awaitable[T]], *, commit_process: bool = True) -> T:
    """``scenario`` on a fresh store with a ``notes`` table, in one event loop."""

    async def main() -> T:
        db = open_database(f"sqlite+aiosqlite:///{tmp_path / 'writer.db'}", commit_process=commit_process)
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
    tasks = [asyncio.ensure_future(db.write(w)) for w in works]
    outcomes = await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 20)
    return list(outcomes), pooled_writer_of(db).groups - before


async def held_busy(db: Database, works: list[Work[int]]) -> tuple[list[object], int]:
    outcomes, groups = await asyncio.wait_for(while_busy(db, works), 20)
    return outcomes, groups


class Store:
    """One store kind: how to run a scenario on a fresh ``notes`` table, and how to make a group."""

    def __init__(self, kind: str, tmp_path: Path, postgres_url: str | None) -> None:
        self.kind = kind
        self.tmp_path = tmp_path
        self.postgres_url = postgres_url

    def run(self, scenario: Callable[[Database], Awaitable[T]]) -> T:
        if self.postgres_url is None:
            return run(self.tmp_path, scenario)
        return run_pg(self.postgres_url, scenario)

    async def grouped(self, db: Database, works: list[Work[int]]) -> tuple[list[object], int]:
        """The outcomes of ``works`` submitted so that they form one group, and the transactions used."""
        if self.postgres_url is None:
            return await held_busy(db, works)
        return await at_once(db, works)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    if request.param == "sqlite":
        return Store("sqlite", tmp_path, None)
    return Store("postgresql", tmp_path, str(request.getfixturevalue("postgres_url")))


def test_writes_submitted_together_share_one_commit(store: Store) -> None:
    """Ten writes that form a group are committed in one transaction, in order."""

    async def scenario(db: Database) -> None:
        outcomes, groups = await store.grouped(db, [insert(n) for n in range(10)])
        assert outcomes == list(range(10))
        assert groups == 1
        assert await stored(db) == list(range(10))

    store.run(scenario)


def test_a_failing_write_fails_alone_and_leaves_nothing(store: Store) -> None:
    """In a group, a write that raises after writing keeps nothing; the others are stored all the same."""

    async def scenario(db: Database) -> None:
        outcomes, groups = await store.grouped(db, [insert(1), insert(2, then_fail=True), insert(3)])
        assert outcomes[0] == 1 and outcomes[2] == 3
        assert isinstance(outcomes[1], Refused)
        assert groups == 1 + 3  # the group, rolled back, then each write alone
        assert await stored(db) == [1, 3]

    store.run(scenario)


def test_a_constraint_violation_reaches_its_caller_only(store: Store) -> None:
    """A duplicate key in a group (on PostgreSQL it aborts the transaction) is the duplicate's
    IntegrityError, and the first insert stands."""

    async def scenario(db: Database) -> None:
        outcomes, _ = await store.grouped(db, [insert(7), insert(7), insert(8)])
        assert outcomes[0] == 7 and outcomes[2] == 8
        assert isinstance(outcomes[1], IntegrityError)
        assert await stored(db) == [7, 8]

    store.run(scenario)


def exits(conn: sa.Connection) -> int:
    raise SystemExit(3)


def stops(conn: sa.Connection) -> int:
    return next(iter(()))


def test_a_write_that_raises_a_base_exception_is_answered_and_the_writer_lives_on(store: Store) -> None:
    """SystemExit or StopIteration from a write reach its caller as a RuntimeError; later writes still run."""

    async def scenario(db: Database) -> None:
        for work in (exits, stops):
            with pytest.raises(RuntimeError, match="a write raised") as caught:
                await asyncio.wait_for(db.write(work), 10)
            assert isinstance(caught.value.__cause__, (SystemExit, StopIteration))
        assert await asyncio.wait_for(db.write(insert(5)), 10) == 5
        assert await stored(db) == [5]

    store.run(scenario)


def test_base_exceptions_in_a_group_never_leave_the_rest_of_it_unanswered(store: Store) -> None:
    """StopIteration and SystemExit amid a group: every other write of it is answered and stored."""

    async def scenario(db: Database) -> None:
        works = [insert(1), stops, insert(2), exits, insert(3)]
        outcomes, groups = await store.grouped(db, works)
        assert [outcomes[0], outcomes[2], outcomes[4]] == [1, 2, 3]
        for failed, cause in ((outcomes[1], StopIteration), (outcomes[3], SystemExit)):
            assert isinstance(failed, RuntimeError) and isinstance(failed.__cause__, cause)
        assert groups == 1 + len(works)
        assert await stored(db) == [1, 2, 3]
        assert await asyncio.wait_for(db.write(insert(4)), 10) == 4

    store.run(scenario)


_NOTES = sa.table("notes", sa.column("id"))


def insert_later_note(note: int) -> Work[int]:
    """An inserts-only write: its row waits for the group's one statement (``insert_later``)."""

    def work(conn: sa.Connection) -> int:
        insert_later(conn, _NOTES.insert(), [{"id": note}])
        return note

    return inserts_only(work)


def count_notes(conn: sa.Connection) -> int:
    """A write that reads: it must see every row the writes before it in its group wrote."""
    return int(conn.exec_driver_sql("SELECT count(*) FROM notes").scalar_one())


def test_deferred_inserts_are_written_before_a_write_that_reads(store: Store) -> None:
    """Inserts-only writes share one statement, flushed before the next write that may read, so it
    sees them, and at the end of the group."""

    async def scenario(db: Database) -> None:
        works = [insert_later_note(1), insert_later_note(2), count_notes, insert_later_note(3)]
        outcomes, groups = await store.grouped(db, works)
        assert outcomes == [1, 2, 2, 3]
        assert groups == 1
        assert await stored(db) == [1, 2, 3]

    store.run(scenario)


def test_a_deferred_duplicate_fails_its_own_write_only(store: Store) -> None:
    """A duplicate key found when the group's deferred rows are inserted is the duplicate's error
    (the group runs again write by write); the other writes are stored."""

    async def scenario(db: Database) -> None:
        works = [insert_later_note(5), insert_later_note(5), insert_later_note(6)]
        outcomes, _ = await store.grouped(db, works)
        assert outcomes[0] == 5 and outcomes[2] == 6
        assert isinstance(outcomes[1], IntegrityError)
        assert await stored(db) == [5, 6]

    store.run(scenario)


# --- SQLite: where a group runs ---


def recording(note: int, threads: list[str]) -> Work[int]:
    """An inserts-only write that notes the thread it ran on."""
    queued = insert_later_note(note)

    def work(conn: sa.Connection) -> int:
        threads.append(threading.current_thread().name)
        return queued(conn)

    return inserts_only(work)


def commits_on(db: Database, threads: list[str]) -> None:
    """Note the thread of every COMMIT of the writer's own connection."""

    def note(_conn: sa.Connection) -> None:
        threads.append(threading.current_thread().name)

    sa.event.listen(writer_of(db)._engine, "commit", note)


def committer_of(db: Database) -> CommitProcess:
    committer = writer_of(db)._committer
    assert committer is not None
    return committer


async def one_group_of_creations(db: Database) -> list[str]:
    """Six creations submitted while the writer is held: one group, run on this event loop's thread,
    all stored; the threads of the writer's own connection's COMMITs meanwhile."""
    ran: list[str] = []
    committed: list[str] = []
    commits_on(db, committed)
    outcomes, groups = await while_busy(db, [recording(n, ran) for n in range(6)])
    assert outcomes == list(range(6))
    assert groups == 1
    assert set(ran) == {threading.current_thread().name}
    assert await stored(db) == list(range(6))
    return committed


def test_a_group_of_creations_is_committed_by_the_commit_process(tmp_path: Path) -> None:
    """Inserts-only writes (ticket creations) run where they were submitted, to the statements they
    leave; the commit process runs those in one transaction and commits it."""

    async def scenario(db: Database) -> None:
        committed = await one_group_of_creations(db)
        assert committer_of(db).commits == 1
        assert committed == [
            THREAD_NAME
        ]  # the holding write's: the writer's own connection, nothing of the group

    run(tmp_path, scenario)


def test_without_the_commit_process_a_group_of_creations_commits_in_the_writer_thread(tmp_path: Path) -> None:
    """The same group, when no commit process is wanted: its statements run on the event loop, in one
    transaction, and its COMMIT (the fsync) is the writer thread's."""

    async def scenario(db: Database) -> None:
        committed = await one_group_of_creations(db)
        assert committed[-1] == THREAD_NAME

    run(tmp_path, scenario, commit_process=False)


def test_the_lock_held_by_another_process_never_holds_the_event_loop(tmp_path: Path) -> None:
    """While another connection holds SQLite's lock, the commit process waits for it and the event
    loop goes on; once the lock is free, the group is stored."""

    async def scenario(db: Database) -> None:
        other = sqlite3.connect(tmp_path / "writer.db", isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            writing = asyncio.ensure_future(db.write(insert_later_note(1)))
            for _ in range(20):  # the event loop runs while the group waits for the lock
                await asyncio.sleep(0.005)
            assert not writing.done()
            other.execute("ROLLBACK")
            assert await asyncio.wait_for(writing, 10) == 1
        finally:
            other.close()
        assert committer_of(db).commits == 1
        assert await stored(db) == [1]

    run(tmp_path, scenario)


def test_without_the_commit_process_a_held_lock_sends_the_group_to_the_writer_thread(tmp_path: Path) -> None:
    """The event loop never waits for SQLite's lock itself: its BEGIN gives up, and the writer thread
    waits for the lock (the busy timeout) and then stores the group."""

    async def scenario(db: Database) -> None:
        ran: list[str] = []
        other = sqlite3.connect(tmp_path / "writer.db", isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            before = writer_of(db).groups
            writing = asyncio.ensure_future(db.write(recording(1, ran)))
            # A transaction is begun (counted) once the lock is had, or, in the writer thread, as it
            # starts waiting for it; the event loop's attempt gives up first and counts nothing.
            while writer_of(db).groups == before:
                await asyncio.sleep(0.001)
            assert not writing.done()
            other.execute("ROLLBACK")
            assert await asyncio.wait_for(writing, 10) == 1
        finally:
            other.close()
        assert ran == [THREAD_NAME]
        assert await stored(db) == [1]

    run(tmp_path, scenario, commit_process=False)


def test_a_commit_process_that_dies_with_a_group_leaves_it_to_the_writer_thread(tmp_path: Path) -> None:
    """The child is stopped, given a group, then killed: nothing of the group was committed, so the
    writer thread stores it, each write alone; the next group gets a new child."""

    async def scenario(db: Database) -> None:
        assert await db.write(insert_later_note(1)) == 1  # the child is up
        committer = committer_of(db)
        child = committer._child
        assert child is not None
        child.send_signal(signal.SIGSTOP)
        writing = asyncio.ensure_future(db.write(insert_later_note(2)))
        await asyncio.sleep(0.05)
        assert not writing.done()
        child.kill()
        assert await asyncio.wait_for(writing, 10) == 2
        assert committer.failures == 1
        assert await db.write(insert_later_note(3)) == 3
        assert committer._child is not None and committer._child is not child
        assert committer.commits == 2  # the first and the third
        assert await stored(db) == [1, 2, 3]

    run(tmp_path, scenario)


def test_a_write_from_another_event_loop_joins_the_writes_in_flight(tmp_path: Path) -> None:
    """Two event loops on one store (a thread of its own running one): the second loop's write is
    run with the first loop's, one connection, one group at a time, and answered on its own loop."""

    async def scenario(db: Database) -> None:
        started, release = threading.Event(), threading.Event()

        def hold(conn: sa.Connection) -> None:
            started.set()
            release.wait(10)

        blocker = asyncio.ensure_future(db.write(hold))
        assert await asyncio.to_thread(started.wait, 10)
        other = asyncio.ensure_future(asyncio.to_thread(asyncio.run, db.write(insert(9))))
        await asyncio.sleep(0.05)
        assert not other.done()  # it waits for the group in flight
        release.set()
        await blocker
        assert await asyncio.wait_for(other, 10) == 9
        assert await stored(db) == [9]

    run(tmp_path, scenario)


def test_a_loop_that_closes_with_a_group_at_the_commit_process_leaves_the_writer_usable(
    tmp_path: Path,
) -> None:
    """A caller gives up and its event loop closes while the child holds its group: the next event
    loop carries on (the child's answer is read there), its writes are stored, and dispose returns."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'closing.db'}"
    first = asyncio.new_event_loop()
    db = open_database(url)
    first.run_until_complete(
        db.write(lambda c: c.exec_driver_sql("CREATE TABLE notes (id INTEGER PRIMARY KEY)"))
    )
    assert first.run_until_complete(db.write(insert_later_note(1))) == 1
    committer = committer_of(db)
    child = committer._child
    assert child is not None
    child.send_signal(signal.SIGSTOP)  # it takes the group but cannot answer before the loop closes
    given_up = first.create_task(db.write(insert_later_note(2)))
    for _ in range(1000):
        if committer._waiting:
            break
        first.run_until_complete(asyncio.sleep(0.001))
    assert committer._waiting  # the child has it
    given_up.cancel()
    with pytest.raises(asyncio.CancelledError):
        first.run_until_complete(given_up)
    first.close()
    child.send_signal(signal.SIGCONT)

    async def later() -> list[int]:
        assert await asyncio.wait_for(db.write(insert_later_note(3)), 10) == 3
        await asyncio.wait_for(db.dispose(), 10)
        reopened = open_database(url)
        try:
            return await stored(reopened)
        finally:
            await reopened.dispose()

    assert asyncio.run(later()) == [1, 2, 3]  # the given-up write stands, as any write a caller left


def huge(note: int) -> Work[int]:
    """An inserts-only write of a value no SQLite integer holds (msgpack carries it; SQLite refuses)."""

    def work(conn: sa.Connection) -> int:
        insert_later(conn, _NOTES.insert(), [{"id": 2**63 + note}])
        return note

    return inserts_only(work)


def test_a_value_sqlite_cannot_bind_fails_its_own_write_and_the_commit_process_lives_on(
    tmp_path: Path,
) -> None:
    """The child answers its error; the group runs again in the thread, where the write gets
    SQLite's own error; the child stays in use (a failure counts only when it dies)."""

    async def scenario(db: Database) -> None:
        for _ in range(4):
            with pytest.raises(OverflowError):
                await asyncio.wait_for(db.write(huge(0)), 10)
        assert committer_of(db).usable() and committer_of(db).failures == 0
        assert await db.write(insert_later_note(1)) == 1
        assert await stored(db) == [1]

    run(tmp_path, scenario)


def test_the_commit_process_opens_the_file_as_every_connection_of_the_service_does(tmp_path: Path) -> None:
    """The child's connection runs the service's own PRAGMAs, synchronous=FULL among them: a ticket it
    committed and the service answered 201 survives a power cut like any other."""

    async def scenario(db: Database) -> None:
        committer = committer_of(db)
        assert committer._pragmas == sqlite_pragmas()
        assert "PRAGMA synchronous=FULL" in committer._pragmas
        assert committer._path == str(tmp_path / "writer.db")

    run(tmp_path, scenario)
