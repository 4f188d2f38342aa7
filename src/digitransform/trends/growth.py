"""Which groups grew fastest from one period to the next: where a new difficulty is spreading.

Growth is the absolute increase from the previous period to the last one of a trend, so that one
ticket becoming three (+200 %) does not outrank forty becoming sixty; the ratio is given alongside.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

import attrs

from digitransform.trends.grouping import GroupKey, sort_key
from digitransform.trends.series import UnresolvedTrend

__all__ = ["GROWTH_MEASURES", "Growth", "fastest_growing"]

GROWTH_MEASURES = ("opened", "unresolved_at_end", "people_affected_unresolved")
"""The point fields growth can be measured on."""

Measure = Literal["opened", "unresolved_at_end", "people_affected_unresolved"]


@attrs.frozen(slots=True)
class Growth:
    """A group's value in the previous and the last period, and the change."""

    group: GroupKey
    measure: str
    previous_start: dt.date
    current_start: dt.date
    previous: int
    current: int

    @property
    def change(self) -> int:
        return self.current - self.previous

    @property
    def ratio(self) -> float | None:
        """``current / previous``; ``None`` when the previous period had none."""
        return None if self.previous == 0 else self.current / self.previous

    def to_dict(self) -> dict[str, Any]:
        return {
            "group": self.group,
            "measure": self.measure,
            "previous_start": self.previous_start.isoformat(),
            "current_start": self.current_start.isoformat(),
            "previous": self.previous,
            "current": self.current,
            "change": self.change,
            "ratio": None if self.ratio is None else round(self.ratio, 3),
        }


def fastest_growing(trend: UnresolvedTrend, top: int = 5, measure: Measure = "opened") -> tuple[Growth, ...]:
    """The ``top`` groups whose ``measure`` rose most from the trend's second-to-last period to its last.

    Only groups that grew are listed, largest increase first, ties by group code. Use a trend grouped
    by category for "the categories growing fastest".
    """
    if measure not in GROWTH_MEASURES:
        raise ValueError(f"measure: {measure!r} is not one of {', '.join(GROWTH_MEASURES)}")
    if top < 1:
        raise ValueError(f"top must be ≥ 1, got {top}")
    if len(trend.total.points) < 2:
        raise ValueError("growth needs a trend of at least two periods")
    found = []
    for series in trend.series:
        before, now = series.points[-2], series.points[-1]
        growth = Growth(
            series.group,
            measure,
            before.start,
            now.start,
            getattr(before, measure),
            getattr(now, measure),
        )
        if growth.change > 0:
            found.append(growth)
    found.sort(key=lambda g: (-g.change, sort_key(g.group)))
    return tuple(found[:top])
