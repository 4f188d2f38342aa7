"""Failed authentications, counted per key (a client address, a token prefix) in fixed windows.

The counts live in the database, so every worker and every host of one deployment shares them:
SQLite for a commune's single machine, PostgreSQL for a province's several. A row holds the start of
its key's current window (Unix seconds) and the failures in it; a failure after the window has
passed starts a new one. Rows of windows long past are deleted as failures come in, so the table
stays small.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from feedback_service.store.database import Database, Lookup
from feedback_service.store.tables import KEY_LENGTH, auth_failures

__all__ = ["KEY_LENGTH", "auth_failures", "blocked_clause", "blocked_since", "count_failure", "open_since"]


def _over_limit() -> sa.Select[tuple[int]]:
    return sa.select(auth_failures.c.window_start).where(
        sa.or_(auth_failures.c.key == sa.bindparam("first"), auth_failures.c.key == sa.bindparam("second")),
        auth_failures.c.failures >= sa.bindparam("limit"),
        auth_failures.c.window_start > sa.bindparam("cutoff"),
    )


_BLOCKED = Lookup(_over_limit())
"""At most two rows (two keys), the first one read. No ``max()`` and no ``ORDER BY``: on SQLite
either makes this lookup two to ten times slower (28 and 130 µs against 12 µs measured with
``sqlite3``). Run for a token that is not one (malformed or unknown); a known token's check reads
the limit in its own statement (:func:`blocked_clause`)."""


def blocked_clause() -> sa.ScalarSelect[int]:
    """The latest window start among the keys ``first`` and ``second`` that reached ``limit`` failures,
    expired or not (``NULL`` if none did), as a scalar subquery: the limit read in the token's own
    statement. No ``cutoff`` parameter, so the statement's parameters do not change with the clock and
    its memo (:class:`~feedback_service.store.database.Lookup`) holds until a commit; the caller
    compares the start with the window (:func:`open_since`)."""
    over = auth_failures.c.failures >= sa.bindparam("limit")
    keys = sa.or_(auth_failures.c.key == sa.bindparam("first"), auth_failures.c.key == sa.bindparam("second"))
    return sa.select(sa.func.max(auth_failures.c.window_start)).where(keys, over).scalar_subquery()


def open_since(start: int | None, now: int, window: int) -> int | None:
    """``start`` if that window is still open at ``now``, else ``None``."""
    return start if start is not None and start > now - window else None


async def blocked_since(db: Database, keys: Sequence[str], now: int, window: int, limit: int) -> int | None:
    """The window start (Unix seconds) of one of ``keys`` (one or two) that reached ``limit``
    failures in a window still open at ``now``; ``None`` if none did. One primary-key lookup."""
    first, second = keys[0], keys[-1]
    row = await db.lookup(_BLOCKED, first=first, second=second, limit=limit, cutoff=now - window)
    return None if row is None or row[0] is None else int(row[0])


def count_failure(
    conn: sa.Connection, keys: Sequence[str], now: int, window: int
) -> dict[str, tuple[int, int]]:
    """Add one failure to each of ``keys`` (a new window where the old one passed); each key's window
    start and count after it. One upsert per key: concurrent workers never lose a count."""
    cutoff = now - window
    conn.execute(auth_failures.delete().where(auth_failures.c.window_start <= cutoff - window))
    insert = (
        postgresql.insert(auth_failures)
        if conn.dialect.name == "postgresql"
        else sqlite.insert(auth_failures)
    )
    expired = auth_failures.c.window_start <= sa.bindparam("cutoff", type_=sa.BigInteger())
    statement = insert.on_conflict_do_update(
        index_elements=[auth_failures.c.key],
        set_={
            "failures": sa.case((expired, 1), else_=auth_failures.c.failures + 1),
            "window_start": sa.case(
                (expired, insert.excluded.window_start), else_=auth_failures.c.window_start
            ),
        },
    )
    out = {}
    for key in dict.fromkeys(keys):
        conn.execute(statement, {"key": key, "window_start": now, "failures": 1, "cutoff": cutoff})
        row = conn.execute(
            sa.select(auth_failures.c.window_start, auth_failures.c.failures).where(
                auth_failures.c.key == key
            )
        ).one()
        out[key] = (int(row.window_start), int(row.failures))
    return out
