"""A revoked token is refused on its very next request, whoever revoked it: no copy outlives a change.

A check reads the token with ``Database.lookup`` (on SQLite a prepared statement on the event loop
thread's own connection; on PostgreSQL one statement in autocommit). On SQLite a worker's
``CheckMemo`` may answer a valid check again only while ``access_version`` (read first, on every
check; moved by triggers with every change to tokens, teams and failure counts, by any connection of
any process) stands; on PostgreSQL every check reads. These tests revoke through another engine and
through another process, on both stores, and check the very next request; they check that the memo
answers with only the version's select while nothing changed (a ticket's commit included) and reads
again after another process's change; that every watched change moves the version; and that a read
that finds SQLite locked waits elsewhere instead of failing.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa
from service_api import Api, small_tree, ticket_body

from feedback_service.auth import Role, issue_token
from feedback_service.auth.tokens import CheckMemo, IssuedToken
from feedback_service.store.database import Lookup, open_database
from feedback_service.store.tables import tokens
from feedback_service.store.tokens import revoke_token


def _fresh_team_token(api: Api) -> IssuedToken:
    async def issue() -> IssuedToken:
        return await issue_token(
            api.ctx.db, api.ctx.tree, Role.TEAM, now=dt.datetime.now(dt.UTC), team="T-c1-a", commune="C1"
        )

    return api.call(issue)


def test_revoked_by_another_engine_is_refused_on_the_next_request(api: Api, store_url: str) -> None:
    """Another worker or host (its own engine and connections) revokes; this one refuses at once."""
    token = _fresh_team_token(api)
    ticket = api.create(who=token.secret)
    assert api.get(f"/tickets/{ticket['id']}", who=token.secret).status_code == 200

    async def revoke_elsewhere() -> bool:
        other = open_database(store_url)
        try:
            return await revoke_token(other, token.id, dt.datetime.now(dt.UTC))
        finally:
            await other.dispose()

    assert api.call(revoke_elsewhere)
    response = api.get(f"/tickets/{ticket['id']}", who=token.secret)
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]


def test_revoked_by_another_process_is_refused_on_the_next_request(api: Api, store_url: str) -> None:
    """``feedback-service tokens revoke`` in its own process; the running app's next request is 401."""
    token = _fresh_team_token(api)
    assert api.post("/tickets", ticket_body(), who=token.secret).status_code == 201
    assert api.get("/tickets", who=token.secret).status_code == 200
    revoked = subprocess.run(
        [
            sys.executable,
            "-m",
            "feedback_service.cli",
            "tokens",
            "revoke",
            token.id,
            "--database-url",
            store_url,
        ],
        env={**os.environ, "FEEDBACK_UNITS": "demo"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert revoked.returncode == 0, revoked.stderr
    assert api.get("/tickets", who=token.secret).status_code == 401
    assert api.post("/tickets", ticket_body(), who=token.secret).status_code == 401


def test_a_lookup_sees_every_commit_of_another_connection(api: Api, store_url: str) -> None:
    """Database.lookup reads the latest committed row each time: change it elsewhere, read it again."""
    by_id = Lookup(sa.select(tokens.c.label).where(tokens.c.id == sa.bindparam("token_id")))
    token = _fresh_team_token(api)

    async def relabel_and_read(label: str) -> object:
        other = open_database(store_url)
        try:

            def work(conn: sa.Connection) -> None:
                conn.execute(sa.update(tokens).where(tokens.c.id == token.id).values(label=label))

            await other.write(work)
        finally:
            await other.dispose()
        row = await api.ctx.db.lookup(by_id, token_id=token.id)
        return None if row is None else row[0]

    for label in ("first", "second", "third"):
        assert api.call(relabel_and_read, label) == label


def test_a_valid_check_is_remembered_only_while_the_access_version_stands(api: Api, store_url: str) -> None:
    """The worker's memo of valid checks: on SQLite a second check of the same token runs only the
    version's select, even after a ticket was committed; once another process (the plain ``sqlite3``
    module or asyncpg, nothing of ours) revokes the token, the very next check reads it and refuses it.
    On PostgreSQL nothing is remembered and the revocation is refused the same way."""
    token = _fresh_team_token(api)
    db = api.ctx.db
    memo = CheckMemo()

    async def check() -> str:
        found = await memo.check(
            db,
            token.secret,
            "10.0.0.7",
            lambda: api.ctx.throttle.guard("10.0.0.7", token.secret, api.ctx.now()),
        )
        return found.outcome

    assert api.call(check) == "valid"
    if db.dialect == "sqlite":
        statements: list[str] = []

        async def traced() -> str:
            local = db._local
            assert local is not None
            raw = local._connection().connection.driver_connection
            raw.set_trace_callback(statements.append)
            try:
                return await check()
            finally:
                raw.set_trace_callback(None)

        assert api.call(traced) == "valid"
        assert statements == [_VERSION]
        api.create()  # a ticket's commit changes nothing a token check reads
        statements.clear()
        assert api.call(traced) == "valid"
        assert statements == [_VERSION]
    else:
        assert memo.valid == {}
    revoked = subprocess.run(
        [sys.executable, "-c", _REVOKE, store_url, token.id], capture_output=True, text=True, check=False
    )
    assert revoked.returncode == 0, revoked.stderr
    assert api.call(check) == "revoked"
    assert api.call(check) == "revoked"


_VERSION = "SELECT version FROM access_version WHERE id = 1"

_REVOKE = """
import sys, sqlalchemy as sa
url, token_id = sys.argv[1:]
if sa.make_url(url).get_backend_name() == "sqlite":
    import sqlite3
    with sqlite3.connect(sa.make_url(url).database) as conn:
        conn.execute("UPDATE tokens SET revoked_at = created_at WHERE id = ?", (token_id,))
else:
    import asyncio
    from sqlalchemy.ext.asyncio import create_async_engine
    async def main():
        engine = create_async_engine(url)
        async with engine.begin() as conn:
            revoke = sa.text("UPDATE tokens SET revoked_at = created_at WHERE id = :i")
            await conn.execute(revoke, {"i": token_id})
        await engine.dispose()
    asyncio.run(main())
"""


def test_failures_counted_by_another_process_throttle_the_next_check(tmp_path: Path) -> None:
    """A worker that checked a valid token (its memo warm) refuses it with 429 on the very next
    request once another process has counted the address over the limit, and accepts it again once
    that process has cleared the count."""
    from feedback_service.app import create_app
    from feedback_service.settings import Settings
    from feedback_service.store import upgrade

    url = f"sqlite+aiosqlite:///{tmp_path / 'limit.db'}"

    async def setup() -> IssuedToken:
        db = open_database(url)
        try:
            await upgrade(db)
            return await issue_token(db, small_tree(), Role.ADMIN, now=dt.datetime.now(dt.UTC))
        finally:
            await db.dispose()

    admin = asyncio.run(setup())
    settings = Settings(database_url=url, migrate_on_start=False, auth_failure_limit=3)
    with Api.running(create_app(settings, tree=small_tree())) as api:
        for _ in range(3):
            assert api.get("/me", who=admin.secret).status_code == 200
        script = (
            "import sqlite3, sys, time\n"
            "with sqlite3.connect(sys.argv[1]) as conn:\n"
            "    conn.execute('DELETE FROM auth_failures')\n"
            "    if sys.argv[2] == 'block':\n"
            "        conn.execute('INSERT INTO auth_failures VALUES (?, ?, ?)', "
            "('addr:testclient', int(time.time()), 3))\n"
        )
        for action, status in (("block", 429), ("clear", 200)):
            done = subprocess.run(
                [sys.executable, "-c", script, str(tmp_path / "limit.db"), action],
                capture_output=True,
                text=True,
                check=False,
            )
            assert done.returncode == 0, done.stderr
            assert api.get("/me", who=admin.secret).status_code == status


def test_a_locked_sqlite_file_makes_the_lookup_wait_off_the_event_loop(tmp_path: Path) -> None:
    """Another process holds SQLite's lock (exclusive locking mode): the token lookup on the event
    loop's thread gives up at once and the read completes through a pooled reader once the lock goes,
    while the event loop keeps running meanwhile."""
    path = tmp_path / "locked.db"
    url = f"sqlite+aiosqlite:///{path}"
    by_id = Lookup(sa.select(tokens.c.label).where(tokens.c.id == sa.bindparam("token_id")))

    async def run() -> tuple[bool, object]:
        from feedback_service.store import upgrade

        setup = open_database(url)
        await upgrade(setup)
        token = await issue_token(setup, small_tree(), Role.ADMIN, now=dt.datetime.now(dt.UTC), label="a")
        await setup.dispose()  # every connection closed: the holder below can take the file alone
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("PRAGMA locking_mode=EXCLUSIVE")
        holder.execute("BEGIN EXCLUSIVE")
        holder.execute("UPDATE tokens SET label = 'b' WHERE id = ?", (token.id,))
        db = open_database(url)
        try:
            lookup = asyncio.ensure_future(db.lookup(by_id, token_id=token.id))
            for _ in range(5):  # the loop keeps turning while the lookup waits for the lock
                await asyncio.sleep(0.05)
            waiting = not lookup.done()
            holder.execute("COMMIT")
            holder.close()  # the exclusive lock goes with the connection
            row = await lookup
        finally:
            await db.dispose()
        return waiting, None if row is None else row[0]

    waiting, label = asyncio.run(run())
    assert waiting
    assert label == "b"


def test_every_change_a_check_reads_moves_the_access_version(api: Api) -> None:
    """The triggers of migration 0008: a token's insert, relabel and revocation, a team's commune, a
    failure counted and cleared each move ``access_version`` (so a memo of a check is dropped); a phone's
    sync time (``last_synced_at``) and a ticket do not."""
    token = _fresh_team_token(api)
    db = api.ctx.db

    async def version() -> int:
        async with db.reading() as conn:
            return int((await conn.execute(sa.text("SELECT version FROM access_version"))).scalar_one())

    def after(statement: str, **params: object) -> int:
        async def change() -> int:
            await db.write(lambda conn: conn.execute(sa.text(statement), params))
            return await version()

        return api.call(change)

    start = api.call(version)
    moves = [
        after("UPDATE tokens SET label = 'x' WHERE id = :i", i=token.id),
        after("UPDATE tokens SET revoked_at = created_at WHERE id = :i", i=token.id),
        after("UPDATE teams SET commune = commune WHERE id = 'T-c1-a'"),
        after("INSERT INTO auth_failures VALUES ('addr:x', 1, 1)"),
        after("UPDATE auth_failures SET failures = 2"),
        after("DELETE FROM auth_failures"),
    ]
    assert all(b > a for a, b in zip([start, *moves], moves, strict=False))
    still = moves[-1]
    assert after("UPDATE tokens SET last_synced_at = created_at WHERE id = :i", i=token.id) == still
    api.create()
    assert api.call(version) == still


def test_a_check_reads_only_what_the_access_version_follows() -> None:
    """A remembered check is safe only if every table its statements read moves ``access_version``."""
    from sqlalchemy.sql import util as sql_util

    from feedback_service.store.auth_failures import _BLOCKED
    from feedback_service.store.tables import ACCESS_TABLES
    from feedback_service.store.tokens import _BY_HASH, _BY_HASH_WITH_LIMIT

    for lookup in (_BY_HASH, _BY_HASH_WITH_LIMIT, _BLOCKED):
        read = {t.name for t in sql_util.find_tables(lookup.statement, include_crud=True)}
        assert read and read <= ACCESS_TABLES
