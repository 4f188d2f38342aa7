"""Random ticket histories in a small province, every ticket with a team (as the store requires).

The library's strategy (:func:`digitransform.testing.ticket_histories`), narrowed as the library's own
trend tests narrow it: moments near local midnight, in several zones; windows that start before,
inside or after the tickets; filters mixing units, teams, services and a category.
"""

from __future__ import annotations

import datetime as dt

import attrs
from hypothesis import strategies as st

from digitransform.domain import (
    AdminLevel,
    AdminTree,
    AdminUnit,
    Barrier,
    DigitalService,
    PeriodKind,
    TicketHistory,
)
from digitransform.testing import moments, ticket_histories
from digitransform.trends import TicketFilter

VILLAGES = {"v11": "c1", "v12": "c1", "v21": "c2"}
TREE = AdminTree.from_units(
    [
        AdminUnit("p", "Tỉnh", AdminLevel.PROVINCE),
        *(AdminUnit(c, f"Xã {c}", AdminLevel.COMMUNE, "p") for c in sorted(set(VILLAGES.values()))),
        *(AdminUnit(v, f"Ấp {v}", AdminLevel.VILLAGE, c) for v, c in VILLAGES.items()),
    ]
)
TEAMS = {"c1": ("t1", "t3"), "c2": ("t2",)}
BARRIERS = (Barrier.NO_DEVICE, Barrier.LACK_OF_SKILLS, Barrier.FRAUD_SCAM_FEAR, Barrier.POOR_COVERAGE)
SERVICES = (DigitalService.VNEID, DigitalService.E_PAYMENT, DigitalService.PUBLIC_SERVICE_PORTAL)


def _storable(history: TicketHistory) -> TicketHistory:
    """The history with no NUL in its description: PostgreSQL's text cannot hold one, and the API
    refuses one with a 422 before it reaches the store (``api/body.py``)."""
    ticket = history.ticket
    return attrs.evolve(
        history, ticket=attrs.evolve(ticket, description=ticket.description.replace("\x00", "?"))
    )


HISTORIES = ticket_histories(
    TREE,
    max_events=6,
    observed=moments(dt.datetime(2025, 12, 20), dt.datetime(2026, 3, 10)),
    categories=BARRIERS,
    services=SERVICES,
    teams=TEAMS,
    duplicates=False,  # the store refuses a duplicate_of naming a ticket it does not hold
).map(_storable)
"""The library's ticket histories, narrowed to a small province in which every ticket has a team."""


def ticket_sets(max_size: int = 8) -> st.SearchStrategy[list[TicketHistory]]:
    """A few tickets with distinct ids."""
    return st.lists(HISTORIES, max_size=max_size, unique_by=lambda h: h.ticket.id)


@st.composite
def windows(draw: st.DrawFn) -> tuple[PeriodKind, dt.date, dt.date]:
    kind = draw(st.sampled_from((PeriodKind.DAY, PeriodKind.WEEK, PeriodKind.MONTH)))
    first = draw(st.dates(dt.date(2025, 12, 10), dt.date(2026, 3, 1)))
    span = {PeriodKind.DAY: 60, PeriodKind.WEEK: 120, PeriodKind.MONTH: 150}[kind]
    return kind, first, first + dt.timedelta(days=draw(st.integers(0, span)))


def filters() -> st.SearchStrategy[TicketFilter]:
    categories = st.sampled_from(BARRIERS)
    communes = st.frozensets(st.sampled_from(("c1", "c2")), min_size=1)
    return st.one_of(
        st.just(TicketFilter()),
        categories.map(lambda c: TicketFilter(category=c)),
        st.builds(TicketFilter, communes=communes, category=st.none() | categories),
        st.builds(
            TicketFilter,
            communes=st.none() | communes,
            villages=st.none() | st.frozensets(st.sampled_from(sorted(VILLAGES)), min_size=1),
            teams=st.none() | st.frozensets(st.sampled_from(("t1", "t2", "t3")), min_size=1),
            services=st.none() | st.frozensets(st.sampled_from(SERVICES), min_size=1),
            category=st.none() | categories,
        ),
    )


GROUPINGS = st.sampled_from((None, "category", "service", "commune", "village", "team"))
