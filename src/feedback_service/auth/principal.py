"""Who is calling: a role, and what it is bound to (a team and its commune, or an official's unit).

What that lets the caller see is :mod:`feedback_service.auth.scope`'s rule.
"""

from __future__ import annotations

import enum

import attrs

from feedback_service.store.records import Actor

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
