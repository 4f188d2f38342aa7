"""Communes ranked by their unresolved backlog per 1,000 households: where the difficulties pile up.

A count alone favours big communes; per 1,000 households it compares like with like. The backlog
comes from the aggregate's commune roll-up; the households from
:func:`~feedback_service.trends.households.households_of_units`. A commune with no household figure
(or none at all) has no rate and is listed last, never divided by zero.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import attrs

from digitransform.domain import AdminLevel, AdminTree, PeriodKind
from digitransform.trends import ALL_CATEGORIES, GroupBy, TicketFilter
from digitransform.trends.series import PeriodIndex
from feedback_service.auth.scope import within
from feedback_service.store.database import Database
from feedback_service.store.records import Scope
from feedback_service.trends.backlog import period_sums

__all__ = ["CommuneBacklog", "commune_backlog_ranking", "per_thousand"]


def per_thousand(count: int, households: int | None) -> float | None:
    """``count`` per 1,000 households, ``None`` without households."""
    return None if not households else 1000 * count / households


@attrs.frozen
class CommuneBacklog:
    """One commune's backlog at the end of a local day, and the rate that ranks it."""

    commune: str
    name: str
    unresolved: int
    people_affected: int
    households: int | None
    per_1000_households: float | None

    def to_dict(self) -> dict[str, Any]:
        out = attrs.asdict(self)
        if self.per_1000_households is not None:
            out["per_1000_households"] = round(self.per_1000_households, 3)
        return out


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
    ranked = []
    for unit in tree.at_level(AdminLevel.COMMUNE):
        if scoped.communes is not None and unit.code not in scoped.communes:
            continue
        unresolved, people = backlog.get(unit.code, (0, 0))
        count = households.get(unit.code)
        ranked.append(
            CommuneBacklog(unit.code, unit.name, unresolved, people, count, per_thousand(unresolved, count))
        )
    ranked.sort(key=lambda c: (c.per_1000_households is None, -(c.per_1000_households or 0), c.commune))
    return tuple(ranked)
