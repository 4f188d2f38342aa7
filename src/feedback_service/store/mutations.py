"""Every change to a ticket, each in ONE transaction: creation, transition, "me too" occurrence.

This module is the only writer of ``tickets``, ``occurrences`` and ``ticket_events``. Each mutation
reads what it needs, asks the domain what the change is (:func:`~digitransform.domain.transition_lifecycle`:
whether it is allowed, the state after it, its moment, ``resolved_at``;
:func:`~digitransform.domain.change_moment` for an occurrence), writes the ticket row as the domain
says, and calls :func:`record_change` with the change as the library describes it
(:class:`~digitransform.trends.TicketChange`: the moment, the state and people before and after).

:func:`record_change` is the seam for everything that must move in step with a ticket: today it
writes the history entry, and adds the per-day trend aggregate's rows
(``digitransform.trends.change_deltas``) to the same transaction, so the aggregate can never
disagree with the tickets.

Each mutation is a synchronous function of a connection, run by :meth:`Database.write
<feedback_service.store.database.Database.write>`, committed together with whatever other writes
arrived meanwhile (group commit: SQLite's writer thread, PostgreSQL's pooled writer).

Idempotency: ids are minted by clients. A retry with the same content (compared by a canonical hash)
returns what is stored, never a second row; the same id with other content is an
:class:`~feedback_service.store.errors.IdConflict`. A single creation inserts at once: the primary
key refuses a retry (or the loser of two concurrent first attempts), its transaction rolls back,
and it re-reads the stored row. A batch looks each id up first instead (a resent batch is mostly
retries, and a look-up is cheaper than a failed insert rolled back to its savepoint).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from typing import Any

import attrs
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from digitransform.domain import (
    Lifecycle,
    Ticket,
    TicketState,
    TicketStatus,
    Transition,
    change_moment,
    transition_lifecycle,
)
from digitransform.trends import DailyDelta, TicketChange, change_deltas
from feedback_service.store.aggregate import add_deltas, savepoint
from feedback_service.store.database import Database, insert_later, inserts_only
from feedback_service.store.errors import IdConflict, TicketNotFound, UnknownDuplicate, VersionMismatch
from feedback_service.store.queries import load_occurrence, load_ticket, occurrence_by_id, ticket_by_id
from feedback_service.store.records import (
    Actor,
    HistoryEntry,
    NewOccurrence,
    NewTicket,
    Outcome,
    Scope,
    StoredOccurrence,
    StoredTicket,
    category_order,
)
from feedback_service.store.rows import entry_values, state_values, ticket_values
from feedback_service.store.tables import occurrences, ticket_events, tickets

__all__ = [
    "add_occurrence",
    "change_records",
    "create_ticket",
    "create_tickets",
    "record_change",
    "transition_ticket",
]

CREATE = "create"
OCCURRENCE = "occurrence"

# Built once: constructing a statement per call costs more than executing it on SQLite.
_INSERT_TICKET = tickets.insert()
_INSERT_EVENT = ticket_events.insert()
_INSERT_OCCURRENCE = occurrences.insert()


def record_change(
    conn: sa.Connection, ticket: Ticket, change: TicketChange, entry: HistoryEntry, *, later: bool = False
) -> None:
    """Record one change to ``ticket`` in the caller's transaction: the history entry and the trend aggregate.

    Called by every mutation, after the ticket row is written and before the commit. ``change`` is
    the library's description of the change (``change.before`` is ``None`` for a creation), so
    anything derived from ticket changes (the per-day trend aggregate of
    ``digitransform.trends.change_deltas(ticket, change)``) belongs here (:func:`change_records`), in
    the same transaction. The aggregate's rows are upserted when the transaction's writes are done
    (:func:`~feedback_service.store.aggregate.flush_deltas`), summed with those of the writes that
    share its commit. ``later``: the history row goes in with the group's (:func:`insert_later`).
    """
    _write_change(conn, *change_records(ticket, change, entry), later=later)


def change_records(
    ticket: Ticket, change: TicketChange, entry: HistoryEntry
) -> tuple[dict[str, Any], tuple[DailyDelta, ...]]:
    """What :func:`record_change` writes for a change: the history row and the aggregate's rows.

    A function of the change alone, so a creation computes it before its transaction
    (:func:`create_ticket`), on the event loop, while the writer commits other tickets.
    """
    return entry_values(entry), change_deltas(ticket, change)


def _write_change(
    conn: sa.Connection, event: dict[str, Any], deltas: Sequence[DailyDelta], *, later: bool = False
) -> None:
    if later:
        insert_later(conn, _INSERT_EVENT, [event])
    else:
        conn.execute(_INSERT_EVENT, event)
    add_deltas(conn, deltas)


async def create_ticket(
    db: Database, new: NewTicket, actor: Actor, now: dt.datetime
) -> tuple[Outcome, StoredTicket]:
    """Store a new ticket, or recognise a retry of one already stored.

    Raises :class:`IdConflict` when the id is taken by different content (or another team).
    """
    # The rows are computed here, on the event loop, while the writer commits other tickets: the
    # writer's transaction then only inserts them.
    creation = _creation(new, actor, now)
    try:
        # No look-up first: a retry is rare, and the primary key refuses it.
        # Inserts only: the group's creations share one statement per table (run_writes).
        return await db.write(inserts_only(functools.partial(_store, creation=creation, later=True)))
    except IntegrityError:
        # The id is taken: a retry, or the winner of a race between two first attempts.
        async with db.reading() as conn:
            existing = await load_ticket(conn, new.id, Scope.everything())
        if existing is None:
            raise
        return _replayed(existing, new.content_hash())


async def create_tickets(
    db: Database, items: Sequence[NewTicket], actor: Actor, now: dt.datetime
) -> list[tuple[Outcome, StoredTicket] | IdConflict]:
    """Store many tickets (an offline batch): each atomic on its own, one result per item in order.

    Each ticket is created exactly as by :func:`create_ticket`, inside a savepoint of one shared
    transaction: a ticket that fails rolls back alone, and the batch pays for one commit instead of
    one per ticket. Conflicts are returned, not raised, so one bad item never stops the others.
    """

    def work(conn: sa.Connection) -> list[tuple[Outcome, StoredTicket] | IdConflict]:
        results: list[tuple[Outcome, StoredTicket] | IdConflict] = []
        for new in items:
            try:
                try:
                    with savepoint(conn):
                        results.append(_create_or_replay(conn, new=new, actor=actor, now=now))
                except IntegrityError:
                    existing = ticket_by_id(conn, new.id)
                    if existing is None:
                        raise
                    results.append(_replayed(existing, new.content_hash()))
            except IdConflict as conflict:
                results.append(conflict)
        return results

    return await db.write(work)


def _create_or_replay(
    conn: sa.Connection, *, new: NewTicket, actor: Actor, now: dt.datetime
) -> tuple[Outcome, StoredTicket]:
    existing = ticket_by_id(conn, new.id)
    if existing is not None:
        return _replayed(existing, new.content_hash())
    return _store(conn, _creation(new, actor, now))


@attrs.frozen
class _Creation:
    """A new ticket's rows, computed before its transaction."""

    stored: StoredTicket
    ticket: dict[str, Any]
    event: dict[str, Any]
    deltas: tuple[DailyDelta, ...]


