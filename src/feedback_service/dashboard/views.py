"""What one unit's page shows, assembled from the figures: charts, headline numbers, the table below.

A unit is the province, a commune or a village. The page is the same at every level; only the table
of the level below changes (communes ranked per 1,000 households, or villages by backlog).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import attrs
from markupsafe import Markup

from digitransform.domain import AdminLevel, AdminTree, AdminUnit, PeriodKind
from digitransform.trends import BacklogAgeing, GroupBy, TicketFilter, TrendSummary, UnresolvedTrend
from feedback_service.dashboard.charts import Bar, LineSeries, TimeMark, bar_chart, line_chart
from feedback_service.dashboard.figures import DashboardData, InterventionMark
from feedback_service.dashboard.filters import Filters
from feedback_service.dashboard.formatting import Formatter
from feedback_service.dashboard.language import Language, barrier_label, text
from feedback_service.store.records import Scope
from feedback_service.trends import CommuneBacklog

__all__ = [
    "TOP_BARRIERS",
    "TOP_COMMUNES",
    "UnitPage",
    "build_unit_page",
    "fold_series",
    "mark_position",
    "period_label",
    "unit_filter",
]


TOP_BARRIERS = 5
"""Barriers drawn as their own line; the rest are folded into one "other barriers" line."""
TOP_COMMUNES = 10
"""Communes the ranking shows before "show all"."""
OTHER = "other_barriers"


def fold_series(series: Sequence[LineSeries], top: int, key: str, label: str) -> list[LineSeries]:
    """The ``top`` series with the largest last value (then peak), and the sum of the rest as one line.

    The folded line sums the rest per period (a ticket with two barriers counts in each, as in the
    per-barrier table); with ``top`` or fewer series there is nothing to fold.
    """
    ranked = sorted(
        series, key=lambda s: (-(s.values[-1] if s.values else 0), -max(s.values, default=0), s.key)
    )
    kept, rest = ranked[:top], ranked[top:]
    if len(rest) <= 1:
        return ranked
    folded = [sum(values) for values in zip(*(s.values for s in rest), strict=True)]
    return [*kept, LineSeries(key, label, folded)]


@attrs.frozen
class UnitPage:
    """Everything a unit's page needs, ready for the template."""

    unit: AdminUnit
    total_chart: Markup
    trend_chart: Markup
    ageing_chart: Markup
    summary: TrendSummary
    ageing: BacklogAgeing
    ranking: Sequence[CommuneBacklog]
    """Every commune of the scope, ranked (the page shows the top :data:`TOP_COMMUNES` unless asked)."""
    villages: Sequence[dict[str, Any]]
    marks: Sequence[InterventionMark]


def unit_filter(unit: AdminUnit, filters: Filters) -> TicketFilter:
    """The filters narrowed to ``unit``."""
    where = filters.where
    if unit.level is AdminLevel.COMMUNE:
        return attrs.evolve(where, communes=unit.code)
    if unit.level is AdminLevel.VILLAGE:
        return attrs.evolve(where, villages=unit.code)
    return where


def period_label(start: dt.date, kind: PeriodKind, fmt: Formatter) -> str:
    """A short axis label: the ISO week ``Tuần 5`` / ``W05``, or the month ``thg 1 2026`` / ``Jan 2026``."""
    return fmt.month(start) if kind is PeriodKind.MONTH else fmt.week(start)


def mark_position(trend: UnresolvedTrend, day: dt.date) -> float | None:
    """Where ``day`` falls on the trend's axis, in period units (``None`` outside it)."""
    for i, p in enumerate(trend.total.points):
        if p.start <= day <= p.end:
            length = (p.end - p.start).days + 1
            return i + (day - p.start).days / length
    return None


def _marks_in(unit: AdminUnit, tree: AdminTree, marks: Sequence[InterventionMark]) -> list[InterventionMark]:
    """The interventions that concern ``unit``: aimed at it, above it (province-wide), or below it."""
    above = {u.code for u in tree.ancestors(unit.code)} | {unit.code}
    out = []
    for m in marks:
        below = any(unit in tree.ancestors(code) for code in m.units if code in tree)
        if not m.units or m.units & above or below:
            out.append(m)
    return out


