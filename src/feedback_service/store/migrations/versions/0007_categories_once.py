"""A ticket's categories are stored once: the ``tickets.categories`` column; ``ticket_categories`` goes.

The column (codes sorted, comma-separated) was always written with the join table, in the same
transaction, and is what every read, export and the trend aggregate used; the table only served the
filters by category, which now match a code in the column. Before the table is dropped, any code it
holds that a ticket's column lacks is added to the column, so no category is lost. The downgrade
fills the table again from the column.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_tickets = sa.table("tickets", sa.column("id", sa.String()), sa.column("categories", sa.String()))
_ticket_categories = sa.table(
    "ticket_categories", sa.column("ticket_id", sa.String()), sa.column("category", sa.String())
)
_BATCH = 1_000


def upgrade() -> None:
    conn = op.get_bind()
    # The join rows whose code the ticket's column lacks (LIKE's wildcard "_" escaped in the code).
    padded = sa.literal(",").concat(_tickets.c.categories).concat(",")
    code = sa.func.replace(_ticket_categories.c.category, "_", "\\_")
    query = (
        sa.select(_ticket_categories.c.ticket_id, _ticket_categories.c.category, _tickets.c.categories)
        .join(_tickets, _tickets.c.id == _ticket_categories.c.ticket_id)
        .where(padded.not_like(sa.literal("%,").concat(code).concat(",%"), escape="\\"))
    )
    missing: dict[str, set[str]] = {}
    for ticket_id, category, column in conn.execute(query):
        missing.setdefault(ticket_id, set(column.split(",")) - {""}).add(category)
    updates = [{"key": k, "value": ",".join(sorted(v))} for k, v in missing.items()]
    statement = (
        sa.update(_tickets)
        .where(_tickets.c.id == sa.bindparam("key"))
        .values(categories=sa.bindparam("value"))
    )
    for i in range(0, len(updates), _BATCH):
        conn.execute(statement, updates[i : i + _BATCH])
    with op.batch_alter_table("ticket_categories", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ticket_categories_category_ticket_id"))
    op.drop_table("ticket_categories")


def downgrade() -> None:
    op.create_table(
        "ticket_categories",
        sa.Column("ticket_id", sa.String(length=36), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_ticket_categories_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("ticket_id", "category", name=op.f("pk_ticket_categories")),
    )
    with op.batch_alter_table("ticket_categories", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ticket_categories_category_ticket_id"), ["category", "ticket_id"], unique=False
        )
    conn = op.get_bind()
    rows = [
        {"ticket_id": ticket_id, "category": code}
        for ticket_id, column in conn.execute(sa.select(_tickets.c.id, _tickets.c.categories))
        for code in column.split(",")
        if code
    ]
    for i in range(0, len(rows), _BATCH):
        conn.execute(_ticket_categories.insert(), rows[i : i + _BATCH])
