"""Property tests of the trend reference semantics, against a naive per-ticket reference.

The naive reference asks each ticket, at each period's end, what ``state_at`` and ``people_at`` say;
the library's reference walks each ticket once; the delta rows are what the service stores. All
three must agree on random histories, written in any zone and often at local midnight.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Sequence
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

import trend_strategies
from digitransform.domain import (
    PeriodKind,
    Ticket,
    TicketAction,
    TicketHistory,
    local_date,
    local_midnight,
    periods_between,
)
from digitransform.testing import admin_trees, ticket_histories
from digitransform.trends import (
    ALL_CATEGORIES,
    GroupBy,
    TicketFilter,
    backlog_ageing,
    change_deltas,
    daily_deltas,
    fastest_growing,
    merge_deltas,
    resolution_times,
    summary,
    ticket_changes,
    trend_from_deltas,
    unresolved_trend,
)
from digitransform.trends.ageing import AGE_BUCKETS
from trend_strategies import histories, windows

UTC = dt.UTC
TEAMS = (None, "t1", "t2")
HISTORIES = histories({"c1": TEAMS, "c2": TEAMS}, max_events=8, duplicates=True, simultaneous=True)
"""One ticket in the small province, with or without a team, events sometimes at the same moment."""


def ticket_sets(max_size: int = 10) -> st.SearchStrategy[list[TicketHistory]]:
    """A few tickets with distinct ids."""
    return trend_strategies.ticket_sets(HISTORIES, max_size)


def filters() -> st.SearchStrategy[TicketFilter]:
    return trend_strategies.filters(("t1", "t2"))


group_bys = st.sampled_from((None, *GroupBy))


# The naive reference: the semantics as officials would state them, ticket by ticket.


def naive_matches(ticket: Ticket, where: TicketFilter) -> bool:
    return all(
        (
            where.communes is None or ticket.commune in where.communes,
            where.villages is None or ticket.village in where.villages,
            where.teams is None or ticket.team in where.teams,
            where.services is None or ticket.service in where.services,
            where.category is None or where.category in ticket.categories,
        )
    )


def naive_groups(ticket: Ticket, group_by: GroupBy, where: TicketFilter) -> set[str | None]:
    if group_by is GroupBy.CATEGORY:
        return {c.value for c in ticket.categories if where.category in (None, c)}
    one: dict[GroupBy, str | None] = {
        GroupBy.SERVICE: ticket.service.value,
        GroupBy.COMMUNE: ticket.commune,
        GroupBy.VILLAGE: ticket.village,
        GroupBy.TEAM: ticket.team,
    }
    return {one[group_by]}


def naive_points(
    members: Sequence[TicketHistory], kind: PeriodKind, first: dt.date, last: dt.date
) -> list[Any]:
    points = []
    for period in periods_between(kind, first, last):
        end = period.end_moment - dt.timedelta(microseconds=1)
        actions = [e.transition.action for h in members for e in h.events if e.transition and e.at in period]
        waiting = [h for h in members if (s := h.state_at(end)) is not None and s.status.is_unresolved]
        points.append(
            {
                "start": period.start.isoformat(),
                "end": period.end.isoformat(),
                "opened": sum(1 for h in members if h.ticket.observed_at in period),
                "resolved": actions.count(TicketAction.RESOLVE),
                "rejected": actions.count(TicketAction.REJECT),
                "reopened": actions.count(TicketAction.REOPEN),
                "unresolved_at_end": len(waiting),
                "people_affected_unresolved": sum(h.people_at(end) for h in waiting),
            }
        )
    return points


def naive_trend(
    all_histories: Sequence[TicketHistory],
    kind: PeriodKind,
    first: dt.date,
    last: dt.date,
    group_by: GroupBy | None,
    where: TicketFilter,
) -> dict[str, Any]:
    chosen = [h for h in all_histories if naive_matches(h.ticket, where)]
    total: dict[str, Any] = {"group": "total", "points": naive_points(chosen, kind, first, last)}
    if group_by is None:
        series = [total]
    else:
        keys = {k for h in chosen for k in naive_groups(h.ticket, group_by, where)}
        series = []
        for key in sorted(keys, key=lambda k: (k is None, k or "")):
            members = [h for h in chosen if key in naive_groups(h.ticket, group_by, where)]
            points = naive_points(members, kind, first, last)
            if any(v for p in points for name, v in p.items() if name not in ("start", "end")):
                series.append({"group": key, "points": points})
    return {
        "period": kind.value,
        "group_by": None if group_by is None else group_by.value,
        "series": series,
        "total": total,
    }


@given(ticket_sets(), windows(), group_bys, filters())
def test_trend_matches_the_naive_reference(
    tickets: list[TicketHistory],
    window: tuple[PeriodKind, dt.date, dt.date],
    group_by: GroupBy | None,
    where: TicketFilter,
) -> None:
    """The trend equals asking every ticket its state and people at every period's end."""
    kind, first, last = window
    trend = unresolved_trend(tickets, kind, first, last, group_by, where=where)
    assert trend.to_dict() == naive_trend(tickets, kind, first, last, group_by, where)


