"""A database created at any earlier revision, holding data, upgrades to the head with its data intact.

For each revision before the head, on each store: the service writes representative data at the
head (tickets with their histories through the store's own mutations, so the trend aggregate is the
real one; a token, a dashboard session, an authentication failure, an enrollment, an intervention).
A second database is migrated only to the earlier revision and given the same rows, as that release
stored them (only the tables and columns it had; categories also in ``ticket_categories`` before
0007; the trend aggregate only from 0002 on). Upgraded to the head, it must hold exactly the head's
rows: the same tickets and categories, the tables it lacked empty, and the trend aggregate (which
0002 creates) equal to the one computed from the tickets (``daily_deltas`` of their histories).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import create_async_engine
from trends_store import load

from digitransform.domain import (
    LOCAL_TZ,
    Barrier,
    DigitalService,
    ResolutionType,
    Ticket,
    TicketAction,
    TicketEvent,
    TicketHistory,
    Transition,
)
from digitransform.trends import daily_deltas
from feedback_service.store import Database, Scope, open_database, upgrade
from feedback_service.store.migrate import MIGRATIONS, head_revision
from feedback_service.store.queries import TicketQuery, list_tickets
from feedback_service.store.tables import (
    auth_failures,
    dashboard_sessions,
    enrollments,
    interventions,
    metadata,
    tokens,
    trend_days,
)

POSTGRES_URL = os.environ.get("FEEDBACK_TEST_POSTGRES_URL")
STORES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
EARLIER = [
    s.revision for s in ScriptDirectory(str(MIGRATIONS)).walk_revisions() if s.revision != head_revision()
]
"""Every revision before the head, newest first."""
DERIVED = {name for name in metadata.tables if name.startswith(("trend_days", "trend_weeks"))}
"""Tables computed from the tickets: a migration that creates them fills them."""
_ticket_categories = sa.table("ticket_categories", sa.column("ticket_id"), sa.column("category"))
"""The join table of revisions 0001 to 0006."""


def _at(day: int, hour: int = 9) -> dt.datetime:
    return dt.datetime(2026, 1, day, hour, tzinfo=LOCAL_TZ)


def _ticket(n: int, village: str, team: str, *categories: Barrier, people: int = 1) -> Ticket:
    return Ticket(
        id=f"00000000-0000-4000-8000-{n:012d}",
        commune=village[:2].replace("v", "c"),
        village=village,
        categories=frozenset(categories),
        service=(DigitalService.VNEID, DigitalService.E_PAYMENT)[n % 2],
        observed_at=_at(n, 8 + n),
        people_affected=people,
        description=f"khó khăn {n}",
        team=team,
    )


def _do(day: int, action: TicketAction, **fields: Any) -> TicketEvent:
    return TicketEvent(_at(day, 15), Transition(action, **fields))


HISTORIES = [
    TicketHistory(_ticket(1, "v11", "t1", Barrier.NO_DEVICE)),
    TicketHistory(
        _ticket(2, "v11", "t1", Barrier.LACK_OF_SKILLS, Barrier.FRAUD_SCAM_FEAR),
        (_do(2, TicketAction.RESOLVE, resolution=ResolutionType.ON_THE_SPOT),),
    ),
    TicketHistory(
        _ticket(3, "v12", "t3", Barrier.POOR_COVERAGE, Barrier.NO_DEVICE, people=3),
        (
            _do(4, TicketAction.ACKNOWLEDGE),
            TicketEvent(_at(5), people_added=2),
            _do(6, TicketAction.REJECT, reason="ngoài phạm vi"),
            _do(8, TicketAction.REOPEN, note="xem lại"),
            _do(12, TicketAction.RESOLVE, resolution=ResolutionType.FOLLOW_UP),
        ),
    ),
    TicketHistory(
        _ticket(4, "v21", "t2", Barrier.FRAUD_SCAM_FEAR, people=2),
        (_do(5, TicketAction.START, external_ref="VNEID-7"), TicketEvent(_at(9), people_added=1)),
    ),
]
NOW = dt.datetime(2026, 2, 1, 12, tzinfo=dt.UTC)
OTHER_ROWS = [
    (tokens, {"id": "tok-1", "secret_hash": "a" * 64, "role": "official", "team": None, "scope": "c1",
              "label": "xã", "created_at": NOW, "revoked_at": None, "last_synced_at": NOW}),
    (dashboard_sessions, {"id_hash": "b" * 64, "token_id": "tok-1", "created_at": NOW, "expires_at": NOW}),
    (auth_failures, {"key": "ip:192.0.2.1", "window_start": 1_767_000_000, "failures": 3}),
    (enrollments, {"id": "enr-1", "code_hash": "c" * 64, "team": "t1", "created_by": "tok-1",
                   "created_at": NOW, "expires_at": NOW, "used_at": None, "token_id": None}),
    (interventions, {"id": "11111111-0000-4000-8000-000000000001", "what": "lớp học", "units": "c1",
                     "categories": "lack_of_skills", "started_on": dt.date(2026, 1, 10),
                     "ended_on": dt.date(2026, 1, 20), "scope": "c1", "created_by": "tok-1",
                     "created_at": NOW}),
]  # fmt: skip
"""One row of each table the tickets do not fill, every column set."""


@pytest.fixture(params=STORES)
def databases(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """Two empty databases of one store: for the head, and for an earlier revision."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'head.db'}", f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
        return
    if not POSTGRES_URL:
        pytest.skip("FEEDBACK_TEST_POSTGRES_URL is not set")
    urls = asyncio.run(_fresh_postgres(POSTGRES_URL, ("head", "old")))
    yield urls
    asyncio.run(_fresh_postgres(POSTGRES_URL, ("head", "old"), drop_only=True))


