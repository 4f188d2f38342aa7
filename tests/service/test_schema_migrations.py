"""The Alembic head creates exactly the schema the tables modules describe, on both stores.

Alembic's own autogenerate comparison (``compare_metadata``) is run between a database freshly
migrated to the head and the SQLAlchemy metadata every module of the service adds its tables to
(``store.tables``, ``store.aggregate``, ``store.sessions``, ``interventions.records``): a column,
index, constraint or type added to one and not the other is a difference.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from service_api import POSTGRES_URL, STORES, own_postgres_database

import feedback_service.app  # noqa: F401  (imports every module that adds a table to the metadata)
from feedback_service.store.database import open_database
from feedback_service.store.migrate import upgrade
from feedback_service.store.tables import metadata


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