@given(st.data(), st.sampled_from((PeriodKind.MONTH, PeriodKind.QUARTER, PeriodKind.YEAR)), group_bys)
def test_trend_matches_the_naive_reference_on_the_public_strategy(
    data: st.DataObject, kind: PeriodKind, group_by: GroupBy | None
) -> None:
    """On histories from digitransform.testing (any zone, years apart), trend, deltas and naive agree."""
    tree = data.draw(admin_trees(max_communes=2, max_villages=2))
    tickets = data.draw(st.lists(ticket_histories(tree, max_events=6), max_size=5))
    days = [local_date(m) for h in tickets for m in (h.ticket.observed_at, *(e.at for e in h.events))]
    first = min(days, default=dt.date(2026, 1, 1)) - dt.timedelta(days=data.draw(st.integers(-40, 40)))
    last = max(days, default=first) + dt.timedelta(days=data.draw(st.integers(-40, 40)))
    if last < first:
        first, last = last, first
    trend = unresolved_trend(tickets, kind, first, last, group_by)
    assert trend.to_dict() == naive_trend(tickets, kind, first, last, group_by, TicketFilter())
    assert trend_from_deltas(daily_deltas(tickets), kind, first, last, group_by) == trend


@given(ticket_sets(), windows(), group_bys, filters())
def test_trend_from_deltas_equals_the_reference(
    tickets: list[TicketHistory],
    window: tuple[PeriodKind, dt.date, dt.date],
    group_by: GroupBy | None,
    where: TicketFilter,
) -> None:
    """The trend rebuilt from the per-day delta rows equals the trend from the tickets."""
    kind, first, last = window
    expected = unresolved_trend(tickets, kind, first, last, group_by, where=where)
    assert trend_from_deltas(daily_deltas(tickets), kind, first, last, group_by, where=where) == expected


@given(st.data(), ticket_sets())
def test_deltas_add_up_in_any_order_and_any_split(data: st.DataObject, tickets: list[TicketHistory]) -> None:
    """Merging the rows of each change, in any order and any batches, gives the same table."""
    rows = [r for h in tickets for c in ticket_changes(h) for r in change_deltas(h.ticket, c)]
    shuffled = data.draw(st.permutations(rows))
    cut = data.draw(st.integers(0, len(shuffled)))
    in_batches = merge_deltas((*merge_deltas(shuffled[:cut]), *merge_deltas(shuffled[cut:])))
    assert in_batches == daily_deltas(tickets)
    assert all(not row.is_zero for row in in_batches)


@given(HISTORIES)
def test_running_deltas_are_the_ticket_backlog_membership(history: TicketHistory) -> None:
    """After every change, the summed deltas say whether the ticket waits and how many people with it."""
    backlog = people = 0
    for change in ticket_changes(history):
        rows = change_deltas(history.ticket, change)
        total = [r for r in rows if r.category == ALL_CATEGORIES]
        assert len(rows) in (0, len(history.ticket.categories) + 1)
        assert all(r.counts() == rows[0].counts() for r in rows)
        backlog += sum(r.unresolved_delta for r in total)
        people += sum(r.people_delta for r in total)
        waiting = change.after.status.is_unresolved
        assert backlog == int(waiting)
        assert people == (change.people_after if waiting else 0)


@given(ticket_sets(), windows(), group_bys)
def test_backlog_moves_only_by_its_flows(
    tickets: list[TicketHistory], window: tuple[PeriodKind, dt.date, dt.date], group_by: GroupBy | None
) -> None:
    """Each period's backlog is the previous one plus opened and reopened minus resolved and rejected."""
    kind, first, last = window
    trend = unresolved_trend(tickets, kind, first, last, group_by)
    for series in (*trend.series, trend.total):
        for before, now in zip(series.points, series.points[1:], strict=False):
            flow = now.opened + now.reopened - now.resolved - now.rejected
            assert now.unresolved_at_end == before.unresolved_at_end + flow
            assert now.unresolved_at_end >= 0
            assert now.people_affected_unresolved >= now.unresolved_at_end


@given(ticket_sets(), windows(), st.sampled_from([g for g in GroupBy if g is not GroupBy.CATEGORY]))
def test_groups_other_than_category_partition_the_total(
    tickets: list[TicketHistory], window: tuple[PeriodKind, dt.date, dt.date], group_by: GroupBy
) -> None:
    """Grouped by anything but category, the series add up to the total; by category, to at least it."""
    kind, first, last = window
    for grouping, exact in ((group_by, True), (GroupBy.CATEGORY, False)):
        trend = unresolved_trend(tickets, kind, first, last, grouping)
        for i, point in enumerate(trend.total.points):
            fields = point.to_dict()
            for name in ("opened", "resolved", "unresolved_at_end", "people_affected_unresolved"):
                summed = sum(s.points[i].to_dict()[name] for s in trend.series)
                assert summed == fields[name] if exact else summed >= fields[name]


