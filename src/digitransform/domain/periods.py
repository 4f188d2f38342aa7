"""Reporting periods (day, ISO week, month, quarter, year, or any date range) in local time.

Field work happens in Vietnam, so a moment belongs to the period of its local date in
Asia/Ho_Chi_Minh (UTC+7, no daylight saving): 23:30 UTC on a Sunday is already Monday there, and
so in the next ISO week.
"""

from __future__ import annotations

import calendar
import datetime as dt
import enum
import re
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import attrs

__all__ = [
    "CALENDAR_END",
    "CALENDAR_START",
    "LOCAL_TZ",
    "Period",
    "PeriodKind",
    "calendar_problem",
    "local_date",
    "local_midnight",
    "periods_between",
    "week_start",
]

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

CALENDAR_START = dt.date(2000, 1, 1)
"""The first day any figure of the project counts (tickets start in 2020; reports may be older)."""
CALENDAR_END = dt.date(2099, 12, 31)
"""The last day a date given from outside may name: far enough for any plan, and far from the
ends of Python's calendar (9999-12-31), where "the day after" or a shift to UTC does not exist."""


class PeriodKind(enum.Enum):
    """The length of a period. ``RANGE`` is any date range, such as a service report's."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"
    RANGE = "range"


def local_date(moment: dt.datetime) -> dt.date:
    """The date of an aware ``moment`` in the province's local time."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"a moment must be timezone-aware, got {moment.isoformat()}")
    return moment.astimezone(LOCAL_TZ).date()


def local_midnight(day: dt.date) -> dt.datetime:
    """The moment local day ``day`` starts (00:00 in Asia/Ho_Chi_Minh), as an aware datetime.

    A day's moments are ``local_midnight(day) <= moment < local_midnight(day + 1 day)``.
    """
    return dt.datetime.combine(day, dt.time(), LOCAL_TZ)


def week_start(day: dt.date) -> dt.date:
    """The Monday of ``day``'s ISO week (weeks run Monday to Sunday)."""
    return day - dt.timedelta(days=day.weekday())


def calendar_problem(value: dt.date | dt.datetime) -> str | None:
    """Why ``value`` (a date, or a moment taken on its own offset) lies outside the calendar the
    project counts in, or ``None`` when it lies within ``CALENDAR_START``..``CALENDAR_END``.

    Checking a moment's own date never converts it, so even ``0001-01-01T00:00+01:00`` (which has
    no UTC equivalent) is answered rather than raising.
    """
    day = value.date() if isinstance(value, dt.datetime) else value
    if CALENDAR_START <= day <= CALENDAR_END:
        return None
    return f"{day.isoformat()} is outside {CALENDAR_START.isoformat()}..{CALENDAR_END.isoformat()}"


def _start_of(kind: PeriodKind, day: dt.date) -> dt.date:
    if kind is PeriodKind.DAY:
        return day
    if kind is PeriodKind.WEEK:
        return week_start(day)
    if kind is PeriodKind.MONTH:
        return day.replace(day=1)
    if kind is PeriodKind.QUARTER:
        return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    if kind is PeriodKind.YEAR:
        return dt.date(day.year, 1, 1)
    raise ValueError("a range has no natural start")


def _end_of(kind: PeriodKind, start: dt.date) -> dt.date:
    # The last day itself, not the next start minus one, so that 9999-12 has an end.
    if kind is PeriodKind.DAY:
        return start
    if kind is PeriodKind.WEEK:
        return start + dt.timedelta(days=6)
    if kind is PeriodKind.MONTH or kind is PeriodKind.QUARTER:
        month = start.month + (2 if kind is PeriodKind.QUARTER else 0)
        return dt.date(start.year, month, calendar.monthrange(start.year, month)[1])
    if kind is PeriodKind.YEAR:
        return dt.date(start.year, 12, 31)
    raise ValueError("a range has no natural end")


