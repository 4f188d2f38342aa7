"""What changed after an intervention, next to what changed elsewhere: a difference in differences.

For the intervention's units and barrier categories, the ``weeks`` before its start and the
``weeks`` from its start are compared on three measures, each also for the same categories in the
rest of the province (the baseline):

- new tickets per 1,000 households (opened in the window);
- the backlog per 1,000 households at the end of the window;
- the median time to resolve (days) of the tickets resolved in the window.

:class:`EffectDesign` says what is compared (the two windows, the targeted side and the baseline);
:class:`SideFigures` holds the counts one side rests on, taken from a daily trend by category and
the resolutions by category, so the figures are the trends' own definitions; :meth:`EffectDesign.document`
turns both sides' figures into the answer. :func:`side_figures` and :func:`intervention_effect` are
the reference, from ticket histories; the feedback service reads the same figures from its store.
A ticket with two targeted categories counts once in each (as in the trend by category). The
difference in differences is descriptive: it says how the targeted units moved against the rest of
the province, not why.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs

from digitransform.domain import AdminLevel, AdminTree, Barrier, PeriodKind, TicketHistory
from digitransform.trends.backlog import unresolved_trend
from digitransform.trends.grouping import GroupBy, GroupKey, TicketFilter
from digitransform.trends.ranking import per_thousand
from digitransform.trends.resolution import Resolutions, percentile, resolutions_by_group
from digitransform.trends.series import UnresolvedTrend

__all__ = [
    "EXPLANATION",
    "MEASURES",
    "MIN_BASELINE_COMMUNES",
    "Comparison",
    "EffectDesign",
    "Side",
    "SideFigures",
    "difference_in_differences",
    "intervention_effect",
    "median_days",
    "side_figures",
    "sides_of",
]

EXPLANATION = (
    "Descriptive evidence, not proof of cause. For the same barrier categories, the change in the "
    "targeted units (after minus before) is set against the change in the rest of the province over "
    "the same weeks; the difference in differences is the first change minus the second. A negative "
    "difference in new tickets or backlog per 1,000 households means they fell more (or rose less) "
    "where the action took place; for the median time to resolve, negative means faster. Anything "
    "else that changed in those units at the same time, how the units were chosen, and small counts "
    "(see counts) can produce a difference on their own."
)


MIN_BASELINE_COMMUNES = 5
"""A reader who may not see the whole province gets a baseline only when it spans at least this many
communes: in a province of two or three communes "the rest of the province" would be another
commune's own figures."""


def difference_in_differences(
    target_before: float | None,
    target_after: float | None,
    baseline_before: float | None,
    baseline_after: float | None,
) -> float | None:
    """``(target_after - target_before) - (baseline_after - baseline_before)``; ``None`` if any is missing."""
    if target_before is None or target_after is None or baseline_before is None or baseline_after is None:
        return None
    return (target_after - target_before) - (baseline_after - baseline_before)


def _change(before: float | None, after: float | None) -> float | None:
    return None if before is None or after is None else after - before


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def median_days(waits: Sequence[dt.timedelta]) -> float | None:
    """The median of ``waits`` in days (interpolated as ``percentile_cont(0.5)``); ``None`` if empty."""
    middle = percentile(sorted(waits), 0.5)
    return None if middle is None else middle.total_seconds() / 86400


@attrs.frozen
class Comparison:
    """One measure before and after, in the targeted units and in the baseline."""

    target_before: float | None
    target_after: float | None
    baseline_before: float | None
    baseline_after: float | None

    @property
    def difference(self) -> float | None:
        return difference_in_differences(
            self.target_before, self.target_after, self.baseline_before, self.baseline_after
        )

    def to_dict(self) -> dict[str, Any]:
        def side(before: float | None, after: float | None) -> dict[str, float | None]:
            return {
                "before": _round(before),
                "after": _round(after),
                "change": _round(_change(before, after)),
            }

        return {
            "target": side(self.target_before, self.target_after),
            "baseline": side(self.baseline_before, self.baseline_after),
            "difference_in_differences": _round(self.difference),
        }


@attrs.frozen
class Side:
    """Which tickets one side of the comparison reads, and its households."""

    where: TicketFilter
    units: tuple[str, ...]
    households: int | None


def _households(codes: Sequence[str], households: Mapping[str, int]) -> int | None:
    known = [households[c] for c in codes if c in households]
    return sum(known) if known else None


def _filter(level: AdminLevel, codes: Sequence[str]) -> TicketFilter:
    if level is AdminLevel.COMMUNE:
        return TicketFilter(communes=codes)
    return TicketFilter(villages=codes)


