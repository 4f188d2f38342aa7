"""The Alembic head creates exactly the schema ``store.tables`` describes, on both stores.

Alembic's own autogenerate comparison (``compare_metadata``) is run between a database freshly
migrated to the head and the SQLAlchemy metadata of ``store.tables``: a column, index, constraint or
type added to one and not the other is a difference. ``store.tables`` is the whole schema: no other
module of the service adds a table or an index to its metadata.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from service_api import POSTGRES_URL, STORES, own_postgres_database

import feedback_service.app  # noqa: F401  (every module of the service, in case one added to the metadata)
from feedback_service.store.database import open_database
from feedback_service.store.migrate import upgrade
from feedback_service.store.tables import metadata

_SCHEMA = (
    "[[t.name, [c.name for c in t.columns], sorted(str(i.name) for i in t.indexes)]"
    " for t in metadata.sorted_tables]"
)
"""Each table's name, columns and index names: evaluated here and in a process that imports only
``store.tables``."""


def test_the_tables_module_is_the_whole_schema() -> None:
    """``store.tables`` imported alone holds every table and index the whole service's metadata holds."""
    script = f"import json\nfrom feedback_service.store.tables import metadata\nprint(json.dumps({_SCHEMA}))"
    alone = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert "feedback_service.app" in sys.modules  # this process imported every module of the service
    everything = eval(_SCHEMA, {"metadata": metadata})
    assert json.loads(alone.stdout) == everything
    assert {"tickets", "trend_days", "interventions", "dashboard_sessions", "auth_failures"} <= {
        t[0] for t in everything
    }


def _fresh_url(store: str, tmp_path: Path) -> str:
    if store == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'schema.db'}"
    if not POSTGRES_URL:
        pytest.skip("FEEDBACK_TEST_POSTGRES_URL is not set")
    return own_postgres_database(POSTGRES_URL, "schema")


def _differences(url: str, target: sa.MetaData) -> list[Any]:
    """Alembic's differences between ``target`` and the database at ``url`` migrated to the head."""

    def compare(connection: sa.Connection) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, target))

    async def run() -> list[Any]:
        db = open_database(url)
        try:
            await upgrade(db)
            async with db.engine.connect() as conn:
                return await conn.run_sync(compare)
        finally:
            await db.dispose()

    return asyncio.run(run())


@pytest.mark.parametrize("store", STORES)
def test_the_alembic_head_is_the_tables_modules(store: str, tmp_path: Path) -> None:
    """A database migrated to the head has every table, column, index and constraint described, no more."""
    assert {"tickets", "ticket_events", "interventions", "dashboard_sessions"} <= set(metadata.tables)
    assert _differences(_fresh_url(store, tmp_path), metadata) == []


@pytest.mark.parametrize("store", STORES)
def test_the_comparison_sees_a_table_the_migrations_lack(store: str, tmp_path: Path) -> None:
    """A table and an index in the metadata that no migration creates are reported."""
    target = sa.MetaData(naming_convention=metadata.naming_convention)
    for table in metadata.tables.values():
        table.to_metadata(target)
    sa.Table("not_migrated", target, sa.Column("id", sa.Integer, primary_key=True))
    sa.Index("ix_tickets_not_migrated", target.tables["tickets"].c.description)
    found = {(d[0], getattr(d[1], "name", None)) for d in _differences(_fresh_url(store, tmp_path), target)}
    assert ("add_table", "not_migrated") in found
    assert ("add_index", "ix_tickets_not_migrated") in found