def naive_age_bucket(days: int) -> str:
    return next(label for label, low, high in AGE_BUCKETS if low <= days and (high is None or days <= high))


@given(ticket_sets(), st.dates(dt.date(2025, 12, 1), dt.date(2026, 6, 1)), group_bys)
def test_ageing_counts_the_backlog_at_the_end_of_a_day(
    tickets: list[TicketHistory], day: dt.date, group_by: GroupBy | None
) -> None:
    """The ageing at a date covers exactly the day's end backlog, each ticket in its age bucket."""
    ageing = backlog_ageing(tickets, day, group_by)
    trend = unresolved_trend(tickets, PeriodKind.DAY, day, day)
    assert ageing.total.tickets == trend.total.points[0].unresolved_at_end
    assert ageing.total.people == trend.total.points[0].people_affected_unresolved
    expected: dict[str, int] = {}
    end = local_midnight(day + dt.timedelta(days=1)) - dt.timedelta(microseconds=1)
    for h in tickets:
        state = h.state_at(end)
        if state is not None and state.status.is_unresolved:
            label = naive_age_bucket((day - local_date(h.ticket.observed_at)).days)
            expected[label] = expected.get(label, 0) + 1
    assert {b.label: b.tickets for b in ageing.total.buckets if b.tickets} == expected
    if group_by is not None and group_by is not GroupBy.CATEGORY:
        assert sum(g.tickets for g in ageing.groups) == ageing.total.tickets


@given(ticket_sets(), windows())
def test_resolution_times_are_the_percentiles_of_each_resolution(
    tickets: list[TicketHistory], window: tuple[PeriodKind, dt.date, dt.date]
) -> None:
    """Median and 90th percentile are those of the waits since observation of the window's resolutions."""
    _, first, last = window
    times = resolution_times(tickets, first, last)
    waits = [
        (e.at - h.ticket.observed_at).total_seconds()
        for h in tickets
        for e in h.events
        if e.transition and e.transition.action is TicketAction.RESOLVE and first <= local_date(e.at) <= last
    ]
    assert times.total.resolved == len(waits)
    if not waits:
        assert times.total.median is None and times.total.p90 is None
        return
    assert times.total.median is not None and times.total.p90 is not None
    median, p90 = times.total.median.total_seconds(), times.total.p90.total_seconds()
    assert abs(median - statistics.median(waits)) < 1e-3
    if len(waits) > 1:
        assert abs(p90 - statistics.quantiles(waits, n=10, method="inclusive")[8]) < 1e-3
    else:
        assert p90 == waits[0]
    assert min(waits) <= median <= p90 <= max(waits)


@given(ticket_sets(), windows(), filters())
def test_summary_agrees_with_the_daily_trend(
    tickets: list[TicketHistory], window: tuple[PeriodKind, dt.date, dt.date], where: TicketFilter
) -> None:
    """The summary's counts are the daily trend's flows summed and its backlog at both ends."""
    _, first, last = window
    headline = summary(tickets, first, last, where=where)
    days = unresolved_trend(tickets, PeriodKind.DAY, first - dt.timedelta(days=1), last, where=where)
    before, *inside = days.total.points
    for name in ("opened", "resolved", "rejected", "reopened"):
        assert getattr(headline, name) == sum(getattr(p, name) for p in inside)
    assert headline.unresolved_at_start == before.unresolved_at_end
    assert headline.unresolved_at_end == inside[-1].unresolved_at_end
    assert headline.people_affected_unresolved == inside[-1].people_affected_unresolved
    rows = [
        r for r in daily_deltas(tickets) if r.category == ALL_CATEGORIES and first <= r.local_date <= last
    ]
    if where == TicketFilter():
        assert headline.people_reported == sum(r.people_reported for r in rows)
        assert headline.resolved_on_the_spot == sum(r.resolved_on_the_spot for r in rows)
    share = headline.on_the_spot_share
    if headline.resolved == 0:
        assert share is None
    else:
        assert share is not None and 0 <= share <= 1


@given(ticket_sets(), windows(), st.integers(1, 4))
def test_fastest_growing_lists_only_growth_largest_first(
    tickets: list[TicketHistory], window: tuple[PeriodKind, dt.date, dt.date], top: int
) -> None:
    """Fastest growing lists at most ``top`` groups that grew, by decreasing increase."""
    kind, first, last = window
    trend = unresolved_trend(tickets, kind, first, last + dt.timedelta(days=62), GroupBy.CATEGORY)
    grown = fastest_growing(trend, top=top)
    assert len(grown) <= top
    assert all(g.change > 0 for g in grown)
    assert [g.change for g in grown] == sorted((g.change for g in grown), reverse=True)
    every = {s.group: s.points[-1].opened - s.points[-2].opened for s in trend.series}
    best = sorted((c for c in every.values() if c > 0), reverse=True)[:top]
    assert [g.change for g in grown] == best
