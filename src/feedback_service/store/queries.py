"""The read side: one ticket, a filtered page of tickets, a ticket's history, an occurrence.

Every read takes the caller's :class:`~feedback_service.store.records.Scope`, and a ticket outside it
is simply not found, so the edge cannot forget to hide another commune's data.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from digitransform.domain import Barrier, DigitalService, TicketStatus
from feedback_service.store.cursor import Cursor, CursorError
from feedback_service.store.database import Database, Lookup
from feedback_service.store.records import HistoryEntry, Scope, StoredOccurrence, StoredTicket
from feedback_service.store.rows import entry_from_row, has_category, occurrence_from_row, ticket_from_row
from feedback_service.store.tables import occurrences, ticket_events, tickets, tokens

__all__ = [
    "BY_AGE",
    "BY_PEOPLE",
    "BY_RECEIVED",
    "BY_UPDATED",
    "SORTS",
    "TicketPage",
    "TicketQuery",
    "find_ticket",
    "list_tickets",
    "load_occurrence",
    "load_ticket",
    "occurrence_by_id",
    "official_notes",
    "ticket_by_id",
    "ticket_history",
    "ticket_occurrences",
    "token_labels",
]

BY_RECEIVED = "received"
"""Newest first by arrival: a listing for people."""
BY_UPDATED = "updated"
"""Oldest change first: a sync feed (``updated_since``) a client can follow to the end."""
BY_AGE = "age"
"""Oldest observation first (the longest wait on top): a work list, paged by ``offset``."""
BY_PEOPLE = "people"
"""Most people affected first: a work list, paged by ``offset``."""
SORTS = (BY_RECEIVED, BY_AGE, BY_PEOPLE)
"""The orders a listing for people can be read in."""


@attrs.frozen(kw_only=True)
class TicketQuery:
    """Filters of ``GET /tickets``; ``None`` means no filter."""

    statuses: frozenset[TicketStatus] | None = None
    category: Barrier | None = None
    service: DigitalService | None = None
    commune: str | None = None
    village: str | None = None
    team: str | None = None
    observed_from: dt.datetime | None = None
    observed_to: dt.datetime | None = None
    """Exclusive upper bound."""
    updated_since: dt.datetime | None = None
    waiting_on_us: bool = False
    """Only tickets officials still have to act on: unresolved and not escalated to an outside body
    (no ``external_ref``)."""
    text: str | None = None
    """A ticket id's beginning, or words of the description (case-insensitive)."""
    sort: str = BY_RECEIVED
    """:data:`BY_RECEIVED` (newest first, paged by cursor), :data:`BY_AGE` or :data:`BY_PEOPLE`
    (paged by ``offset``); ignored for a sync feed (``updated_since``)."""
    limit: int = 50
    after: Cursor | None = None
    offset: int = 0

    @property
    def order(self) -> str:
        return BY_UPDATED if self.updated_since is not None else self.sort


@attrs.frozen
class TicketPage:
    """A page of tickets and the cursor of the next one (``None`` on the last page)."""

    items: tuple[StoredTicket, ...]
    next_cursor: Cursor | None
    more: bool = False
    """Whether another page follows (also for the orders paged by offset, which have no cursor)."""


def _scoped(scope: Scope) -> list[sa.ColumnElement[bool]]:
    clauses: list[sa.ColumnElement[bool]] = []
    if scope.team is not None:
        clauses.append(tickets.c.team == scope.team)
    if scope.communes is not None:
        clauses.append(tickets.c.commune.in_(sorted(scope.communes)))
    return clauses


def _ticket_select(ticket_id: str, scope: Scope, for_update: bool) -> sa.Select[Any]:
    query = sa.select(tickets).where(tickets.c.id == ticket_id, *_scoped(scope))
    return query.with_for_update() if for_update else query


async def load_ticket(
    conn: AsyncConnection, ticket_id: str, scope: Scope, *, for_update: bool = False
) -> StoredTicket | None:
    """The ticket if it exists within ``scope``; ``for_update`` locks its row (PostgreSQL) for a write."""
    row = (await conn.execute(_ticket_select(ticket_id, scope, for_update))).first()
    return None if row is None else ticket_from_row(row)


