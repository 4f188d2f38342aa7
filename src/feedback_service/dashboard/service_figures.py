"""The dashboard's figures from the service's own trend queries (the aggregate, not the tickets)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import attrs

from digitransform.domain import PeriodKind
from digitransform.trends import BacklogAgeing, GroupBy, TicketFilter, TrendSummary, UnresolvedTrend
from feedback_service.context import ServiceContext
from feedback_service.dashboard.figures import InterventionMark
from feedback_service.interventions import list_interventions
from feedback_service.store.records import Scope
from feedback_service.trends import (
    CommuneBacklog,
    backlog_ageing,
    cached_households,
    commune_backlog_ranking,
    summary,
    unresolved_trend,
)

__all__ = ["ServiceFigures"]


@attrs.frozen
class ServiceFigures:
    """:class:`~feedback_service.dashboard.figures.DashboardData` over the service's database."""

    ctx: ServiceContext

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
        households = cached_households(self.ctx.settings, self.ctx.tree)
        return await commune_backlog_ranking(self.ctx.db, scope, at, self.ctx.tree, households, where)

    async def interventions(self, scope: Scope, first: dt.date, last: dt.date) -> Sequence[InterventionMark]:
        found = await list_interventions(self.ctx.db, self.ctx.tree, scope, first, last)
        return tuple(
            InterventionMark(
                id=i.id,
                title=i.what,
                on=i.started_on,
                units=frozenset(i.units),
                categories=frozenset(i.categories),
            )
            for i in found
        )
