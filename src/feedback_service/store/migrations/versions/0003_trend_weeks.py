"""Weekly roll-ups of the trend aggregate: the commune and province tables by ISO week.

A 52-week trend then reads about 105 rows per commune instead of 730; ``local_date`` holds the
Monday of the week. Existing day rows are summed into them.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
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


def _table(name: str, keys: tuple[str, ...]) -> None:
    columns: list[sa.Column[object]] = [
        sa.Column(k, sa.Date() if k == "local_date" else sa.String(length=32), nullable=False) for k in keys
    ]
    columns += [sa.Column(c, sa.Integer(), server_default="0", nullable=False) for c in _COUNTS]
    op.create_table(name, *columns, sa.PrimaryKeyConstraint(*keys, name=op.f(f"pk_{name}")))


def upgrade() -> None:
    _table("trend_weeks_commune", ("category", "local_date", "commune"))
    with op.batch_alter_table("trend_weeks_commune", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_trend_weeks_commune_commune_category_local_date"),
            ["commune", "category", "local_date"],
            unique=False,
        )
    _table("trend_weeks_province", ("category", "local_date"))
    if op.get_bind().dialect.name == "sqlite":
        monday = "date(local_date, '-6 days', 'weekday 1')"
    else:
        monday = "CAST(date_trunc('week', local_date) AS date)"
    sums = ", ".join(f"SUM({c})" for c in _COUNTS)
    counts = ", ".join(_COUNTS)
    op.execute(
        f"INSERT INTO trend_weeks_commune (category, local_date, commune, {counts}) "
        f"SELECT category, {monday} AS week, commune, {sums} FROM trend_days_commune "
        f"GROUP BY category, {monday}, commune"
    )
    op.execute(
        f"INSERT INTO trend_weeks_province (category, local_date, {counts}) "
        f"SELECT category, {monday} AS week, {sums} FROM trend_days_province GROUP BY category, {monday}"
    )


def downgrade() -> None:
    with op.batch_alter_table("trend_weeks_commune", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trend_weeks_commune_commune_category_local_date"))
    op.drop_table("trend_weeks_province")
    op.drop_table("trend_weeks_commune")
