"""Named examples of the trend semantics: the traps officials and the service must not fall into."""

from __future__ import annotations

import datetime as dt

import pytest

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
    Transition,
)
from digitransform.trends import (
    ALL_CATEGORIES,
    NO_TEAM,
    GroupBy,
    TicketFilter,
    backlog_ageing,
    daily_deltas,
    fastest_growing,
    resolution_times,
    summary,
    trend_from_deltas,
    unresolved_trend,
)

UTC = dt.UTC
RESOLVE = Transition(TicketAction.RESOLVE, resolution=ResolutionType.FOLLOW_UP)
ON_THE_SPOT = Transition(TicketAction.RESOLVE, resolution=ResolutionType.ON_THE_SPOT)
REJECT = Transition(TicketAction.REJECT, reason="không thuộc phạm vi")
REOPEN = Transition(TicketAction.REOPEN)


def ticket(
    observed_at: dt.datetime,
    *,
    id: str = "tk-1",
    categories: frozenset[Barrier] = frozenset({Barrier.NO_DEVICE}),
    commune: str = "c1",
    village: str = "v11",
    people: int = 1,
    team: str | None = None,
) -> Ticket:
    return Ticket(
        id=id,
        commune=commune,
        village=village,
        categories=categories,
        service=DigitalService.VNEID,
        observed_at=observed_at,
        people_affected=people,
        team=team,
    )


def at(day: str, hour: int = 10) -> dt.datetime:
    """A local moment on ``day``."""
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour), LOCAL_TZ)


def both_ways(histories: list[TicketHistory], *args: object, **kwargs: object) -> dict[str, object]:
    """The trend from the tickets, checked to equal the one from the delta rows."""
    trend = unresolved_trend(histories, *args, **kwargs)  # type: ignore[arg-type]
    assert trend_from_deltas(daily_deltas(histories), *args, **kwargs) == trend  # type: ignore[arg-type]
    return trend.to_dict()


def test_late_evening_utc_on_sunday_opens_on_monday_in_the_next_iso_week() -> None:
    """A ticket observed at 23:30 UTC on Sunday is Monday in Vietnam, so it opens in the next ISO week."""
    sunday_night = dt.datetime(2026, 1, 11, 23, 30, tzinfo=UTC)  # 06:30 on Monday 12 January, local
    history = TicketHistory(ticket(sunday_night))
    weeks = both_ways([history], PeriodKind.WEEK, dt.date(2026, 1, 5), dt.date(2026, 1, 18))
    points = weeks["total"]["points"]  # type: ignore[index]
    assert [(p["start"], p["opened"], p["unresolved_at_end"]) for p in points] == [
        ("2026-01-05", 0, 0),
        ("2026-01-12", 1, 1),
    ]
    days = both_ways([history], "day", dt.date(2026, 1, 11), dt.date(2026, 1, 12))
    assert [p["opened"] for p in days["total"]["points"]] == [0, 1]  # type: ignore[index]


def test_one_microsecond_before_local_midnight_stays_on_sunday() -> None:
    """A ticket observed at 16:59:59.999999 UTC on Sunday is still Sunday in Vietnam, in that ISO week."""
    history = TicketHistory(ticket(dt.datetime(2026, 1, 11, 16, 59, 59, 999999, tzinfo=UTC)))
    weeks = both_ways([history], "week", dt.date(2026, 1, 5), dt.date(2026, 1, 18))
    assert [p["opened"] for p in weeks["total"]["points"]] == [1, 0]  # type: ignore[index]


def test_a_reopened_ticket_re_enters_the_backlog_at_its_reopen_time_with_its_people() -> None:
    """Resolve then reopen: the ticket leaves the backlog and comes back, with occurrences made meanwhile."""
    history = TicketHistory(
        ticket(at("2026-01-05"), people=2),
        [
            TicketEvent(at("2026-01-13"), transition=RESOLVE),
            TicketEvent(at("2026-01-14"), people_added=3),  # a neighbour has the same difficulty
            TicketEvent(at("2026-01-21"), transition=REOPEN),
        ],
    )
    weeks = both_ways([history], "week", dt.date(2026, 1, 5), dt.date(2026, 1, 25))
    points = weeks["total"]["points"]  # type: ignore[index]
    assert [(p["resolved"], p["reopened"], p["unresolved_at_end"]) for p in points] == [
        (0, 0, 1),
        (1, 0, 0),
        (0, 1, 1),
    ]
    assert [p["people_affected_unresolved"] for p in points] == [2, 0, 5]
    assert backlog_ageing([history], dt.date(2026, 1, 25)).total.oldest_days == 20


