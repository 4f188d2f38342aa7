"""The per-day trend aggregate (fine rows and two roll-ups), and officials' interventions.

The aggregate starts empty: 0001 and 0002 ship together, so no database holds tickets without it.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

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
    _aggregate(
        "trend_days",
        ("local_date", "commune", "village", "team", "service", "category"),
        ("commune", "category", "local_date"),
    )
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
