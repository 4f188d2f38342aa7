"""Issuing and checking bearer tokens.

A token is ``fs_`` followed by 32 random bytes (256 bits, ``secrets.token_urlsafe``); it is shown
once, when issued, and only its SHA-256 hash is stored. Each token also has a short public id
(``tok_…``) that names it in the history and for revocation, and reveals nothing of the secret.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable

import attrs
import sqlalchemy as sa

from digitransform.domain import AdminLevel, AdminTree
from feedback_service import logs
from feedback_service.auth.principal import Principal, Role
from feedback_service.auth.throttle import Guard
from feedback_service.metrics import token_checked
from feedback_service.store.database import Database
from feedback_service.store.tokens import ensure_team, find_token, find_token_within_limit, insert_token

__all__ = [
    "CheckMemo",
    "IssuedToken",
    "TokenCheck",
    "TokenRequestError",
    "authenticate_secret",
    "check_secret",
    "hash_secret",
    "issue_token",
    "team_binding",
]

PREFIX = "fs_"
SECRET_BYTES = 32


class TokenRequestError(ValueError):
    """A token that cannot be issued as asked (missing team, unknown unit, ...); the message says why."""


@attrs.frozen
class IssuedToken:
    """A new token: its public id, and the secret shown this once."""

    id: str
    secret: str = attrs.field(repr=False)
    principal: Principal


def hash_secret(secret: str) -> str:
    """The stored form of a token: SHA-256 in hex."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


async def issue_token(
    db: Database,
    tree: AdminTree,
    role: Role,
    *,
    now: dt.datetime,
    team: str | None = None,
    commune: str | None = None,
    scope: str | None = None,
    label: str | None = None,
) -> IssuedToken:
    """Create a token for ``role``, creating the team if it is new.

    A team token needs ``team`` and ``commune`` (a commune of the tree); an official's needs ``scope``
    (a commune or the province); an admin's needs neither. Raises :class:`TokenRequestError`, or
    :class:`~feedback_service.store.errors.TeamMismatch` for a team known in another commune.
    """
    principal = _principal(tree, role, team=team, commune=commune, scope=scope)
    token_id = f"tok_{secrets.token_hex(6)}"
    secret = PREFIX + secrets.token_urlsafe(SECRET_BYTES)

    def work(conn: sa.Connection) -> None:
        if principal.team is not None and principal.commune is not None:
            ensure_team(conn, principal.team, principal.commune, now)
        insert_token(
            conn,
            token_id=token_id,
            secret_hash=hash_secret(secret),
            role=role.value,
            team=principal.team,
            scope=principal.scope,
            label=label,
            now=now,
        )

    await db.write(work)
    return IssuedToken(token_id, secret, attrs.evolve(principal, token_id=token_id))


def team_binding(tree: AdminTree, team: str | None, commune: str | None) -> Principal:
    """The principal a token of ``team`` in ``commune`` would have; :class:`TokenRequestError` if invalid."""
    return _principal(tree, Role.TEAM, team=team, commune=commune, scope=None)


def _principal(
    tree: AdminTree, role: Role, *, team: str | None, commune: str | None, scope: str | None
) -> Principal:
    if role is Role.TEAM:
        if not team or team != team.strip() or len(team) > 64:
            raise TokenRequestError("a team token needs --team: a team code of 1–64 characters")
        if scope:
            raise TokenRequestError("a team token takes --commune, not --scope")
        unit = tree.get(commune or "")
        if unit is None or unit.level is not AdminLevel.COMMUNE:
            raise TokenRequestError(f"--commune {commune!r} is not a commune of {tree.root.code}")
        return Principal("", role, team=team, commune=commune)
    if team or commune:
        raise TokenRequestError(f"an {role.value} token takes no --team or --commune")
    if role is Role.OFFICIAL:
        unit = tree.get(scope or "")
        if unit is None or unit.level is AdminLevel.VILLAGE:
            raise TokenRequestError(
                f"--scope {scope!r} must be a commune of {tree.root.code} or the province itself"
            )
        return Principal("", role, scope=scope)
    if scope:
        raise TokenRequestError("an admin token takes no --scope")
    return Principal("", role)


