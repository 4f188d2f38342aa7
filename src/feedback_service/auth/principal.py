"""Who is calling: a role, and what it is bound to (a team and its commune, or an official's unit)."""

from __future__ import annotations

import enum

import attrs

from digitransform.domain import AdminTree
from feedback_service.store.records import Actor, Scope

__all__ = ["Principal", "Role"]


class Role(enum.Enum):
    """What a token may do.

    ``team``: report difficulties in its commune and see its own tickets. ``official``: see and work
    the tickets of one commune, or of the whole province. ``admin``: manage tokens, nothing else.
    """

    TEAM = "team"
    OFFICIAL = "official"
    ADMIN = "admin"


@attrs.frozen
class Principal:
    """The caller behind a valid, unrevoked token."""

    token_id: str
    role: Role
    team: str | None = None
    commune: str | None = None
    """A team's commune."""
    scope: str | None = None
    """An official's unit: a commune code, or the province's."""

    @property
    def actor(self) -> Actor:
        """How the history names this caller: by token and role, never by person."""
        return Actor(self.token_id, self.role.value, self.team)

    def ticket_scope(self, tree: AdminTree) -> Scope:
        """The tickets this caller may see: its team's, its commune's, the province's, or none (admin)."""
        if self.role is Role.TEAM and self.team is not None:
            return Scope(team=self.team, communes=frozenset({self.commune or ""}))
        if self.role is Role.OFFICIAL and self.scope is not None:
            if self.scope == tree.root.code:
                return Scope.everything()
            return Scope(communes=frozenset({self.scope}))
        return Scope(team="", communes=frozenset())
