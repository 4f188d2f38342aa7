"""The dashboard's figures from the service's own trend queries (the aggregate, not the tickets)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import attrs

from digitransform.domain import PeriodKind
from digitransform.trends import BacklogAgeing, GroupBy, TicketFilter, TrendSummary, UnresolvedTrend
from feedback_service.context import ServiceContext
from feedback_service.dashboard.figures import InterventionMark
from feedback_service.settings import Settings
from feedback_service.store.records import Scope
from feedback_service.trends import (
    CommuneBacklog,
    backlog_ageing,
    commune_backlog_ranking,
    households_of_units,
    summary,
    unresolved_trend,
)

__all__ = ["ServiceFigures"]

_HOUSEHOLDS: dict[Settings, dict[str, int]] = {}
"""Household counts per process: planning the demo province takes a moment, and units do not change."""


@attrs.frozen
class ServiceFigures:
    """:class:`~feedback_service.dashboard.figures.DashboardData` over the service's database."""

    ctx: ServiceContext

    def _households(self) -> dict[str, int]:
        settings = self.ctx.settings
        if settings not in _HOUSEHOLDS:
            _HOUSEHOLDS[settings] = households_of_units(settings, self.ctx.tree)
        return _HOUSEHOLDS[settings]

    async def trend(
        self,
        scope: Scope,
        kind: PeriodKind,
        first: dt.date,
        last: dt.date,
        group_by: GroupBy | None,
        where: TicketFilter,
    ) -> UnresolvedTrend:
        return await unresolved_trend(self.ctx.db, scope, kind, first, last, group_by, where)

    async def ageing(
        self, scope: Scope, at: dt.date, group_by: GroupBy | None, where: TicketFilter
    ) -> BacklogAgeing:
        return await backlog_ageing(self.ctx.db, scope, at, group_by, where)

    async def summary(self, scope: Scope, first: dt.date, last: dt.date, where: TicketFilter) -> TrendSummary:
        return await summary(self.ctx.db, scope, first, last, where)

    async def commune_ranking(
        self, scope: Scope, at: dt.date, where: TicketFilter
    ) -> Sequence[CommuneBacklog]:
        return await commune_backlog_ranking(self.ctx.db, scope, at, self.ctx.tree, self._households(), where)

    async def interventions(self, scope: Scope, first: dt.date, last: dt.date) -> Sequence[InterventionMark]:
        # The service has no intervention log yet; when it has, read it here.
        return ()
