"""Where the dashboard's numbers come from: one protocol, answered by the service or by the library.

The pages only need the library's result types (:class:`~digitransform.trends.UnresolvedTrend`,
:class:`~digitransform.trends.BacklogAgeing`, :class:`~digitransform.trends.TrendSummary`) plus a
ranking of units and the interventions to mark on the time axis. :class:`DashboardData` is that
need; the service answers it from its aggregate (:mod:`feedback_service.dashboard.service_figures`),
and :class:`HistoryFigures` answers it from ticket histories with the library's reference functions,
which is what the tests compare the pages against.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Protocol

import attrs

from digitransform.domain import AdminTree, Barrier, PeriodKind, TicketHistory
from digitransform.trends import (
    BacklogAgeing,
    CommuneBacklog,
    GroupBy,
    TicketFilter,
    TrendSummary,
    UnresolvedTrend,
    backlog_ageing,
    commune_backlog_ranking,
    summary,
    unresolved_trend,
)
from feedback_service.auth.scope import sees_intervention, within
from feedback_service.store.records import Scope

__all__ = ["DashboardData", "HistoryFigures", "InterventionMark"]


@attrs.frozen
class InterventionMark:
    """An action officials took, to mark on the time axis: what, when, where and about which barriers."""

    id: str
    what: str
    started_on: dt.date
    units: frozenset[str] = frozenset()
    categories: frozenset[Barrier] = frozenset()


class DashboardData(Protocol):
    """The figures behind the pages, always within an official's ``scope``."""

    async def trend(
        self,
        scope: Scope,
        kind: PeriodKind,
        first: dt.date,
        last: dt.date,
        group_by: GroupBy | None,
        where: TicketFilter,
    ) -> UnresolvedTrend: ...

    async def ageing(
        self, scope: Scope, at: dt.date, group_by: GroupBy | None, where: TicketFilter
    ) -> BacklogAgeing: ...

    async def summary(
        self, scope: Scope, first: dt.date, last: dt.date, where: TicketFilter
    ) -> TrendSummary: ...

    async def commune_ranking(
        self, scope: Scope, at: dt.date, where: TicketFilter
    ) -> Sequence[CommuneBacklog]:
        """Communes of the scope with their backlog at the end of ``at``, highest per 1,000 first."""
        ...

    async def interventions(
        self, scope: Scope, first: dt.date, last: dt.date
    ) -> Sequence[InterventionMark]: ...


@attrs.define
class HistoryFigures:
    """The figures from ticket histories in memory, by the library's reference functions.

    Args:
        histories: every ticket with its whole past.
        tree: the units (the ranking lists every commune of the scope).
        households: households per commune code, for the ranking.
        marks: the interventions.
    """

    histories: Sequence[TicketHistory]
    tree: AdminTree
    households: Mapping[str, int] = attrs.field(factory=dict)
    marks: Sequence[InterventionMark] = ()

    async def trend(
        self,
        scope: Scope,
        kind: PeriodKind,
        first: dt.date,
        last: dt.date,
        group_by: GroupBy | None,
        where: TicketFilter,
    ) -> UnresolvedTrend:
        return unresolved_trend(self.histories, kind, first, last, group_by, where=within(scope, where))

    async def ageing(
        self, scope: Scope, at: dt.date, group_by: GroupBy | None, where: TicketFilter
    ) -> BacklogAgeing:
        return backlog_ageing(self.histories, at, group_by, where=within(scope, where))

    async def summary(self, scope: Scope, first: dt.date, last: dt.date, where: TicketFilter) -> TrendSummary:
        return summary(self.histories, first, last, where=within(scope, where))

    async def commune_ranking(
        self, scope: Scope, at: dt.date, where: TicketFilter
    ) -> Sequence[CommuneBacklog]:
        return commune_backlog_ranking(
            self.histories, at, self.tree, self.households, where=within(scope, where)
        )

    async def interventions(self, scope: Scope, first: dt.date, last: dt.date) -> Sequence[InterventionMark]:
        return [
            m
            for m in self.marks
            if first <= m.started_on <= last and sees_intervention(scope, self.tree, sorted(m.units))
        ]