def sides_of(
    tree: AdminTree, units: Sequence[str], households: Mapping[str, int]
) -> tuple[Side, Side | None]:
    """The targeted side and the rest of the province (``None`` when the target is the whole province).

    Communes compare with the other communes; when any target is a village, villages with the other
    villages (a targeted commune stands for its villages).
    """
    if tree.root.code in units:
        return Side(TicketFilter(), (tree.root.code,), _households((tree.root.code,), households)), None
    if all(tree[u].level is AdminLevel.COMMUNE for u in units):
        level = AdminLevel.COMMUNE
        target = tuple(sorted(set(units)))
    else:
        level = AdminLevel.VILLAGE
        target = tuple(sorted({v.code for u in units for v in tree.descendants(u, AdminLevel.VILLAGE)}))
    chosen = set(target)
    everything = tuple(u.code for u in tree.at_level(level) if u.code not in chosen)
    target_side = Side(_filter(level, target), target, _households(target, households))
    if not everything:
        return target_side, None
    return target_side, Side(_filter(level, everything), everything, _households(everything, households))


def _in_order(waits: Iterable[dt.timedelta]) -> tuple[dt.timedelta, ...]:
    return tuple(sorted(waits))


@attrs.frozen
class SideFigures:
    """The counts one side rests on, for one category (or summed over the targeted ones); the waits
    of the resolutions are kept in order (their order as read means nothing)."""

    opened_before: int = 0
    opened_after: int = 0
    backlog_before: int = 0
    backlog_after: int = 0
    resolved_before: tuple[dt.timedelta, ...] = attrs.field(default=(), converter=_in_order)
    resolved_after: tuple[dt.timedelta, ...] = attrs.field(default=(), converter=_in_order)

    def __add__(self, other: SideFigures) -> SideFigures:
        return SideFigures(
            self.opened_before + other.opened_before,
            self.opened_after + other.opened_after,
            self.backlog_before + other.backlog_before,
            self.backlog_after + other.backlog_after,
            self.resolved_before + other.resolved_before,
            self.resolved_after + other.resolved_after,
        )

    def counts(self, households: int | None) -> dict[str, Any]:
        return {
            "households": households,
            "new_tickets_before": self.opened_before,
            "new_tickets_after": self.opened_after,
            "backlog_before": self.backlog_before,
            "backlog_after": self.backlog_after,
            "resolved_before": len(self.resolved_before),
            "resolved_after": len(self.resolved_after),
        }


MEASURES = ("new_per_1000_households", "backlog_per_1000_households", "median_days_to_resolve")
"""The measures an effect compares, in the order the answer gives them."""


def _before_after(figures: SideFigures | None, households: int | None) -> list[tuple[float | None, ...]]:
    """Each of :data:`MEASURES` before and after on one side; nothing at all without the side."""
    if figures is None:
        return [(None, None)] * len(MEASURES)
    return [
        (per_thousand(figures.opened_before, households), per_thousand(figures.opened_after, households)),
        (per_thousand(figures.backlog_before, households), per_thousand(figures.backlog_after, households)),
        (median_days(figures.resolved_before), median_days(figures.resolved_after)),
    ]


def _measures(
    target: SideFigures, baseline: SideFigures | None, t_households: int | None, b_households: int | None
) -> dict[str, Any]:
    pairs = zip(_before_after(target, t_households), _before_after(baseline, b_households), strict=True)
    return {name: Comparison(*t, *b).to_dict() for name, (t, b) in zip(MEASURES, pairs, strict=True)}


