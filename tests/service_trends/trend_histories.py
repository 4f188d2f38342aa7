"""Random ticket histories in a small province, every ticket with a team (as the store requires).

The small province of ``tests/trend_strategies.py`` (shared with the library's trend tests), with the
teams the store knows: moments near local midnight, in several zones; windows that start before,
inside or after the tickets; filters mixing units, teams, services and a category.
"""

from __future__ import annotations

import attrs
from hypothesis import strategies as st

import trend_strategies
from digitransform.domain import TicketHistory
from digitransform.trends import TicketFilter
from trend_strategies import histories, windows

__all__ = ["GROUPINGS", "filters", "ticket_sets", "windows"]

TEAMS = {"c1": ("t1", "t3"), "c2": ("t2",)}


def _storable(history: TicketHistory) -> TicketHistory:
    """The history with no NUL in its description: PostgreSQL's text cannot hold one, and the API
    refuses one with a 422 before it reaches the store (``api/body.py``)."""
    ticket = history.ticket
    return attrs.evolve(
        history, ticket=attrs.evolve(ticket, description=ticket.description.replace("\x00", "?"))
    )


# No duplicate_of: the store refuses one naming a ticket it does not hold.
HISTORIES = histories(TEAMS, max_events=6, duplicates=False, simultaneous=False).map(_storable)
"""One ticket of the small province, every one with a team (as the store requires)."""


def ticket_sets(max_size: int = 8) -> st.SearchStrategy[list[TicketHistory]]:
    """A few tickets with distinct ids."""
    return trend_strategies.ticket_sets(HISTORIES, max_size)


def filters() -> st.SearchStrategy[TicketFilter]:
    return trend_strategies.filters(("t1", "t2", "t3"))


GROUPINGS = st.sampled_from((None, "category", "service", "commune", "village", "team"))