def test_resolve_and_reopen_on_the_same_day_both_count_and_the_ticket_stays_in_the_backlog() -> None:
    """Every action counts in its flow, while the backlog shows only where the day ended."""
    history = TicketHistory(
        ticket(at("2026-01-05")),
        [
            TicketEvent(at("2026-01-06", 9), transition=RESOLVE),
            TicketEvent(at("2026-01-06", 15), transition=REOPEN),
        ],
    )
    days = both_ways([history], "day", dt.date(2026, 1, 6), dt.date(2026, 1, 6))
    point = days["total"]["points"][0]  # type: ignore[index]
    assert (point["resolved"], point["reopened"], point["unresolved_at_end"]) == (1, 1, 1)


def test_a_rejected_ticket_is_never_counted_as_resolved() -> None:
    """Rejecting takes a ticket out of the backlog but never into resolutions or resolution times."""
    history = TicketHistory(ticket(at("2026-01-05")), [TicketEvent(at("2026-01-07"), transition=REJECT)])
    weeks = both_ways([history], "week", dt.date(2026, 1, 5), dt.date(2026, 1, 11))
    point = weeks["total"]["points"][0]  # type: ignore[index]
    assert (point["opened"], point["resolved"], point["rejected"], point["unresolved_at_end"]) == (1, 0, 1, 0)
    times = resolution_times([history], dt.date(2026, 1, 1), dt.date(2026, 1, 31))
    assert times.total.resolved == 0 and times.total.median is None
    headline = summary([history], dt.date(2026, 1, 1), dt.date(2026, 1, 31))
    assert (headline.resolved, headline.rejected, headline.on_the_spot_share) == (0, 1, None)


def test_a_ticket_with_two_categories_counts_in_each_and_once_in_the_total() -> None:
    """Two barriers: one in each barrier's series, one in the total, one when filtered by either barrier."""
    two = frozenset({Barrier.NO_DEVICE, Barrier.AGE_FEAR_LOW_CONFIDENCE})
    histories = [
        TicketHistory(ticket(at("2026-01-05"), categories=two, people=4)),
        TicketHistory(ticket(at("2026-01-06"), id="tk-2", commune="c2", village="v21")),
    ]
    by_category = both_ways(histories, "week", dt.date(2026, 1, 5), dt.date(2026, 1, 11), "category")
    ends = {s["group"]: s["points"][0]["unresolved_at_end"] for s in by_category["series"]}  # type: ignore[attr-defined]
    assert ends == {"age_fear_low_confidence": 1, "no_device": 2}
    assert by_category["total"]["points"][0]["unresolved_at_end"] == 2  # type: ignore[index]
    assert by_category["total"]["points"][0]["people_affected_unresolved"] == 5  # type: ignore[index]

    only_age = TicketFilter(category=Barrier.AGE_FEAR_LOW_CONFIDENCE)
    filtered = both_ways(
        histories, "week", dt.date(2026, 1, 5), dt.date(2026, 1, 11), "category", where=only_age
    )
    assert [s["group"] for s in filtered["series"]] == ["age_fear_low_confidence"]  # type: ignore[attr-defined]
    by_commune = both_ways(
        histories, "week", dt.date(2026, 1, 5), dt.date(2026, 1, 11), "commune", where=only_age
    )
    assert [(s["group"], s["points"][0]["opened"]) for s in by_commune["series"]] == [("c1", 1)]  # type: ignore[attr-defined]
    no_device = TicketFilter(category=Barrier.NO_DEVICE)
    by_commune = both_ways(
        histories, "week", dt.date(2026, 1, 5), dt.date(2026, 1, 11), "commune", where=no_device
    )
    assert by_commune["total"]["points"][0]["opened"] == 2  # type: ignore[index]

    rows = daily_deltas(histories[:1])
    assert sorted(r.category for r in rows) == [ALL_CATEGORIES, "age_fear_low_confidence", "no_device"]
    assert all((r.opened, r.people_delta, r.team) == (1, 4, NO_TEAM) for r in rows)


