"""Fixtures for the service's trend tests: a migrated store (SQLite file, and PostgreSQL when
``FEEDBACK_TEST_POSTGRES_URL`` is set), one event loop per test, and a loader that writes ticket
histories through the store's own mutations so the aggregate is maintained the real way."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine
from trends_store import clear

from feedback_service.store import Database, open_database, upgrade

POSTGRES_URL = os.environ.get("FEEDBACK_TEST_POSTGRES_URL")
STORES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


@pytest.fixture(params=STORES)
def store(
    request: pytest.FixtureRequest, tmp_path: Path, loop: asyncio.AbstractEventLoop
) -> Iterator[Database]:
    """A migrated, empty store of each kind."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'trends.db'}"
    else:
        if not POSTGRES_URL:
            pytest.skip("FEEDBACK_TEST_POSTGRES_URL is not set")
        url = loop.run_until_complete(_own_database(POSTGRES_URL))
    db = open_database(url)
    loop.run_until_complete(upgrade(db))
    loop.run_until_complete(clear(db))
    yield db
    loop.run_until_complete(db.dispose())


async def _own_database(url: str) -> str:
    """A database of these tests' own on the same server, so clearing it disturbs no other suite.

    The process id keeps two runs at once (a developer's and CI's) out of each other's way.
    """
    parsed = sa.make_url(url)
    name = f"{parsed.database}_service_trends_{os.getpid()}"
    engine = create_async_engine(parsed, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            found = await conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
            if not found:
                await conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    finally:
        await engine.dispose()
    return parsed.set(database=name).render_as_string(hide_password=False)