def ticket_by_id(
    conn: sa.Connection, ticket_id: str, scope: Scope | None = None, *, for_update: bool = False
) -> StoredTicket | None:
    """:func:`load_ticket` on a synchronous connection: inside a write (:meth:`Database.write`) or a
    small read (:meth:`Database.read`); no ``scope`` means any commune.

    Ids are global, so a retry is recognised whoever's scope the ticket is in.
    """
    query = _ticket_select(ticket_id, Scope.everything() if scope is None else scope, for_update)
    row = conn.execute(query).first()
    return None if row is None else ticket_from_row(row)


_BY_ID = Lookup(sa.select(tickets).where(tickets.c.id == sa.bindparam("id")))
_BY_ID_IN_COMMUNE = Lookup(_BY_ID.statement.where(tickets.c.commune == sa.bindparam("commune")))
_BY_ID_OF_TEAM = Lookup(_BY_ID_IN_COMMUNE.statement.where(tickets.c.team == sa.bindparam("team")))


async def find_ticket(db: Database, ticket_id: str, scope: Scope) -> StoredTicket | None:
    """The ticket if it exists within ``scope``: :func:`load_ticket` as one prepared lookup."""
    communes = scope.communes
    if communes is None and scope.team is None:
        row = await db.lookup(_BY_ID, id=ticket_id)
    elif communes is not None and len(communes) == 1:
        (commune,) = communes
        if scope.team is None:
            row = await db.lookup(_BY_ID_IN_COMMUNE, id=ticket_id, commune=commune)
        else:
            row = await db.lookup(_BY_ID_OF_TEAM, id=ticket_id, commune=commune, team=scope.team)
    else:  # no commune at all (nothing to see), or several
        return await db.read(lambda conn: ticket_by_id(conn, ticket_id, scope))
    return None if row is None else ticket_from_row(row)


async def list_tickets(conn: AsyncConnection, scope: Scope, query: TicketQuery) -> TicketPage:
    """A page of the tickets in ``scope`` that match ``query``, in a stable order."""
    clauses = _scoped(scope)
    if query.statuses is not None:
        clauses.append(tickets.c.status.in_(sorted(s.value for s in query.statuses)))
    if query.category is not None:
        clauses.append(has_category(query.category))
    equal: list[tuple[sa.Column[Any], str | None]] = [
        (tickets.c.service, None if query.service is None else query.service.value),
        (tickets.c.commune, query.commune),
        (tickets.c.village, query.village),
        (tickets.c.team, query.team),
    ]
    clauses.extend(column == value for column, value in equal if value is not None)
    if query.observed_from is not None:
        clauses.append(tickets.c.observed_at >= query.observed_from)
    if query.observed_to is not None:
        clauses.append(tickets.c.observed_at < query.observed_to)
    if query.waiting_on_us:
        unresolved = sorted(s.value for s in TicketStatus if s.is_unresolved)
        clauses += [tickets.c.status.in_(unresolved), tickets.c.external_ref.is_(None)]
    if query.text and query.text.strip():
        words = query.text.strip().lower()
        like = "%" + words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        clauses.append(
            sa.or_(
                tickets.c.id.startswith(words, autoescape=True),
                sa.func.lower(tickets.c.description).like(like, escape="\\"),
            )
        )
    if query.order in (BY_AGE, BY_PEOPLE):
        if query.after is not None:
            raise CursorError("cursor: this order is paged by offset; start again without a cursor")
        ordering = (
            [tickets.c.observed_at.asc(), tickets.c.id.asc()]
            if query.order == BY_AGE
            else [tickets.c.people_affected.desc(), tickets.c.observed_at.asc(), tickets.c.id.asc()]
        )
        rows = (
            await conn.execute(
                sa.select(tickets)
                .where(*clauses)
                .order_by(*ordering)
                .offset(query.offset)
                .limit(query.limit + 1)
            )
        ).all()
        return TicketPage(
            tuple(ticket_from_row(r) for r in rows[: query.limit]), None, len(rows) > query.limit
        )
    if query.order == BY_UPDATED:
        moment = tickets.c.updated_at
        assert query.updated_since is not None
        clauses.append(moment >= query.updated_since)
        ordering = [moment.asc(), tickets.c.id.asc()]
    else:
        moment = tickets.c.received_at
        ordering = [moment.desc(), tickets.c.id.desc()]
    if query.after is not None:
        if query.after.order != query.order:
            raise CursorError("cursor: made for a list in another order; start again without a cursor")
        key = sa.tuple_(moment, tickets.c.id)
        bound = sa.tuple_(sa.literal(query.after.moment, moment.type), sa.literal(query.after.id))
        clauses.append(key > bound if query.order == BY_UPDATED else key < bound)
    rows = (
        await conn.execute(sa.select(tickets).where(*clauses).order_by(*ordering).limit(query.limit + 1))
    ).all()
    items = tuple(ticket_from_row(r) for r in rows[: query.limit])
    next_cursor = None
    if len(rows) > query.limit:
        last = items[-1]
        next_cursor = Cursor(
            query.order, last.updated_at if query.order == BY_UPDATED else last.received_at, last.id
        )
    return TicketPage(items, next_cursor, next_cursor is not None)