def test_tickets_without_a_team_form_the_null_group_and_drop_out_of_a_team_filter() -> None:
    """Tickets without a team form the ``None`` group, listed last; a team filter leaves them out."""
    histories = [
        TicketHistory(ticket(at("2026-01-05"))),
        TicketHistory(ticket(at("2026-01-05"), id="tk-2", team="t1")),
    ]
    by_team = both_ways(histories, "month", dt.date(2026, 1, 1), dt.date(2026, 1, 31), GroupBy.TEAM)
    assert [s["group"] for s in by_team["series"]] == ["t1", None]  # type: ignore[attr-defined]
    only_t1 = both_ways(
        histories, "month", dt.date(2026, 1, 1), dt.date(2026, 1, 31), where=TicketFilter(teams="t1")
    )
    assert only_t1["total"]["points"][0]["opened"] == 1  # type: ignore[index]


def test_the_backlog_carried_into_the_window_comes_from_earlier_events() -> None:
    """A ticket observed before the window is in its backlog, but not in its opened count."""
    history = TicketHistory(ticket(at("2025-11-20")), [TicketEvent(at("2026-01-08"), transition=ON_THE_SPOT)])
    weeks = both_ways([history], "week", dt.date(2026, 1, 5), dt.date(2026, 1, 11))
    point = weeks["total"]["points"][0]  # type: ignore[index]
    assert (point["opened"], point["resolved"], point["unresolved_at_end"]) == (0, 1, 0)
    headline = summary([history], dt.date(2026, 1, 1), dt.date(2026, 1, 31))
    assert (headline.unresolved_at_start, headline.unresolved_at_end, headline.on_the_spot_share) == (
        1,
        0,
        1.0,
    )


@pytest.mark.parametrize(
    ("days", "bucket"),
    [
        (0, "0-7"),
        (7, "0-7"),
        (8, "8-30"),
        (30, "8-30"),
        (31, "31-90"),
        (90, "31-90"),
        (91, ">90"),
        (400, ">90"),
    ],
)
def test_ageing_buckets_have_inclusive_day_boundaries(days: int, bucket: str) -> None:
    """Seven days waiting is still "0-7", eight is "8-30"; 30/31 and 90/91 split the same way."""
    observed = dt.datetime(2026, 1, 1, 23, 30, tzinfo=UTC)  # 2 January in Vietnam
    history = TicketHistory(ticket(observed))
    ageing = backlog_ageing([history], dt.date(2026, 1, 2) + dt.timedelta(days=days))
    assert [b.label for b in ageing.total.buckets if b.tickets] == [bucket]
    assert ageing.total.oldest_days == days


def test_ageing_at_a_moment_includes_events_at_exactly_that_moment() -> None:
    """A ticket resolved at exactly ``at`` is no longer in the backlog at ``at``."""
    history = TicketHistory(ticket(at("2026-01-05")), [TicketEvent(at("2026-01-09"), transition=RESOLVE)])
    assert backlog_ageing([history], at("2026-01-09")).total.tickets == 0
    assert backlog_ageing([history], at("2026-01-09") - dt.timedelta(microseconds=1)).total.tickets == 1


def test_resolution_times_interpolate_like_percentile_cont() -> None:
    """Waits of 1 to 10 days give a median of 5.5 days and a 90th percentile of 9.1 days."""
    histories = [
        TicketHistory(
            ticket(at("2026-01-01"), id=f"tk-{n}"),
            [TicketEvent(at("2026-01-01") + dt.timedelta(days=n), transition=RESOLVE)],
        )
        for n in range(1, 11)
    ]
    times = resolution_times(histories, dt.date(2026, 1, 1), dt.date(2026, 1, 31))
    assert times.to_dict()["total"] == {
        "group": "total",
        "resolved": 10,
        "on_the_spot": 0,
        "median_days": 5.5,
        "p90_days": 9.1,
    }


