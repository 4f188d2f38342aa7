"""Trend use cases: the backlog over time, its ageing, resolution times, headline figures, the ranking.

The API's ``/api/v1/trends/*`` (:mod:`feedback_service.api.trends`) and the dashboard's figures
(:mod:`feedback_service.dashboard.service_figures`) call these, so a request is bounded and answered
in one way whoever asks: the bound first (:mod:`feedback_service.trends.limits`, before any query
that grows with it), then the read model (:mod:`feedback_service.trends`), which answers in the
library's own types. A bad value or a request over a bound is a ``ValueError`` whose message starts
with the parameter to change (``"group_by: ..."``); the edge translates it. The dashboard's pages
bound their own windows (``dashboard.filters``: three years, by week or month) and ask with
``bounded=False``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from digitransform.domain import AdminTree, PeriodKind
from digitransform.trends import (
    GroupBy,
    ResolutionTimes,
    TicketFilter,
    TrendSummary,
    UnresolvedTrend,
)
from digitransform.trends.grouping import parse_group_by, parse_kind
from feedback_service import trends
from feedback_service.auth.scope import within
from feedback_service.settings import Settings
from feedback_service.store.database import Database
from feedback_service.store.records import Scope
from feedback_service.trends.limits import check_points, check_window, period_count, series_bound

__all__ = ["ageing", "commune_ranking", "resolution_times", "summary", "unresolved"]


async def unresolved(
    db: Database,
    tree: AdminTree,
    scope: Scope,
    period: PeriodKind | str,
    first: dt.date,
    last: dt.date,
    group_by: GroupBy | str | None = None,
    where: TicketFilter | None = None,
    *,
    bounded: bool = True,
) -> UnresolvedTrend:
    """The unresolved backlog per ``period`` and group, if it holds at most ``MAX_TREND_POINTS``."""
    where = where or TicketFilter()
    kind, grouping = parse_kind(period), parse_group_by(group_by)
    if bounded:
        series = await series_bound(db, tree, within(scope, where), grouping)
        check_points(period_count(kind, first, last), series, kind)
    return await trends.unresolved_trend(db, scope, kind, first, last, grouping, where)


ageing = trends.backlog_ageing
"""The backlog's ageing at a moment (or the end of a local day); no bound of its own (it reads the
unresolved tickets in slices)."""


async def resolution_times(
    db: Database,
    scope: Scope,
    first: dt.date,
    last: dt.date,
    group_by: GroupBy | str | None = None,
    where: TicketFilter | None = None,
    *,
    bounded: bool = True,
) -> ResolutionTimes:
    """Median and 90th percentile time to resolve over a window of at most ``MAX_WINDOW_DAYS``."""
    if bounded:
        check_window(first, last)
    return await trends.resolution_times(db, scope, first, last, group_by, where)


async def summary(
    db: Database,
    scope: Scope,
    first: dt.date,
    last: dt.date,
    where: TicketFilter | None = None,
    *,
    bounded: bool = True,
) -> TrendSummary:
    """Headline figures over a window of at most ``MAX_WINDOW_DAYS``."""
    if bounded:
        check_window(first, last)
    return await trends.summary(db, scope, first, last, where)


async def commune_ranking(
    db: Database,
    settings: Settings,
    tree: AdminTree,
    scope: Scope,
    at: dt.date,
    where: TicketFilter | None = None,
) -> Sequence[trends.CommuneBacklog]:
    """The communes within ``scope`` ranked by unresolved backlog per 1,000 households at ``at``."""
    households = trends.cached_households(settings, tree)
    return await trends.commune_backlog_ranking(db, scope, at, tree, households, where)
