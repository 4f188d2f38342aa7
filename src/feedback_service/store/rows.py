"""Rows to records and back: the only place that knows how a ticket is laid out in columns."""

from __future__ import annotations

import enum
import functools
import operator
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

import sqlalchemy as sa

from digitransform.domain import Barrier, DigitalService, ResolutionType, TicketState, TicketStatus
from feedback_service.store.records import Actor, HistoryEntry, StoredOccurrence, StoredTicket
from feedback_service.store.tables import occurrences, ticket_events, tickets

E = TypeVar("E", bound=enum.Enum)

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


def _members(enum: type[E]) -> Callable[[str], E]:
    """``enum(value)`` through a dict of its members (an enum call costs about a microsecond); a value
    that names no member raises the enum's own ``ValueError``."""
    members = {m.value: m for m in enum}

    def member(value: str) -> E:
        found = members.get(value)
        return enum(value) if found is None else found

    return member


_barrier = _members(Barrier)
_service = _members(DigitalService)
_status = _members(TicketStatus)
_resolution_type = _members(ResolutionType)


@functools.lru_cache(maxsize=1024)
def _categories(value: str) -> tuple[Barrier, ...]:
    return tuple(_barrier(c) for c in value.split(","))


_TICKET_COLUMNS = [column.name for column in tickets.columns]
_FIELDS = (
    "id", "team", "commune", "village", "categories", "service", "description", "people_reported",
    "people_affected", "household_ref", "consent", "observed_at", "received_at", "updated_at",
    "changed_at", "status", "resolution", "rejection_reason", "duplicate_of", "external_ref",
    "resolved_at", "version", "content_hash",
)  # fmt: skip
_PICK = operator.itemgetter(*(_TICKET_COLUMNS.index(name) for name in _FIELDS))
"""The ticket's fields, in :class:`StoredTicket`'s order, from a row of ``sa.select(tickets)`` (every
reader of tickets selects so: the table's columns in its order)."""


def ticket_from_row(row: Sequence[Any]) -> StoredTicket:
    """A stored ticket from a row of ``sa.select(tickets)``, by position (a read turns one row per
    request; by column key, through the row's mapping, it cost several times as much)."""
    if len(row) != len(_TICKET_COLUMNS):
        raise ValueError(f"a tickets row has {len(_TICKET_COLUMNS)} columns, not {len(row)}")
    (
        id_, team, commune, village, categories, service, description, people_reported, people_affected,
        household_ref, consent, observed_at, received_at, updated_at, changed_at, status, resolution,
        rejection_reason, duplicate_of, external_ref, resolved_at, version, content_hash,
    ) = _PICK(row)  # fmt: skip
    return StoredTicket(
        id=id_,
        team=team,
        commune=commune,
        village=village,
        categories=_categories(categories),
        service=_service(service),
        description=description,
        people_reported=people_reported,
        people_affected=people_affected,
        household_ref=household_ref,
        consent=bool(consent),
        observed_at=observed_at,
        received_at=received_at,
        updated_at=updated_at,
        changed_at=changed_at,
        state=TicketState(
            _status(status),
            resolution=None if resolution is None else _resolution_type(resolution),
            rejection_reason=rejection_reason,
            duplicate_of=duplicate_of,
        ),
        external_ref=external_ref,
        resolved_at=resolved_at,
        version=version,
        content_hash=content_hash,
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
