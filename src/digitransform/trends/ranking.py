"""Communes ranked by their unresolved backlog per 1,000 households: where the difficulties pile up.

A count alone favours big communes; per 1,000 households it compares like with like. A commune with
no household figure (or none at all) has no rate and is listed last, never divided by zero.
:func:`rank_communes` is the ranking itself, from each commune's backlog however it was counted;
:func:`commune_backlog_ranking` is the reference, from ticket histories (the backlog of
:func:`~digitransform.trends.backlog_ageing` by commune). The feedback service ranks the backlog of
its aggregate with the same :func:`rank_communes`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping
from typing import Any

import attrs

from digitransform.domain import AdminLevel, AdminTree, TicketHistory
from digitransform.trends.ageing import backlog_ageing
from digitransform.trends.grouping import GroupBy, TicketFilter

__all__ = ["CommuneBacklog", "commune_backlog_ranking", "per_thousand", "rank_communes"]


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


def _rank(commune: CommuneBacklog) -> tuple[bool, float, str]:
    rate = commune.per_1000_households
    return (rate is None, -(rate or 0), commune.commune)


def rank_communes(
    tree: AdminTree,
    backlog: Mapping[str, tuple[int, int]],
    households: Mapping[str, int],
    communes: Collection[str] | None = None,
) -> tuple[CommuneBacklog, ...]:
    """Every commune of ``tree`` (of ``communes`` only, when given), highest backlog per 1,000
    households first, ties by code; those without households last.

    Args:
        backlog: unresolved tickets and the people they affect, by commune code (a commune not
            named has none).
        households: households by commune code.
        communes: the communes to list (a scope); ``None``: all.
    """
    ranked = []
    for unit in tree.at_level(AdminLevel.COMMUNE):
        if communes is not None and unit.code not in communes:
            continue
        unresolved, people = backlog.get(unit.code, (0, 0))
        count = households.get(unit.code)
        ranked.append(
            CommuneBacklog(unit.code, unit.name, unresolved, people, count, per_thousand(unresolved, count))
        )
    ranked.sort(key=_rank)
    return tuple(ranked)


def commune_backlog_ranking(
    histories: Iterable[TicketHistory],
    at: dt.date | dt.datetime,
    tree: AdminTree,
    households: Mapping[str, int],
    *,
    where: TicketFilter | None = None,
) -> tuple[CommuneBacklog, ...]:
    """The communes ranked by the tickets unresolved at ``at`` (a date: the end of that local day)
    per 1,000 households, within ``where`` (its communes, when set, are the ones listed)."""
    scope = where or TicketFilter()
    ageing = backlog_ageing(histories, at, GroupBy.COMMUNE, where=scope)
    backlog = {str(g.group): (g.tickets, g.people) for g in ageing.groups}
    return rank_communes(tree, backlog, households, scope.communes)