def test_resolution_time_runs_from_observation_even_after_a_reopen() -> None:
    """The second resolution of a reopened ticket is measured from when the citizen met the difficulty."""
    history = TicketHistory(
        ticket(at("2026-01-01")),
        [
            TicketEvent(at("2026-01-03"), transition=RESOLVE),
            TicketEvent(at("2026-01-20"), transition=REOPEN),
            TicketEvent(at("2026-01-21"), transition=RESOLVE),
        ],
    )
    times = resolution_times([history], dt.date(2026, 1, 10), dt.date(2026, 1, 31))
    assert (times.total.resolved, times.total.median) == (1, dt.timedelta(days=20))


def test_fastest_growing_ranks_by_absolute_increase() -> None:
    """Forty becoming sixty outranks one becoming three, and shrinking categories are not listed."""
    start = at("2026-01-05")
    counts = {Barrier.NO_DEVICE: (40, 60), Barrier.FRAUD_SCAM_FEAR: (1, 3), Barrier.LACK_OF_SKILLS: (5, 2)}
    histories = []
    for barrier, (before, after) in counts.items():
        for week, how_many in enumerate((before, after)):
            for n in range(how_many):
                observed = start + dt.timedelta(days=7 * week)
                histories.append(
                    TicketHistory(
                        ticket(observed, id=f"{barrier.value}-{week}-{n}", categories=frozenset({barrier}))
                    )
                )
    trend = unresolved_trend(histories, "week", dt.date(2026, 1, 5), dt.date(2026, 1, 12), "category")
    grown = fastest_growing(trend, top=5)
    assert [(g.group, g.previous, g.current, g.change) for g in grown] == [
        ("no_device", 40, 60, 20),
        ("fraud_scam_fear", 1, 3, 2),
    ]
    assert grown[1].to_dict()["ratio"] == 3.0


def test_the_wire_shape_matches_the_issue() -> None:
    """``to_dict`` gives the JSON of GET /api/v1/trends/unresolved: period, group_by, series of points."""
    history = TicketHistory(ticket(at("2026-01-06"), people=3))
    shape = unresolved_trend(
        [history], "week", dt.date(2026, 1, 5), dt.date(2026, 1, 11), "category"
    ).to_dict()
    assert shape == {
        "period": "week",
        "group_by": "category",
        "series": [
            {
                "group": "no_device",
                "points": [
                    {
                        "start": "2026-01-05",
                        "end": "2026-01-11",
                        "opened": 1,
                        "resolved": 0,
                        "rejected": 0,
                        "reopened": 0,
                        "unresolved_at_end": 1,
                        "people_affected_unresolved": 3,
                    }
                ],
            }
        ],
        "total": {"group": "total", "points": shape["series"][0]["points"]},
    }


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: unresolved_trend([], "fortnight", dt.date(2026, 1, 1), dt.date(2026, 1, 2)),
            "period: 'fortnight'",
        ),
        (
            lambda: unresolved_trend([], "range", dt.date(2026, 1, 1), dt.date(2026, 1, 2)),
            "cannot cut a trend",
        ),
        (
            lambda: unresolved_trend([], "day", dt.date(2026, 1, 1), dt.date(2026, 1, 2), "province"),
            "group_by",
        ),
        (lambda: unresolved_trend([], "day", dt.date(2026, 1, 2), dt.date(2026, 1, 1)), "precedes"),
        (lambda: resolution_times([], dt.date(2026, 1, 2), dt.date(2026, 1, 1)), "precedes"),
        (lambda: backlog_ageing([], dt.datetime(2026, 1, 1)), "timezone-aware"),
    ],
)
def test_bad_arguments_say_what_is_wrong(call: object, message: str) -> None:
    """A wrong period, grouping, window or naive moment is refused with a message naming it."""
    with pytest.raises(ValueError, match=message):
        call()  # type: ignore[operator]