@attrs.frozen(slots=True, order=True)
class Period:
    """A span of whole local days, [start, end] inclusive.

    Build calendar periods with :meth:`containing` or :meth:`parse`; a ``RANGE`` may be any span.
    """

    start: dt.date
    end: dt.date
    kind: PeriodKind = attrs.field(default=PeriodKind.RANGE, order=False)

    def __attrs_post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"period end {self.end} precedes its start {self.start}")
        if self.kind is not PeriodKind.RANGE:
            expected = Period.containing(self.kind, self.start)
            if (expected.start, expected.end) != (self.start, self.end):
                raise ValueError(f"{self.start}..{self.end} is not a calendar {self.kind.value}")

    @classmethod
    def containing(cls, kind: PeriodKind, day: dt.date | dt.datetime) -> Period:
        """The ``kind`` period that contains ``day`` (an aware datetime is taken in local time)."""
        if isinstance(day, dt.datetime):
            day = local_date(day)
        start = _start_of(kind, day)
        return cls.__new_unchecked(start, _end_of(kind, start), kind)

    @classmethod
    def __new_unchecked(cls, start: dt.date, end: dt.date, kind: PeriodKind) -> Period:
        period = object.__new__(cls)
        object.__setattr__(period, "start", start)
        object.__setattr__(period, "end", end)
        object.__setattr__(period, "kind", kind)
        return period

    @classmethod
    def parse(cls, text: str) -> Period:
        """Parse ``2025``, ``2025-Q3``, ``2025-07``, ``2025-W07`` or ``2025-07-14``."""
        text = text.strip()
        expected = f"invalid period {text!r}: expected 2025, 2025-Q3, 2025-07, 2025-W07 or 2025-07-14"
        if not text.isascii():  # \d also matches digits such as "２０２５", which no one writes for a period
            raise ValueError(expected)
        try:
            if m := re.fullmatch(r"(\d{4})", text):
                return cls.containing(PeriodKind.YEAR, dt.date(int(m[1]), 1, 1))
            if m := re.fullmatch(r"(\d{4})-Q([1-4])", text):
                return cls.containing(PeriodKind.QUARTER, dt.date(int(m[1]), 3 * int(m[2]) - 2, 1))
            if m := re.fullmatch(r"(\d{4})-W(\d{2})", text):
                monday = dt.date.fromisocalendar(int(m[1]), int(m[2]), 1)
                return cls.containing(PeriodKind.WEEK, monday)
            if m := re.fullmatch(r"(\d{4})-(\d{2})", text):
                return cls.containing(PeriodKind.MONTH, dt.date(int(m[1]), int(m[2]), 1))
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                return cls.containing(PeriodKind.DAY, dt.date.fromisoformat(text))
        except (ValueError, OverflowError) as exc:  # OverflowError: a week running past 9999-12-31
            raise ValueError(f"invalid period {text!r}: {exc}") from None
        raise ValueError(expected)

    def __str__(self) -> str:
        kind, start = self.kind, self.start
        if kind is PeriodKind.YEAR:
            return f"{start.year}"
        if kind is PeriodKind.QUARTER:
            return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
        if kind is PeriodKind.MONTH:
            return f"{start.year}-{start.month:02d}"
        if kind is PeriodKind.WEEK:
            year, week, _ = start.isocalendar()
            return f"{year}-W{week:02d}"
        if kind is PeriodKind.DAY:
            return start.isoformat()
        return f"{start.isoformat()}..{self.end.isoformat()}"

    def __contains__(self, item: object) -> bool:
        if isinstance(item, dt.datetime):
            item = local_date(item)
        if isinstance(item, dt.date):
            return self.start <= item <= self.end
        return False

    @property
    def days(self) -> int:
        """How many days the period spans."""
        return (self.end - self.start).days + 1

    def next(self) -> Period:
        """The period of the same kind right after this one."""
        return Period.containing(self.kind, self.end + dt.timedelta(days=1))

    def previous(self) -> Period:
        """The period of the same kind right before this one."""
        return Period.containing(self.kind, self.start - dt.timedelta(days=1))

    @property
    def start_moment(self) -> dt.datetime:
        """Local midnight at the start, as an aware datetime."""
        return local_midnight(self.start)

    @property
    def end_moment(self) -> dt.datetime:
        """Local midnight after the last day (exclusive end), as an aware datetime."""
        return local_midnight(self.end + dt.timedelta(days=1))


def periods_between(kind: PeriodKind, first: dt.date, last: dt.date) -> Iterator[Period]:
    """Consecutive ``kind`` periods from the one containing ``first`` to the one containing ``last``."""
    if last < first:
        raise ValueError(f"period end {last} precedes its start {first}")
    period = Period.containing(kind, first)
    while period.start <= last:
        yield period
        period = period.next()
