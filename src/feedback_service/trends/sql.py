"""Small SQL pieces the trend queries share, written once for both stores."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from digitransform.domain import PeriodKind, local_midnight
from digitransform.trends import NO_TEAM, TicketFilter
from digitransform.trends.series import PeriodIndex

__all__ = ["day_bounds", "days_since", "period_of", "unit_clauses", "unit_dimensions"]


def days_since(dialect: str, column: Any, start: dt.date) -> sa.ColumnElement[int]:
    """Whole days from ``start`` to the date in ``column`` (SQLite has no date arithmetic)."""
    origin = sa.literal(start, sa.Date())
    if dialect == "sqlite":
        return sa.cast(sa.func.julianday(column) - sa.func.julianday(origin), sa.Integer)
    return sa.cast(column - origin, sa.Integer)


def period_of(dialect: str, column: Any, kind: PeriodKind, index: PeriodIndex) -> sa.ColumnElement[int]:
    """The index in ``index`` of the period holding the date in ``column``; ``-1`` before the first.

    Days and ISO weeks are arithmetic; other periods are found by their ends.
    """
    first = index.periods[0].start
    if kind is PeriodKind.DAY:
        inside: sa.ColumnElement[int] = days_since(dialect, column, first)
    elif kind is PeriodKind.WEEK:
        inside = days_since(dialect, column, first) // 7
    else:
        inside = sa.case(
            *[(column <= sa.literal(p.end, sa.Date()), i) for i, p in enumerate(index.periods)],
            else_=len(index),
        )
    return sa.case((column < sa.literal(first, sa.Date()), -1), else_=inside)


def unit_dimensions(where: TicketFilter) -> set[str]:
    """The aggregate's dimensions a filter needs (the category is in every table)."""
    needed = set()
    for name, value in (
        ("commune", where.communes),
        ("village", where.villages),
        ("team", where.teams),
        ("service", where.services),
    ):
        if value is not None:
            needed.add(name)
    return needed


def unit_clauses(columns: Any, where: TicketFilter) -> list[sa.ColumnElement[bool]]:
    """WHERE clauses for a filter's units, teams and services over ``columns`` (a table's ``.c``)."""
    clauses: list[sa.ColumnElement[bool]] = []
    if where.communes is not None:
        clauses.append(columns.commune.in_(sorted(where.communes)))
    if where.villages is not None:
        clauses.append(columns.village.in_(sorted(where.villages)))
    if where.teams is not None:
        team = columns.team
        clauses.append(sa.and_(team != NO_TEAM, team.in_(sorted(where.teams))))
    if where.services is not None:
        clauses.append(columns.service.in_(sorted(s.value for s in where.services)))
    return clauses


def day_bounds(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The moments local day ``first`` starts and the day after ``last`` starts: ``[start, stop)``."""
    return local_midnight(first), local_midnight(last + dt.timedelta(days=1))
