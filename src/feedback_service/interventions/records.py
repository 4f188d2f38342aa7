"""An official's action, as recorded: what was done, where, about which barriers, and when.

Interventions are stored so their effect can be looked at later (:mod:`digitransform.trends.effect`
compares, :mod:`feedback_service.interventions.effect` reads). Like tickets, they hold no names: the
recorder is a token id, never a person.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import attrs
import sqlalchemy as sa

from digitransform.domain import AdminTree, Barrier
from feedback_service.auth.scope import sees_intervention
from feedback_service.store.database import Database
from feedback_service.store.records import Scope
from feedback_service.store.tables import interventions

__all__ = [
    "Intervention",
    "interventions",
    "list_interventions",
    "load_intervention",
    "record_intervention",
]


@attrs.frozen
class Intervention:
    """One recorded action: ``units`` are commune or village codes (or the province's)."""

    id: str
    what: str
    units: tuple[str, ...]
    categories: tuple[Barrier, ...]
    started_on: dt.date
    ended_on: dt.date
    scope: str
    """The recording official's unit."""
    created_by: str
    """The recording token's id."""
    created_at: dt.datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "what": self.what,
            "units": list(self.units),
            "categories": [c.value for c in self.categories],
            "started_on": self.started_on.isoformat(),
            "ended_on": self.ended_on.isoformat(),
            "scope": self.scope,
            "created_at": self.created_at.isoformat(),
        }


def _row(i: Intervention) -> dict[str, Any]:
    return {
        "id": i.id,
        "what": i.what,
        "units": ",".join(i.units),
        "categories": ",".join(c.value for c in i.categories),
        "started_on": i.started_on,
        "ended_on": i.ended_on,
        "scope": i.scope,
        "created_by": i.created_by,
        "created_at": i.created_at,
    }


def _from_row(row: Any) -> Intervention:
    return Intervention(
        id=row.id,
        what=row.what,
        units=tuple(row.units.split(",")),
        categories=tuple(Barrier(c) for c in row.categories.split(",")),
        started_on=row.started_on,
        ended_on=row.ended_on,
        scope=row.scope,
        created_by=row.created_by,
        created_at=row.created_at,
    )


async def record_intervention(db: Database, intervention: Intervention) -> None:
    """Store a new intervention (the caller made its id)."""
    statement = interventions.insert().values(_row(intervention))
    await db.write(lambda conn: conn.execute(statement))


async def load_intervention(db: Database, intervention_id: str) -> Intervention | None:
    """One intervention by id, whoever may see it (ask :mod:`feedback_service.auth.scope`)."""
    async with db.reading() as conn:
        row = (
            await conn.execute(sa.select(interventions).where(interventions.c.id == intervention_id))
        ).first()
    return None if row is None else _from_row(row)


async def list_interventions(
    db: Database,
    tree: AdminTree,
    scope: Scope,
    first: dt.date | None = None,
    last: dt.date | None = None,
) -> tuple[Intervention, ...]:
    """The interventions ``scope`` may see that overlap ``first``..``last``, oldest start first."""
    clauses: list[sa.ColumnElement[bool]] = []
    if first is not None:
        clauses.append(interventions.c.ended_on >= first)
    if last is not None:
        clauses.append(interventions.c.started_on <= last)
    stmt = sa.select(interventions).where(*clauses).order_by(interventions.c.started_on, interventions.c.id)
    async with db.reading() as conn:
        rows: Iterable[Any] = (await conn.execute(stmt)).all()
    return tuple(i for i in map(_from_row, rows) if sees_intervention(scope, tree, i.units))
