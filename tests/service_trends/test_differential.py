"""Differential tests: every trend query of the service equals the library's reference functions.

Random histories are written through the store's mutations (so the aggregate is maintained the
real way, in the same transactions), then each query is compared with ``digitransform.trends`` over
the same histories, on SQLite and, when ``FEEDBACK_TEST_POSTGRES_URL`` is set, on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from trend_histories import GROUPINGS, filters, ticket_sets, windows
from trends_store import clear, load

import digitransform.trends as reference
import digitransform.trends.effect as reference_effect
from digitransform.domain import LOCAL_TZ, PeriodKind, TicketHistory
from digitransform.trends import EffectDesign, TicketFilter, daily_deltas
from feedback_service import trends
from feedback_service.auth.scope import within
from feedback_service.interventions.effect import side_figures
from feedback_service.store import Database, Scope
from feedback_service.store.aggregate import trend_days
from trend_strategies import BARRIERS, TREE

EVERYTHING = Scope.everything()
# The store is emptied at the start of every example (run), so sharing it across examples is safe.
SHARED_STORE = settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
MOMENTS = st.datetimes(dt.datetime(2025, 12, 15), dt.datetime(2026, 4, 30), timezones=st.just(LOCAL_TZ))


def run(
    loop: asyncio.AbstractEventLoop,
    db: Database,
    histories: list[TicketHistory],
    *,
    concurrently: bool = False,
) -> None:
    loop.run_until_complete(clear(db))
    loop.run_until_complete(load(db, histories, concurrently=concurrently))


@SHARED_STORE
@given(histories=ticket_sets(), window=windows(), group_by=GROUPINGS, where=filters())
def test_unresolved_trend_equals_the_reference(
    loop: asyncio.AbstractEventLoop,
    store: Database,
    histories: list[TicketHistory],
    window: tuple[PeriodKind, dt.date, dt.date],
    group_by: str | None,
    where: TicketFilter,
) -> None:
    """The trend read from the aggregate equals the library's, for every window, grouping and filter."""
    run(loop, store, histories)
    kind, first, last = window
    got = loop.run_until_complete(
        trends.unresolved_trend(store, EVERYTHING, kind, first, last, group_by, where)
    )
    assert got == reference.unresolved_trend(histories, kind, first, last, group_by, where=where)


@SHARED_STORE
@given(histories=ticket_sets())
def test_aggregate_rows_equal_the_library_deltas(
    loop: asyncio.AbstractEventLoop, store: Database, histories: list[TicketHistory]
) -> None:
    """The fine aggregate table holds exactly daily_deltas(histories) (all-zero rows aside)."""
    run(loop, store, histories)

    async def rows() -> list[tuple[object, ...]]:
        async with store.reading() as conn:
            result = await conn.execute(trend_days.select())
            return sorted(tuple(r) for r in result if any(r[6:]))

    expected = sorted((*d.key, *d.counts()) for d in daily_deltas(histories))
    assert loop.run_until_complete(rows()) == expected


@SHARED_STORE
@given(histories=ticket_sets(max_size=12), window=windows())
def test_concurrent_writes_and_refusals_keep_the_aggregate_exact(
    loop: asyncio.AbstractEventLoop,
    store: Database,
    histories: list[TicketHistory],
    window: tuple[PeriodKind, dt.date, dt.date],
) -> None:
    """Every ticket's history written at once, with refused writes among them, gives the same aggregate.

    On SQLite the writes share transactions (group commit) and a refusal makes its group run again
    write by write; on PostgreSQL they run side by side. Either way, the aggregate is the library's.
    """
    run(loop, store, histories, concurrently=True)

    async def rows() -> list[tuple[object, ...]]:
        async with store.reading() as conn:
            result = await conn.execute(trend_days.select())
            return sorted(tuple(r) for r in result if any(r[6:]))

    assert loop.run_until_complete(rows()) == sorted((*d.key, *d.counts()) for d in daily_deltas(histories))
    kind, first, last = window
    got = loop.run_until_complete(trends.unresolved_trend(store, EVERYTHING, kind, first, last, "category"))
    assert got == reference.unresolved_trend(histories, kind, first, last, "category")


