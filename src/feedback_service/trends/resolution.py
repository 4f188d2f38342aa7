"""Time to resolve, from the history's resolve entries: median and 90th percentile per group.

The resolutions are read here; the figures are the library's
(:func:`~digitransform.trends.resolution.resolution_times_of`, percentiles in Python), so SQLite
(which has no ``percentile_cont``) and PostgreSQL give the same figures as the reference.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from digitransform.domain import ResolutionType, TicketAction
from digitransform.trends import GroupBy, GroupKey, ResolutionTimes, TicketFilter
from digitransform.trends.grouping import parse_group_by
from digitransform.trends.resolution import Resolutions, resolution_times_of
from feedback_service.auth.scope import within
from feedback_service.store.database import Database
from feedback_service.store.records import Scope
from feedback_service.store.tables import ticket_events, tickets
from feedback_service.trends.ageing import ticket_clauses, ticket_groups
from feedback_service.trends.sql import day_bounds

__all__ = ["resolution_times", "resolutions_in"]

_SLICE = 1_000
"""Resolutions read and counted at a time."""


async def resolutions_in(
    db: Database, first: dt.date, last: dt.date, group_by: GroupBy | None, where: TicketFilter
) -> tuple[Resolutions, dict[GroupKey, Resolutions]]:
    """Each resolve on local dates ``first``..``last`` (wait since observation, on the spot?), by group."""
    start, stop = day_bounds(first, last)
    stmt = (
        sa.select(
            ticket_events.c.at,
            ticket_events.c.resolution,
            tickets.c.observed_at,
            tickets.c.commune,
            tickets.c.village,
            tickets.c.team,
            tickets.c.service,
            tickets.c.categories,
        )
        .join(tickets, tickets.c.id == ticket_events.c.ticket_id)
        .where(
            ticket_events.c.action == TicketAction.RESOLVE.value,
            ticket_events.c.at >= start,
            ticket_events.c.at < stop,
            *ticket_clauses(where),
        )
    )
    everything: Resolutions = []
    per_group: dict[GroupKey, Resolutions] = {}
    async with db.reading() as conn:
        # Slices of rows, each read by the driver while the event loop serves other requests: a long
        # window's resolutions never hold the loop at once (docs/performance.md).
        result = await conn.stream(stmt)
        async for rows in result.partitions(_SLICE):
            for row in rows:
                found = (row.at - row.observed_at, row.resolution == ResolutionType.ON_THE_SPOT.value)
                everything.append(found)
                if group_by is not None:
                    for key in ticket_groups(row, group_by, where):
                        per_group.setdefault(key, []).append(found)
    return everything, per_group


async def resolution_times(
    db: Database,
    scope: Scope,
    first: dt.date,
    last: dt.date,
    group_by: GroupBy | str | None = None,
    where: TicketFilter | None = None,
) -> ResolutionTimes:
    """Median and 90th percentile time to resolve: :func:`digitransform.trends.resolution_times`."""
    if last < first:
        raise ValueError(f"to: {last} precedes from: {first}")
    grouping = parse_group_by(group_by)
    found = await resolutions_in(db, first, last, grouping, within(scope, where))
    return resolution_times_of(first, last, grouping, *found)
