"""Retention: closed tickets lose their household references and free text, history included.

A ticket resolved or rejected at least ``FEEDBACK_RETENTION_DAYS`` ago (its last change) keeps
what the figures need (commune, village, team, categories, service, people, status, resolution and
every moment) and loses the rest: its description and any rejection reason become
:data:`REDACTED`; its household reference, its occurrences' household references and its external
reference are emptied; in its history each note and external reference is emptied and each reason
becomes :data:`REDACTED` (the lifecycle still replays: a rejection still has a reason). The content
hashes that covered those fields are replaced too, so no digest of them remains either (a client
retrying the old ticket now gets ``409 id-conflict``).

No copy is left in the database files: on SQLite the updates run with ``secure_delete`` (freed
bytes are zeroed), then ``VACUUM`` rebuilds the file and the WAL is checkpointed and truncated; on
PostgreSQL ``VACUUM FULL`` rewrites the three tables, so the old row versions are gone. Backups
taken before keep their copies: keep them no longer than the retention period.
"""

from __future__ import annotations

import datetime as dt
import sqlite3

import attrs
import sqlalchemy as sa

from digitransform.domain import TicketStatus
from feedback_service.store.database import Database
from feedback_service.store.tables import occurrences, ticket_events, tickets

__all__ = ["REDACTED", "REDACTED_HASH", "RetentionResult", "redact_closed_tickets"]

REDACTED = "[đã xoá sau thời hạn lưu trữ · removed after the retention period]"
"""What a redacted description or reason reads."""
REDACTED_HASH = "0" * 64
"""The content hash of a redacted ticket or occurrence: no content hashes to it."""
_CLOSED = (TicketStatus.RESOLVED.value, TicketStatus.REJECTED.value)
_CHUNK = 500


@attrs.frozen
class RetentionResult:
    """How many tickets were redacted, and before which moment they had to be closed."""

    tickets: int
    cutoff: dt.datetime


def _redact(conn: sa.Connection, cutoff: dt.datetime) -> int:
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("PRAGMA secure_delete=ON")
    due = sa.select(tickets.c.id).where(
        tickets.c.status.in_(_CLOSED),
        tickets.c.changed_at <= cutoff,
        sa.or_(tickets.c.content_hash != REDACTED_HASH, tickets.c.household_ref.is_not(None)),
    )
    ids = list(conn.execute(due).scalars())
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        conn.execute(
            tickets.update()
            .where(tickets.c.id.in_(chunk))
            .values(
                description=REDACTED,
                household_ref=None,
                external_ref=None,
                rejection_reason=sa.case((tickets.c.rejection_reason.is_(None), None), else_=REDACTED),
                content_hash=REDACTED_HASH,
            )
        )
        conn.execute(
            ticket_events.update()
            .where(ticket_events.c.ticket_id.in_(chunk))
            .values(
                note=None,
                external_ref=None,
                reason=sa.case((ticket_events.c.reason.is_(None), None), else_=REDACTED),
            )
        )
        conn.execute(
            occurrences.update()
            .where(occurrences.c.ticket_id.in_(chunk))
            .values(household_ref=None, content_hash=REDACTED_HASH)
        )
    return len(ids)


async def redact_closed_tickets(db: Database, now: dt.datetime, days: int) -> RetentionResult:
    """Redact every ticket closed (resolved or rejected) ``days`` or more before ``now``, then
    compact the store so no copy of what was removed remains (see the module's docstring)."""
    if days < 0:
        raise ValueError(f"retention days must be ≥ 0, got {days}")
    cutoff = now - dt.timedelta(days=days)
    count = await db.write(lambda conn: _redact(conn, cutoff))
    await _compact(db)
    return RetentionResult(count, cutoff)


async def _compact(db: Database) -> None:
    url = db.engine.url
    if db.dialect == "sqlite":
        # VACUUM cannot run in a transaction, and the service's connections always open one.
        connection = sqlite3.connect(url.database or "", timeout=30, isolation_level=None)
        try:
            connection.execute("PRAGMA secure_delete=ON")
            connection.execute("VACUUM")
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            connection.close()
        return
    async with db.engine.connect() as conn:
        autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await autocommit.exec_driver_sql("VACUUM FULL tickets, ticket_events, occurrences")
