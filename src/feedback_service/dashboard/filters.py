"""The dashboard's filters, read from and written back to the query string so every view has a URL.

A link or a bookmark reproduces what the official saw: the window, the period, the category, the
service and the language all travel in the URL. A value the page cannot use is reported by name and
replaced by its default, so a mistyped date never ends in an error page without the dashboard.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TypeVar
from urllib.parse import urlencode

import attrs

from digitransform.domain import Barrier, DigitalService, PeriodKind, calendar_problem, week_start
from digitransform.trends import TicketFilter
from feedback_service.dashboard.language import Language

__all__ = ["DEFAULT_WEEKS", "PERIODS", "Filters"]

DEFAULT_WEEKS = 12
"""The window when the URL does not give one: the last twelve ISO weeks, this one included."""

PERIODS = (PeriodKind.WEEK, PeriodKind.MONTH)
"""The periods a chart can be cut into on the dashboard."""

_MAX_DAYS = 3 * 366

E = TypeVar("E", Barrier, DigitalService)


@attrs.frozen
class Filters:
    """What the official asked to see."""

    first: dt.date
    last: dt.date
    period: PeriodKind = PeriodKind.WEEK
    category: Barrier | None = None
    service: DigitalService | None = None
    language: Language = Language.VI
    problems: tuple[str, ...] = ()
    """Messages naming each query parameter that was ignored, and why."""

    @classmethod
    def default_window(cls, today: dt.date) -> tuple[dt.date, dt.date]:
        """The Monday :data:`DEFAULT_WEEKS` weeks back, to today."""
        return week_start(today) - dt.timedelta(weeks=DEFAULT_WEEKS - 1), today

    @classmethod
    def parse(cls, query: Mapping[str, str], today: dt.date) -> Filters:
        """Filters from query parameters; unusable values fall back to defaults, listed in ``problems``."""
        problems: list[str] = []
        first, last = cls.default_window(today)
        raw_from, raw_to = query.get("from", "").strip(), query.get("to", "").strip()
        parsed_first = _date(raw_from, "from", problems) if raw_from else None
        parsed_last = _date(raw_to, "to", problems) if raw_to else None
        if parsed_last is not None:
            last = parsed_last
            if parsed_first is None:
                first = week_start(last) - dt.timedelta(weeks=DEFAULT_WEEKS - 1)
        if parsed_first is not None:
            first = parsed_first
        if first > last:
            problems.append(
                f"from: {first.isoformat()} is after to: {last.isoformat()}; the dates were swapped"
            )
            first, last = last, first
        if (last - first).days > _MAX_DAYS:
            problems.append(
                f"from: a window of at most {_MAX_DAYS} days; it now starts {_MAX_DAYS} days before to"
            )
            first = last - dt.timedelta(days=_MAX_DAYS)
        period = PeriodKind.WEEK
        raw_period = query.get("period", "").strip()
        if raw_period:
            if raw_period in {p.value for p in PERIODS}:
                period = PeriodKind(raw_period)
            else:
                problems.append(f"period: {raw_period!r} is not one of week, month")
        return cls(
            first,
            last,
            period,
            _enum(Barrier, query.get("category", ""), "category", problems),
            _enum(DigitalService, query.get("service", ""), "service", problems),
            Language.parse(query.get("lang")),
            tuple(problems),
        )

    @property
    def where(self) -> TicketFilter:
        """The ticket filter for the library's functions and the service's queries."""
        return TicketFilter(category=self.category, services=self.service)

    def params(self, **changes: str | None) -> dict[str, str]:
        """The query parameters of these filters, with ``changes`` applied (``None`` drops one)."""
        params: dict[str, str | None] = {
            "from": self.first.isoformat(),
            "to": self.last.isoformat(),
            "period": None if self.period is PeriodKind.WEEK else self.period.value,
            "category": None if self.category is None else self.category.value,
            "service": None if self.service is None else self.service.value,
            "lang": None if self.language is Language.VI else self.language.value,
        }
        params.update(changes)
        return {k: v for k, v in params.items() if v}

    def query(self, **changes: str | None) -> str:
        """``?…`` for a link that keeps these filters (with ``changes``), or ``""`` when there are none."""
        params = self.params(**changes)
        return "?" + urlencode(params) if params else ""


def _date(raw: str, name: str, problems: list[str]) -> dt.date | None:
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        problems.append(f"{name}: {raw!r} is not a date (YYYY-MM-DD)")
        return None
    problem = calendar_problem(day)
    if problem is not None:
        problems.append(f"{name}: {problem}")
        return None
    return day


def _enum(kind: type[E], raw: str, name: str, problems: list[str]) -> E | None:
    raw = raw.strip()
    if not raw:
        return None
    try:
        return kind(raw)
    except ValueError:
        problems.append(f"{name}: {raw!r} is not a known code")
        return None
