"""Enrollment: a single-use, expiring code that gives one phone a team token of its own.

An official (or an admin) creates a code for a team; it is shown once, as a link and a QR code. The
phone that opens the link trades the code for its own token, so a lost phone is revoked alone. The
code is ``fse_`` and 16 random bytes (128 bits): it is not a token (tokens start ``fs_`` and live in
another table), so it never authenticates a request. Failed redemptions count against the client's
address in the same throttle as failed tokens (:mod:`feedback_service.auth.throttle`), though
guessing 128 bits is hopeless anyway.
"""

from __future__ import annotations

import datetime as dt
import secrets

import attrs
import sqlalchemy as sa

from digitransform.domain import AdminTree
from feedback_service.auth.principal import Principal, Role
from feedback_service.auth.tokens import (
    PREFIX,
    SECRET_BYTES,
    IssuedToken,
    TokenRequestError,
    hash_secret,
    team_binding,
)
from feedback_service.store.database import Database
from feedback_service.store.enrollments import (
    EnrollmentState,
    RedeemRefused,
    claim_code,
    insert_enrollment,
    usable_code,
)
from feedback_service.store.tokens import ensure_team, insert_token

__all__ = [
    "CODE_PREFIX",
    "DEFAULT_HOURS",
    "MAX_HOURS",
    "IssuedEnrollment",
    "create_enrollment",
    "redeem_enrollment",
]

CODE_PREFIX = "fse_"
CODE_BYTES = 16
DEFAULT_HOURS = 72
MAX_HOURS = 24 * 14
"""A code older than two weeks is more likely lost than about to be used."""


@attrs.frozen
class IssuedEnrollment:
    """A new code: shown this once (as a link and a QR code), only its hash is stored."""

    id: str
    code: str = attrs.field(repr=False)
    team: str
    commune: str
    expires_at: dt.datetime


async def create_enrollment(
    db: Database,
    tree: AdminTree,
    *,
    team: str,
    commune: str,
    created_by: str,
    now: dt.datetime,
    hours: int = DEFAULT_HOURS,
) -> IssuedEnrollment:
    """A code for one phone of ``team`` (created in ``commune`` if new), valid ``hours`` hours.

    Raises :class:`~feedback_service.auth.tokens.TokenRequestError` for a bad team or commune, or
    :class:`~feedback_service.store.errors.TeamMismatch` for a team known in another commune.
    """
    if not 1 <= hours <= MAX_HOURS:
        raise TokenRequestError(f"--hours must be between 1 and {MAX_HOURS}")
    binding = team_binding(tree, team, commune)
    enrollment_id = f"enr_{secrets.token_hex(6)}"
    code = CODE_PREFIX + secrets.token_urlsafe(CODE_BYTES)
    expires_at = now + dt.timedelta(hours=hours)

    def work(conn: sa.Connection) -> None:
        ensure_team(conn, team, commune, now)
        insert_enrollment(
            conn,
            enrollment_id=enrollment_id,
            code_hash=hash_secret(code),
            team=team,
            created_by=created_by,
            now=now,
            expires_at=expires_at,
        )

    await db.write(work)
    return IssuedEnrollment(enrollment_id, code, binding.team or team, commune, expires_at)


async def redeem_enrollment(db: Database, code: str, *, now: dt.datetime, label: str | None) -> IssuedToken:
    """The new device token for ``code``; :class:`~feedback_service.store.enrollments.RedeemRefused` if
    the code is unknown, expired or used (then no token exists)."""
    if not code.startswith(CODE_PREFIX) or len(code) > 100:
        raise RedeemRefused(EnrollmentState.UNKNOWN)
    token_id = f"tok_{secrets.token_hex(6)}"
    secret = PREFIX + secrets.token_urlsafe(SECRET_BYTES)

    code_hash = hash_secret(code)

    def work(conn: sa.Connection) -> Principal:
        team = usable_code(conn, code_hash, now)
        insert_token(
            conn,
            token_id=token_id,
            secret_hash=hash_secret(secret),
            role=Role.TEAM.value,
            team=team.id,
            scope=None,
            label=label,
            now=now,
        )
        # Conditional: of two phones racing with one code, one gets a token; the other's rolls back.
        claim_code(conn, code_hash, token_id, now)
        return Principal(token_id, Role.TEAM, team=team.id, commune=team.commune)

    principal = await db.write(work)
    return IssuedToken(token_id, secret, principal)
