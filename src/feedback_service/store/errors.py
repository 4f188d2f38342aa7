"""Why a store operation refused: each maps to one HTTP problem at the edge."""

from __future__ import annotations

__all__ = [
    "IdConflict",
    "StoreError",
    "TeamMismatch",
    "TicketNotFound",
    "UnknownDuplicate",
    "VersionMismatch",
]


class StoreError(Exception):
    """Base of the store's refusals."""


class TicketNotFound(StoreError):
    """No such ticket in the caller's scope (whether it exists elsewhere is not said)."""

    def __init__(self, ticket_id: str) -> None:
        self.ticket_id = ticket_id
        super().__init__(f"no ticket {ticket_id}")


class IdConflict(StoreError):
    """A client-minted id already names something with different content."""

    def __init__(self, kind: str, item_id: str) -> None:
        self.kind = kind
        self.item_id = item_id
        super().__init__(f"{kind} {item_id} already exists with different content")


class VersionMismatch(StoreError):
    """The ticket changed since the caller read it (optimistic concurrency)."""

    def __init__(self, ticket_id: str, current: int) -> None:
        self.ticket_id = ticket_id
        self.current = current
        super().__init__(f"ticket {ticket_id} is at version {current}")


class UnknownDuplicate(StoreError):
    """``duplicate_of`` names no ticket the caller can see."""

    def __init__(self, ticket_id: str) -> None:
        self.ticket_id = ticket_id
        super().__init__(f"duplicate_of: no ticket {ticket_id}")


class TeamMismatch(StoreError):
    """A team already exists in another commune."""

    def __init__(self, team: str, commune: str) -> None:
        self.team = team
        self.commune = commune
        super().__init__(f"team {team} already exists in commune {commune}")
