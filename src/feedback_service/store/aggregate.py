"""The per-day trend aggregate: the library's :class:`~digitransform.trends.DailyDelta` rows, upserted.

Every ticket change adds ``change_deltas(ticket, change)`` (one row under ``"*"`` and one per
category) to ``trend_days`` in the same transaction as the change, so trends read a few rows per day
instead of every ticket and can never disagree with the tickets. The rows of a transaction are summed
by key in memory and upserted once, as its last statements (:func:`flush_deltas`, called by
:meth:`Database.write <feedback_service.store.database.Database.write>`).

Roll-ups of the same rows, kept in the same statement batch, make the common questions cheap:

- ``trend_days_commune`` drops village, team and service: it answers every trend that neither
  groups nor filters by them (a commune official's view, the ranking of communes);
- ``trend_days_province`` also drops the commune: the province by category, or its total;
- ``trend_weeks_commune`` and ``trend_weeks_province`` (migration 0003) sum those two by ISO week
  (``local_date`` is the week's Monday): a weekly trend reads one row per week instead of seven.

A roll-up is the sum of the fine rows over the dropped columns, so it gives the same answers for the
groupings it can serve (``docs/trends.md``). Upserts sum the counts on conflict (SQLite's and
PostgreSQL's ``INSERT ... ON CONFLICT DO UPDATE``); rows are written in key order, table by table,
so two concurrent writers on PostgreSQL take their row locks in the same order and cannot deadlock.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import attrs
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from digitransform.domain import PeriodKind, week_start
from digitransform.trends import DailyDelta
from feedback_service.store.bulk import MultiRow
from feedback_service.store.tables import (
    COUNTS,
    KEYS,
    trend_days,
    trend_days_commune,
    trend_days_province,
    trend_weeks_commune,
    trend_weeks_province,
)

__all__ = [
    "COUNTS",
    "KEYS",
    "ROLLUPS",
    "Rollup",
    "add_deltas",
    "discard_deltas",
    "flush_deltas",
    "rollup_for",
    "savepoint",
    "trend_days",
    "trend_days_commune",
    "trend_days_province",
    "trend_weeks_commune",
    "trend_weeks_province",
    "upsert",
]


@attrs.frozen
class Rollup:
    """One table of the aggregate and the dimensions (besides date and category) it keeps."""

    table: sa.Table
    dimensions: frozenset[str]
    weekly: bool = False
    """Rows by ISO week (``local_date`` the Monday): only for weekly trends."""

    @property
    def keys(self) -> tuple[str, ...]:
        return _keys(self.table)


@functools.cache
def _keys(table: sa.Table) -> tuple[str, ...]:
    """A table's key columns' names (walked once: every group's flush asks several times per table)."""
    return tuple(c.name for c in table.primary_key.columns)


ROLLUPS = (
    Rollup(trend_weeks_province, frozenset(), weekly=True),
    Rollup(trend_weeks_commune, frozenset({"commune"}), weekly=True),
    Rollup(trend_days_province, frozenset()),
    Rollup(trend_days_commune, frozenset({"commune"})),
    Rollup(trend_days, frozenset({"commune", "village", "team", "service"})),
)
"""Smallest first: a query uses the first one that keeps every dimension it needs."""


def rollup_for(dimensions: Iterable[str], kind: PeriodKind | None = None) -> Rollup:
    """The smallest table that keeps ``dimensions`` (``commune``, ``village``, ``team``, ``service``).

    Weekly tables serve only weekly trends (``kind`` week), whose periods start on Mondays.
    """
    needed = frozenset(dimensions)
    return next(r for r in ROLLUPS if needed <= r.dimensions and (kind is PeriodKind.WEEK or not r.weekly))


Projected = dict[tuple[Any, ...], list[int]]
"""Summed rows of one table: each key (in the table's key order) and its counts (``COUNTS`` order)."""
Sorted = list[tuple[tuple[Any, ...], list[int]]]
"""The same rows, in key order."""


def _merge(rows: Iterable[DailyDelta]) -> Projected:
    """The fine rows summed by their whole key (:data:`KEYS` order)."""
    merged: Projected = {}
    for row in rows:
        key = row.key
        known = merged.get(key)
        if known is None:
            merged[key] = list(row.counts())
        else:
            for i, n in enumerate(row.counts()):
                known[i] += n
    return merged


def _project(source: Projected, source_keys: Sequence[str], keys: Sequence[str], weekly: bool) -> Projected:
    """``source`` (keyed by ``source_keys``) summed over the columns not in ``keys``, and by ISO week
    when ``weekly`` (a no-op on rows already by week)."""
    positions = [source_keys.index(k) for k in keys]
    day = keys.index("local_date")
    merged: Projected = {}
    for source_key, counts in source.items():
        key = [source_key[i] for i in positions]
        if weekly:
            key[day] = week_start(key[day])
        target = tuple(key)
        known = merged.get(target)
        if known is None:
            merged[target] = list(counts)
        else:
            for i, n in enumerate(counts):
                known[i] += n
    return merged


def _projections(rows: Sequence[DailyDelta]) -> Iterator[tuple[Rollup, Sorted]]:
    """Each table of the aggregate, the fine one first, with its rows summed, in key order.

    Each roll-up is summed from the smallest table already summed that keeps its columns (a daily
    one for a daily roll-up), so the group's rows are walked once and every later pass is shorter.
    """
    done: list[tuple[Rollup, Projected]] = []
    for rollup in reversed(ROLLUPS):
        if not done:
            projected = _merge(rows)
            if rollup.keys != KEYS:
                projected = _project(projected, KEYS, rollup.keys, rollup.weekly)
        else:
            source, summed = min(
                (
                    (r, p)
                    for r, p in done
                    if set(rollup.keys) <= set(r.keys) and (rollup.weekly or not r.weekly)
                ),
                key=lambda found: len(found[1]),
            )
            projected = _project(summed, source.keys, rollup.keys, rollup.weekly and not source.weekly)
        done.append((rollup, projected))
        yield rollup, sorted(projected.items())


@functools.cache
def upsert(dialect: str, table: sa.Table) -> Any:
    """``INSERT ... ON CONFLICT (key) DO UPDATE SET count = count + excluded.count`` for ``table``.

    Built once per table and dialect: every ticket change runs five of these, and rebuilding the
    construct each time was most of the aggregate's cost on the write path.
    """
    insert = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
    return insert.on_conflict_do_update(
        index_elements=list(table.primary_key.columns),
        set_={c: table.c[c] + insert.excluded[c] for c in COUNTS},
    )


@functools.cache
def _multi_upsert(table: sa.Table) -> MultiRow:
    """The same upsert as :func:`upsert` on SQLite, as multi-row statements of plain SQL."""
    keys = [c.name for c in table.primary_key.columns]
    sums = ", ".join(f"{c} = {table.name}.{c} + excluded.{c}" for c in COUNTS)
    return MultiRow(table, [*keys, *COUNTS], f" ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {sums}")


_PENDING = "feedback_service.pending_deltas"


def add_deltas(conn: sa.Connection, rows: Sequence[DailyDelta]) -> None:
    """Add ``rows`` to the aggregate in the caller's transaction, when it ends (:func:`flush_deltas`).

    The rows wait in the connection's ``info`` until the transaction's last write: a transaction that
    creates fifty tickets then upserts each key once per table, not fifty times.
    """
    conn.info.setdefault(_PENDING, []).extend(rows)


def flush_deltas(conn: sa.Connection) -> None:
    """Upsert the waiting rows, summed by key, into the fine table and every roll-up."""
    rows: list[DailyDelta] = conn.info.pop(_PENDING, [])
    if not rows:
        return
    dialect = conn.dialect.name
    for rollup, projected in _projections(rows):
        if dialect == "sqlite":  # one statement per chunk of rows, not one step per row (store/bulk.py)
            _multi_upsert(rollup.table).execute(conn, [(*key, *counts) for key, counts in projected])
        else:
            names = rollup.keys
            conn.execute(
                upsert(dialect, rollup.table),
                [
                    {**dict(zip(names, key, strict=True)), **dict(zip(COUNTS, counts, strict=True))}
                    for key, counts in projected
                ],
            )


def discard_deltas(conn: sa.Connection) -> None:
    """Forget the waiting rows: their transaction is about to begin afresh or was rolled back."""
    conn.info.pop(_PENDING, None)


@contextlib.contextmanager
def savepoint(conn: sa.Connection) -> Iterator[None]:
    """A savepoint whose rollback also takes back the rows added to the aggregate inside it."""
    pending: list[DailyDelta] = conn.info.setdefault(_PENDING, [])
    mark = len(pending)
    try:
        with conn.begin_nested():
            yield
    except BaseException:
        del pending[mark:]
        raise
