"""One formatter for everything a person reads on the dashboard: numbers, dates, moments, periods.

Built on Babel (the Unicode CLDR data), so Vietnamese reads ``14.908`` and ``111,02`` and English
``14,908`` and ``111.02``, and every moment is shown in the dashboard's time zone
(``FEEDBACK_DASHBOARD_TIME_ZONE``, ``Asia/Ho_Chi_Minh`` by default), exports included. Pages and
exports get a :class:`Formatter` for the reader's language and never format a value themselves.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import attrs
from babel.dates import format_date, format_datetime, format_skeleton
from babel.numbers import format_decimal, format_percent

from feedback_service.dashboard.language import Language

__all__ = ["Formatter"]

_DATE = {Language.VI: "dd/MM/yyyy", Language.EN: "d MMM yyyy"}
_MOMENT = {Language.VI: "HH:mm dd/MM/yyyy", Language.EN: "d MMM yyyy, HH:mm"}
_WEEK = {Language.VI: "Tuần {0:d}", Language.EN: "W{0:02d}"}


@attrs.frozen
class Formatter:
    """How values read in one language and time zone."""

    language: Language = Language.VI
    zone: ZoneInfo = attrs.field(factory=lambda: ZoneInfo("Asia/Ho_Chi_Minh"))

    @property
    def locale(self) -> str:
        return self.language.value

    def number(self, value: float | None, decimals: int = 0) -> str:
        """A count or a measure with ``decimals`` fixed digits after the separator; ``—`` for none."""
        if value is None:
            return "—"
        pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
        return str(format_decimal(value, format=pattern, locale=self.locale))

    def percent(self, share: float | None) -> str:
        """A share (0.25) as a whole percentage (``25 %`` / ``25%``); ``—`` for none."""
        if share is None:
            return "—"
        return str(format_percent(share, locale=self.locale))

    def date(self, day: dt.date | None) -> str:
        """A calendar day: ``05/03/2026`` / ``5 Mar 2026``."""
        if day is None:
            return "—"
        return str(format_date(day, _DATE[self.language], locale=self.locale))

    def local(self, moment: dt.datetime) -> dt.datetime:
        """The moment in the dashboard's time zone."""
        return moment.astimezone(self.zone)

    def moment(self, moment: dt.datetime | None) -> str:
        """A moment in local time, to the minute: ``09:30 05/03/2026`` / ``5 Mar 2026, 09:30``."""
        if moment is None:
            return "—"
        return str(format_datetime(moment, _MOMENT[self.language], tzinfo=self.zone, locale=self.locale))

    def iso(self, moment: dt.datetime | None) -> str:
        """A moment for machines (CSV): ISO 8601 with the local offset, ``2026-03-05T09:30:00+07:00``."""
        return "" if moment is None else self.local(moment).isoformat()

    def local_day(self, moment: dt.datetime) -> dt.date:
        """The local calendar day of a moment."""
        return self.local(moment).date()

    def week(self, start: dt.date) -> str:
        """An ISO week's short label: ``Tuần 38`` / ``W38`` (never ``T38``, which reads as a month)."""
        return _WEEK[self.language].format(start.isocalendar().week)

    def month(self, start: dt.date) -> str:
        """A month's short label: ``thg 3 2026`` / ``Mar 2026``."""
        return str(format_skeleton("yMMM", start, locale=self.locale))

    def days(self, count: int) -> str:
        """A number of days: ``3 ngày`` / ``3 days`` (``1 day``)."""
        if self.language is Language.VI:
            return f"{self.number(count)} ngày"
        return f"{self.number(count)} day" + ("" if count == 1 else "s")
