"""The shape of an unresolved-backlog trend, and the per-period accumulator both ways of computing it fill.

A point holds a period's flows (opened, resolved, rejected, reopened, counted on the local day they
happened) and the backlog's stock at the period's end (unresolved tickets and the people they
affect). Stocks are kept as difference arrays: a level that starts in period ``i`` and stops before
period ``j`` adds at ``i`` and takes away at ``j``; a running sum gives each period's end value.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Sequence
from typing import Any

import attrs

from digitransform.domain import Period, PeriodKind, periods_between
from digitransform.trends.grouping import TOTAL, GroupBy, GroupKey, sort_key

__all__ = ["FLOWS", "PeriodCounts", "PeriodIndex", "TrendPoint", "TrendSeries", "UnresolvedTrend", "assemble"]

FLOWS = ("opened", "resolved", "rejected", "reopened")
"""The flow fields of a point, in wire order."""


@attrs.frozen(slots=True)
class TrendPoint:
    """One period of one series: its flows and the backlog at its end."""

    start: dt.date
    end: dt.date
    opened: int = 0
    resolved: int = 0
    rejected: int = 0
    reopened: int = 0
    unresolved_at_end: int = 0
    people_affected_unresolved: int = 0

    @property
    def is_empty(self) -> bool:
        """Nothing happened and nothing was waiting."""
        return not (
            self.opened
            or self.resolved
            or self.rejected
            or self.reopened
            or self.unresolved_at_end
            or self.people_affected_unresolved
        )

    def to_dict(self) -> dict[str, Any]:
        """The wire shape: ISO dates and counts."""
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "opened": self.opened,
            "resolved": self.resolved,
            "rejected": self.rejected,
            "reopened": self.reopened,
            "unresolved_at_end": self.unresolved_at_end,
            "people_affected_unresolved": self.people_affected_unresolved,
        }


@attrs.frozen(slots=True)
class TrendSeries:
    """The points of one group, one per period, in time order."""

    group: GroupKey
    points: tuple[TrendPoint, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"group": self.group, "points": [p.to_dict() for p in self.points]}


@attrs.frozen(slots=True)
class UnresolvedTrend:
    """The unresolved backlog over consecutive periods, split by ``group_by``.

    ``series`` holds one series per group with anything to show (a group whose points are all zero
    is left out), ordered by group code with "no team" last. ``total`` counts each ticket once; when
    there is no grouping, ``series`` is just ``(total,)``.
    """

    period: PeriodKind
    group_by: GroupBy | None
    series: tuple[TrendSeries, ...]
    total: TrendSeries

    def series_of(self, group: GroupKey) -> TrendSeries | None:
        """The series of ``group``, or ``None`` if it has nothing to show."""
        return next((s for s in self.series if s.group == group), None)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of ``GET /api/v1/trends/unresolved``, plus the ``total`` series."""
        return {
            "period": self.period.value,
            "group_by": None if self.group_by is None else self.group_by.value,
            "series": [s.to_dict() for s in self.series],
            "total": self.total.to_dict(),
        }


class PeriodIndex:
    """Consecutive periods, and which of them a local date falls in."""

    __slots__ = ("_ends", "periods")

    def __init__(self, periods: Sequence[Period]) -> None:
        if not periods:
            raise ValueError("a trend needs at least one period")
        self.periods = tuple(periods)
        self._ends = [p.end for p in self.periods]

    @classmethod
    def between(cls, kind: PeriodKind, first: dt.date, last: dt.date) -> PeriodIndex:
        """The ``kind`` periods from the one containing ``first`` to the one containing ``last``."""
        return cls(list(periods_between(kind, first, last)))

    def __len__(self) -> int:
        return len(self.periods)

    def first_ending_on_or_after(self, day: dt.date) -> int:
        """Index of the first period whose end is not before ``day`` (``len`` if none).

        A stock that holds from the end of ``day`` on shows in this period and every later one.
        """
        return bisect.bisect_left(self._ends, day)

    def containing(self, day: dt.date) -> int | None:
        """Index of the period containing ``day``, or ``None`` outside the window."""
        if day < self.periods[0].start:
            return None
        i = bisect.bisect_left(self._ends, day)
        return i if i < len(self._ends) else None


class PeriodCounts:
    """Flows and stock differences of one group over the periods of a :class:`PeriodIndex`."""

    __slots__ = ("flows", "people", "unresolved")

    def __init__(self, size: int) -> None:
        self.flows = {name: [0] * size for name in FLOWS}
        self.unresolved = [0] * (size + 1)
        self.people = [0] * (size + 1)

    def add_flow(self, name: str, index: int, count: int = 1) -> None:
        self.flows[name][index] += count

    def add_stock(self, start: int, stop: int, tickets: int, people: int) -> None:
        """Add a level that shows at the ends of periods ``start`` up to (not including) ``stop``."""
        if start >= stop:
            return
        self.unresolved[start] += tickets
        self.unresolved[stop] -= tickets
        self.people[start] += people
        self.people[stop] -= people

    def series(self, group: GroupKey, index: PeriodIndex) -> TrendSeries:
        points = []
        backlog = people = 0
        for i, period in enumerate(index.periods):
            backlog += self.unresolved[i]
            people += self.people[i]
            points.append(
                TrendPoint(
                    period.start,
                    period.end,
                    opened=self.flows["opened"][i],
                    resolved=self.flows["resolved"][i],
                    rejected=self.flows["rejected"][i],
                    reopened=self.flows["reopened"][i],
                    unresolved_at_end=backlog,
                    people_affected_unresolved=people,
                )
            )
        return TrendSeries(group, tuple(points))


def assemble(
    kind: PeriodKind,
    group_by: GroupBy | None,
    index: PeriodIndex,
    groups: dict[GroupKey, PeriodCounts],
    total: PeriodCounts,
) -> UnresolvedTrend:
    """The trend from filled accumulators, leaving out groups with nothing to show."""
    total_series = total.series(TOTAL, index)
    if group_by is None:
        return UnresolvedTrend(kind, None, (total_series,), total_series)
    series = []
    for group in sorted(groups, key=sort_key):
        one = groups[group].series(group, index)
        if not all(p.is_empty for p in one.points):
            series.append(one)
    return UnresolvedTrend(kind, group_by, tuple(series), total_series)
