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

from digitransform.domain import TicketStatus, local_date
from digitransform.trends import (
    TOTAL,
    BacklogAgeing,
    GroupBy,
    GroupKey,
    TicketFilter,
)
from digitransform.trends.ageing import AgeingTally, moment_of
from digitransform.trends.grouping import parse_group_by, sort_key
from feedback_service.auth.scope import within
from feedback_service.store.database import Database
from feedback_service.store.records import Scope
from feedback_service.store.tables import ticket_categories, ticket_events, tickets
from feedback_service.trends.sql import unit_clauses

__all__ = ["backlog_ageing", "ticket_clauses", "ticket_groups"]

_UNRESOLVED = sorted(s.value for s in TicketStatus if s.is_unresolved)
_SLICE = 1_000
"""Backlog rows read and tallied at a time."""


def ticket_clauses(where: TicketFilter) -> list[sa.ColumnElement[bool]]:
    """WHERE clauses selecting the ``tickets`` rows a filter keeps."""
    clauses = unit_clauses(tickets.c, where)
    if where.category is not None:
        clauses.append(
            sa.exists().where(
                ticket_categories.c.ticket_id == tickets.c.id,
                ticket_categories.c.category == where.category.value,
            )
        )
    return clauses


def ticket_groups(row: Any, group_by: GroupBy | None, where: TicketFilter) -> tuple[GroupKey, ...]:
    """The groups a ticket row counts in, as :func:`digitransform.trends.grouping.group_keys` says."""
    if group_by is None:
        return (TOTAL,)
    if group_by is GroupBy.CATEGORY:
        if where.category is not None:
            return (where.category.value,)
        return tuple(sorted(row.categories.split(",")))
    return (getattr(row, group_by.value),)


async def backlog_ageing(
    db: Database,
    scope: Scope,
    at: dt.date | dt.datetime,
    group_by: GroupBy | str | None = None,
    where: TicketFilter | None = None,
) -> BacklogAgeing:
    """Tickets unresolved at ``at`` by age since observation: :func:`digitransform.trends.backlog_ageing`."""
    moment = moment_of(at)
    today = local_date(moment)
    grouping = parse_group_by(group_by)
    scoped = within(scope, where)
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
    total = AgeingTally()
    groups: dict[GroupKey, AgeingTally] = {}

    def tally(row: Any, people: int) -> None:
        age = (today - local_date(row.observed_at)).days
        total.add(age, people)
        if grouping is not None:
            for key in ticket_groups(row, grouping, scoped):
                groups.setdefault(key, AgeingTally()).add(age, people)

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
                tally(row, row.people_affected)
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
            tally(r, known[1])
    whole = total.group(TOTAL)
    if grouping is None:
        return BacklogAgeing(moment, None, (whole,), whole)
    return BacklogAgeing(
        moment, grouping, tuple(groups[k].group(k) for k in sorted(groups, key=sort_key)), whole
    )
