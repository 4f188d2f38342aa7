"""Multi-row statements on SQLite (store/bulk.py): the same rows, values and errors as SQLAlchemy's."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.exc import IntegrityError

from feedback_service.store.bulk import MultiRow, chunk_sizes
from feedback_service.store.types import UtcDateTime

_metadata = sa.MetaData()
_notes = sa.Table(
    "notes",
    _metadata,
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("day", sa.Date(), nullable=False),
    sa.Column("at", UtcDateTime(), nullable=False),
    sa.Column("flag", sa.Boolean(), nullable=False),
    sa.Column("text", sa.Text(), nullable=True),
)
_counts = sa.Table(
    "counts",
    _metadata,
    sa.Column("key", sa.String(8), primary_key=True),
    sa.Column("n", sa.Integer(), nullable=False),
)


@pytest.fixture
def engine(tmp_path: Path) -> sa.Engine:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'bulk.db'}")
    _metadata.create_all(engine)
    return engine


@given(st.integers(0, 2_000), st.integers(1, 300))
def test_chunks_add_up_and_are_few_powers_of_two(count: int, most: int) -> None:
    sizes = chunk_sizes(count, most)
    assert sum(sizes) == count
    assert all(size <= most and size & (size - 1) == 0 for size in sizes)
    assert sizes == sorted(sizes, reverse=True)
    top = max(size for size in (2**i for i in range(10)) if size <= most)
    smaller = [size for size in sizes if size < top]  # only the largest chunk size repeats
    assert len(smaller) == len(set(smaller))


def test_rows_are_stored_as_sqlalchemy_stores_them(engine: sa.Engine) -> None:
    hanoi = dt.timezone(dt.timedelta(hours=7))
    moment = dt.datetime(2026, 3, 1, 9, 30, 0, 123456, tzinfo=hanoi)
    rows = [
        (
            i,
            dt.date(2026, 3, 1 + i % 3),
            moment + dt.timedelta(seconds=i),
            i % 2 == 0,
            f"n{i}" if i % 5 else None,
        )
        for i in range(1, 700)  # more rows than one statement takes
    ]
    with engine.begin() as conn:
        MultiRow(_notes, ["id", "day", "at", "flag", "text"]).execute(conn, rows[:-1])
        conn.execute(_notes.insert(), [dict(zip(("id", "day", "at", "flag", "text"), rows[-1], strict=True))])
    with engine.connect() as conn:
        raw = conn.exec_driver_sql("SELECT id, day, at, flag, text FROM notes ORDER BY id").all()
        typed = conn.execute(sa.select(_notes).order_by(_notes.c.id)).all()
    assert [tuple(r) for r in typed] == rows
    # The same stored text as SQLAlchemy's own insert of the same values.
    with engine.begin() as conn:
        conn.execute(_notes.insert(), [{"id": 0, "day": rows[0][1], "at": rows[0][2], "flag": rows[0][3]}])
        by_sqlalchemy = conn.exec_driver_sql("SELECT day, at, flag FROM notes WHERE id = 0").one()
    assert tuple(by_sqlalchemy) == tuple(raw[0][1:4])


def test_equal_instants_in_other_offsets_are_stored_alike(engine: sa.Engine) -> None:
    utc = dt.datetime(2026, 3, 1, 2, 30, tzinfo=dt.UTC)
    local = utc.astimezone(dt.timezone(dt.timedelta(hours=7)))
    with engine.begin() as conn:
        MultiRow(_notes, ["id", "day", "at", "flag"]).execute(
            conn, [(1, utc.date(), utc, True), (2, utc.date(), local, False)]
        )
        stored = conn.exec_driver_sql("SELECT at FROM notes ORDER BY id").scalars().all()
    assert stored[0] == stored[1]


def test_a_naive_moment_is_refused_as_by_sqlalchemy(engine: sa.Engine) -> None:
    with engine.begin() as conn, pytest.raises(ValueError, match="naive"):
        MultiRow(_notes, ["id", "day", "at", "flag"]).execute(
            conn, [(1, dt.date(2026, 3, 1), dt.datetime(2026, 3, 1, 2, 30), True)]
        )


def test_a_duplicate_key_raises_sqlalchemys_integrity_error(engine: sa.Engine) -> None:
    multi = MultiRow(_counts, ["key", "n"])
    with engine.connect() as conn:
        conn.begin()
        multi.execute(conn, [("a", 1)])
        with pytest.raises(IntegrityError):
            multi.execute(conn, [("b", 1), ("a", 2)])


def test_an_upsert_suffix_sums_on_conflict(engine: sa.Engine) -> None:
    upsert = MultiRow(_counts, ["key", "n"], " ON CONFLICT (key) DO UPDATE SET n = counts.n + excluded.n")
    with engine.begin() as conn:
        upsert.execute(conn, [("a", 1), ("b", 2)])
        upsert.execute(conn, [("a", 10), ("c", 3)])
        assert dict(conn.exec_driver_sql("SELECT key, n FROM counts").all()) == {"a": 11, "b": 2, "c": 3}


def test_a_column_with_a_python_default_must_be_given() -> None:
    table = sa.Table("defaults", sa.MetaData(), sa.Column("id", sa.Integer(), primary_key=True),
                     sa.Column("n", sa.Integer(), default=1))  # fmt: skip
    with pytest.raises(ValueError, match="Python defaults"):
        MultiRow(table, ["id"])


_SQLITE = sqlite_dialect.dialect()


def _composed(value: dt.datetime | None) -> object:
    """What SQLAlchemy itself binds for a ``UtcDateTime`` on SQLite: its conversion, then the
    ``DATETIME`` text format (the composition ``UtcDateTime.bind_processor`` does in one step)."""
    column = UtcDateTime()
    text = column.impl_instance.dialect_impl(_SQLITE).bind_processor(_SQLITE)
    assert text is not None
    return text(column.process_bind_param(value, _SQLITE))


@given(
    st.datetimes(
        min_value=dt.datetime(1, 1, 2),
        max_value=dt.datetime(9999, 12, 30),
        timezones=st.sampled_from(
            [dt.UTC, dt.timezone(dt.timedelta(hours=7)), dt.timezone(dt.timedelta(hours=-9, minutes=-30))]
        ),
    )
)
def test_a_moment_is_bound_on_sqlite_exactly_as_sqlalchemy_composes_it(moment: dt.datetime) -> None:
    fused = UtcDateTime().dialect_impl(_SQLITE).bind_processor(_SQLITE)
    assert fused is not None
    assert fused(moment) == _composed(moment)
    assert fused(None) is None


def test_a_naive_moment_is_refused_by_the_fused_processor_too() -> None:
    fused = UtcDateTime().dialect_impl(_SQLITE).bind_processor(_SQLITE)
    assert fused is not None
    with pytest.raises(ValueError, match="naive"):
        fused(dt.datetime(2026, 3, 1, 9, 30))
    with pytest.raises(ValueError, match="naive"):
        _composed(dt.datetime(2026, 3, 1, 9, 30))


def test_the_two_moments_of_a_repeated_hour_are_bound_an_hour_apart() -> None:
    """In a zone's repeated hour, 01:30 before and after the clocks go back are equal as datetimes
    (PEP 495) but an hour apart: a remembered text must never be the other one's."""
    from zoneinfo import ZoneInfo

    fused = UtcDateTime().dialect_impl(_SQLITE).bind_processor(_SQLITE)
    assert fused is not None
    new_york = ZoneInfo("America/New_York")
    first = dt.datetime(2026, 11, 1, 1, 30, tzinfo=new_york)
    second = first.replace(fold=1)
    assert (fused(first), fused(second)) == ("2026-11-01 05:30:00.000000", "2026-11-01 06:30:00.000000")
    assert (fused(second), fused(first)) == ("2026-11-01 06:30:00.000000", "2026-11-01 05:30:00.000000")
