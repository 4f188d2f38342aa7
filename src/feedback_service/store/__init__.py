"""Persistence: SQLAlchemy Core tables over SQLite or PostgreSQL, migrated by Alembic.

- :mod:`~feedback_service.store.database`: the engine and its read and write transactions;
- :mod:`~feedback_service.store.mutations`: every ticket change, one transaction each, and the
  :func:`~feedback_service.store.mutations.record_change` seam;
- :mod:`~feedback_service.store.queries`: reads, always within a caller's scope;
- :mod:`~feedback_service.store.tokens`: teams and hashed access tokens;
- :mod:`~feedback_service.store.migrate`: schema migrations.
"""

from __future__ import annotations

from feedback_service.store.cursor import Cursor, CursorError
from feedback_service.store.database import Database, DatabaseUrlError, open_database
from feedback_service.store.errors import (
    IdConflict,
    StoreError,
    TeamMismatch,
    TicketNotFound,
    UnknownDuplicate,
    VersionMismatch,
)
from feedback_service.store.migrate import current_revision, head_revision, upgrade
from feedback_service.store.mutations import add_occurrence, create_ticket, record_change, transition_ticket
from feedback_service.store.queries import (
    TicketPage,
    TicketQuery,
    list_tickets,
    load_occurrence,
    load_ticket,
    ticket_history,
)
from feedback_service.store.records import (
    Actor,
    HistoryEntry,
    NewOccurrence,
    NewTicket,
    Outcome,
    Scope,
    StoredOccurrence,
    StoredTicket,
)

__all__ = [
    "Actor",
    "Cursor",
    "CursorError",
    "Database",
    "DatabaseUrlError",
    "HistoryEntry",
    "IdConflict",
    "NewOccurrence",
    "NewTicket",
    "Outcome",
    "Scope",
    "StoreError",
    "StoredOccurrence",
    "StoredTicket",
    "TeamMismatch",
    "TicketNotFound",
    "TicketPage",
    "TicketQuery",
    "UnknownDuplicate",
    "VersionMismatch",
    "add_occurrence",
    "create_ticket",
    "current_revision",
    "head_revision",
    "list_tickets",
    "load_occurrence",
    "load_ticket",
    "open_database",
    "record_change",
    "ticket_history",
    "transition_ticket",
    "upgrade",
]
