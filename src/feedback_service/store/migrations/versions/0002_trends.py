"""The per-day trend aggregate (fine rows and two roll-ups), and officials' interventions.

A database at 0001 may already hold tickets: the aggregate is filled from their history
(:func:`_backfill`), so it agrees with the tickets from the start, as every later change keeps it.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql, sqlite

from digitransform.domain import (
    Barrier,
    DigitalService,
    ResolutionType,
    Ticket,
    TicketState,
    TicketStatus,
)
from digitransform.trends import DailyDelta, TicketChange, change_deltas, merge_deltas
from feedback_service.store.types import UtcDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_COUNTS = (
    "opened",
    "resolved",
    "rejected",
    "reopened",
    "resolved_on_the_spot",
    "people_delta",
    "people_reported",
)
_KEYS = ("local_date", "commune", "village", "team", "service", "category")
_WIDTHS = {"commune": 32, "village": 32, "team": 64, "service": 32, "category": 32}


def _aggregate(name: str, keys: tuple[str, ...], *indexes: tuple[str, ...]) -> None:
    columns: list[sa.Column[object]] = [
        sa.Column(k, sa.Date() if k == "local_date" else sa.String(length=_WIDTHS[k]), nullable=False)
        for k in keys
    ]
    columns += [sa.Column(c, sa.Integer(), server_default="0", nullable=False) for c in _COUNTS]
    op.create_table(name, *columns, sa.PrimaryKeyConstraint(*keys, name=op.f(f"pk_{name}")))
    with op.batch_alter_table(name, schema=None) as batch_op:
        for ix in indexes:
            batch_op.create_index(batch_op.f(f"ix_{name}_{'_'.join(ix)}"), list(ix), unique=False)


def upgrade() -> None:
    _aggregate("trend_days", _KEYS, ("commune", "category", "local_date"))
    _aggregate(
        "trend_days_commune",
        ("category", "local_date", "commune"),
        ("commune", "category", "local_date"),
    )
    _aggregate("trend_days_province", ("category", "local_date"))
    op.create_table(
        "interventions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("what", sa.Text(), nullable=False),
        sa.Column("units", sa.Text(), nullable=False),
        sa.Column("categories", sa.String(length=600), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("scope", sa.String(length=32), nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interventions")),
    )
    with op.batch_alter_table("interventions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_interventions_start_date"), ["start_date"], unique=False)
    # The backlog's ageing reads unresolved tickets and tickets changed since a moment; resolution
    # times read resolve entries by time.
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tickets_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_tickets_changed_at"), ["changed_at"], unique=False)
    with op.batch_alter_table("ticket_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ticket_events_action_at"), ["action", "at"], unique=False)
    _backfill()


_BATCH = 20_000
"""History entries read, turned into aggregate rows and upserted at a time."""
_tickets = sa.table(
    "tickets",
    *map(sa.column, ("id", "commune", "village", "team", "service", "categories")),
    sa.column("observed_at", UtcDateTime()),
)
_events = sa.table(
    "ticket_events",
    *map(sa.column, ("id", "ticket_id", "status_before", "status_after", "resolution")),
    *map(sa.column, ("people_added", "people_after")),
    sa.column("at", UtcDateTime()),
)


def _backfill() -> None:
    """Fill the aggregate from the history the database holds (none when it was created empty).

    Each history entry is the change it recorded, so ``change_deltas`` of it is exactly what the
    service added to the aggregate as it wrote the entry; the rows are summed into ``trend_days`` a
    page of entries at a time (no cursor stays open, memory stays flat), then the roll-ups are its
    sums.
    """
    conn = op.get_bind()
    fine = sa.table("trend_days", *map(sa.column, _KEYS + _COUNTS))
    insert = postgresql.insert(fine) if conn.dialect.name == "postgresql" else sqlite.insert(fine)
    upsert = insert.on_conflict_do_update(
        index_elements=list(_KEYS), set_={c: fine.c[c] + insert.excluded[c] for c in _COUNTS}
    )
    query = (
        sa.select(*_tickets.c, *(c for c in _events.c if c.name != "id"), _events.c.id.label("entry"))
        .join(_tickets, _tickets.c.id == _events.c.ticket_id)
        .order_by(_events.c.ticket_id, _events.c.id)
        .limit(_BATCH)
    )
    ticket: Ticket | None = None
    last: tuple[str, int] | None = None
    while True:
        page = query if last is None else query.where(sa.tuple_(_events.c.ticket_id, _events.c.id) > last)
        entries = conn.execute(page).all()
        rows: list[DailyDelta] = []
        for entry in entries:
            if ticket is None or ticket.id != entry.id:
                ticket = _ticket(entry)
            before = None if entry.status_before is None else TicketState(TicketStatus(entry.status_before))
            resolution = None if entry.resolution is None else ResolutionType(entry.resolution)
            after = TicketState(TicketStatus(entry.status_after), resolution)
            people_before = entry.people_after - entry.people_added
            change = TicketChange(entry.at, before, after, people_before, entry.people_after)
            rows.extend(change_deltas(ticket, change))
        merged = merge_deltas(rows)
        if merged:
            conn.execute(
                upsert, [dict(zip(_KEYS + _COUNTS, (*r.key, *r.counts()), strict=True)) for r in merged]
            )
        if len(entries) < _BATCH:
            break
        last = (entries[-1].id, entries[-1].entry)
    counts = ", ".join(_COUNTS)
    sums = ", ".join(f"SUM({c})" for c in _COUNTS)
    op.execute(
        f"INSERT INTO trend_days_commune (category, local_date, commune, {counts}) "
        f"SELECT category, local_date, commune, {sums} FROM trend_days GROUP BY category, local_date, commune"
    )
    op.execute(
        f"INSERT INTO trend_days_province (category, local_date, {counts}) "
        f"SELECT category, local_date, {sums} FROM trend_days_commune GROUP BY category, local_date"
    )


def _ticket(row: Any) -> Ticket:
    """The ticket of a history entry, as far as the aggregate's rows need it (where, which barriers)."""
    return Ticket(
        id=row.id,
        commune=row.commune,
        village=row.village,
        categories=frozenset(Barrier(c) for c in row.categories.split(",")),
        service=DigitalService(row.service),
        observed_at=row.observed_at,
        team=row.team,
    )


def downgrade() -> None:
    with op.batch_alter_table("ticket_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ticket_events_action_at"))
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tickets_changed_at"))
        batch_op.drop_index(batch_op.f("ix_tickets_status"))
    with op.batch_alter_table("interventions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_interventions_start_date"))
    op.drop_table("interventions")
    for name in ("trend_days_province", "trend_days_commune", "trend_days"):
        op.drop_table(name)
