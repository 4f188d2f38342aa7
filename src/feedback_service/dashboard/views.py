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
from feedback_service.dashboard.language import Language, barrier_label, text
from feedback_service.store.records import Scope
from feedback_service.trends import CommuneBacklog

__all__ = ["UnitPage", "build_unit_page", "mark_position", "period_label", "unit_filter"]


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


def period_label(start: dt.date, kind: PeriodKind, language: Language) -> str:
    """A short axis label: the ISO week ``W05`` or the month ``01/2026``."""
    if kind is PeriodKind.MONTH:
        return f"{start.month:02d}/{start.year}"
    week = start.isocalendar().week
    return f"{'T' if language is Language.VI else 'W'}{week:02d}"


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
    data: DashboardData, tree: AdminTree, scope: Scope, unit: AdminUnit, filters: Filters
) -> UnitPage:
    """Fetch the figures of ``unit`` under ``filters`` and draw its charts."""
    lang = filters.language
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
    x_labels = [period_label(p.start, filters.period, lang) for p in points]
    series = [
        LineSeries(str(s.group), barrier_label(s.group, lang), [p.unresolved_at_end for p in s.points])
        for s in trend.series
    ]
    time_marks = []
    for m in marks:
        position = mark_position(trend, m.on)
        if position is not None:
            time_marks.append(TimeMark(position, f"{m.on.isoformat()}: {m.title}", m.id))
    total_svg = line_chart(
        chart_id="total-chart",
        title=f"{text('total_title', lang)} ({filters.first.isoformat()} – {filters.last.isoformat()})",
        x_labels=x_labels,
        x_keys=x_keys,
        series=[LineSeries("total", text("total", lang), [p.unresolved_at_end for p in points])],
        marks=time_marks,
        y_caption=text("trend_y", lang),
        height=240,
    )
    trend_svg = line_chart(
        chart_id="trend-chart",
        title=f"{text('trend_title', lang)} ({filters.first.isoformat()} – {filters.last.isoformat()})",
        x_labels=x_labels,
        x_keys=x_keys,
        series=series,
        marks=time_marks,
        y_caption=text("trend_y", lang),
    )
    bars = [
        Bar(
            b.label,
            f"{b.label} {'ngày' if lang is Language.VI else 'days'}",
            b.tickets,
            f"{b.people} {text('people', lang)}",
        )
        for b in ageing.total.buckets
    ]
    ageing_svg = bar_chart(
        chart_id="ageing-chart",
        title=f"{text('ageing_title', lang)}, {text('ageing_at', lang)} {filters.last.isoformat()}",
        bars=bars,
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
