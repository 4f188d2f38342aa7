"""Query parameters the handlers read as text: dates, moments and whole numbers, with their limits.

Every date or moment from outside is checked against the project's calendar
(:func:`digitransform.domain.calendar_problem`) before anything adds a day to it or shifts it to
UTC, so ``9999-12-31`` or ``0001-01-01T00:00:00+01:00`` is a 400 naming the parameter, never an
overflow deep in a query. Whole numbers are ASCII digits only: ``int()`` reads ``"٣"`` as 3 and
``str.isdigit`` calls ``"²"`` a digit that ``int()`` then refuses.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re

from digitransform.domain import calendar_problem, local_midnight
from feedback_service.api.problems import FieldProblem, ProblemError

__all__ = ["bad", "day_or_moment", "day_param", "moment_bound", "whole_number"]

_DIGITS = re.compile(r"[0-9]{1,9}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def bad(name: str, message: str, location: str = "query") -> ProblemError:
    """A 400 problem about one parameter."""
    return ProblemError(
        400, "bad-request", f"{name}: {message}", errors=[FieldProblem(name, message, location)]
    )


def _within(name: str, value: dt.date | dt.datetime) -> None:
    problem = calendar_problem(value)
    if problem is not None:
        raise bad(name, problem)


def day_param(name: str, text: str | None, default: dt.date) -> dt.date:
    """A local day (``2026-03-01``); ``default`` when absent or empty."""
    if text is None or text == "":
        return default
    day = None
    if _DATE.fullmatch(text):
        with contextlib.suppress(ValueError):
            day = dt.date.fromisoformat(text)
    if day is None:
        raise bad(name, f"expected a date like 2026-03-01, got {text!r}")
    _within(name, day)
    return day


def day_or_moment(name: str, text: str) -> dt.date | dt.datetime:
    """A local day (``2026-03-01``) or an aware moment (``2026-03-01T09:30:00+07:00``)."""
    value: dt.date | dt.datetime | None = None
    try:
        if _DATE.fullmatch(text):
            value = dt.date.fromisoformat(text)
        elif text.isascii():
            value = dt.datetime.fromisoformat(text)
    except ValueError:
        pass
    if value is None or (isinstance(value, dt.datetime) and value.utcoffset() is None):
        raise bad(
            name,
            f"expected a date (2026-03-01) or a moment with an offset (2026-03-01T09:30:00+07:00), "
            f"got {text!r}",
        )
    _within(name, value)
    return value


def moment_bound(name: str, text: str | None, *, end: bool) -> dt.datetime | None:
    """A bound of a time filter: a date means its local day (from its start, or, for an ``end``, up
    to the start of the next day), a moment itself; ``None`` when absent."""
    if text is None:
        return None
    value = day_or_moment(name, text)
    if isinstance(value, dt.datetime):
        return value
    start = local_midnight(value)
    return start + dt.timedelta(days=1) if end else start


def whole_number(name: str, text: str, low: int, high: int) -> int:
    """A whole number in ``low..high`` written in ASCII digits."""
    if _DIGITS.fullmatch(text) is None or not low <= int(text) <= high:
        raise bad(name, f"expected a whole number from {low} to {high}, got {text!r}")
    return int(text)
