"""Many rows in few statements on SQLite: one multi-row ``INSERT ... VALUES (...), (...)`` per chunk.

The writer thread shares the GIL with the event loop. Python's ``sqlite3`` releases the GIL around
every ``sqlite3_step``, and an ``executemany`` steps once per row: each row of a group's tickets,
history entries and aggregate rows was a release of the GIL and a wait to take it back from an
event loop busy with requests. Under intake load the writer spent a third of its time in
``executemany`` while holding the GIL for a small part of that (docs/performance.md).
A multi-row ``VALUES`` is one step for the whole chunk, so a group costs a handful of
hand-offs whatever its size, and the rows' parameters go through plain per-column converters
instead of SQLAlchemy's execution machinery.

Chunks have power-of-two sizes (at most :data:`MAX_ROWS` rows and SQLite's limit of bound
variables), so a table has at most a few distinct statements, and ``sqlite3`` keeps each prepared.
Only SQLite takes this path; PostgreSQL's writer runs the same rows through SQLAlchemy
(``asyncpg``'s ``executemany`` already pipelines them).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa

from feedback_service.store.types import UtcDateTime

__all__ = ["MAX_ROWS", "MultiRow", "chunk_sizes", "collecting", "stop_collecting"]

MAX_ROWS = 256
"""At most this many rows in one statement (and never more bound variables than SQLite allows)."""


def chunk_sizes(count: int, most: int) -> list[int]:
    """``count`` split into powers of two of at most ``most`` (largest first): few distinct statements."""
    top = 1
    while top * 2 <= most:
        top *= 2
    sizes = []
    while count:
        size = top
        while size > count:
            size //= 2
        sizes.append(size)
        count -= size
    return sizes


class MultiRow:
    """An insert into ``table`` of ``columns`` (optionally followed by ``suffix``, an ``ON CONFLICT``
    clause), run as multi-row statements on the connection's ``sqlite3`` driver connection.

    Values are converted by the columns' own bind processors (so a moment is stored exactly as
    SQLAlchemy stores it), computed once per dialect.
    """

    def __init__(self, table: sa.Table, columns: Sequence[str], suffix: str = "") -> None:
        missing = [c.name for c in table.columns if c.default is not None and c.name not in columns]
        if missing:  # a Python-side default would be skipped here
            raise ValueError(f"{table.name}: columns with Python defaults not given: {missing}")
        self.table = table
        self.columns = tuple(columns)
        self.suffix = suffix
        self._head = f"INSERT INTO {table.name} ({', '.join(self.columns)}) VALUES "
        self._row = "(" + ", ".join("?" * len(self.columns)) + ")"
        self._sql: dict[int, str] = {}
        self._processors: list[Callable[[Any], Any] | None] | None = None

    def _statement(self, rows: int) -> str:
        sql = self._sql.get(rows)
        if sql is None:
            sql = self._head + ", ".join([self._row] * rows) + self.suffix
            self._sql[rows] = sql
        return sql

    def processors(self, dialect: sa.Dialect) -> list[Callable[[Any], Any] | None]:
        """Each column's bind processor on ``dialect`` (``None`` where values go as they are); those of
        dates and moments remember their last results (a group's rows share a few days and moments;
        a ``UtcDateTime`` remembers its own, across columns: store/types.py)."""
        if self._processors is None:
            processors: list[Callable[[Any], Any] | None] = []
            for name in self.columns:
                column_type = self.table.c[name].type
                processor: Callable[[Any], Any] | None = column_type.dialect_impl(dialect).bind_processor(
                    dialect
                )
                if (
                    processor is not None
                    and column_type.python_type in (dt.date, dt.datetime)
                    and not isinstance(column_type, UtcDateTime)
                ):
                    processor = _remembering(processor)
                processors.append(processor)
            self._processors = processors
        return self._processors

    def execute(self, conn: sa.Connection, rows: Sequence[Sequence[Any]]) -> None:
        """Insert ``rows`` (each a sequence of values in :attr:`columns` order, not yet converted) in
        the connection's open transaction; a failure raises SQLAlchemy's exception for it
        (:class:`sqlalchemy.exc.IntegrityError` for a duplicate key), as ``conn.execute`` would."""
        if not rows:
            return
        sink: list[tuple[str, list[Any]]] | None = conn.info.get(_COLLECTED)
        processors = self.processors(conn.dialect)
        converters = [(i, p) for i, p in enumerate(processors) if p is not None]
        raw: sqlite3.Connection = conn.connection.driver_connection  # type: ignore[assignment]
        width = len(self.columns)
        most = min(MAX_ROWS, max(1, raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // width))
        start = 0
        for size in chunk_sizes(len(rows), most):
            values: list[Any] = []
            for row in rows[start : start + size]:
                if converters:
                    row = list(row)
                    for i, convert in converters:
                        row[i] = convert(row[i])
                values.extend(row)
            start += size
            sql = self._statement(size)
            if sink is not None:
                sink.append((sql, values))
                continue
            try:
                raw.execute(sql, values).close()
            except sqlite3.Error as exc:
                raise sa.exc.DBAPIError.instance(
                    sql, None, exc, sqlite3.Error, hide_parameters=True, dialect=conn.dialect
                ) from exc


_COLLECTED = "feedback_service.collected_statements"


def collecting(conn: sa.Connection) -> list[tuple[str, list[Any]]]:
    """From now on, :meth:`MultiRow.execute` on ``conn`` keeps its statements, in order, in the list
    returned, rather than running them (until :func:`stop_collecting`)."""
    statements: list[tuple[str, list[Any]]] = []
    conn.info[_COLLECTED] = statements
    return statements


def stop_collecting(conn: sa.Connection) -> None:
    conn.info.pop(_COLLECTED, None)


_REMEMBERED = 512
"""Results a date or moment converter keeps before it starts afresh."""


def _remembering(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``convert`` with its recent results kept, by value: equal dates (or equal instants, whatever
    their offsets) convert alike. Only values of the column's own Python types are looked up; a
    bool or an int (equal to each other) never reaches a date's converter."""
    known: dict[Any, Any] = {}

    def remembered(value: Any) -> Any:
        if type(value) not in (dt.date, dt.datetime):
            return convert(value)
        found = known.get(value, _MISSING)
        if found is _MISSING:
            if len(known) >= _REMEMBERED:
                known.clear()
            found = known[value] = convert(value)
        return found

    return remembered


_MISSING = object()