_OPEN = TicketState()
"""A new ticket's state (immutable, so every creation shares it)."""


def _creation(new: NewTicket, actor: Actor, now: dt.datetime) -> _Creation:
    digest = new.content_hash()
    observed, people = new.observed_at, new.people_affected
    stored = StoredTicket(
        id=new.id,
        team=new.team,
        commune=new.commune,
        village=new.village,
        categories=category_order(new.categories)[0],
        service=new.service,
        description=new.description,
        people_reported=people,
        people_affected=people,
        household_ref=new.household_ref,
        consent=new.consent,
        observed_at=observed,
        received_at=now,
        updated_at=now,
        changed_at=observed,
        state=_OPEN,
        external_ref=None,
        resolved_at=None,
        version=1,
        content_hash=digest,
    )
    event, deltas = change_records(
        new.domain(),
        TicketChange(observed, None, _OPEN, 0, people),
        HistoryEntry(
            ticket_id=new.id,
            at=observed,
            recorded_at=now,
            actor=actor,
            action=CREATE,
            status_before=None,
            status_after=TicketStatus.OPEN,
            people_added=people,
            people_after=people,
        ),
    )
    return _Creation(stored, ticket_values(stored), event, deltas)


def _store(conn: sa.Connection, creation: _Creation, *, later: bool = False) -> tuple[Outcome, StoredTicket]:
    """Insert a new ticket's rows (``later``: with the group's, :func:`insert_later`)."""
    if later:
        insert_later(conn, _INSERT_TICKET, [creation.ticket])
    else:
        conn.execute(_INSERT_TICKET, creation.ticket)
    _write_change(conn, creation.event, creation.deltas, later=later)
    return Outcome.CREATED, creation.stored


