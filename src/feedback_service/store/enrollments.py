"""Enrollment codes and the devices they enrolled: a team's phones, each with its own token.

A code is stored as its SHA-256 hash, like a token. Redeeming it is one write transaction that
marks it used only if it is still unused and unexpired (a conditional update), so two phones racing
with the same code get one token between them.
"""

from __future__ import annotations

import datetime as dt
import enum

import attrs
import sqlalchemy as sa

from feedback_service.store.database import Database
from feedback_service.store.tables import enrollments, teams, tokens

__all__ = [
    "DeviceRecord",
    "EnrollmentState",
    "RedeemRefused",
    "TeamRecord",
    "claim_code",
    "find_team",
    "insert_enrollment",
    "list_devices",
    "list_teams",
    "mark_synced",
    "usable_code",
]


class EnrollmentState(enum.Enum):
    """Why a code gives no token."""

    UNKNOWN = "unknown"
    EXPIRED = "expired"
    USED = "used"


class RedeemRefused(Exception):
    """The code gives no token; ``state`` says why."""

    def __init__(self, state: EnrollmentState) -> None:
        super().__init__(state.value)
        self.state = state


@attrs.frozen
class TeamRecord:
    """A team and its commune."""

    id: str
    commune: str


@attrs.frozen
class DeviceRecord:
    """A team token as the team's device list shows it (never its secret)."""

    token_id: str
    label: str | None
    created_at: dt.datetime
    revoked_at: dt.datetime | None
    last_synced_at: dt.datetime | None
    enrolled: bool
    """Whether the token came from an enrollment code (a phone), not from the CLI or the API."""


def insert_enrollment(
    conn: sa.Connection,
    *,
    enrollment_id: str,
    code_hash: str,
    team: str,
    created_by: str,
    now: dt.datetime,
    expires_at: dt.datetime,
) -> None:
    """Store a new code's hash (the team must exist)."""
    conn.execute(
        enrollments.insert().values(
            id=enrollment_id,
            code_hash=code_hash,
            team=team,
            created_by=created_by,
            created_at=now,
            expires_at=expires_at,
        )
    )


def usable_code(conn: sa.Connection, code_hash: str, now: dt.datetime) -> TeamRecord:
    """The team of a code that may still be redeemed; :class:`RedeemRefused` says why not."""
    row = conn.execute(
        sa.select(enrollments.c.team, enrollments.c.expires_at, enrollments.c.used_at, teams.c.commune)
        .select_from(enrollments.join(teams, enrollments.c.team == teams.c.id))
        .where(enrollments.c.code_hash == code_hash)
    ).first()
    if row is None:
        raise RedeemRefused(EnrollmentState.UNKNOWN)
    if row.used_at is not None:
        raise RedeemRefused(EnrollmentState.USED)
    if row.expires_at <= now:
        raise RedeemRefused(EnrollmentState.EXPIRED)
    return TeamRecord(row.team, row.commune)


def claim_code(conn: sa.Connection, code_hash: str, token_id: str, now: dt.datetime) -> None:
    """Mark the code used by ``token_id``, only if no one else did first (:class:`RedeemRefused`)."""
    claimed = conn.execute(
        sa.update(enrollments)
        .where(
            enrollments.c.code_hash == code_hash,
            enrollments.c.used_at.is_(None),
            enrollments.c.expires_at > now,
        )
        .values(used_at=now, token_id=token_id)
    )
    if claimed.rowcount != 1:
        raise RedeemRefused(EnrollmentState.USED)


async def find_team(db: Database, team: str) -> TeamRecord | None:
    """The team with this code, if it exists."""
    async with db.reading() as conn:
        row = (await conn.execute(sa.select(teams.c.id, teams.c.commune).where(teams.c.id == team))).first()
    return None if row is None else TeamRecord(row.id, row.commune)


async def list_teams(db: Database, communes: frozenset[str] | None) -> list[TeamRecord]:
    """The teams of ``communes`` (every team for ``None``), by commune then code."""
    query = sa.select(teams.c.id, teams.c.commune).order_by(teams.c.commune, teams.c.id)
    if communes is not None:
        query = query.where(teams.c.commune.in_(sorted(communes)))
    async with db.reading() as conn:
        return [TeamRecord(r.id, r.commune) for r in await conn.execute(query)]


async def list_devices(db: Database, team: str) -> list[DeviceRecord]:
    """Every team token of ``team``, revoked or not, newest first."""
    enrolled = sa.exists().where(enrollments.c.token_id == tokens.c.id)
    query = (
        sa.select(
            tokens.c.id,
            tokens.c.label,
            tokens.c.created_at,
            tokens.c.revoked_at,
            tokens.c.last_synced_at,
            enrolled.label("enrolled"),
        )
        .where(tokens.c.team == team, tokens.c.role == "team")
        .order_by(tokens.c.created_at.desc(), tokens.c.id)
    )
    async with db.reading() as conn:
        return [
            DeviceRecord(
                token_id=r.id,
                label=r.label,
                created_at=r.created_at,
                revoked_at=r.revoked_at,
                last_synced_at=r.last_synced_at,
                enrolled=bool(r.enrolled),
            )
            for r in await conn.execute(query)
        ]


async def mark_synced(db: Database, token_id: str, now: dt.datetime) -> None:
    """Remember that the device behind ``token_id`` synced now."""

    def work(conn: sa.Connection) -> None:
        conn.execute(sa.update(tokens).where(tokens.c.id == token_id).values(last_synced_at=now))

    await db.write(work)
