"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Dialect

__all__ = ["UtcDateTime"]

_SQLITE_TEXT = sqlite.DATETIME()._storage_format  # type: ignore[no-untyped-call]
"""SQLAlchemy's default text for a moment on SQLite (``2026-03-01 02:30:00.000000``)."""


class UtcDateTime(sa.TypeDecorator[dt.datetime]):
    """An aware moment stored in UTC, returned aware in UTC.

    SQLite has no time zones: SQLAlchemy writes its datetimes as fixed-width text and would drop the
    offset silently. Storing UTC (naive on SQLite, ``timestamptz`` on PostgreSQL) keeps ordering and
    comparison correct on both, and refusing naive values keeps a local time from slipping in.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"refusing to store a naive datetime: {value.isoformat()}")
        utc = value.astimezone(dt.UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        """On SQLite, :meth:`process_bind_param` and SQLAlchemy's text format in one step.

        SQLAlchemy composes the two (the UTC conversion, then its ``DATETIME`` formatting through a
        ``%``-format of eight fields); a group of tickets converts several moments per row, and the
        composition was a tenth of the event loop's time under intake load (docs/performance.md).
        ``isoformat`` of the naive UTC moment is the same text (a 4-digit year, microseconds always
        written): ``tests/service/test_store_bulk.py`` holds it to SQLAlchemy's own composition.
        Recent texts are kept (:data:`_TEXTS`). Any other dialect or storage format: SQLAlchemy's
        composition.
        """
        composed = super().bind_processor(dialect)
        impl = self.impl_instance.dialect_impl(dialect)
        if dialect.name != "sqlite" or getattr(impl, "_storage_format", None) != _SQLITE_TEXT:
            return composed
        return _sqlite_text

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if not isinstance(value, dt.datetime):
            raise TypeError(f"expected a datetime from the database, got {type(value).__name__}")
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


_TEXTS: dict[dt.datetime, str] = {}
"""Recent moments' SQLite text, shared by every ``UtcDateTime`` column: a ticket's row and its history
entry hold the same two moments (observed, received) five times between them. Moments with fixed
offsets (``datetime.timezone``, as the wire and the clock give them) that are equal are the same
instant, whatever their offsets, and have the same UTC text."""
_TEXTS_KEPT = 1024


def _sqlite_text(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    # Only moments with a fixed offset are kept: two moments of a zone's repeated hour (PEP 495's
    # fold) are equal keys an hour apart. (A naive moment is never a key: it equals no aware one.)
    plain = type(value) is dt.datetime and type(value.tzinfo) is dt.timezone
    text = _TEXTS.get(value) if plain else None
    if text is None:
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"refusing to store a naive datetime: {value.isoformat()}")
        text = _utc_text(value)
        if plain:
            if len(_TEXTS) >= _TEXTS_KEPT:
                _TEXTS.clear()
            _TEXTS[value] = text
    return text


def _utc_text(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
