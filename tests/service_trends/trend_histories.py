"""Random ticket histories in a small province, every ticket with a team (as the store requires).

Shaped like the library's own trend tests: moments near local midnight, in several zones; windows
that start before, inside or after the tickets; filters mixing units, teams, services and a category.
"""

from __future__ import annotations

import datetime as dt

from hypothesis import strategies as st

from digitransform.domain import (
    LOCAL_TZ,
    Barrier,
    DigitalService,
    PeriodKind,
    ResolutionType,
    Ticket,
    TicketAction,
    TicketEvent,
    TicketHistory,
    TicketState,
    Transition,
    allowed_actions,
    apply_transition,
)
from digitransform.trends import TicketFilter

UTC = dt.UTC
VILLAGES = {"v11": "c1", "v12": "c1", "v21": "c2"}
TEAMS = {"v11": ("t1", "t3"), "v12": ("t1",), "v21": ("t2",)}
BARRIERS = (Barrier.NO_DEVICE, Barrier.LACK_OF_SKILLS, Barrier.FRAUD_SCAM_FEAR, Barrier.POOR_COVERAGE)
SERVICES = (DigitalService.VNEID, DigitalService.E_PAYMENT, DigitalService.PUBLIC_SERVICE_PORTAL)
ZONES = (UTC, LOCAL_TZ, dt.timezone(dt.timedelta(hours=-5)))
FIRST_DAY, LAST_DAY = dt.date(2025, 12, 20), dt.date(2026, 3, 10)


@st.composite
def moments_near(draw: st.DrawFn, day: dt.date) -> dt.datetime:
    midnight = dt.datetime.combine(day, dt.time(), LOCAL_TZ)
    offset = draw(
        st.one_of(
            st.integers(0, 24 * 60 - 1).map(lambda m: dt.timedelta(minutes=m)),
            st.sampled_from(
                (dt.timedelta(0), dt.timedelta(days=1, microseconds=-1), dt.timedelta(hours=6, minutes=30))
            ),
        )
    )
    return (midnight + offset).astimezone(draw(st.sampled_from(ZONES)))


@st.composite
def later(draw: st.DrawFn, previous: dt.datetime) -> dt.datetime:
    step = draw(
        st.one_of(
            st.integers(1, 600).map(lambda m: dt.timedelta(minutes=m)),
            st.integers(1, 45).map(lambda d: dt.timedelta(days=d)),
        )
    )
    return (previous + step).astimezone(draw(st.sampled_from(ZONES)))


@st.composite
def valid_transition(draw: st.DrawFn, state: TicketState) -> Transition:
    action = draw(st.sampled_from(sorted(allowed_actions(state.status), key=lambda a: a.value)))
    if action is TicketAction.RESOLVE:
        return Transition(action, resolution=draw(st.sampled_from(ResolutionType)))
    if action is TicketAction.REJECT:
        return Transition(action, reason="không thuộc phạm vi")
    return Transition(action)


@st.composite
def histories(draw: st.DrawFn, ticket_id: str) -> TicketHistory:
    village = draw(st.sampled_from(sorted(VILLAGES)))
    day = draw(st.dates(FIRST_DAY, LAST_DAY))
    ticket = Ticket(
        id=ticket_id,
        commune=VILLAGES[village],
        village=village,
        categories=draw(st.frozensets(st.sampled_from(BARRIERS), min_size=1, max_size=3)),
        service=draw(st.sampled_from(SERVICES)),
        observed_at=draw(moments_near(day)),
        people_affected=draw(st.integers(1, 5)),
        team=draw(st.sampled_from(TEAMS[village])),
    )
    state = TicketState()
    at = ticket.observed_at
    events = []
    for _ in range(draw(st.integers(0, 6))):
        at = draw(later(at))
        if draw(st.integers(0, 3)) == 0:
            events.append(TicketEvent(at, people_added=draw(st.integers(1, 4))))
        else:
            transition = draw(valid_transition(state))
            state = apply_transition(state, transition, ticket_id=ticket.id)
            events.append(TicketEvent(at, transition=transition))
    return TicketHistory(ticket, events)


def ticket_sets(max_size: int = 8) -> st.SearchStrategy[list[TicketHistory]]:
    """A few tickets with distinct ids."""
    return st.integers(0, max_size).flatmap(
        lambda n: st.tuples(*(histories(f"tk-{i}") for i in range(n))).map(list)
    )


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
