"""The schema, as SQLAlchemy Core tables. Alembic migrations create it; this module describes it.

Tickets keep their current state in one row (so lists and scopes are plain indexed queries); every
change also lands in ``ticket_events``, the history. Categories live in their own table so a ticket
with several barriers is found under each. Identifiers minted by clients (tickets, occurrences) are
UUID strings; their uniqueness is what makes offline retries safe.
"""

from __future__ import annotations

import sqlalchemy as sa

from feedback_service.store.types import UtcDateTime

__all__ = [
    "enrollments",
    "metadata",
    "occurrences",
    "teams",
    "ticket_categories",
    "ticket_events",
    "tickets",
    "tokens",
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
    # The codes again, comma-separated and sorted: a ticket reads back in one row. The
    # ticket_categories table is what filters by category.
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
)

ticket_categories = sa.Table(
    "ticket_categories",
    metadata,
    sa.Column("ticket_id", sa.String(UUID), sa.ForeignKey("tickets.id"), primary_key=True),
    sa.Column("category", sa.String(32), primary_key=True),
    sa.Index(None, "category", "ticket_id"),
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
