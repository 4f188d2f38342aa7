"""``access_version``: one number that moves with every change to tokens, teams and failure counts.

Triggers add one to it in the same transaction as the change, whoever makes it (a worker, another
host, ``feedback-service tokens``, plain SQL), so a worker may keep the token checks it made while the
number stands and must read again the moment it moves: a revoked token is refused on its very next
request on every worker and host, with no timer, and a check no longer reads the token again after
every commit of a ticket (which ``PRAGMA data_version`` made it do). ``tokens.last_synced_at`` is left
out: a phone's sync writes it and no check reads it.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_BUMP = "UPDATE access_version SET version = version + 1 WHERE id = 1"
_WATCHED = {
    # table: the columns whose change moves the version (None: any change)
    "tokens": "id, secret_hash, role, team, scope, label, created_at, revoked_at",
    "teams": "id, commune, created_at",
    "auth_failures": None,
}


def upgrade() -> None:
    op.create_table(
        "access_version",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.execute("INSERT INTO access_version (id, version) VALUES (1, 0)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION access_version_bump() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN {_BUMP}; RETURN NULL; END $$"
        )
        for table, columns in _WATCHED.items():
            update = "UPDATE" if columns is None else f"UPDATE OF {columns}"
            op.execute(
                f"CREATE TRIGGER access_version_{table} AFTER INSERT OR DELETE OR {update} OR TRUNCATE "
                f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION access_version_bump()"
            )
        return
    for table, columns in _WATCHED.items():
        update = "UPDATE" if columns is None else f"UPDATE OF {columns}"
        for event, name in (("INSERT", "insert"), ("DELETE", "delete"), (update, "update")):
            op.execute(
                f"CREATE TRIGGER access_version_{table}_{name} AFTER {event} ON {table} BEGIN {_BUMP}; END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in _WATCHED:
            op.execute(f"DROP TRIGGER access_version_{table} ON {table}")
        op.execute("DROP FUNCTION access_version_bump()")
    else:
        for table in _WATCHED:
            for name in ("insert", "delete", "update"):
                op.execute(f"DROP TRIGGER access_version_{table}_{name}")
    op.drop_table("access_version")
