"""How much one trend request may ask for: a bound on its points and on its window, checked first.

A trend's cost is its number of points (periods × series), and for resolution times and the summary
the resolutions in its window; neither depends on what the database holds, so both are bounded
before any query runs. A request over the bound is refused with a problem that states the limit and
how to ask for less (``docs/service.md``); the bounds keep any one request's work on the event loop
to a few tens of milliseconds, so one request cannot stall every other one (``docs/performance.md``).

- :data:`MAX_TREND_POINTS`: ``/trends/unresolved`` builds at most this many points: periods in the
  window × (the groups it may find + the total). The groups counted are those the request could
  produce: the barriers or services, the communes or villages in the caller's scope and filters (from
  the units), or the teams registered there.
- :data:`MAX_WINDOW_DAYS`: ``/trends/resolution-times`` and ``/trends/summary`` span at most this
  many local days.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from digitransform.domain import AdminLevel, AdminTree, Barrier, DigitalService, PeriodKind, week_start
from digitransform.trends import GroupBy, TicketFilter
from feedback_service.store.database import Database
from feedback_service.store.tables import teams

__all__ = [
    "MAX_TREND_POINTS",
    "MAX_WINDOW_DAYS",
    "TrendTooLarge",
    "check_points",
    "check_window",
    "period_count",
    "series_bound",
]

MAX_TREND_POINTS = 6_000
"""Points one ``/trends/unresolved`` answer may hold: the demo province's 102 communes and the total
over 53 weeks (5,459 points, about 45 ms of the event loop's CPU on the project's machine), one
series by day over 16 years, or a commune's villages over a year by week."""
MAX_WINDOW_DAYS = 732
"""Local days one ``/trends/resolution-times`` or ``/trends/summary`` window may span (two years)."""


class TrendTooLarge(ValueError):
    """A trend request over a bound; the message starts with the parameter to change."""


def period_count(kind: PeriodKind, first: dt.date, last: dt.date) -> int:
    """How many ``kind`` periods ``first``..``last`` touches, computed, not built."""
    if kind is PeriodKind.DAY:
        return (last - first).days + 1
    if kind is PeriodKind.WEEK:
        return (week_start(last) - week_start(first)).days // 7 + 1
    # A month, or any longer kind (an upper bound for those).
    return (last.year - first.year) * 12 + last.month - first.month + 1


async def series_bound(db: Database, tree: AdminTree, where: TicketFilter, grouping: GroupBy | None) -> int:
    """The most series a trend grouped by ``grouping`` can have within ``where`` (scope applied), total
    included."""
    if grouping is None:
        return 1
    if grouping is GroupBy.CATEGORY:
        groups = 1 if where.category is not None else len(Barrier)
    elif grouping is GroupBy.SERVICE:
        groups = len(DigitalService) if where.services is None else len(where.services)
    elif grouping is GroupBy.COMMUNE:
        communes = [u.code for u in tree.at_level(AdminLevel.COMMUNE)]
        groups = len([c for c in communes if where.communes is None or c in where.communes])
    elif grouping is GroupBy.VILLAGE:
        groups = sum(
            1
            for v in tree.at_level(AdminLevel.VILLAGE)
            if (where.villages is None or v.code in where.villages)
            and (where.communes is None or v.parent_code in where.communes)
        )
    else:
        query = sa.select(sa.func.count()).select_from(teams)
        if where.communes is not None:
            query = query.where(teams.c.commune.in_(sorted(where.communes)))
        if where.teams is not None:
            query = query.where(teams.c.id.in_(sorted(where.teams)))
        async with db.reading() as conn:
            groups = int((await conn.execute(query)).scalar_one()) + 1  # and tickets of no team
    return groups + 1


def check_points(periods: int, series: int, kind: PeriodKind) -> None:
    """Raise :class:`TrendTooLarge` if ``periods × series`` is over :data:`MAX_TREND_POINTS`."""
    points = periods * series
    if points > MAX_TREND_POINTS:
        raise TrendTooLarge(
            f"from: this trend would build up to {points:,} points ({periods:,} {kind.value}s × {series:,} "
            f"series); at most {MAX_TREND_POINTS:,}: shorten the window, choose a longer period, or "
            "filter to fewer groups"
        )


def check_window(first: dt.date, last: dt.date) -> None:
    """Raise :class:`TrendTooLarge` if ``first``..``last`` spans more than :data:`MAX_WINDOW_DAYS` days."""
    days = (last - first).days + 1
    if days > MAX_WINDOW_DAYS:
        raise TrendTooLarge(
            f"from: the window spans {days:,} days; at most {MAX_WINDOW_DAYS:,}: ask for a shorter window"
        )