async def _fresh_postgres(url: str, suffixes: tuple[str, str], *, drop_only: bool = False) -> tuple[str, str]:
    parsed = sa.make_url(url)
    names = [f"{parsed.database}_upgrade_{s}_{os.getpid()}" for s in suffixes]
    engine = create_async_engine(parsed, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            for name in names:
                await conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                if not drop_only:
                    await conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    finally:
        await engine.dispose()
    head, old = (parsed.set(database=n).render_as_string(hide_password=False) for n in names)
    return head, old


def _dump(conn: sa.Connection) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows (the history's without its generated id), in a stable order."""
    out = {}
    for table in metadata.sorted_tables:
        columns = [c for c in table.columns if not (table.name == "ticket_events" and c.name == "id")]
        if table.name == "access_version":  # a count of changes, not data: only its one row must be there
            columns = [table.c.id]
        rows = conn.execute(sa.select(*columns)).all()
        out[table.name] = sorted((tuple(r) for r in rows), key=repr)
    return out


async def _write_at_head(db: Database) -> dict[str, list[dict[str, Any]]]:
    """The representative data written at the head; every table's rows, as dictionaries."""
    await upgrade(db)
    await load(db, HISTORIES)

    def work(conn: sa.Connection) -> None:
        for table, row in OTHER_ROWS:
            conn.execute(table.insert().values(row))

    await db.write(work)

    def rows(conn: sa.Connection) -> dict[str, list[dict[str, Any]]]:
        order = {"ticket_events": [metadata.tables["ticket_events"].c.id]}
        return {
            t.name: [
                {c.key: r._mapping[c] for c in t.columns}
                for r in conn.execute(sa.select(t).order_by(*order.get(t.name, [])))
            ]
            for t in metadata.sorted_tables
        }

    return await db.read(rows)


def _write_as_of(conn: sa.Connection, head: dict[str, list[dict[str, Any]]]) -> None:
    """The head's rows in a database at an earlier revision, as that release stored them."""
    inspector = sa.inspect(conn)
    present = set(inspector.get_table_names())
    for table in metadata.sorted_tables:
        if table.name not in present or not head[table.name]:
            continue
        known = {c["name"] for c in inspector.get_columns(table.name)}
        keep = [c.key for c in table.columns if c.name in known]
        conn.execute(table.insert(), [{k: row[k] for k in keep} for row in head[table.name]])
    if "ticket_categories" in present:
        conn.execute(
            _ticket_categories.insert(),
            [
                {"ticket_id": t["id"], "category": code}
                for t in head["tickets"]
                for code in t["categories"].split(",")
            ],
        )


def _expected(head: dict[str, list[tuple[Any, ...]]], revision_tables: dict[str, set[str]]) -> dict[str, Any]:
    """The head's dump as an upgrade from an earlier revision leaves it: the tables that revision
    lacked empty (but the derived ones), the columns it lacked null."""
    out: dict[str, Any] = {}
    for table in metadata.sorted_tables:
        columns = [c for c in table.columns if not (table.name == "ticket_events" and c.name == "id")]
        if table.name not in revision_tables:
            derived = table.name in DERIVED or table.name == "access_version"  # its row comes with it
            out[table.name] = head[table.name] if derived else []
            continue
        known = revision_tables[table.name]
        rows = [
            tuple(v if c.name in known else None for c, v in zip(columns, r, strict=True))
            for r in head[table.name]
        ]
        out[table.name] = sorted(rows, key=repr)
    return out


def _tables_at(conn: sa.Connection) -> dict[str, set[str]]:
    inspector = sa.inspect(conn)
    return {t: {c["name"] for c in inspector.get_columns(t)} for t in inspector.get_table_names()}


@pytest.mark.parametrize("revision", EARLIER)
def test_a_database_of_an_earlier_revision_upgrades_with_its_data(
    databases: tuple[str, str], revision: str
) -> None:
    """Upgraded to the head, a database written at ``revision`` holds what the head would hold."""
    head_url, old_url = databases

    async def run() -> tuple[dict[str, Any], dict[str, Any], list[tuple[Any, ...]], dict[Barrier, set[str]]]:
        head_db, old_db = open_database(head_url), open_database(old_url)
        try:
            rows = await _write_at_head(head_db)
            head_dump = await head_db.read(_dump)
            await upgrade(old_db, revision)
            await old_db.write(lambda conn: _write_as_of(conn, rows))
            as_of = await old_db.read(_tables_at)
            await upgrade(old_db)
            got = await old_db.read(_dump)
            aggregate = await old_db.read(lambda conn: conn.execute(sa.select(trend_days)).all())
            found = {}
            async with old_db.reading() as conn:
                for barrier in Barrier:
                    page = await list_tickets(conn, Scope.everything(), TicketQuery(category=barrier))
                    found[barrier] = {t.id for t in page.items}
            return _expected(head_dump, as_of), got, [tuple(r) for r in aggregate], found
        finally:
            await head_db.dispose()
            await old_db.dispose()

    expected, got, aggregate, found = asyncio.run(run())
    assert got == expected
    assert sorted(aggregate) == sorted((*d.key, *d.counts()) for d in daily_deltas(HISTORIES))
    for barrier in Barrier:
        assert found[barrier] == {h.ticket.id for h in HISTORIES if barrier in h.ticket.categories}


def test_a_category_only_the_join_table_held_is_kept(databases: tuple[str, str]) -> None:
    """Migration 0007 adds to a ticket's column any code ``ticket_categories`` held that it lacked."""
    _, old_url = databases
    (first, *_), second = HISTORIES[0].ticket.categories, HISTORIES[1].ticket

    async def run() -> dict[str, str]:
        head_db = open_database(databases[0])
        old_db = open_database(old_url)
        try:
            rows = await _write_at_head(head_db)
            await upgrade(old_db, "0006")

            def write(conn: sa.Connection) -> None:
                _write_as_of(conn, rows)
                extra = [{"ticket_id": second.id, "category": c} for c in ("disability", "no_device")]
                conn.execute(_ticket_categories.insert(), extra)

            await old_db.write(write)
            await upgrade(old_db, "0007")
            stmt = sa.text("SELECT id, categories FROM tickets")
            return dict(tuple(r) for r in await old_db.read(lambda conn: conn.execute(stmt).all()))
        finally:
            await head_db.dispose()
            await old_db.dispose()

    categories = asyncio.run(run())
    assert categories[second.id] == "disability,fraud_scam_fear,lack_of_skills,no_device"
    assert categories[HISTORIES[0].ticket.id] == first.value
