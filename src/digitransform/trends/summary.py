"""Headline figures of the difficulties in a scope over a window, for the top of a dashboard."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import attrs

from digitransform.domain import Period, PeriodKind, TicketHistory
from digitransform.trends.backlog import backlog_accumulators
from digitransform.trends.grouping import TOTAL, TicketFilter
from digitransform.trends.resolution import percentile, resolutions
from digitransform.trends.series import PeriodIndex

__all__ = ["TrendSummary", "summary"]

_DAY = dt.timedelta(days=1)


def _days(duration: dt.timedelta | None) -> float | None:
    return None if duration is None else round(duration / _DAY, 2)


@attrs.frozen(slots=True)
class TrendSummary:
    """What happened to difficulties from ``first`` to ``last`` (local dates, inclusive).

    ``unresolved_at_start`` is the backlog carried into the window (at the end of the day before
    ``first``); ``unresolved_at_end`` and ``people_affected_unresolved`` are the backlog at the end of
    ``last``. ``people_reported`` counts the people of tickets observed in the window plus "me too"
    occurrences recorded in it. ``on_the_spot_share`` is resolutions on the spot ÷ all resolutions in
    the window (``None`` without any), as a fraction; resolution times as in
    :func:`~digitransform.trends.resolution_times`.
    """

    first: dt.date
    last: dt.date
    opened: int
    resolved: int
    rejected: int
    reopened: int
    unresolved_at_start: int
    unresolved_at_end: int
    people_affected_unresolved: int
    people_reported: int
    resolved_on_the_spot: int
    median_resolve: dt.timedelta | None
    p90_resolve: dt.timedelta | None

    @property
    def on_the_spot_share(self) -> float | None:
        return None if self.resolved == 0 else self.resolved_on_the_spot / self.resolved

    def to_dict(self) -> dict[str, Any]:
        """Counts, times in days to two decimals, the share to four."""
        share = self.on_the_spot_share
        return {
            "from": self.first.isoformat(),
            "to": self.last.isoformat(),
            "opened": self.opened,
            "resolved": self.resolved,
            "rejected": self.rejected,
            "reopened": self.reopened,
            "unresolved_at_start": self.unresolved_at_start,
            "unresolved_at_end": self.unresolved_at_end,
            "people_affected_unresolved": self.people_affected_unresolved,
            "people_reported": self.people_reported,
            "resolved_on_the_spot": self.resolved_on_the_spot,
            "on_the_spot_share": None if share is None else round(share, 4),
            "median_resolve_days": _days(self.median_resolve),
            "p90_resolve_days": _days(self.p90_resolve),
        }


def summary(
    histories: Iterable[TicketHistory],
    first: dt.date,
    last: dt.date,
    *,
    where: TicketFilter | None = None,
) -> TrendSummary:
    """Headline figures for the tickets in ``where`` over local dates ``first``..``last``."""
    if last < first:
        raise ValueError(f"to: {last} precedes from: {first}")
    scope = where or TicketFilter()
    chosen = [h for h in histories if scope.matches(h.ticket)]
    window = Period(first, last, PeriodKind.RANGE)
    before = Period(first - _DAY, first - _DAY, PeriodKind.RANGE)
    index = PeriodIndex([before, window])
    _, counts = backlog_accumulators(chosen, index, None, scope)
    carried, point = counts.series(TOTAL, index).points
    found = [r for h in chosen for r in resolutions(h, first, last)]
    ordered = sorted(d for d, _ in found)
    reported = 0
    for history in chosen:
        if history.ticket.observed_at in window:
            reported += history.ticket.people_affected
        reported += sum(e.people_added for e in history.events if e.at in window)
    return TrendSummary(
        first,
        last,
        opened=point.opened,
        resolved=point.resolved,
        rejected=point.rejected,
        reopened=point.reopened,
        unresolved_at_start=carried.unresolved_at_end,
        unresolved_at_end=point.unresolved_at_end,
        people_affected_unresolved=point.people_affected_unresolved,
        people_reported=reported,
        resolved_on_the_spot=sum(1 for _, spot in found if spot),
        median_resolve=percentile(ordered, 0.5),
        p90_resolve=percentile(ordered, 0.9),
    )
