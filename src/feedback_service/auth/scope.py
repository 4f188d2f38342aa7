"""The scope rule, in one place: which tickets, units and interventions a caller may see.

Every API route, dashboard page, CSV export and intervention figure asks this module; nothing else
decides what lies within a caller's reach.

- A **team** sees its own team's tickets (in its commune).
- A **commune official** sees the tickets of its commune and its villages, the units of that
  commune, and the interventions that touch it (or the whole province).
- A **province official** sees everything in the province.
- An **admin** manages tokens and sees no ticket at all.
- A team's **phones** (enrollment codes, devices) are managed by an admin, or by an official who
  sees the team's commune.

The answer is a :class:`~feedback_service.store.records.Scope` (a plain value the store turns into
SQL); the functions below answer the other questions (a trend filter, a unit, an intervention) from
that same value, so the API, the dashboard and its test double cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from digitransform.domain import AdminLevel, AdminTree
from digitransform.trends import TicketFilter
from feedback_service.auth.principal import Principal, Role
from feedback_service.store.records import Scope

__all__ = [
    "NOTHING",
    "may_manage_devices",
    "may_record_in",
    "reads_free_text",
    "sees_intervention",
    "sees_unit",
    "ticket_scope",
    "units_seen",
    "within",
]

NOTHING = Scope(team="", communes=frozenset())
"""No ticket matches: an admin's scope."""


def ticket_scope(principal: Principal, tree: AdminTree) -> Scope:
    """The tickets ``principal`` may see: its team's, its commune's, the province's, or none (admin)."""
    if principal.role is Role.TEAM and principal.team is not None:
        return Scope(team=principal.team, communes=frozenset({principal.commune or ""}))
    if principal.role is Role.OFFICIAL and principal.scope is not None:
        if principal.scope == tree.root.code:
            return Scope.everything()
        return Scope(communes=frozenset({principal.scope}))
    return NOTHING


def _meet(allowed: frozenset[str] | None, asked: frozenset[str] | None) -> frozenset[str] | None:
    if allowed is None:
        return asked
    return allowed if asked is None else allowed & asked


def within(scope: Scope, where: TicketFilter | None = None) -> TicketFilter:
    """``where`` narrowed to ``scope``: an empty set (nothing matches) if they do not overlap.

    No query can widen what a caller asked for beyond what the caller may see.
    """
    asked = where or TicketFilter()
    teams = None if scope.team is None else frozenset({scope.team})
    return attrs.evolve(
        asked,
        communes=_meet(scope.communes, asked.communes),
        teams=_meet(teams, asked.teams),
    )


def sees_unit(scope: Scope, tree: AdminTree, code: str) -> bool:
    """Whether ``code`` (a province, commune or village) lies within ``scope``; unknown codes never do.

    The province lies within a scope of every commune only; a commune or village within the scope
    of its commune.
    """
    unit = tree.get(code)
    if unit is None:
        return False
    if scope.communes is None:
        return True
    if unit.level is AdminLevel.PROVINCE:
        return False
    return tree.commune_of(code).code in scope.communes


def units_seen(scope: Scope, tree: AdminTree, units: Iterable[str]) -> tuple[str, ...]:
    """The part of ``units`` within ``scope``, in order; a province stands for its communes.

    An intervention's figures are computed over this part only, so a commune official never reads
    counts of a commune it cannot see, even of an intervention that also covers it.
    """
    seen: list[str] = []
    for code in units:
        if sees_unit(scope, tree, code):
            seen.append(code)
        elif code == tree.root.code and scope.communes is not None:
            seen.extend(u.code for u in tree.at_level(AdminLevel.COMMUNE) if u.code in scope.communes)
    return tuple(dict.fromkeys(seen))


def sees_intervention(scope: Scope, tree: AdminTree, units: Iterable[str]) -> bool:
    """Whether an intervention aimed at ``units`` concerns ``scope``: any of them, or the province, in it.

    An intervention with no units concerns everyone (only the dashboard's marks can lack them).
    """
    codes = tuple(units)
    if not codes:
        return scope != NOTHING
    return bool(units_seen(scope, tree, codes))


def reads_free_text(principal: Principal) -> bool:
    """Whether ``principal``'s exports carry tickets' free text (descriptions): officials' only.

    A team reads its own tickets' descriptions in the app, but its CSV leaves them out, since a
    spreadsheet travels further than the app. Household references are in no export at all.
    """
    return principal.role is Role.OFFICIAL


def may_record_in(principal: Principal, tree: AdminTree, code: str) -> bool:
    """Whether ``principal`` may record an intervention in ``code``: officials within their own unit."""
    if principal.role is not Role.OFFICIAL or principal.scope is None:
        return False
    return tree.is_within(code, principal.scope)


def may_manage_devices(principal: Principal, tree: AdminTree, commune: str) -> bool:
    """Whether ``principal`` may enroll and revoke the phones of a team in ``commune``: an admin, or
    an official who sees that commune (its own official, or the province's)."""
    if principal.role is Role.ADMIN:
        return True
    return principal.role is Role.OFFICIAL and sees_unit(ticket_scope(principal, tree), tree, commune)
