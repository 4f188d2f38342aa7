"""The whole schema, as SQLAlchemy Core tables. Alembic migrations create it; this module describes it.

Every table and index of the service is here, and only here: the modules that read and write a
table import it (``store.aggregate`` the trend tables, ``store.sessions``, ``store.auth_failures``,
``interventions.records``). ``tests/service/test_schema_migrations.py`` checks that the Alembic head
creates exactly this, on SQLite and PostgreSQL.

Tickets keep their current state in one row (so lists and scopes are plain indexed queries); every
change also lands in ``ticket_events``, the history. A ticket's categories are one column of its
row (migration 0007 dropped the join table that repeated them). Identifiers minted by clients
(tickets, occurrences) are UUID strings; their uniqueness is what makes offline retries safe.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from feedback_service.store.types import UtcDateTime

__all__ = [
    "ACCESS_TABLES",
    "COUNTS",
    "KEYS",
    "KEY_LENGTH",
    "UNIT",
    "UUID",
    "access_version",
    "auth_failures",
    "dashboard_sessions",
    "enrollments",
    "interventions",
    "metadata",
    "occurrences",
    "teams",
    "ticket_events",
    "tickets",
    "tokens",
    "trend_days",
    "trend_days_commune",
    "trend_days_province",
    "trend_weeks_commune",
    "trend_weeks_province",
]

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

UNIT = 32
"""Room for an administrative unit code."""
UUID = 36
"""A UUID in its canonical text form."""

teams = sa.Table(
    "teams",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("commune", sa.String(UNIT), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
)

tokens = sa.Table(
    "tokens",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("secret_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("team", sa.String(64), sa.ForeignKey("teams.id"), nullable=True),
    sa.Column("scope", sa.String(UNIT), nullable=True),
    sa.Column("label", sa.String(200), nullable=True),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("revoked_at", UtcDateTime(), nullable=True),
    sa.Column("last_synced_at", UtcDateTime(), nullable=True),
)

enrollments = sa.Table(
    "enrollments",
    metadata,
    # A single-use code that gives one phone its own team token; only the code's hash is kept.
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("code_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("team", sa.String(64), sa.ForeignKey("teams.id"), nullable=False),
    sa.Column("created_by", sa.String(32), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("expires_at", UtcDateTime(), nullable=False),
    sa.Column("used_at", UtcDateTime(), nullable=True),
    sa.Column("token_id", sa.String(32), sa.ForeignKey("tokens.id"), nullable=True),
    sa.Index(None, "team", "created_at"),
)

tickets = sa.Table(
    "tickets",
    metadata,
    sa.Column("id", sa.String(UUID), primary_key=True),
    sa.Column("commune", sa.String(UNIT), nullable=False),
    sa.Column("village", sa.String(UNIT), nullable=False),
    sa.Column("team", sa.String(64), sa.ForeignKey("teams.id"), nullable=False),
    sa.Column("service", sa.String(32), nullable=False),
    # The barrier codes, comma-separated and sorted (codes hold no commas): a ticket reads back in
    # one row, and a filter by category matches a code between commas (store.rows.has_category).
    sa.Column("categories", sa.String(600), nullable=False),
    sa.Column("description", sa.Text(), nullable=False),
    sa.Column("people_reported", sa.Integer(), nullable=False),
    sa.Column("people_affected", sa.Integer(), nullable=False),
    sa.Column("household_ref", sa.String(64), nullable=True),
    sa.Column("consent", sa.Boolean(), nullable=False),
    sa.Column("observed_at", UtcDateTime(), nullable=False),
    sa.Column("received_at", UtcDateTime(), nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
    sa.Column("changed_at", UtcDateTime(), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("resolution", sa.String(16), nullable=True),
    sa.Column("rejection_reason", sa.Text(), nullable=True),
    sa.Column("duplicate_of", sa.String(UUID), nullable=True),
    sa.Column("external_ref", sa.String(200), nullable=True),
    sa.Column("resolved_at", UtcDateTime(), nullable=True),
    sa.Column("version", sa.Integer(), nullable=False),
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Index(None, "commune", "received_at", "id"),
    sa.Index(None, "team", "received_at", "id"),
    sa.Index(None, "received_at", "id"),
    sa.Index(None, "updated_at", "id"),
    # For the trend queries (migration 0002): the backlog's ageing reads unresolved tickets and
    # tickets changed since a moment.
    sa.Index("ix_tickets_status", "status"),
    sa.Index("ix_tickets_changed_at", "changed_at"),
)

ticket_events = sa.Table(
    "ticket_events",
    metadata,
    sa.Column(
        "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True
    ),
    sa.Column("ticket_id", sa.String(UUID), sa.ForeignKey("tickets.id"), nullable=False),
    sa.Column("at", UtcDateTime(), nullable=False),
    sa.Column("recorded_at", UtcDateTime(), nullable=False),
    sa.Column("actor_token", sa.String(32), nullable=False),
    sa.Column("actor_role", sa.String(16), nullable=False),
    sa.Column("actor_team", sa.String(64), nullable=True),
    sa.Column("action", sa.String(16), nullable=False),
    sa.Column("status_before", sa.String(16), nullable=True),
    sa.Column("status_after", sa.String(16), nullable=False),
    sa.Column("resolution", sa.String(16), nullable=True),
    sa.Column("reason", sa.Text(), nullable=True),
    sa.Column("duplicate_of", sa.String(UUID), nullable=True),
    sa.Column("external_ref", sa.String(200), nullable=True),
    sa.Column("note", sa.Text(), nullable=True),
    sa.Column("people_added", sa.Integer(), nullable=False),
    sa.Column("people_after", sa.Integer(), nullable=False),
    sa.Column("occurrence_id", sa.String(UUID), nullable=True),
    sa.Index(None, "ticket_id", "id"),
    # Resolution times read resolve entries by time (migration 0002).
    sa.Index("ix_ticket_events_action_at", "action", "at"),
)

occurrences = sa.Table(
    "occurrences",
    metadata,
    sa.Column("id", sa.String(UUID), primary_key=True),
    sa.Column("ticket_id", sa.String(UUID), sa.ForeignKey("tickets.id"), nullable=False),
    sa.Column("team", sa.String(64), sa.ForeignKey("teams.id"), nullable=False),
    sa.Column("household_ref", sa.String(64), nullable=True),
    sa.Column("people_affected", sa.Integer(), nullable=False),
    sa.Column("observed_at", UtcDateTime(), nullable=False),
    sa.Column("received_at", UtcDateTime(), nullable=False),
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Index(None, "ticket_id"),
)

dashboard_sessions = sa.Table(
    "dashboard_sessions",
    metadata,
    sa.Column("id_hash", sa.String(64), primary_key=True),
    sa.Column("token_id", sa.String(32), sa.ForeignKey("tokens.id"), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("expires_at", UtcDateTime(), nullable=False, index=True),
)
"""Created by migration 0004: the SHA-256 of each session id, its token and its end."""

KEY_LENGTH = 80
"""Room for an authentication failure's key (a client address, a token prefix)."""