async def transition_ticket(
    db: Database,
    scope: Scope,
    ticket_id: str,
    transition: Transition,
    *,
    expected_version: int,
    actor: Actor,
    now: dt.datetime,
) -> StoredTicket:
    """Apply an official's action if the ticket is still at ``expected_version`` and the lifecycle allows it.

    Raises :class:`TicketNotFound`, :class:`VersionMismatch`, :class:`UnknownDuplicate`, or the
    domain's :class:`~digitransform.domain.LifecycleError`; nothing is written then.
    """

    def work(conn: sa.Connection) -> StoredTicket:
        current = ticket_by_id(conn, ticket_id, scope, for_update=True)
        if current is None:
            raise TicketNotFound(ticket_id)
        if current.version != expected_version:
            raise VersionMismatch(ticket_id, current.version)
        before = Lifecycle(current.state, current.changed_at, current.resolved_at, current.external_ref)
        lifecycle = transition_lifecycle(before, transition, now, ticket_id=ticket_id)
        after, at = lifecycle.state, lifecycle.changed_at
        if transition.duplicate_of is not None and ticket_by_id(conn, transition.duplicate_of, scope) is None:
            raise UnknownDuplicate(transition.duplicate_of)
        _update(
            conn,
            current,
            {
                **state_values(after),
                "external_ref": lifecycle.external_ref,
                "resolved_at": lifecycle.resolved_at,
                "updated_at": now,
                "changed_at": at,
            },
        )
        change = TicketChange(at, current.state, after, current.people_affected, current.people_affected)
        record_change(
            conn,
            current.domain(),
            change,
            HistoryEntry(
                ticket_id=ticket_id,
                at=at,
                recorded_at=now,
                actor=actor,
                action=transition.action.value,
                status_before=current.status,
                status_after=after.status,
                people_added=0,
                people_after=current.people_affected,
                resolution=transition.resolution,
                reason=transition.reason,
                duplicate_of=transition.duplicate_of,
                external_ref=transition.external_ref,
                note=transition.note,
            ),
        )
        return _evolve(
            current,
            state=after,
            external_ref=lifecycle.external_ref,
            resolved_at=lifecycle.resolved_at,
            updated_at=now,
            changed_at=at,
        )

    return await db.write(work)


async def add_occurrence(
    db: Database, scope: Scope, new: NewOccurrence, actor: Actor, now: dt.datetime
) -> tuple[Outcome, StoredTicket, StoredOccurrence]:
    """Add another household's people to a ticket ("me too"), or recognise a retry of that.

    Raises :class:`TicketNotFound` (the ticket is not in ``scope``) or :class:`IdConflict`.
    """
    digest = new.content_hash()

    def work(conn: sa.Connection) -> tuple[Outcome, StoredTicket, StoredOccurrence]:
        known = occurrence_by_id(conn, new.id)
        if known is not None:
            return _occurrence_replayed(known, digest, ticket_by_id(conn, known.ticket_id, scope))
        current = ticket_by_id(conn, new.ticket_id, scope, for_update=True)
        if current is None:
            raise TicketNotFound(new.ticket_id)
        stored = StoredOccurrence(
            id=new.id,
            ticket_id=new.ticket_id,
            team=new.team,
            household_ref=new.household_ref,
            people_affected=new.people_affected,
            observed_at=new.observed_at,
            received_at=now,
            content_hash=digest,
        )
        conn.execute(_INSERT_OCCURRENCE, attrs.asdict(stored))
        # An occurrence counts when it was observed, dated as the domain dates every change.
        at = change_moment(current.changed_at, new.observed_at)
        people = current.people_affected + new.people_affected
        _update(conn, current, {"people_affected": people, "updated_at": now, "changed_at": at})
        change = TicketChange(at, current.state, current.state, current.people_affected, people)
        record_change(
            conn,
            current.domain(),
            change,
            HistoryEntry(
                ticket_id=current.id,
                at=at,
                recorded_at=now,
                actor=actor,
                action=OCCURRENCE,
                status_before=current.status,
                status_after=current.status,
                people_added=new.people_affected,
                people_after=people,
                occurrence_id=new.id,
            ),
        )
        ticket = _evolve(current, people_affected=people, updated_at=now, changed_at=at)
        return Outcome.CREATED, ticket, stored

    try:
        return await db.write(work)
    except IntegrityError:
        # A concurrent first attempt of the same occurrence won the race (PostgreSQL).
        async with db.reading() as conn:
            known = await load_occurrence(conn, new.id)
            if known is None:
                raise
            return _occurrence_replayed(known, digest, await load_ticket(conn, known.ticket_id, scope))


def _replayed(existing: StoredTicket, digest: str) -> tuple[Outcome, StoredTicket]:
    if existing.content_hash != digest:
        raise IdConflict("ticket", existing.id)
    return Outcome.REPLAYED, existing


def _occurrence_replayed(
    known: StoredOccurrence, digest: str, ticket: StoredTicket | None
) -> tuple[Outcome, StoredTicket, StoredOccurrence]:
    if known.content_hash != digest:
        raise IdConflict("occurrence", known.id)
    if ticket is None:  # the same content means the same team, so this is only a narrowed scope
        raise TicketNotFound(known.ticket_id)
    return Outcome.REPLAYED, ticket, known


def _update(conn: sa.Connection, current: StoredTicket, values: dict[str, object]) -> None:
    result = conn.execute(
        sa.update(tickets)
        .where(tickets.c.id == current.id, tickets.c.version == current.version)
        .values(**values, version=current.version + 1)
    )
    if result.rowcount != 1:  # only without row locks; kept as the last line of defence
        raise VersionMismatch(current.id, current.version + 1)


def _evolve(ticket: StoredTicket, **changes: object) -> StoredTicket:
    return attrs.evolve(ticket, version=ticket.version + 1, **changes)  # type: ignore[arg-type]
