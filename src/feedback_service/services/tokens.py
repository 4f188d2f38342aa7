"""Token and device use cases: issue, list and revoke tokens; enroll a team's phone and redeem its code;
a team's devices, and revoking one of them.

The API (:mod:`feedback_service.api.tokens`, :mod:`~feedback_service.api.enrollments`), the
dashboard's team pages (:mod:`feedback_service.dashboard.teams`) and the ``feedback-service tokens``
commands (:mod:`feedback_service.cli`) call these. Who may manage a team's phones is
:func:`~feedback_service.auth.scope.may_manage_devices` (an admin, or an official who sees the
team's commune); a secret or a code is returned once and only its hash is stored
(:mod:`feedback_service.auth.tokens`, :mod:`~feedback_service.auth.enrollment`).

Refusals, each translated by the edge that called: :class:`NotManaged` (a commune outside the
manager's scope), :class:`~feedback_service.auth.tokens.TokenRequestError` (a bad role, team or
commune), :class:`~feedback_service.store.errors.TeamMismatch` (a team known in another commune) and
:class:`~feedback_service.store.enrollments.RedeemRefused`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from digitransform.domain import AdminLevel, AdminTree, AdminUnit
from feedback_service.auth.enrollment import (
    DEFAULT_HOURS,
    IssuedEnrollment,
    create_enrollment,
    redeem_enrollment,
)
from feedback_service.auth.principal import Principal
from feedback_service.auth.scope import may_manage_devices
from feedback_service.auth.tokens import IssuedToken, issue_token
from feedback_service.store.database import Database
from feedback_service.store.enrollments import DeviceRecord, TeamRecord, find_team, list_devices, list_teams
from feedback_service.store.tokens import list_tokens, revoke_token

__all__ = [
    "NotManaged",
    "devices",
    "enroll",
    "issue",
    "listing",
    "managed_communes",
    "managed_team",
    "redeem",
    "revoke",
    "revoke_device",
    "teams",
]


class NotManaged(Exception):
    """The commune is outside what the caller may manage."""

    def __init__(self, commune: str) -> None:
        super().__init__(f"commune {commune} is outside this token's scope")
        self.commune = commune


issue = issue_token
"""A new token of a role, bound to a team and its commune, or to an official's unit (the binding's
rules are :func:`~feedback_service.auth.tokens.issue_token`'s)."""
listing = list_tokens
"""Every token: ids, roles and bindings, never secrets."""
revoke = revoke_token
"""Revoke a token from a moment on; ``False`` if there is no such token."""


async def enroll(
    db: Database,
    tree: AdminTree,
    manager: Principal | None,
    *,
    team: str,
    commune: str,
    now: dt.datetime,
    hours: int = DEFAULT_HOURS,
) -> IssuedEnrollment:
    """A single-use code for one phone of ``team`` in ``commune``, if ``manager`` may manage that
    commune's teams (``None``: the operator's command line, which may manage any)."""
    if manager is not None and not may_manage_devices(manager, tree, commune):
        raise NotManaged(commune)
    created_by = "cli" if manager is None else manager.token_id
    return await create_enrollment(
        db, tree, team=team, commune=commune, created_by=created_by, now=now, hours=hours
    )


async def redeem(db: Database, code: str, *, now: dt.datetime, label: str | None) -> IssuedToken:
    """The phone's own team token for an enrollment code (used once, before it expires)."""
    return await redeem_enrollment(db, code.strip(), now=now, label=label)


async def managed_team(db: Database, tree: AdminTree, manager: Principal, team: str) -> TeamRecord | None:
    """The team, if ``manager`` may manage its phones; ``None`` for no such team or one outside."""
    record = await find_team(db, team)
    if record is None or not may_manage_devices(manager, tree, record.commune):
        return None
    return record


async def devices(db: Database, team: TeamRecord) -> list[DeviceRecord]:
    """The team's tokens, with when each device last synced."""
    return await list_devices(db, team.id)


async def revoke_device(db: Database, team: TeamRecord, token_id: str, now: dt.datetime) -> bool:
    """Revoke one of the team's devices (its other phones go on); ``False`` if it has no such device."""
    if not any(d.token_id == token_id for d in await list_devices(db, team.id)):
        return False
    await revoke_token(db, token_id, now)
    return True


def managed_communes(tree: AdminTree, manager: Principal) -> list[AdminUnit]:
    """The communes whose teams ``manager`` may manage."""
    return [u for u in tree.at_level(AdminLevel.COMMUNE) if may_manage_devices(manager, tree, u.code)]


async def teams(
    db: Database, communes: frozenset[str] | None
) -> Sequence[tuple[TeamRecord, list[DeviceRecord]]]:
    """The teams of ``communes`` (``None``: every commune), each with its devices."""
    return [(team, await list_devices(db, team.id)) for team in await list_teams(db, communes)]
