"""Writing ticket histories into the store the real way, and emptying it between examples."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Sequence

import attrs
import pytest
import sqlalchemy as sa

from digitransform.domain import TicketHistory
from feedback_service.store import (
    Actor,
    Database,
    IdConflict,
    NewOccurrence,
    NewTicket,
    Scope,
    VersionMismatch,
    add_occurrence,
    create_ticket,
    transition_ticket,
)
from feedback_service.store.aggregate import (
    trend_days,
    trend_days_commune,
    trend_days_province,
    trend_weeks_commune,
    trend_weeks_province,
)
from feedback_service.store.tables import occurrences, teams, ticket_events, tickets
from feedback_service.store.tokens import ensure_teams

TEAM_ACTOR = Actor("tok-team", "team")
OFFICIAL = Actor("tok-official", "official")


async def clear(db: Database) -> None:
    """Delete every ticket, team and aggregate row (between Hypothesis examples)."""

    def work(conn: sa.Connection) -> None:
        for table in (
            trend_days,
            trend_days_commune,
            trend_days_province,
            trend_weeks_commune,
            trend_weeks_province,
            ticket_events,
            occurrences,
            tickets,
        ):
            conn.execute(sa.delete(table))
        conn.execute(sa.text("DELETE FROM tokens"))
        conn.execute(sa.delete(teams))

    await db.write(work)


async def load(db: Database, histories: Sequence[TicketHistory], *, concurrently: bool = False) -> None:
    """Write each history through ``create_ticket``, ``transition_ticket`` and ``add_occurrence``.

    Every ticket must have a team (the store's tickets always do). Each mutation's ``now`` is the
    event's own moment, so the stored history is the one given.

    ``concurrently`` writes every ticket's history in a task of its own, all at once, so writes of
    different tickets share transactions (SQLite's group commit) or run side by side (PostgreSQL);
    each ticket also meets two refused writes (an id taken by other content, a stale version),
    which must change nothing.
    """
    created = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    wanted = {h.ticket.team: h.ticket.commune for h in histories if h.ticket.team is not None}
    assert all(h.ticket.team is not None for h in histories)
    await db.write(lambda conn: ensure_teams(conn, wanted.items(), created))
    if concurrently:
        await asyncio.gather(*(_write(db, history, refusals=True) for history in histories))
    else:
        for history in histories:
            await _write(db, history)


async def _write(db: Database, history: TicketHistory, *, refusals: bool = False) -> None:
    t = history.ticket
    assert t.team is not None
    new = NewTicket(
        id=t.id,
        team=t.team,
        commune=t.commune,
        village=t.village,
        categories=t.categories,
        service=t.service,
        description=t.description,
        people_affected=t.people_affected,
        household_ref=t.household_ref,
        consent=True,
        observed_at=t.observed_at,
    )
    _, stored = await create_ticket(db, new, TEAM_ACTOR, t.observed_at)
    if refusals:
        other = attrs.evolve(new, description=new.description + " (khác)")
        with pytest.raises(IdConflict):
            await create_ticket(db, other, TEAM_ACTOR, t.observed_at)
    for event in history.events:
        if refusals and event.transition is not None:
            with pytest.raises(VersionMismatch):
                await transition_ticket(
                    db,
                    Scope.everything(),
                    t.id,
                    event.transition,
                    expected_version=stored.version + 7,
                    actor=OFFICIAL,
                    now=event.at,
                )
        if event.transition is not None:
            stored = await transition_ticket(
                db,
                Scope.everything(),
                t.id,
                event.transition,
                expected_version=stored.version,
                actor=OFFICIAL,
                now=event.at,
            )
        else:
            occurrence = NewOccurrence(
                id=str(uuid.uuid4()),
                ticket_id=t.id,
                team=t.team,
                household_ref=None,
                people_affected=event.people_added,
                observed_at=event.at,
            )
            _, stored, _ = await add_occurrence(db, Scope.everything(), occurrence, TEAM_ACTOR, event.at)
