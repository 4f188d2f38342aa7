"""Backups: taken under load, restored elsewhere, every ticket and every trend figure equal.

SQLite with ``feedback-service backup`` and ``restore``; PostgreSQL with the documented
``pg_dump --format=custom`` and ``pg_restore`` (docs/deployment.md). The load is real: `serve` with
two workers and clients reporting and acknowledging tickets while the backup runs.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from served import Load, cli, serving, units_file
from service_api import POSTGRES_URL, Api, migrated, own_postgres_database, small_tree
from sqlalchemy.ext.asyncio import create_async_engine

from feedback_service.app import create_app
from feedback_service.auth import Role, issue_token
from feedback_service.settings import Settings
from feedback_service.store import open_database
from feedback_service.store.backup import BackupError, backup_sqlite, check_sqlite, restore_sqlite

TRENDS = ("/trends/summary", "/trends/unresolved", "/trends/communes", "/trends/resolution-times")


def tables(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in a stable order."""

    async def read() -> dict[str, list[tuple[Any, ...]]]:
        engine = create_async_engine(url)
        try:
            async with engine.connect() as conn:
                meta = sa.MetaData()
                await conn.run_sync(meta.reflect)
                out = {}
                for table in meta.sorted_tables:
                    rows = (await conn.execute(sa.select(table))).all()
                    out[table.name] = sorted((tuple(r) for r in rows), key=repr)
                return out
        finally:
            await engine.dispose()

    return asyncio.run(read())


def trend_figures(url: str, province_token: str) -> dict[str, Any]:
    """What the trend endpoints answer the province official."""
    settings = Settings(database_url=url, migrate_on_start=False)
    with Api.running(create_app(settings, tree=small_tree())) as api:
        answers = {path: api.get(path, who=province_token) for path in TRENDS}
    assert all(a.status_code == 200 for a in answers.values()), {p: a.text for p, a in answers.items()}
    return {path: answer.json() for path, answer in answers.items()}


def tokens(url: str) -> tuple[str, str, str]:
    """A team token (commune C1), a C1 official's and the province official's, in a migrated store."""

    migrated(url)

    async def issue() -> tuple[str, str, str]:
        db = open_database(url)
        now, tree = dt.datetime.now(dt.UTC), small_tree()
        try:
            made = [
                await issue_token(db, tree, Role.TEAM, team="T1", commune="C1", now=now),
                await issue_token(db, tree, Role.OFFICIAL, scope="C1", now=now),
                await issue_token(db, tree, Role.OFFICIAL, scope="P", now=now),
            ]
        finally:
            await db.dispose()
        return made[0].secret, made[1].secret, made[2].secret

    return asyncio.run(issue())


def consistent(rows: dict[str, list[tuple[Any, ...]]], url: str) -> None:
    """Each ticket's history is complete: as many events as its version (a torn copy would not be)."""

    async def check() -> list[tuple[Any, ...]]:
        engine = create_async_engine(url)
        try:
            async with engine.connect() as conn:
                query = sa.text(
                    "SELECT t.id, t.version, count(e.id) FROM tickets t "
                    "LEFT JOIN ticket_events e ON e.ticket_id = t.id GROUP BY t.id, t.version "
                    "HAVING t.version <> count(e.id)"
                )
                return [tuple(r) for r in await conn.execute(query)]
        finally:
            await engine.dispose()

    assert rows["tickets"]
    assert asyncio.run(check()) == []


def test_sqlite_backup_under_load_and_restore(tmp_path: Path) -> None:
    """`backup` while two workers take tickets: the copy passes integrity_check, holds every ticket
    acknowledged before it began, each with its whole history; once the load stops, a backup
    restored elsewhere equals the database table for table and trend figure for trend figure."""
    source = tmp_path / "live.db"
    url = f"sqlite+aiosqlite:///{source}"
    units = units_file(tmp_path)
    team, official, province = tokens(url)
    with serving(url, units, workers=2, log=tmp_path / "serve.log") as served:
        load = Load(served.base, team, official)
        load.wait_for(20)
        before = list(load.created)
        taken = cli("backup", "--database-url", url, str(tmp_path / "busy.db"))
        load.wait_for(len(before) + 10)  # the load went on during and after the backup
        statuses = load.stop()
    assert taken.returncode == 0, taken.stderr
    assert "integrity check ok" in taken.stdout
    assert not [s for s in statuses if s >= 500 or s < 0], statuses

    busy = f"sqlite+aiosqlite:///{tmp_path / 'busy-restored.db'}"
    restored = cli("restore", "--database-url", busy, str(tmp_path / "busy.db"))
    assert restored.returncode == 0, restored.stderr
    rows = tables(busy)
    assert set(before) <= {row[0] for row in rows["tickets"]}
    consistent(rows, busy)

    quiet = cli("backup", "--database-url", url, str(tmp_path / "quiet.db"))
    assert quiet.returncode == 0, quiet.stderr
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    copy = f"sqlite+aiosqlite:///{elsewhere / 'feedback.db'}"
    assert cli("restore", "--database-url", copy, str(tmp_path / "quiet.db")).returncode == 0
    assert tables(copy) == tables(url)
    assert trend_figures(copy, province) == trend_figures(url, province)


