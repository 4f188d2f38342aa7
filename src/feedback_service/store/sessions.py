"""Dashboard sessions, kept server-side: the cookie holds a random session id, the store its hash.

A session belongs to a token; it holds until it expires, until sign-out deletes it, or until the
token is revoked (every read joins the token). A copied cookie therefore stops working the moment
its owner signs out, and the cookie never carries the API's bearer token.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from feedback_service.store.database import Database
from feedback_service.store.tables import dashboard_sessions, teams, tokens
from feedback_service.store.tokens import TokenRecord

__all__ = ["dashboard_sessions", "end_session", "find_session", "start_session"]

_SELECT = sa.select(
    tokens.c.id,
    tokens.c.role,
    tokens.c.team,
    teams.c.commune,
    tokens.c.scope,
    tokens.c.label,
    tokens.c.created_at,
    tokens.c.revoked_at,
).select_from(
    dashboard_sessions.join(tokens, dashboard_sessions.c.token_id == tokens.c.id).outerjoin(
        teams, tokens.c.team == teams.c.id
    )
)


async def start_session(
    db: Database, id_hash: str, token_id: str, now: dt.datetime, expires_at: dt.datetime
) -> None:
    """Store a new session (and drop the expired ones, so the table stays small)."""

    def work(conn: sa.Connection) -> None:
        conn.execute(dashboard_sessions.delete().where(dashboard_sessions.c.expires_at <= now))
        conn.execute(
            dashboard_sessions.insert().values(
                id_hash=id_hash, token_id=token_id, created_at=now, expires_at=expires_at
            )
        )

    await db.write(work)


async def find_session(db: Database, id_hash: str, now: dt.datetime) -> TokenRecord | None:
    """The token of an unexpired session, revoked or not (the caller checks); ``None`` if there is none."""
    query = _SELECT.where(dashboard_sessions.c.id_hash == id_hash, dashboard_sessions.c.expires_at > now)
    async with db.reading() as conn:
        row = (await conn.execute(query)).first()
    return None if row is None else TokenRecord(*row)


async def end_session(db: Database, id_hash: str) -> bool:
    """Delete a session; ``False`` if there was none."""

    def work(conn: sa.Connection) -> bool:
        found = conn.execute(dashboard_sessions.delete().where(dashboard_sessions.c.id_hash == id_hash))
        return bool(found.rowcount)

    return await db.write(work)