async def ticket_history(conn: AsyncConnection, ticket_id: str, scope: Scope) -> list[HistoryEntry] | None:
    """Every change to the ticket, oldest first; ``None`` if the ticket is not in ``scope``."""
    if await load_ticket(conn, ticket_id, scope) is None:
        return None
    rows = await conn.execute(
        sa.select(ticket_events).where(ticket_events.c.ticket_id == ticket_id).order_by(ticket_events.c.id)
    )
    return [entry_from_row(r) for r in rows]


async def ticket_occurrences(conn: AsyncConnection, ticket_id: str) -> list[StoredOccurrence]:
    """The ticket's "me too" occurrences, oldest observation first (the caller has checked its scope)."""
    rows = await conn.execute(
        sa.select(occurrences)
        .where(occurrences.c.ticket_id == ticket_id)
        .order_by(occurrences.c.observed_at, occurrences.c.id)
    )
    return [occurrence_from_row(r) for r in rows]


async def token_labels(conn: AsyncConnection, token_ids: set[str]) -> dict[str, str | None]:
    """The label of each token (how a history names who acted, never a person's name)."""
    if not token_ids:
        return {}
    rows = await conn.execute(
        sa.select(tokens.c.id, tokens.c.label).where(tokens.c.id.in_(sorted(token_ids)))
    )
    return {row.id: row.label for row in rows}


async def load_occurrence(conn: AsyncConnection, occurrence_id: str) -> StoredOccurrence | None:
    """An occurrence by its id, whoever recorded it (the caller checks ownership)."""
    row = (await conn.execute(_occurrence_select(occurrence_id))).first()
    return None if row is None else occurrence_from_row(row)


def occurrence_by_id(conn: sa.Connection, occurrence_id: str) -> StoredOccurrence | None:
    """:func:`load_occurrence` inside a write (:meth:`Database.write`)."""
    row = conn.execute(_occurrence_select(occurrence_id)).first()
    return None if row is None else occurrence_from_row(row)


def _occurrence_select(occurrence_id: str) -> sa.Select[Any]:
    return sa.select(occurrences).where(occurrences.c.id == occurrence_id)


async def official_notes(conn: AsyncConnection, ticket_ids: list[str]) -> dict[str, str]:
    """The latest note or reason an official wrote on each of these tickets (a team tells the
    household what happened); tickets without one are absent."""
    notes: dict[str, str] = {}
    for start in range(0, len(ticket_ids), 500):
        rows = await conn.execute(
            sa.select(ticket_events.c.ticket_id, ticket_events.c.note, ticket_events.c.reason)
            .where(
                ticket_events.c.ticket_id.in_(ticket_ids[start : start + 500]),
                ticket_events.c.actor_role == "official",
                sa.or_(ticket_events.c.note.is_not(None), ticket_events.c.reason.is_not(None)),
            )
            .order_by(ticket_events.c.id)
        )
        for ticket_id, note, reason in rows:
            notes[ticket_id] = note or reason
    return notes
