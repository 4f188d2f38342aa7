"""The small province the trend tests draw tickets in, and the windows and filters they ask about.

Shared by the library's trend tests (``tests/test_trends.py``) and the service's differential tests
(``tests/service_trends``): the library's own ticket strategy,
:func:`digitransform.testing.ticket_histories`, narrowed to three villages, four barriers and three
services, with moments around 2026-01-01, so that windows drawn here see tickets before, in and
after them and filters by unit, team, service and category match some tickets and miss others.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

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

__all__ = ["BARRIERS", "SERVICES", "TREE", "VILLAGES", "filters", "histories", "ticket_sets", "windows"]

VILLAGES = {"v11": "c1", "v12": "c1", "v21": "c2"}
TREE = AdminTree.from_units(
    [
        AdminUnit("p", "Tỉnh", AdminLevel.PROVINCE),
        *(AdminUnit(c, f"Xã {c}", AdminLevel.COMMUNE, "p") for c in sorted(set(VILLAGES.values()))),
        *(AdminUnit(v, f"Ấp {v}", AdminLevel.VILLAGE, c) for v, c in VILLAGES.items()),
    ]
)
BARRIERS = (Barrier.NO_DEVICE, Barrier.LACK_OF_SKILLS, Barrier.FRAUD_SCAM_FEAR, Barrier.POOR_COVERAGE)
SERVICES = (DigitalService.VNEID, DigitalService.E_PAYMENT, DigitalService.PUBLIC_SERVICE_PORTAL)


def histories(
    teams: Mapping[str, Sequence[str | None]], *, max_events: int, duplicates: bool, simultaneous: bool
) -> st.SearchStrategy[TicketHistory]:
    """One ticket of the province with its events; ``teams`` by commune code."""
    return ticket_histories(
        TREE,
        max_events=max_events,
        observed=moments(dt.datetime(2025, 12, 20), dt.datetime(2026, 3, 10)),
        categories=BARRIERS,
        services=SERVICES,
        teams=teams,
        duplicates=duplicates,
        simultaneous=simultaneous,
    )


def ticket_sets(
    history: st.SearchStrategy[TicketHistory], max_size: int
) -> st.SearchStrategy[list[TicketHistory]]:
    """A few tickets with distinct ids."""
    return st.lists(history, max_size=max_size, unique_by=_ticket_id)


def _ticket_id(history: TicketHistory) -> str:
    return history.ticket.id


@st.composite
def windows(draw: st.DrawFn) -> tuple[PeriodKind, dt.date, dt.date]:
    """A period kind and a window that may start before or after the tickets."""
    kind = draw(st.sampled_from((PeriodKind.DAY, PeriodKind.WEEK, PeriodKind.MONTH)))
    first = draw(st.dates(dt.date(2025, 12, 10), dt.date(2026, 3, 1)))
    span = {PeriodKind.DAY: 60, PeriodKind.WEEK: 120, PeriodKind.MONTH: 150}[kind]
    return kind, first, first + dt.timedelta(days=draw(st.integers(0, span)))


def filters(teams: Sequence[str]) -> st.SearchStrategy[TicketFilter]:
    """No filter, a category alone, a commune with a category, or any mix of fields."""
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
            teams=st.none() | st.frozensets(st.sampled_from(teams), min_size=1),
            services=st.none() | st.frozensets(st.sampled_from(SERVICES), min_size=1),
            category=st.none() | categories,
        ),
    )