@SHARED_STORE
@given(
    histories=ticket_sets(),
    at=MOMENTS | st.dates(dt.date(2025, 12, 15), dt.date(2026, 4, 30)),
    group_by=GROUPINGS,
    where=filters(),
)
def test_backlog_ageing_equals_the_reference(
    loop: asyncio.AbstractEventLoop,
    store: Database,
    histories: list[TicketHistory],
    at: dt.date | dt.datetime,
    group_by: str | None,
    where: TicketFilter,
) -> None:
    """The ageing at a moment or the end of a local day equals the library's, past moments included."""
    run(loop, store, histories)
    got = loop.run_until_complete(trends.backlog_ageing(store, EVERYTHING, at, group_by, where))
    assert got == reference.backlog_ageing(histories, at, group_by, where=where)


@SHARED_STORE
@given(histories=ticket_sets(), window=windows(), group_by=GROUPINGS, where=filters())
def test_resolution_times_and_summary_equal_the_reference(
    loop: asyncio.AbstractEventLoop,
    store: Database,
    histories: list[TicketHistory],
    window: tuple[PeriodKind, dt.date, dt.date],
    group_by: str | None,
    where: TicketFilter,
) -> None:
    """Resolution times and the headline summary equal the library's for any window and filter."""
    run(loop, store, histories)
    _, first, last = window
    got = loop.run_until_complete(trends.resolution_times(store, EVERYTHING, first, last, group_by, where))
    assert got == reference.resolution_times(histories, first, last, group_by, where=where)
    headline = loop.run_until_complete(trends.summary(store, EVERYTHING, first, last, where))
    assert headline == reference.summary(histories, first, last, where=where)


@SHARED_STORE
@given(histories=ticket_sets(), window=windows(), where=filters())
def test_a_commune_scope_sees_only_its_commune(
    loop: asyncio.AbstractEventLoop,
    store: Database,
    histories: list[TicketHistory],
    window: tuple[PeriodKind, dt.date, dt.date],
    where: TicketFilter,
) -> None:
    """A commune official's trend is the library's trend restricted to that commune, whatever is asked."""
    run(loop, store, histories)
    kind, first, last = window
    scope = Scope(communes=frozenset({"c1"}))
    got = loop.run_until_complete(trends.unresolved_trend(store, scope, kind, first, last, "commune", where))
    narrowed = within(scope, where)
    assert got == reference.unresolved_trend(histories, kind, first, last, "commune", where=narrowed)
    assert all(s.group == "c1" for s in got.series)


@SHARED_STORE
@given(
    histories=ticket_sets(),
    day=st.dates(dt.date(2025, 12, 15), dt.date(2026, 4, 30)),
    where=filters(),
    commune_official=st.booleans(),
)
def test_commune_ranking_equals_the_reference(
    loop: asyncio.AbstractEventLoop,
    store: Database,
    histories: list[TicketHistory],
    day: dt.date,
    where: TicketFilter,
    commune_official: bool,
) -> None:
    """The communes ranked from the aggregate equal the library's ranking of the same backlog."""
    run(loop, store, histories)
    scope = Scope(communes=frozenset({"c1"})) if commune_official else EVERYTHING
    households = {"c1": 300, "c2": 40}
    got = loop.run_until_complete(trends.commune_backlog_ranking(store, scope, day, TREE, households, where))
    narrowed = within(scope, where)
    assert got == reference.commune_backlog_ranking(histories, day, TREE, households, where=narrowed)


@st.composite
def designs(draw: st.DrawFn) -> EffectDesign:
    """An intervention somewhere in the small province, on some of its barriers, around the tickets."""
    units = draw(st.lists(st.sampled_from(("p", "c1", "c2", "v11", "v12", "v21")), min_size=1, unique=True))
    categories = draw(st.lists(st.sampled_from(BARRIERS), min_size=1, unique=True))
    start = draw(st.dates(dt.date(2025, 12, 20), dt.date(2026, 3, 20)))
    return EffectDesign.of(TREE, {"c1": 300, "c2": 40}, units, categories, start, draw(st.integers(1, 3)))


@SHARED_STORE
@given(histories=ticket_sets(), design=designs())
def test_intervention_figures_equal_the_reference(
    loop: asyncio.AbstractEventLoop, store: Database, histories: list[TicketHistory], design: EffectDesign
) -> None:
    """Both sides' figures of an effect read from the store equal the library's from the histories."""
    run(loop, store, histories)
    for side in (design.target, design.baseline):
        if side is not None:
            got = loop.run_until_complete(side_figures(store, design, side))
            assert got == reference_effect.side_figures(histories, design, side)
