"""Strategies for periods and aware moments, biased towards local-midnight boundaries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from hypothesis import strategies as st

from digitransform.domain import LOCAL_TZ, Period, PeriodKind, local_midnight

__all__ = ["ZONES", "local_midnights", "moments", "periods"]

UTC = dt.UTC
ZONES: tuple[dt.tzinfo, ...] = (
    UTC,
    LOCAL_TZ,
    dt.timezone(dt.timedelta(hours=-5)),
    dt.timezone(dt.timedelta(hours=9)),
    dt.timezone(dt.timedelta(hours=5, minutes=45)),
)
"""Zones a moment may be written in: the wire carries offsets, not the province's zone."""

_FIRST = dt.date(1990, 1, 1)
_LAST = dt.date(2100, 12, 31)
_NUDGES = tuple(
    dt.timedelta(microseconds=n) for n in (0, 0, -1, 1, -1_000_000, 1_000_000, -60_000_000, 3_600_000_000)
)


def periods(
    kinds: Iterable[PeriodKind] | None = None,
    *,
    min_date: dt.date = _FIRST,
    max_date: dt.date = _LAST,
    max_range_days: int = 400,
) -> st.SearchStrategy[Period]:
    """A period of one of ``kinds`` (all, ``RANGE`` included, by default) containing a date in range.

    Calendar periods come from :meth:`Period.containing`, so ISO weeks 53 and weeks that straddle a
    new year appear; a ``RANGE`` spans 1 to ``max_range_days`` days.
    """
    chosen = list(kinds) if kinds is not None else list(PeriodKind)
    if not chosen:
        raise ValueError("periods: kinds is empty")
    days = st.dates(min_date, max_date)

    @st.composite
    def build(draw: st.DrawFn) -> Period:
        kind = draw(st.sampled_from(chosen))
        day = draw(days)
        if kind is PeriodKind.RANGE:
            return Period(day, day + dt.timedelta(days=draw(st.integers(0, max_range_days - 1))))
        return Period.containing(kind, day)

    return build()


@st.composite
def local_midnights(
    draw: st.DrawFn, min_date: dt.date = dt.date(2020, 1, 1), max_date: dt.date = dt.date(2030, 12, 31)
) -> dt.datetime:
    """A moment at or within a minute or an hour of local midnight, written in any of :data:`ZONES`.

    17:00 UTC is midnight in Vietnam: a moment one microsecond earlier belongs to the previous local
    day (and, on a Sunday, to the previous ISO week).
    """
    midnight = local_midnight(draw(st.dates(min_date, max_date)))
    return (midnight + draw(st.sampled_from(_NUDGES))).astimezone(draw(st.sampled_from(ZONES)))


def moments(
    min_value: dt.datetime = dt.datetime(2020, 1, 1),
    max_value: dt.datetime = dt.datetime(2030, 12, 31),
) -> st.SearchStrategy[dt.datetime]:
    """An aware moment between the naive bounds, in any of :data:`ZONES`; often near local midnight."""
    anywhere = st.datetimes(min_value, max_value, timezones=st.sampled_from(ZONES))
    return st.one_of(anywhere, local_midnights(min_value.date(), max_value.date()))
