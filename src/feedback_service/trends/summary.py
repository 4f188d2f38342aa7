"""Headline figures for a scope: flows and backlog from the aggregate, resolution times from the history."""

from __future__ import annotations

import datetime as dt

from digitransform.domain import Period, PeriodKind
from digitransform.trends import ALL_CATEGORIES, TicketFilter, TrendSummary, percentile
from digitransform.trends.series import PeriodIndex
from feedback_service.auth.scope import within
from feedback_service.store.database import Database
from feedback_service.store.records import Scope
from feedback_service.trends.backlog import period_sums
from feedback_service.trends.resolution import resolutions_in

__all__ = ["summary"]

_DAY = dt.timedelta(days=1)


async def summary(
    db: Database,
    scope: Scope,
    first: dt.date,
    last: dt.date,
    where: TicketFilter | None = None,
) -> TrendSummary:
    """What happened from ``first`` to ``last`` within ``scope``: :func:`digitransform.trends.summary`."""
    if last < first:
        raise ValueError(f"to: {last} precedes from: {first}")
    scoped = within(scope, where)
    chosen = ALL_CATEGORIES if scoped.category is None else scoped.category.value
    window = Period(first, last, PeriodKind.RANGE)
    before = Period(first - _DAY, first - _DAY, PeriodKind.RANGE)
    index = PeriodIndex([before, window])
    rows = await period_sums(db, PeriodKind.RANGE, index, scoped, category=chosen)
    carried = sum(r.unresolved_delta for r in rows if r.index < 1)
    at_end = sum(r.unresolved_delta for r in rows)
    people = sum(r.people_delta for r in rows)
    inside = [r for r in rows if r.index == 1]
    found, _ = await resolutions_in(db, first, last, None, scoped)
    ordered = sorted(d for d, _ in found)
    return TrendSummary(
        first,
        last,
        opened=sum(r.opened for r in inside),
        resolved=sum(r.resolved for r in inside),
        rejected=sum(r.rejected for r in inside),
        reopened=sum(r.reopened for r in inside),
        unresolved_at_start=carried,
        unresolved_at_end=at_end,
        people_affected_unresolved=people,
        people_reported=sum(r.people_reported for r in inside),
        resolved_on_the_spot=sum(r.resolved_on_the_spot for r in inside),
        median_resolve=percentile(ordered, 0.5),
        p90_resolve=percentile(ordered, 0.9),
    )
