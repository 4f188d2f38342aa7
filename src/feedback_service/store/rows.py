"""Rows to records and back: the only place that knows how a ticket is laid out in columns."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from digitransform.domain import Barrier, DigitalService, ResolutionType, TicketState, TicketStatus
from feedback_service.store.records import Actor, HistoryEntry, StoredOccurrence, StoredTicket
from feedback_service.store.tables import occurrences, ticket_events, tickets

__all__ = [
    "categories_value",
    "entry_from_row",
    "entry_values",
    "has_category",
    "occurrence_from_row",
    "state_values",
    "ticket_from_row",
    "ticket_values",
]


def ticket_from_row(row: sa.Row[Any]) -> StoredTicket:
    """A stored ticket from a ``tickets`` row."""
    m = row._mapping
    return StoredTicket(
        id=m[tickets.c.id],
        team=m[tickets.c.team],
        commune=m[tickets.c.commune],
        village=m[tickets.c.village],
        categories=tuple(Barrier(c) for c in m[tickets.c.categories].split(",")),
        service=DigitalService(m[tickets.c.service]),
        description=m[tickets.c.description],
        people_reported=m[tickets.c.people_reported],
        people_affected=m[tickets.c.people_affected],
        household_ref=m[tickets.c.household_ref],
        consent=bool(m[tickets.c.consent]),
        observed_at=m[tickets.c.observed_at],
        received_at=m[tickets.c.received_at],
        updated_at=m[tickets.c.updated_at],
        changed_at=m[tickets.c.changed_at],
        state=TicketState(
            TicketStatus(m[tickets.c.status]),
            resolution=_resolution(m[tickets.c.resolution]),
            rejection_reason=m[tickets.c.rejection_reason],
            duplicate_of=m[tickets.c.duplicate_of],
        ),
        external_ref=m[tickets.c.external_ref],
        resolved_at=m[tickets.c.resolved_at],
        version=m[tickets.c.version],
        content_hash=m[tickets.c.content_hash],
    )


def ticket_values(ticket: StoredTicket) -> dict[str, Any]:
    """Every column of a ticket's row."""
    return {
        "id": ticket.id,
        "team": ticket.team,
        "commune": ticket.commune,
        "village": ticket.village,
        "categories": categories_value(ticket.categories),
        "service": ticket.service.value,
        "description": ticket.description,
        "people_reported": ticket.people_reported,
        "people_affected": ticket.people_affected,
        "household_ref": ticket.household_ref,
        "consent": ticket.consent,
        "observed_at": ticket.observed_at,
        "received_at": ticket.received_at,
        "updated_at": ticket.updated_at,
        "changed_at": ticket.changed_at,
        "external_ref": ticket.external_ref,
        "resolved_at": ticket.resolved_at,
        "version": ticket.version,
        "content_hash": ticket.content_hash,
        **state_values(ticket.state),
    }


def categories_value(categories: Iterable[Barrier]) -> str:
    """The ``categories`` column: the codes, sorted, comma-separated (codes hold no commas)."""
    return ",".join(sorted(c.value for c in categories))


def has_category(category: Barrier) -> sa.ColumnElement[bool]:
    """``tickets`` rows whose ``categories`` hold ``category``: its code between commas."""
    padded = sa.literal(",").concat(tickets.c.categories).concat(",")
    return padded.contains(f",{category.value},", autoescape=True)


def state_values(state: TicketState) -> dict[str, Any]:
    """The columns that hold the lifecycle state."""
    return {
        "status": state.status.value,
        "resolution": None if state.resolution is None else state.resolution.value,
        "rejection_reason": state.rejection_reason,
        "duplicate_of": state.duplicate_of,
    }


def entry_values(entry: HistoryEntry) -> dict[str, Any]:
    """The columns of a history row (its id is the database's)."""
    return {
        "ticket_id": entry.ticket_id,
        "at": entry.at,
        "recorded_at": entry.recorded_at,
        "actor_token": entry.actor.token_id,
        "actor_role": entry.actor.role,
        "actor_team": entry.actor.team,
        "action": entry.action,
        "status_before": None if entry.status_before is None else entry.status_before.value,
        "status_after": entry.status_after.value,
        "resolution": None if entry.resolution is None else entry.resolution.value,
        "reason": entry.reason,
        "duplicate_of": entry.duplicate_of,
        "external_ref": entry.external_ref,
        "note": entry.note,
        "people_added": entry.people_added,
        "people_after": entry.people_after,
        "occurrence_id": entry.occurrence_id,
    }


def entry_from_row(row: sa.Row[Any]) -> HistoryEntry:
    """A history entry from a ``ticket_events`` row."""
    m = row._mapping
    before = m[ticket_events.c.status_before]
    return HistoryEntry(
        id=m[ticket_events.c.id],
        ticket_id=m[ticket_events.c.ticket_id],
        at=m[ticket_events.c.at],
        recorded_at=m[ticket_events.c.recorded_at],
        actor=Actor(
            m[ticket_events.c.actor_token], m[ticket_events.c.actor_role], m[ticket_events.c.actor_team]
        ),
        action=m[ticket_events.c.action],
        status_before=None if before is None else TicketStatus(before),
        status_after=TicketStatus(m[ticket_events.c.status_after]),
        people_added=m[ticket_events.c.people_added],
        people_after=m[ticket_events.c.people_after],
        resolution=_resolution(m[ticket_events.c.resolution]),
        reason=m[ticket_events.c.reason],
        duplicate_of=m[ticket_events.c.duplicate_of],
        external_ref=m[ticket_events.c.external_ref],
        note=m[ticket_events.c.note],
        occurrence_id=m[ticket_events.c.occurrence_id],
    )


def occurrence_from_row(row: sa.Row[Any]) -> StoredOccurrence:
    """An occurrence from an ``occurrences`` row."""
    m = row._mapping
    return StoredOccurrence(
        id=m[occurrences.c.id],
        ticket_id=m[occurrences.c.ticket_id],
        team=m[occurrences.c.team],
        household_ref=m[occurrences.c.household_ref],
        people_affected=m[occurrences.c.people_affected],
        observed_at=m[occurrences.c.observed_at],
        received_at=m[occurrences.c.received_at],
        content_hash=m[occurrences.c.content_hash],
    )


def _resolution(value: str | None) -> ResolutionType | None:
    return None if value is None else ResolutionType(value)