auth_failures = sa.Table(
    "auth_failures",
    metadata,
    sa.Column("key", sa.String(KEY_LENGTH), primary_key=True),
    sa.Column("window_start", sa.BigInteger(), nullable=False, index=True),
    sa.Column("failures", sa.Integer(), nullable=False),
)
"""Created by migration 0005; ``window_start`` in Unix seconds."""

access_version = sa.Table(
    "access_version",
    metadata,
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
    sa.Column("version", sa.BigInteger(), nullable=False),
)
"""One row (``id`` 1) whose ``version`` moves with every change to what a token check reads: triggers
on :data:`ACCESS_TABLES` (migration 0008) add one to it in the changing transaction, whoever changes
them (a worker, another host, the CLI, plain SQL). So a worker may answer a token check it made again
exactly while the version stands (:class:`feedback_service.store.database.Lookup`)."""

ACCESS_TABLES = frozenset({"tokens", "teams", "auth_failures"})
"""The tables :data:`access_version` follows: a token, its team's commune, the failure counts (only
``tokens.last_synced_at`` changes without moving it: no check reads it)."""

interventions = sa.Table(
    "interventions",
    metadata,
    sa.Column("id", sa.String(UUID), primary_key=True),
    sa.Column("what", sa.Text(), nullable=False),
    sa.Column("units", sa.Text(), nullable=False),
    sa.Column("categories", sa.String(600), nullable=False),
    # Stored as start_date and end_date (migration 0002); named in code as on the wire and in Intervention.
    sa.Column("start_date", sa.Date(), key="started_on", nullable=False, index=True),
    sa.Column("end_date", sa.Date(), key="ended_on", nullable=False),
    sa.Column("scope", sa.String(UNIT), nullable=False),
    sa.Column("created_by", sa.String(32), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
)
"""Created by migration 0002; units and categories are comma-separated codes (codes hold no commas)."""

# The per-day trend aggregate (store.aggregate): the library's DailyDelta rows and their roll-ups.

KEYS = ("local_date", "commune", "village", "team", "service", "category")
"""The key columns of :class:`~digitransform.trends.DailyDelta`, in its order."""
COUNTS = (
    "opened",
    "resolved",
    "rejected",
    "reopened",
    "resolved_on_the_spot",
    "people_delta",
    "people_reported",
)
"""The count columns, summed on conflict, in :meth:`DailyDelta.counts` order."""

_WIDTHS = {"commune": UNIT, "village": UNIT, "team": 64, "service": 32, "category": 32}


def _aggregate(name: str, keys: Sequence[str], *indexes: Sequence[str]) -> sa.Table:
    columns: list[Any] = [
        sa.Column(k, sa.Date() if k == "local_date" else sa.String(_WIDTHS[k]), primary_key=True)
        for k in keys
    ]
    columns += [sa.Column(c, sa.Integer(), nullable=False, server_default="0") for c in COUNTS]
    columns += [sa.Index(None, *ix) for ix in indexes]
    return sa.Table(name, metadata, *columns)


trend_days = _aggregate("trend_days", KEYS, ("commune", "category", "local_date"))
"""The fine rows, keyed exactly as :class:`DailyDelta` (migration 0002)."""
trend_days_commune = _aggregate(
    "trend_days_commune", ("category", "local_date", "commune"), ("commune", "category", "local_date")
)
"""Without village, team and service; the key starts with the category so a province-wide trend by
commune reads one contiguous range (``category = '*'``)."""
trend_days_province = _aggregate("trend_days_province", ("category", "local_date"))
"""Without any unit, team or service."""
trend_weeks_commune = _aggregate(
    "trend_weeks_commune", ("category", "local_date", "commune"), ("commune", "category", "local_date")
)
"""``trend_days_commune`` by ISO week: ``local_date`` is the Monday (migration 0003)."""
trend_weeks_province = _aggregate("trend_weeks_province", ("category", "local_date"))
"""``trend_days_province`` by ISO week: ``local_date`` is the Monday."""
