"""A caller's scope as a trend filter: officials see their commune or the province, teams their team.

The store's :class:`~feedback_service.store.records.Scope` says which tickets a caller may see; the
trend functions take the library's :class:`~digitransform.trends.TicketFilter`. Intersecting them
here, once, means no query can widen what a caller asked for beyond what the caller may see.
"""

from __future__ import annotations

import attrs

from digitransform.trends import TicketFilter
from feedback_service.store.records import Scope

__all__ = ["within"]


def _meet(allowed: frozenset[str] | None, asked: frozenset[str] | None) -> frozenset[str] | None:
    if allowed is None:
        return asked
    return allowed if asked is None else allowed & asked


def within(scope: Scope, where: TicketFilter | None = None) -> TicketFilter:
    """``where`` narrowed to ``scope``: an empty set (nothing matches) if they do not overlap."""
    asked = where or TicketFilter()
    teams = None if scope.team is None else frozenset({scope.team})
    return attrs.evolve(
        asked,
        communes=_meet(scope.communes, asked.communes),
        teams=_meet(teams, asked.teams),
    )