@attrs.frozen
class EffectDesign:
    """What an effect compares: the weeks before the start and from it, the targeted side and the
    baseline (``None`` for the whole province, or when ``withheld``), for the targeted categories.

    Build it with :meth:`of`; a side's figures come from :meth:`figures`.
    """

    weeks: int
    categories: tuple[Barrier, ...]
    before: tuple[dt.date, dt.date]
    after: tuple[dt.date, dt.date]
    target: Side
    baseline: Side | None
    withheld: bool = False

    @classmethod
    def of(
        cls,
        tree: AdminTree,
        households: Mapping[str, int],
        units: Sequence[str],
        categories: Iterable[Barrier],
        started_on: dt.date,
        weeks: int = 8,
        *,
        sees_province: bool = True,
    ) -> EffectDesign:
        """The comparison for an intervention in ``units`` (those the reader sees) from ``started_on``.

        A reader who does not see the whole province (``sees_province`` false) gets a baseline only
        when it spans at least :data:`MIN_BASELINE_COMMUNES` communes (else ``withheld``).
        """
        if weeks < 1:
            raise ValueError(f"weeks: expected a whole number ≥ 1, got {weeks}")
        days = 7 * weeks
        before = (started_on - dt.timedelta(days=days), started_on - dt.timedelta(days=1))
        after = (started_on, started_on + dt.timedelta(days=days - 1))
        target, baseline = sides_of(tree, units, households)
        withheld = False
        if baseline is not None and not sees_province:
            communes = {tree.commune_of(u).code for u in baseline.units}
            if len(communes) < MIN_BASELINE_COMMUNES:
                baseline, withheld = None, True
        return cls(weeks, tuple(categories), before, after, target, baseline, withheld)

    @property
    def days(self) -> int:
        """Local days in each window."""
        return 7 * self.weeks

    def figures(
        self,
        trend: UnresolvedTrend,
        resolved_before: Mapping[GroupKey, Resolutions],
        resolved_after: Mapping[GroupKey, Resolutions],
    ) -> dict[Barrier, SideFigures]:
        """Each targeted category's figures on one side, from that side's daily trend by category
        over both windows and its resolutions by category in each window."""
        out = {}
        for category in self.categories:
            series = trend.series_of(category.value)
            points = () if series is None else series.points
            first, second = points[: self.days], points[self.days :]
            out[category] = SideFigures(
                opened_before=sum(p.opened for p in first),
                opened_after=sum(p.opened for p in second),
                backlog_before=first[-1].unresolved_at_end if first else 0,
                backlog_after=second[-1].unresolved_at_end if second else 0,
                resolved_before=tuple(d for d, _ in resolved_before.get(category.value, [])),
                resolved_after=tuple(d for d, _ in resolved_after.get(category.value, [])),
            )
        return out

    def document(
        self,
        intervention: Mapping[str, Any],
        on_target: Mapping[Barrier, SideFigures],
        on_baseline: Mapping[Barrier, SideFigures] | None,
    ) -> dict[str, Any]:
        """The effect's JSON (``GET /api/v1/interventions/{id}/effect``): measures and counts over
        the categories together, then per category; ``intervention`` is the intervention's JSON."""
        target, baseline = self.target, self.baseline
        on_baseline = None if baseline is None else on_baseline
        b_households = None if baseline is None else baseline.households

        def block(t: SideFigures, b: SideFigures | None) -> dict[str, Any]:
            return {
                "measures": _measures(t, b, target.households, b_households),
                "counts": {
                    "target": t.counts(target.households),
                    "baseline": None if b is None else b.counts(b_households),
                },
            }

        per_category = []
        combined_t = SideFigures()
        combined_b: SideFigures | None = None if on_baseline is None else SideFigures()
        for category in self.categories:
            t = on_target[category]
            b = None if on_baseline is None else on_baseline[category]
            combined_t = combined_t + t
            if combined_b is not None and b is not None:
                combined_b = combined_b + b
            per_category.append({"category": category.value, **block(t, b)})
        return {
            "intervention": dict(intervention),
            "weeks": self.weeks,
            "evidence": "descriptive",
            "explanation": EXPLANATION,
            "before": {"from": self.before[0].isoformat(), "to": self.before[1].isoformat()},
            "after": {"from": self.after[0].isoformat(), "to": self.after[1].isoformat()},
            "target": {"units": list(target.units), "households": target.households},
            "baseline": None
            if baseline is None
            else {
                "description": "the same categories in the rest of the province",
                "units": len(baseline.units),
                "households": baseline.households,
            },
            **block(combined_t, combined_b),
            "categories": per_category,
            **(
                {
                    "baseline_withheld": f"the rest of the province is fewer than {MIN_BASELINE_COMMUNES} "
                    "communes: its figures would be another commune's"
                }
                if self.withheld
                else {}
            ),
        }


def side_figures(
    histories: Sequence[TicketHistory], design: EffectDesign, side: Side
) -> dict[Barrier, SideFigures]:
    """The reference figures of one side, from ticket histories (with their whole past)."""
    (first, _), (_, last) = design.before, design.after
    trend = unresolved_trend(histories, PeriodKind.DAY, first, last, GroupBy.CATEGORY, where=side.where)
    _, before = resolutions_by_group(histories, *design.before, GroupBy.CATEGORY, side.where)
    _, after = resolutions_by_group(histories, *design.after, GroupBy.CATEGORY, side.where)
    return design.figures(trend, before, after)


def intervention_effect(
    histories: Sequence[TicketHistory], design: EffectDesign, intervention: Mapping[str, Any]
) -> dict[str, Any]:
    """The reference effect document, from ticket histories."""
    on_target = side_figures(histories, design, design.target)
    on_baseline = None if design.baseline is None else side_figures(histories, design, design.baseline)
    return design.document(intervention, on_target, on_baseline)
