"""Periods: parsing, calendar arithmetic, and bucketing moments by their local date in Vietnam."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from digitransform.domain import (
    LOCAL_TZ,
    Period,
    PeriodKind,
    local_date,
    local_midnight,
    periods_between,
    week_start,
)
from digitransform.testing import local_midnights, moments, periods

K = PeriodKind
UTC = dt.UTC
CALENDAR = [k for k in PeriodKind if k is not K.RANGE]
D = dt.date


@pytest.mark.parametrize(
    ("text", "start", "end", "kind"),
    [
        ("2025", D(2025, 1, 1), D(2025, 12, 31), K.YEAR),
        ("2025-Q3", D(2025, 7, 1), D(2025, 9, 30), K.QUARTER),
        ("2025-Q1", D(2025, 1, 1), D(2025, 3, 31), K.QUARTER),
        ("2025-07", D(2025, 7, 1), D(2025, 7, 31), K.MONTH),
        ("2024-02", D(2024, 2, 1), D(2024, 2, 29), K.MONTH),
        ("2025-W07", D(2025, 2, 10), D(2025, 2, 16), K.WEEK),
        ("2025-W01", D(2024, 12, 30), D(2025, 1, 5), K.WEEK),
        ("2020-W53", D(2020, 12, 28), D(2021, 1, 3), K.WEEK),
        ("2026-W53", D(2026, 12, 28), D(2027, 1, 3), K.WEEK),
        ("2025-07-14", D(2025, 7, 14), D(2025, 7, 14), K.DAY),
        (" 2025-Q3 ", D(2025, 7, 1), D(2025, 9, 30), K.QUARTER),
        ("9999", D(9999, 1, 1), D(9999, 12, 31), K.YEAR),
        ("9999-Q4", D(9999, 10, 1), D(9999, 12, 31), K.QUARTER),
        ("9999-12", D(9999, 12, 1), D(9999, 12, 31), K.MONTH),
    ],
)
def test_parse_examples(text: str, start: dt.date, end: dt.date, kind: PeriodKind) -> None:
    """Each written form parses to its calendar span and kind."""
    assert Period.parse(text) == Period(start, end, kind)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "25",
        "2025-Q5",
        "2025-Q0",
        "2025-13",
        "2025-00",
        "2025-W00",
        "2025-W54",
        "2021-W53",
        "2025/07",
        "2025-02-30",
        "9999-W52",
        "\uff12\uff10\uff12\uff15",
    ],
)
def test_invalid_periods_are_refused_naming_the_text(text: str) -> None:
    """A malformed or impossible period is refused with the text quoted."""
    with pytest.raises(ValueError, match=f"invalid period {text.strip()!r}"):
        Period.parse(text)


@given(periods(CALENDAR))
def test_calendar_periods_round_trip_through_text(period: Period) -> None:
    """Writing a calendar period and parsing it back gives the same period."""
    assert Period.parse(str(period)) == period


@given(periods())
def test_periods_are_consistent(period: Period) -> None:
    """A period contains its first and last day, spans its days, and borders its neighbours."""
    assert period.start in period and period.end in period
    assert period.start - dt.timedelta(days=1) not in period
    assert period.end + dt.timedelta(days=1) not in period
    assert period.days == (period.end - period.start).days + 1
    assert period.end_moment - period.start_moment == dt.timedelta(days=period.days)
    if period.kind is not K.RANGE:
        assert period.next().start == period.end + dt.timedelta(days=1)
        assert period.previous().end == period.start - dt.timedelta(days=1)
        assert period.next().previous() == period
        assert Period.containing(period.kind, period.end) == period


@given(moments(), st.sampled_from(CALENDAR))
def test_a_moment_falls_in_the_period_of_its_local_date(moment: dt.datetime, kind: PeriodKind) -> None:
    """The period containing a moment starts at or before it and ends after it, in local time."""
    period = Period.containing(kind, moment)
    assert period.start_moment <= moment < period.end_moment
    assert moment in period
    assert local_date(moment) == moment.astimezone(LOCAL_TZ).date()


@given(local_midnights())
def test_local_midnight_starts_a_new_day(moment: dt.datetime) -> None:
    """A moment a microsecond before local midnight is on the previous local day."""
    day = Period.containing(K.DAY, moment)
    earlier = moment - dt.timedelta(microseconds=1)
    if moment == day.start_moment:
        assert Period.containing(K.DAY, earlier) == day.previous()
    else:
        assert Period.containing(K.DAY, earlier) in (day, day.previous())


def test_late_sunday_utc_is_monday_in_vietnam() -> None:
    """23:30 UTC on a Sunday is 06:30 Monday in Vietnam: the next local day and the next ISO week."""
    sunday_late = dt.datetime(2025, 7, 13, 23, 30, tzinfo=UTC)
    assert sunday_late.weekday() == 6
    assert local_date(sunday_late) == D(2025, 7, 14)
    assert Period.containing(K.DAY, sunday_late) == Period.parse("2025-07-14")
    assert Period.containing(K.WEEK, sunday_late) == Period.parse("2025-W29")
    assert sunday_late in Period.parse("2025-W29")
    assert sunday_late not in Period.parse("2025-W28")


def test_new_year_eve_in_utc_is_new_year_locally() -> None:
    """17:00 UTC on 31 December is midnight on 1 January locally: next day, month, quarter and year."""
    moment = dt.datetime(2025, 12, 31, 17, 0, tzinfo=UTC)
    assert str(Period.containing(K.YEAR, moment)) == "2026"
    assert str(Period.containing(K.QUARTER, moment)) == "2026-Q1"
    assert str(Period.containing(K.MONTH, moment - dt.timedelta(microseconds=1))) == "2025-12"


def test_naive_moments_are_refused() -> None:
    """A moment without a timezone has no local date."""
    with pytest.raises(ValueError, match="must be timezone-aware"):
        local_date(dt.datetime(2025, 7, 1, 12, 0))
    with pytest.raises(ValueError, match="must be timezone-aware"):
        _ = dt.datetime(2025, 7, 1, 12, 0) in Period.parse("2025-07")


def test_end_before_start_is_refused() -> None:
    """A period whose end precedes its start cannot be built, and the error gives both dates."""
    with pytest.raises(ValueError, match="period end 2025-01-01 precedes its start 2025-02-01"):
        Period(D(2025, 2, 1), D(2025, 1, 1))
    with pytest.raises(ValueError, match="precedes its start"):
        list(periods_between(K.MONTH, D(2025, 2, 1), D(2025, 1, 1)))


def test_a_calendar_kind_must_match_its_span() -> None:
    """A span labelled as a week must be a Monday-to-Sunday ISO week."""
    with pytest.raises(ValueError, match="is not a calendar week"):
        Period(D(2025, 1, 1), D(2025, 1, 7), K.WEEK)


def test_ranges_have_no_calendar_neighbours() -> None:
    """A free range prints as start..end and has no natural next or containing period."""
    span = Period(D(2025, 7, 1), D(2025, 7, 10))
    assert span.kind is K.RANGE
    assert str(span) == "2025-07-01..2025-07-10"
    with pytest.raises(ValueError, match="a range has no"):
        span.next()
    with pytest.raises(ValueError, match="a range has no"):
        Period.containing(K.RANGE, D(2025, 7, 1))


def test_only_dates_and_moments_are_in_a_period() -> None:
    """Asking whether something other than a date is in a period answers no."""
    assert "2025-07-01" not in Period.parse("2025-07")


def test_periods_sort_by_start() -> None:
    """Periods order by their span, so reports list them chronologically."""
    months = [Period.parse(t) for t in ("2025-03", "2025-01", "2025-02")]
    assert [str(p) for p in sorted(months)] == ["2025-01", "2025-02", "2025-03"]


def test_periods_between_examples() -> None:
    """Periods between two dates include the partial periods at both ends."""
    months = list(periods_between(K.MONTH, D(2025, 1, 15), D(2025, 3, 1)))
    assert [str(p) for p in months] == ["2025-01", "2025-02", "2025-03"]
    weeks = list(periods_between(K.WEEK, D(2020, 12, 25), D(2021, 1, 4)))
    assert [str(p) for p in weeks] == ["2020-W52", "2020-W53", "2021-W01"]
    assert [str(p) for p in periods_between(K.DAY, D(2025, 7, 1), D(2025, 7, 1))] == ["2025-07-01"]


@given(st.sampled_from(CALENDAR), st.dates(D(1990, 1, 1), D(2100, 12, 31)), st.integers(0, 120))
def test_periods_between_tiles_the_span(kind: PeriodKind, first: dt.date, days: int) -> None:
    """Periods between two dates are consecutive, cover both dates, and leave no gap."""
    last = first + dt.timedelta(days=days)
    found = list(periods_between(kind, first, last))
    assert first in found[0] and last in found[-1]
    assert all(a.next() == b for a, b in itertools.pairwise(found))
    assert all(p.kind is kind for p in found)


@given(st.integers(1990, 2100))
def test_iso_week_53_exists_exactly_in_long_years(year: int) -> None:
    """The last ISO week of a year is its week 52 or 53, and week 53 parses only when it exists."""
    last_week = Period.containing(K.WEEK, D(year, 12, 28))
    weeks_in_year = D(year, 12, 28).isocalendar().week
    assert str(last_week) == f"{year}-W{weeks_in_year}"
    if weeks_in_year == 53:
        assert Period.parse(f"{year}-W53") == last_week
    else:
        with pytest.raises(ValueError, match="invalid period"):
            Period.parse(f"{year}-W53")


def test_periods_strategy_needs_a_kind() -> None:
    """Asking the periods strategy for no kind at all is an error, not an empty strategy."""
    with pytest.raises(ValueError, match="kinds is empty"):
        periods([])


@given(st.dates(D(2000, 1, 2), D(2099, 12, 31)))
def test_local_midnight_is_the_first_moment_of_the_local_day(day: dt.date) -> None:
    """The day's first moment is 00:00 in Vietnam (17:00 UTC the day before); a microsecond earlier
    is the previous local day."""
    start = local_midnight(day)
    assert local_date(start) == day
    assert local_date(start - dt.timedelta(microseconds=1)) == day - dt.timedelta(days=1)
    assert start.astimezone(UTC) == dt.datetime.combine(day, dt.time(), UTC) - dt.timedelta(hours=7)


@given(st.dates(D(2000, 1, 3), D(2099, 12, 31)))
def test_week_start_is_the_monday_of_the_iso_week(day: dt.date) -> None:
    """The Monday of the same ISO year and week, at most six days before."""
    monday = week_start(day)
    assert monday.isoweekday() == 1
    assert monday.isocalendar()[:2] == day.isocalendar()[:2]
    assert 0 <= (day - monday).days <= 6


def test_a_week_and_a_day_by_example() -> None:
    """Sunday 2026-01-11 belongs to the week of Monday 2026-01-05; that Monday starts at 17:00 UTC on
    Sunday 2026-01-04."""
    assert week_start(D(2026, 1, 11)) == week_start(D(2026, 1, 5)) == D(2026, 1, 5)
    assert week_start(D(2026, 1, 12)) == D(2026, 1, 12)
    assert local_midnight(D(2026, 1, 5)) == dt.datetime(2026, 1, 4, 17, tzinfo=UTC)
