"""Communes ranked by their unresolved backlog per 1,000 households, from the store.

The backlog comes from the aggregate's commune roll-up; the households from
:func:`~feedback_service.trends.households.households_of_units`; the ranking is the library's
:func:`digitransform.trends.rank_communes` (its reference is
:func:`digitransform.trends.commune_backlog_ranking`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from digitransform.domain import AdminTree, PeriodKind
from digitransform.trends import ALL_CATEGORIES, GroupBy, TicketFilter
from digitransform.trends.ranking import CommuneBacklog, per_thousand, rank_communes
from digitransform.trends.series import PeriodIndex
from feedback_service.auth.scope import within
from feedback_service.store.database import Database
from feedback_service.store.records import Scope
from feedback_service.trends.backlog import period_sums

__all__ = ["CommuneBacklog", "commune_backlog_ranking", "per_thousand"]


async def commune_backlog_ranking(
    db: Database,
    scope: Scope,
    at: dt.date,
    tree: AdminTree,
    households: Mapping[str, int],
    where: TicketFilter | None = None,
) -> tuple[CommuneBacklog, ...]:
    """Every commune in ``scope``, highest backlog per 1,000 households first (ties by code).

    ``where`` may narrow to a category or service (the backlog of that barrier only).
    """
    scoped = within(scope, where)
    chosen = ALL_CATEGORIES if scoped.category is None else scoped.category.value
    index = PeriodIndex.between(PeriodKind.DAY, at, at)
    rows = await period_sums(db, PeriodKind.DAY, index, scoped, category=chosen, group_by=GroupBy.COMMUNE)
    backlog: dict[str, list[int]] = {}
    for row in rows:
        known = backlog.setdefault(str(row.group), [0, 0])
        known[0] += row.unresolved_delta
        known[1] += row.people_delta
    return rank_communes(tree, {c: (t, p) for c, (t, p) in backlog.items()}, households, scoped.communes)