async def build_unit_page(
    data: DashboardData,
    tree: AdminTree,
    scope: Scope,
    unit: AdminUnit,
    filters: Filters,
    fmt: Formatter | None = None,
) -> UnitPage:
    """Fetch the figures of ``unit`` under ``filters`` and draw its charts."""
    lang = filters.language
    fmt = fmt or Formatter(lang)
    table_label = text("show_table", lang)
    where = unit_filter(unit, filters)
    trend = await data.trend(scope, filters.period, filters.first, filters.last, GroupBy.CATEGORY, where)
    ageing = await data.ageing(scope, filters.last, None, where)
    headline = await data.summary(scope, filters.first, filters.last, where)
    marks = _marks_in(unit, tree, await data.interventions(scope, filters.first, filters.last))
    ranking: Sequence[CommuneBacklog] = ()
    villages: list[dict[str, Any]] = []
    if unit.level is AdminLevel.PROVINCE:
        ranking = await data.commune_ranking(scope, filters.last, where)
    elif unit.level is AdminLevel.COMMUNE:
        by_village = await data.ageing(scope, filters.last, GroupBy.VILLAGE, where)
        found = {g.group: g for g in by_village.groups}
        for v in tree.children(unit.code):
            g = found.get(v.code)
            villages.append(
                {
                    "unit": v,
                    "tickets": g.tickets if g else 0,
                    "people": g.people if g else 0,
                    "oldest_days": g.oldest_days if g else None,
                }
            )
        villages.sort(key=lambda r: (-r["tickets"], r["unit"].code))

    points = trend.total.points
    x_keys = [p.start.isoformat() for p in points]
    x_labels = [period_label(p.start, filters.period, fmt) for p in points]
    every = [
        LineSeries(str(s.group), barrier_label(s.group, lang), [p.unresolved_at_end for p in s.points])
        for s in trend.series
    ]
    series = fold_series(every, TOP_BARRIERS, OTHER, text("other_barriers", lang))
    time_marks = []
    for m in marks:
        position = mark_position(trend, m.started_on)
        if position is not None:
            time_marks.append(TimeMark(position, f"{fmt.date(m.started_on)}: {m.what}", m.id))
    window = f"{fmt.date(filters.first)} – {fmt.date(filters.last)}"
    total_svg = line_chart(
        chart_id="total-chart",
        title=f"{text('total_title', lang)} ({window})",
        x_labels=x_labels,
        x_keys=x_keys,
        series=[LineSeries("total", text("total", lang), [p.unresolved_at_end for p in points])],
        marks=time_marks,
        y_caption=text("trend_y", lang),
        table_label=table_label,
        number=fmt.number,
        height=220,
    )
    trend_svg = line_chart(
        chart_id="trend-chart",
        title=f"{text('trend_title', lang)} ({window})",
        x_labels=x_labels,
        x_keys=x_keys,
        series=series,
        table_series=every,
        marks=time_marks,
        y_caption=text("trend_y", lang),
        table_label=table_label,
        number=fmt.number,
    )
    bars = [
        Bar(
            b.label,
            f"{b.label} {'ngày' if lang is Language.VI else 'days'}",
            b.tickets,
            f"{fmt.number(b.people)} {text('people', lang)}",
        )
        for b in ageing.total.buckets
    ]
    ageing_svg = bar_chart(
        chart_id="ageing-chart",
        title=f"{text('ageing_title', lang)}, {text('ageing_at', lang)} {fmt.date(filters.last)}",
        bars=bars,
        table_label=table_label,
        number=fmt.number,
    )
    return UnitPage(
        unit,
        # Markup: charts.py escapes every text it writes into the SVG.
        Markup(total_svg),
        Markup(trend_svg),
        Markup(ageing_svg),
        headline,
        ageing,
        ranking,
        villages,
        marks,
    )
