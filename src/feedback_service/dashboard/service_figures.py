"""The dashboard's figures from the service's trend use cases (:mod:`feedback_service.services.trends`:
the aggregate, not the tickets), and its interventions (:mod:`feedback_service.services.interventions`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import attrs

from digitransform.domain import PeriodKind
from digitransform.trends import BacklogAgeing, GroupBy, TicketFilter, TrendSummary, UnresolvedTrend
from feedback_service.context import ServiceContext
from feedback_service.dashboard.figures import InterventionMark
from feedback_service.services import interventions, trends
from feedback_service.store.records import Scope
from feedback_service.trends import CommuneBacklog

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
        ctx = self.ctx
        return await trends.unresolved(
            ctx.db, ctx.tree, scope, kind, first, last, group_by, where, bounded=False
        )

    async def ageing(
        self, scope: Scope, at: dt.date, group_by: GroupBy | None, where: TicketFilter
    ) -> BacklogAgeing:
        return await trends.ageing(self.ctx.db, scope, at, group_by, where)

    async def summary(self, scope: Scope, first: dt.date, last: dt.date, where: TicketFilter) -> TrendSummary:
        return await trends.summary(self.ctx.db, scope, first, last, where, bounded=False)

    async def commune_ranking(
        self, scope: Scope, at: dt.date, where: TicketFilter
    ) -> Sequence[CommuneBacklog]:
        ctx = self.ctx
        return await trends.commune_ranking(ctx.db, ctx.settings, ctx.tree, scope, at, where)

    async def interventions(self, scope: Scope, first: dt.date, last: dt.date) -> Sequence[InterventionMark]:
        found = await interventions.visible(self.ctx.db, self.ctx.tree, scope, first, last)
        return tuple(
            InterventionMark(
                id=i.id,
                what=i.what,
                started_on=i.started_on,
                units=frozenset(i.units),
                categories=frozenset(i.categories),
            )
            for i in found
        )
