"""Reference semantics of the feedback trends: the unresolved backlog, its ageing, resolution times.

Pure functions over :class:`~digitransform.domain.TicketHistory` values, in local time
(Asia/Ho_Chi_Minh). The feedback service answers the same questions from an aggregate table whose
rows are :class:`DailyDelta`; :func:`trend_from_deltas` over :func:`daily_deltas` equals
:func:`unresolved_trend`, and that equality is the contract the service's SQL is tested against.
See ``docs/trends.md``.
"""

from __future__ import annotations

from digitransform.trends.ageing import (
    AGE_BUCKETS,
    AgeingBucket,
    AgeingGroup,
    BacklogAgeing,
    age_bucket,
    backlog_ageing,
)
from digitransform.trends.backlog import unresolved_trend
from digitransform.trends.deltas import (
    ALL_CATEGORIES,
    NO_TEAM,
    DailyDelta,
    TicketChange,
    change_deltas,
    daily_deltas,
    merge_deltas,
    ticket_changes,
    trend_from_deltas,
)
from digitransform.trends.effect import Comparison, EffectDesign, SideFigures, difference_in_differences
from digitransform.trends.grouping import TOTAL, GroupBy, GroupKey, TicketFilter
from digitransform.trends.growth import GROWTH_MEASURES, Growth, fastest_growing
from digitransform.trends.ranking import CommuneBacklog, commune_backlog_ranking, per_thousand, rank_communes
from digitransform.trends.resolution import ResolutionGroup, ResolutionTimes, percentile, resolution_times
from digitransform.trends.series import TrendPoint, TrendSeries, UnresolvedTrend
from digitransform.trends.summary import TrendSummary, summary

__all__ = [
    "AGE_BUCKETS",
    "ALL_CATEGORIES",
    "GROWTH_MEASURES",
    "NO_TEAM",
    "TOTAL",
    "AgeingBucket",
    "AgeingGroup",
    "BacklogAgeing",
    "CommuneBacklog",
    "Comparison",
    "DailyDelta",
    "EffectDesign",
    "GroupBy",
    "GroupKey",
    "Growth",
    "ResolutionGroup",
    "ResolutionTimes",
    "SideFigures",
    "TicketChange",
    "TicketFilter",
    "TrendPoint",
    "TrendSeries",
    "TrendSummary",
    "UnresolvedTrend",
    "age_bucket",
    "backlog_ageing",
    "change_deltas",
    "commune_backlog_ranking",
    "daily_deltas",
    "difference_in_differences",
    "fastest_growing",
    "merge_deltas",
    "per_thousand",
    "percentile",
    "rank_communes",
    "resolution_times",
    "summary",
    "ticket_changes",
    "trend_from_deltas",
    "unresolved_trend",
]
