"""The ageing of the backlog at a moment, from the tickets themselves (indexed by status).

Ageing needs each unresolved ticket's age, which the per-day aggregate does not keep, so it reads
the tickets unresolved now (an index on ``status``) and, for a moment in the past, the tickets
changed since then (an index on ``changed_at``) with their history up to that moment. The result
is the library's :class:`~digitransform.trends.BacklogAgeing`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from digitransform.domain import TicketStatus
from digitransform.trends import (
    BacklogAgeing,
    GroupBy,
    GroupKey,
    TicketFilter,
)
from digitransform.trends.ageing import AgeingTally
from digitransform.trends.grouping import keys_for
from feedback_service.auth.scope import within
from feedback_service.store.database import Database
from feedback_service.store.records import Scope
from feedback_service.store.rows import has_category
from feedback_service.store.tables import ticket_events, tickets
from feedback_service.trends.sql import unit_clauses

__all__ = ["backlog_ageing", "ticket_clauses", "ticket_groups"]

_UNRESOLVED = sorted(s.value for s in TicketStatus if s.is_unresolved)
_SLICE = 1_000
"""Backlog rows read and tallied at a time."""


def ticket_clauses(where: TicketFilter) -> list[sa.ColumnElement[bool]]:
    """WHERE clauses selecting the ``tickets`` rows a filter keeps."""
    clauses = unit_clauses(tickets.c, where)
    if where.category is not None:
        clauses.append(has_category(where.category))
    return clauses


def ticket_groups(row: Any, group_by: GroupBy | None, where: TicketFilter) -> tuple[GroupKey, ...]:
    """The groups a ``tickets`` row counts in: the library's
    :func:`~digitransform.trends.grouping.keys_for` of its columns (``categories`` comma-separated)."""
    categories = row.categories.split(",") if group_by is GroupBy.CATEGORY else ()
    return keys_for(
        group_by,
        where,
        categories=categories,
        service=row.service,
        commune=row.commune,
        village=row.village,
        team=row.team,
    )


async def backlog_ageing(
    db: Database,
    scope: Scope,
    at: dt.date | dt.datetime,
    group_by: GroupBy | str | None = None,
    where: TicketFilter | None = None,
) -> BacklogAgeing:
    """Tickets unresolved at ``at`` by age since observation: :func:`digitransform.trends.backlog_ageing`."""
    scoped = within(scope, where)
    tally = AgeingTally(at, group_by)
    moment, grouping = tally.at, tally.group_by
    columns = (
        tickets.c.id,
        tickets.c.commune,
        tickets.c.village,
        tickets.c.team,
        tickets.c.service,
        tickets.c.categories,
        tickets.c.observed_at,
        tickets.c.people_affected,
        tickets.c.changed_at,
    )
    base = [tickets.c.observed_at <= moment, *ticket_clauses(scoped)]
    async with db.reading() as conn:
        # The backlog in slices, each read by the driver while the event loop serves other requests:
        # a large backlog never holds the loop at once (docs/performance.md).
        now_open = await conn.stream(
            sa.select(*columns).where(
                *base, tickets.c.status.in_(_UNRESOLVED), tickets.c.changed_at <= moment
            )
        )
        async for rows in now_open.partitions(_SLICE):
            for row in rows:
                tally.add(row.observed_at, row.people_affected, ticket_groups(row, grouping, scoped))
        changed = (await conn.execute(sa.select(*columns).where(*base, tickets.c.changed_at > moment))).all()
        then: dict[str, tuple[str, int]] = {}
        if changed:
            ids = [r.id for r in changed]
            for start in range(0, len(ids), 500):
                events = await conn.execute(
                    sa.select(
                        ticket_events.c.ticket_id, ticket_events.c.status_after, ticket_events.c.people_after
                    )
                    .where(
                        ticket_events.c.ticket_id.in_(ids[start : start + 500]), ticket_events.c.at <= moment
                    )
                    .order_by(ticket_events.c.ticket_id, ticket_events.c.id)
                )
                for ticket_id, status, people in events:
                    then[ticket_id] = (status, people)
    for r in changed:
        known = then.get(r.id)
        if known is not None and TicketStatus(known[0]).is_unresolved:
            tally.add(r.observed_at, known[1], ticket_groups(r, grouping, scoped))
    return tally.ageing()
