"""Teams and access tokens. Only a token's SHA-256 hash is stored; the token itself is shown once.

A token is random (at least 128 bits), so its hash needs no salt and can be looked up directly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

import attrs
import sqlalchemy as sa

from feedback_service.store.auth_failures import blocked_clause, open_since
from feedback_service.store.database import Database, Lookup
from feedback_service.store.errors import TeamMismatch
from feedback_service.store.tables import teams, tokens

__all__ = [
    "TokenRecord",
    "ensure_team",
    "ensure_teams",
    "find_token",
    "find_token_within_limit",
    "insert_token",
    "list_tokens",
    "revoke_token",
]


@attrs.frozen
class TokenRecord:
    """A stored token: its public id, role and binding, never its secret."""

    id: str
    role: str
    team: str | None
    commune: str | None
    """The team's commune for a team token."""
    scope: str | None
    """The unit an official's token covers."""
    label: str | None
    created_at: dt.datetime
    revoked_at: dt.datetime | None


_SELECT = sa.select(
    tokens.c.id,
    tokens.c.role,
    tokens.c.team,
    teams.c.commune,
    tokens.c.scope,
    tokens.c.label,
    tokens.c.created_at,
    tokens.c.revoked_at,
).select_from(tokens.outerjoin(teams, tokens.c.team == teams.c.id))


def ensure_team(conn: sa.Connection, team: str, commune: str, now: dt.datetime) -> bool:
    """Create the team in ``commune`` if new (``True``); raise :class:`TeamMismatch` if it is elsewhere."""
    known = (conn.execute(sa.select(teams.c.commune).where(teams.c.id == team))).scalar_one_or_none()
    if known is None:
        conn.execute(teams.insert().values(id=team, commune=commune, created_at=now))
        return True
    if known != commune:
        raise TeamMismatch(team, known)
    return False


def ensure_teams(conn: sa.Connection, wanted: Iterable[tuple[str, str]], now: dt.datetime) -> int:
    """Create the teams (``(team, commune)`` pairs) that do not exist yet, in one statement; how many."""
    pairs = dict(wanted)
    known = set(conn.execute(sa.select(teams.c.id)).scalars())
    rows = [{"id": t, "commune": c, "created_at": now} for t, c in pairs.items() if t not in known]
    if rows:
        conn.execute(teams.insert(), rows)
    return len(rows)


def insert_token(
    conn: sa.Connection,
    *,
    token_id: str,
    secret_hash: str,
    role: str,
    team: str | None,
    scope: str | None,
    label: str | None,
    now: dt.datetime,
) -> None:
    """Store a token's hash and binding."""
    conn.execute(
        tokens.insert().values(
            id=token_id,
            secret_hash=secret_hash,
            role=role,
            team=team,
            scope=scope,
            label=label,
            created_at=now,
        )
    )


_BY_HASH = Lookup(_SELECT.where(tokens.c.secret_hash == sa.bindparam("secret_hash")))
_BY_HASH_WITH_LIMIT = Lookup(
    _SELECT.add_columns(blocked_clause().label("blocked")).where(
        tokens.c.secret_hash == sa.bindparam("secret_hash")
    )
)
"""The token and, in the same statement, whether its keys are over the failure limit. It reads only
tables that ``access_version`` follows (tests/service/test_token_coherence.py checks it), so a check
built on it may be answered again while that version stands (``auth.tokens.CheckMemo``)."""


async def find_token(db: Database, secret_hash: str) -> TokenRecord | None:
    """The token with this hash, revoked or not, as of the latest commit of any process or host.

    :meth:`Database.lookup` (on SQLite a prepared statement on this thread's connection), so a
    revocation by any process or host is seen by the very next request.
    """
    row = await db.lookup(_BY_HASH, secret_hash=secret_hash)
    return None if row is None else TokenRecord(*row)


async def find_token_within_limit(
    db: Database, secret_hash: str, keys: Sequence[str], now: int, window: int, limit: int
) -> tuple[TokenRecord, int | None] | None:
    """The token with this hash (as :func:`find_token`) and the window start of one of ``keys`` (one
    or two) that reached ``limit`` failures in a window still open at ``now`` (``None`` if none did),
    in one statement; ``None`` for an unknown token (then ask
    :func:`~feedback_service.store.auth_failures.blocked_since`)."""
    first, second = keys[0], keys[-1]
    row = await db.lookup(
        _BY_HASH_WITH_LIMIT, secret_hash=secret_hash, first=first, second=second, limit=limit
    )
    if row is None:
        return None
    *record, blocked = row
    return TokenRecord(*record), open_since(None if blocked is None else int(blocked), now, window)


async def list_tokens(db: Database) -> list[TokenRecord]:
    """Every token, oldest first."""
    async with db.reading() as conn:
        rows = await conn.execute(_SELECT.order_by(tokens.c.created_at, tokens.c.id))
        return [TokenRecord(*r) for r in rows]


async def revoke_token(db: Database, token_id: str, now: dt.datetime) -> bool:
    """Revoke a token by id; ``False`` if there is no such token. Revoking twice keeps the first date."""

    def work(conn: sa.Connection) -> bool:
        known = conn.execute(sa.select(tokens.c.revoked_at).where(tokens.c.id == token_id)).first()
        if known is None:
            return False
        if known[0] is None:
            conn.execute(sa.update(tokens).where(tokens.c.id == token_id).values(revoked_at=now))
        return True

    return await db.write(work)