def test_restore_refuses_what_it_should(tmp_path: Path) -> None:
    """A damaged backup fails its integrity check and restores nothing; an existing database is
    replaced only with --replace; PostgreSQL is sent to pg_dump."""
    source = tmp_path / "live.db"
    url = f"sqlite+aiosqlite:///{source}"
    tokens(url)
    backup_sqlite(source, tmp_path / "good.db")
    assert check_sqlite(tmp_path / "good.db").revision is not None

    damaged = tmp_path / "damaged.db"
    shutil.copy(tmp_path / "good.db", damaged)
    with damaged.open("r+b") as f:  # overwrite the second page (a table's b-tree) with garbage
        page = sqlite3.connect(damaged).execute("PRAGMA page_size").fetchone()[0]
        f.seek(page)
        f.write(b"\xff" * page)
    target = tmp_path / "target.db"
    with pytest.raises(BackupError):
        restore_sqlite(damaged, target)
    assert not target.exists() or target.stat().st_size == 0

    existing = cli("restore", "--database-url", url, str(tmp_path / "good.db"))
    assert existing.returncode == 2 and "--replace" in existing.stderr
    assert restore_sqlite(tmp_path / "good.db", source, replace=True).revision is not None

    postgres = cli("backup", "--database-url", "postgresql://u@h/db", str(tmp_path / "x"))
    assert postgres.returncode == 2 and "pg_dump" in postgres.stderr


def _libpq(url: str) -> str:
    return sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.mark.postgres
def test_postgres_pg_dump_under_load_and_pg_restore(tmp_path: Path) -> None:
    """The documented procedure: pg_dump --format=custom while two workers take tickets, then
    pg_restore into a new database: every ticket acknowledged before the dump, histories complete;
    once the load stops, a dump restored elsewhere equals the source table for table and trend for
    trend."""
    if not POSTGRES_URL:
        pytest.skip("FEEDBACK_TEST_POSTGRES_URL is not set")
    url = own_postgres_database(POSTGRES_URL, "backup_live")
    units = units_file(tmp_path)
    team, official, province = tokens(url)
    with serving(url, units, workers=2, log=tmp_path / "serve.log") as served:
        load = Load(served.base, team, official)
        load.wait_for(20)
        before = list(load.created)
        dump = subprocess.run(
            ["pg_dump", "--format=custom", "--file", str(tmp_path / "busy.dump"), _libpq(url)],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        load.wait_for(len(before) + 10)
        statuses = load.stop()
    assert dump.returncode == 0, dump.stderr
    assert not [s for s in statuses if s >= 500 or s < 0], statuses

    def restore(name: str, dump_file: Path) -> str:
        target = own_postgres_database(POSTGRES_URL, name)
        done = subprocess.run(
            ["pg_restore", "--no-owner", "--exit-on-error", "--dbname", _libpq(target), str(dump_file)],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return target

    busy = restore("backup_busy", tmp_path / "busy.dump")
    rows = tables(busy)
    assert set(before) <= {row[0] for row in rows["tickets"]}
    consistent(rows, busy)

    quiet = subprocess.run(
        ["pg_dump", "--format=custom", "--file", str(tmp_path / "quiet.dump"), _libpq(url)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert quiet.returncode == 0, quiet.stderr
    copy = restore("backup_copy", tmp_path / "quiet.dump")
    assert tables(copy) == tables(url)
    assert trend_figures(copy, province) == trend_figures(url, province)
    for name in (url, busy, copy):
        _drop(name)


def _drop(url: str) -> None:
    parsed = sa.make_url(url)

    async def run() -> None:
        admin = create_async_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
        try:
            async with admin.connect() as conn:
                await conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
        finally:
            await admin.dispose()

    asyncio.run(run())
