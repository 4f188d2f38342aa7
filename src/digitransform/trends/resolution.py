"""How long difficulties take to resolve: median and 90th percentile, over the resolutions in a window.

Each resolve action whose local date falls in the window counts once, measured from the ticket's
``observed_at``: how long the citizen waited until the difficulty was (last) resolved, the same
clock as the backlog's ageing. A ticket resolved, reopened and resolved again counts twice, the
second time with the whole wait since observation. Rejections are not resolutions and are not
measured. Percentiles interpolate linearly between the closest ranks, as PostgreSQL's
``percentile_cont`` does, so the service can compute the same figure in SQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs

from digitransform.domain import ResolutionType, TicketAction, TicketHistory, local_date
from digitransform.trends.grouping import (
    TOTAL,
    GroupBy,
    GroupKey,
    TicketFilter,
    group_keys,
    parse_group_by,
    sort_key,
)

__all__ = [
    "ResolutionGroup",
    "ResolutionTimes",
    "Resolutions",
    "percentile",
    "resolution_times",
    "resolution_times_of",
    "resolutions",
    "resolutions_by_group",
]

_DAY = dt.timedelta(days=1)


def percentile(ordered: Sequence[dt.timedelta], fraction: float) -> dt.timedelta | None:
    """The ``fraction`` percentile of sorted durations by linear interpolation; ``None`` if empty."""
    if not 0 <= fraction <= 1:
        raise ValueError(f"a percentile fraction is within 0..1, got {fraction}")
    if not ordered:
        return None
    position = fraction * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _days(duration: dt.timedelta | None) -> float | None:
    return None if duration is None else round(duration / _DAY, 2)


@attrs.frozen(slots=True)
class ResolutionGroup:
    """The resolutions of one group in the window: how many, how many on the spot, and how long."""

    group: GroupKey
    resolved: int
    on_the_spot: int
    median: dt.timedelta | None
    p90: dt.timedelta | None

    def to_dict(self) -> dict[str, Any]:
        """Durations in days, to two decimals."""
        return {
            "group": self.group,
            "resolved": self.resolved,
            "on_the_spot": self.on_the_spot,
            "median_days": _days(self.median),
            "p90_days": _days(self.p90),
        }


@attrs.frozen(slots=True)
class ResolutionTimes:
    """Time to resolve per group over ``first``..``last`` (local dates, inclusive).

    Groups without a resolution are left out; without a grouping, ``groups`` is ``(total,)``.
    """

    first: dt.date
    last: dt.date
    group_by: GroupBy | None
    groups: tuple[ResolutionGroup, ...]
    total: ResolutionGroup

    def to_dict(self) -> dict[str, Any]:
        return {
            "from": self.first.isoformat(),
            "to": self.last.isoformat(),
            "group_by": None if self.group_by is None else self.group_by.value,
            "groups": [g.to_dict() for g in self.groups],
            "total": self.total.to_dict(),
        }


def resolutions(history: TicketHistory, first: dt.date, last: dt.date) -> list[tuple[dt.timedelta, bool]]:
    """Each resolve action of the ticket in the window: time since observation, and whether on the spot."""
    found = []
    for event in history.events:
        transition = event.transition
        if transition is None or transition.action is not TicketAction.RESOLVE:
            continue
        if first <= local_date(event.at) <= last:
            on_the_spot = transition.resolution is ResolutionType.ON_THE_SPOT
            found.append((event.at - history.ticket.observed_at, on_the_spot))
    return found


Resolutions = list[tuple[dt.timedelta, bool]]
"""Resolutions as :func:`resolutions` gives them: each wait since observation, and whether on the spot."""


def resolutions_by_group(
    histories: Iterable[TicketHistory],
    first: dt.date,
    last: dt.date,
    group_by: GroupBy | None,
    where: TicketFilter,
) -> tuple[Resolutions, dict[GroupKey, Resolutions]]:
    """Every resolution on local dates ``first``..``last`` of the tickets ``where`` keeps, and the
    same by group (a ticket in several groups counts in each)."""
    everything: Resolutions = []
    per_group: dict[GroupKey, Resolutions] = {}
    for history in histories:
        if not where.matches(history.ticket):
            continue
        found = resolutions(history, first, last)
        if not found:
            continue
        everything.extend(found)
        if group_by is not None:
            for key in group_keys(history.ticket, group_by, where):
                per_group.setdefault(key, []).extend(found)
    return everything, per_group


def _group(key: GroupKey, found: Resolutions) -> ResolutionGroup:
    ordered = sorted(d for d, _ in found)
    spot = sum(1 for _, s in found if s)
    return ResolutionGroup(key, len(ordered), spot, percentile(ordered, 0.5), percentile(ordered, 0.9))


def resolution_times_of(
    first: dt.date,
    last: dt.date,
    group_by: GroupBy | None,
    everything: Resolutions,
    per_group: Mapping[GroupKey, Resolutions],
) -> ResolutionTimes:
    """The times of resolutions found however (:func:`resolutions_by_group`, or a store's query)."""
    total = _group(TOTAL, everything)
    if group_by is None:
        return ResolutionTimes(first, last, None, (total,), total)
    groups = tuple(_group(k, per_group[k]) for k in sorted(per_group, key=sort_key))
    return ResolutionTimes(first, last, group_by, groups, total)


def resolution_times(
    histories: Iterable[TicketHistory],
    first: dt.date,
    last: dt.date,
    group_by: GroupBy | str | None = None,
    *,
    where: TicketFilter | None = None,
) -> ResolutionTimes:
    """Median and 90th percentile time to resolve, for resolutions on local dates ``first``..``last``."""
    if last < first:
        raise ValueError(f"to: {last} precedes from: {first}")
    grouping = parse_group_by(group_by)
    found = resolutions_by_group(histories, first, last, grouping, where or TicketFilter())
    return resolution_times_of(first, last, grouping, *found)