@attrs.frozen
class TokenCheck:
    """What checking a bearer token found: the principal, or why there is none."""

    principal: Principal | None
    outcome: str
    """``valid``, ``unknown``, ``revoked``, ``malformed`` (not a token of this service's shape), or
    ``throttled`` (not checked: too many failures under its address or prefix)."""
    retry_after: int | None = None
    """For ``throttled``: the seconds until the next attempt may be checked."""


async def check_secret(db: Database, secret: str, guard: Guard | None = None) -> TokenCheck:
    """Check a bearer token; counted in ``feedback_token_checks_total`` by outcome.

    The token is read as of the latest change to tokens (on SQLite a worker answers a check it made
    again while ``access_version`` stands: :class:`~feedback_service.store.database.Lookup`), so a
    revocation by any worker, host or process is refused on the very next request; nothing is trusted
    for a time. With a ``guard`` (:mod:`feedback_service.auth.throttle`), a token is accepted or
    refused only if its address and prefix are under the failure limit (read in the token's own
    statement); over it, the answer is ``throttled`` whatever the token.
    """
    check = await _check(db, secret, guard)
    token_checked(check.outcome)
    if check.principal is not None:
        logs.identify(check.principal.token_id)
    return check


async def _check(db: Database, secret: str, guard: Guard | None) -> TokenCheck:
    if not secret.startswith(PREFIX) or len(secret) > 200:
        wait = None if guard is None else await guard.wait(db)
        return TokenCheck(None, "malformed") if wait is None else TokenCheck(None, "throttled", wait)
    digest = hash_secret(secret)
    if guard is None:
        record = await find_token(db, digest)
    else:
        # The token and its keys' failure limit in one statement (one round trip on PostgreSQL);
        # an unknown token has no row to carry the limit, so the limit is read on its own then.
        throttle = guard.throttle
        found = await find_token_within_limit(
            db, digest, guard.keys, guard.now, throttle.seconds, throttle.limit
        )
        if found is None:
            record, wait = None, await guard.wait(db)
        else:
            record, wait = found[0], guard.wait_since(found[1])
        if wait is not None:
            return TokenCheck(None, "throttled", wait)
    if record is None:
        return TokenCheck(None, "unknown")
    if record.revoked_at is not None:
        return TokenCheck(None, "revoked")
    principal = Principal(record.id, Role(record.role), record.team, record.commune, record.scope)
    return TokenCheck(principal, "valid")


@attrs.define
class CheckMemo:
    """A worker's valid token checks, answered again while nothing they read has changed.

    A check reads a token, its team and its keys' failure counts; triggers move ``access_version``
    with every change to those, in the changing transaction, whoever makes it
    (:meth:`Database.access_version`). The memo keeps the principal of a valid, unthrottled check
    under the version read *before* the check, and answers it while the database still says that
    version: the first check after a revocation, a new token or a counted failure anywhere reads the
    token again. No timer: nothing is trusted for a while. Keyed by the secret and the client's
    address (the throttle's keys), so a hit skips the hash, the throttle's keys and the select; on
    PostgreSQL (no version read: the check is one round trip either way) it stays empty.
    """

    version: int | None = None
    valid: dict[tuple[str, str], Principal] = attrs.field(factory=dict)

    LIMIT = 4096
    """Checks remembered at most (then the memo starts again empty)."""

    async def check(self, db: Database, secret: str, address: str, guard: Callable[[], Guard]) -> TokenCheck:
        """:func:`check_secret` of ``secret`` from ``address`` (with the throttle's ``guard()``), or
        its remembered answer while ``access_version`` stands."""
        version = db.access_version()
        if version is not None and version == self.version:
            principal = self.valid.get((secret, address))
            if principal is not None:
                token_checked("valid")
                logs.identify(principal.token_id)
                return TokenCheck(principal, "valid")
        elif version != self.version:
            self.valid.clear()
            self.version = version
        check = await check_secret(db, secret, guard())
        if check.principal is not None and version is not None and version == self.version:
            if len(self.valid) >= self.LIMIT:
                self.valid.clear()
            self.valid[(secret, address)] = check.principal
        return check


async def authenticate_secret(db: Database, secret: str) -> Principal | None:
    """The principal behind a bearer token, or ``None`` if it is unknown or revoked."""
    return (await check_secret(db, secret)).principal
