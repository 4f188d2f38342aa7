"""The unresolved backlog over time, read from the per-day aggregate.

One query per series family sums the aggregate's rows by period and group in the database: rows
before the window collapse into period ``-1`` (the backlog carried in), rows in it into their
period. A trend of 52 weeks by commune therefore returns about 53 × communes rows, however many
tickets there are. The result is the library's :class:`~digitransform.trends.UnresolvedTrend`, equal
to :func:`digitransform.trends.unresolved_trend` over the same tickets (tested on random histories).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import attrs
import sqlalchemy as sa

from digitransform.domain import PeriodKind
from digitransform.trends import ALL_CATEGORIES, NO_TEAM, GroupBy, GroupKey, TicketFilter, UnresolvedTrend
from digitransform.trends.grouping import parse_group_by, parse_kind
from digitransform.trends.series import PeriodCounts, PeriodIndex, assemble
from feedback_service.auth.scope import within
from feedback_service.store.aggregate import rollup_for
from feedback_service.store.database import Database
from feedback_service.store.records import Scope
from feedback_service.trends.sql import period_of, unit_clauses, unit_dimensions

__all__ = ["PeriodSums", "period_sums", "unresolved_trend"]

_COLUMN_OF = {
    GroupBy.SERVICE: "service",
    GroupBy.COMMUNE: "commune",
    GroupBy.VILLAGE: "village",
    GroupBy.TEAM: "team",
}


@attrs.frozen
class PeriodSums:
    """The aggregate's counts of one group in one period (``index`` −1: everything before the window)."""

    index: int
    group: GroupKey
    opened: int
    resolved: int
    rejected: int
    reopened: int
    unresolved_delta: int
    people_delta: int
    resolved_on_the_spot: int
    people_reported: int


async def period_sums(
    db: Database,
    kind: PeriodKind,
    index: PeriodIndex,
    where: TicketFilter,
    *,
    category: str | None,
    exclude_all: bool = False,
    group_by: GroupBy | None = None,
) -> list[PeriodSums]:
    """Sums of the aggregate by period (and group) up to the window's end.

    Rows read: ``category`` (``"*"`` or a barrier code), or every category but ``"*"`` when
    ``exclude_all``; ``group_by`` ``category`` groups by the row's category.
    """
    dims = unit_dimensions(where)
    if group_by is not None and group_by is not GroupBy.CATEGORY:
        dims.add(_COLUMN_OF[group_by])
    table = rollup_for(dims, kind).table
    c = table.c
    clauses = [c.local_date <= sa.literal(index.periods[-1].end, sa.Date()), *unit_clauses(c, where)]
    if exclude_all:
        clauses.append(c.category != ALL_CATEGORIES)
    else:
        clauses.append(c.category == category)
    if group_by is None:
        group: sa.ColumnElement[Any] = sa.null()
    elif group_by is GroupBy.CATEGORY:
        group = c.category
    else:
        group = c[_COLUMN_OF[group_by]]
    async with db.reading() as conn:
        period = period_of(conn.dialect.name, c.local_date, kind, index)
        inner = (
            sa.select(
                period.label("i"),
                group.label("g"),
                c.opened,
                c.resolved,
                c.rejected,
                c.reopened,
                c.resolved_on_the_spot,
                c.people_delta,
                c.people_reported,
            )
            .where(*clauses)
            .subquery()
        )
        q = inner.c
        stmt = sa.select(
            q.i,
            q.g,
            sa.func.sum(q.opened),
            sa.func.sum(q.resolved),
            sa.func.sum(q.rejected),
            sa.func.sum(q.reopened),
            sa.func.sum(q.opened + q.reopened - q.resolved - q.rejected),
            sa.func.sum(q.people_delta),
            sa.func.sum(q.resolved_on_the_spot),
            sa.func.sum(q.people_reported),
        ).group_by(q.i, q.g)
        rows = (await conn.execute(stmt)).all()
    out = []
    for i, g, *counts in rows:
        key: GroupKey = None if group_by is GroupBy.TEAM and g == NO_TEAM else g
        out.append(PeriodSums(int(i), key, *(int(n or 0) for n in counts)))
    return out


def _fill(accumulator: PeriodCounts, sums: PeriodSums, size: int) -> None:
    if sums.index >= 0:
        accumulator.add_flow("opened", sums.index, sums.opened)
        accumulator.add_flow("resolved", sums.index, sums.resolved)
        accumulator.add_flow("rejected", sums.index, sums.rejected)
        accumulator.add_flow("reopened", sums.index, sums.reopened)
    accumulator.add_stock(max(sums.index, 0), size, sums.unresolved_delta, sums.people_delta)


def accumulate(rows: Iterable[PeriodSums], size: int) -> PeriodCounts:
    """One accumulator over every row given."""
    total = PeriodCounts(size)
    for row in rows:
        _fill(total, row, size)
    return total


async def unresolved_trend(
    db: Database,
    scope: Scope,
    kind: PeriodKind | str,
    first: dt.date,
    last: dt.date,
    group_by: GroupBy | str | None = None,
    where: TicketFilter | None = None,
) -> UnresolvedTrend:
    """The backlog trend within ``scope``: :func:`digitransform.trends.unresolved_trend`, from the aggregate.

    Raises ``ValueError`` (with the parameter's name) for an unknown period or grouping.
    """
    period_kind = parse_kind(kind)
    grouping = parse_group_by(group_by)
    if last < first:
        raise ValueError(f"to: {last} precedes from: {first}")
    index = PeriodIndex.between(period_kind, first, last)
    size = len(index)
    scoped = within(scope, where)
    chosen = ALL_CATEGORIES if scoped.category is None else scoped.category.value
    groups: dict[GroupKey, PeriodCounts] = {}
    if grouping is None:
        total = accumulate(await period_sums(db, period_kind, index, scoped, category=chosen), size)
        return assemble(period_kind, None, index, groups, total)
    by_category = grouping is GroupBy.CATEGORY and scoped.category is None
    rows = await period_sums(
        db, period_kind, index, scoped, category=chosen, exclude_all=by_category, group_by=grouping
    )
    for row in rows:
        key = scoped.category.value if grouping is GroupBy.CATEGORY and scoped.category else row.group
        if key not in groups:
            groups[key] = PeriodCounts(size)
        _fill(groups[key], row, size)
    if by_category:
        total = accumulate(await period_sums(db, period_kind, index, scoped, category=chosen), size)
    else:
        total = accumulate(rows, size)
    return assemble(period_kind, grouping, index, groups, total)
