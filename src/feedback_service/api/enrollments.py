"""``/api/v1/enrollments`` (a code for one phone) and ``/api/v1/teams/{team}/devices`` (list, revoke).

Officials enroll and revoke the phones of the teams in their scope; admins those of every team. A
phone redeems its code without any token (the code is what it has) and gets its own team token.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, delete, get, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody
from msgspec import Meta

from digitransform.domain import LOCAL_TZ
from feedback_service.api.body import StrictBody
from feedback_service.api.dependencies import Caller, Ctx
from feedback_service.api.problems import PROBLEM_JSON, FieldProblem, Problem, ProblemError, validation_error
from feedback_service.api.security import allow, client_address, too_many_failures
from feedback_service.auth.enrollment import (
    DEFAULT_HOURS,
    MAX_HOURS,
)
from feedback_service.auth.principal import Principal, Role
from feedback_service.auth.tokens import TokenRequestError
from feedback_service.context import ServiceContext
from feedback_service.services import tokens
from feedback_service.services.tokens import NotManaged
from feedback_service.store.enrollments import DeviceRecord, EnrollmentState, RedeemRefused, TeamRecord
from feedback_service.store.errors import TeamMismatch

__all__ = ["DeviceController", "EnrollmentController", "enrollment_link", "managed_team"]

TEAM_APP = "/team/"


def enrollment_link(base_url: str, code: str) -> str:
    """The link a phone opens to enroll: the code rides in the fragment, which browsers never send
    to a server (so it stays out of access logs and ``Referer`` headers)."""
    return f"{base_url.rstrip('/')}{TEAM_APP}#enroll={code}"


class EnrollmentIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A code for one phone of ``team``; ``commune`` defaults to a commune official's own."""

    team: Annotated[str, Meta(min_length=1, max_length=64, examples=["T01"])]
    commune: Annotated[str, Meta(min_length=1, max_length=32, examples=["AG001"])] | None = None
    hours: Annotated[int, Meta(ge=1, le=MAX_HOURS, description="How long the code works.")] = DEFAULT_HOURS


class EnrollmentOut(msgspec.Struct, kw_only=True):
    """A new code: ``code`` and ``link`` are shown in this answer only."""

    id: str
    code: str
    link: str
    team: str
    commune: str
    expires_at: dt.datetime


class RedeemIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    code: Annotated[str, Meta(min_length=1, max_length=100)]
    label: (
        Annotated[
            str, Meta(max_length=60, description="What the phone is, for the device list; no personal names.")
        ]
        | None
    ) = None


class DeviceTokenOut(msgspec.Struct, kw_only=True):
    """The phone's own team token: keep it on the device; it is shown in this answer only."""

    token: str
    token_id: str
    team: str
    commune: str


class DeviceOut(msgspec.Struct, kw_only=True):
    token_id: str
    label: str | None
    enrolled: bool
    """From an enrollment code (a phone), not issued by the CLI or the tokens API."""
    created_at: dt.datetime
    last_synced_at: dt.datetime | None
    revoked_at: dt.datetime | None


class DeviceList(msgspec.Struct):
    team: str
    commune: str
    items: list[DeviceOut]


def _problem(description: str) -> ResponseSpec:
    return ResponseSpec(Problem, description=description, media_type=PROBLEM_JSON, generate_examples=False)


_CREATE_PROBLEMS = {
    403: _problem("forbidden: a team token, or a commune outside the official's scope"),
    409: _problem("id-conflict: the team is known in another commune"),
    422: _problem("validation: no such commune, a bad team code, hours out of range"),
}
_REDEEM_PROBLEMS = {
    404: _problem("enrollment-unknown: no such code"),
    410: _problem("enrollment-expired or enrollment-used: ask for a new code"),
    422: _problem("validation: the body is not {code, label}"),
    429: _problem("too-many-failures: too many wrong codes or tokens from this address; see Retry-After"),
}
_TEAM_PROBLEMS = {404: _problem("not-found: no such team (or device) within the caller's scope")}


def _local(moment: dt.datetime | None) -> dt.datetime | None:
    return None if moment is None else moment.astimezone(LOCAL_TZ)


def device_out(record: DeviceRecord) -> DeviceOut:
    return DeviceOut(
        token_id=record.token_id,
        label=record.label,
        enrolled=record.enrolled,
        created_at=record.created_at.astimezone(LOCAL_TZ),
        last_synced_at=_local(record.last_synced_at),
        revoked_at=_local(record.revoked_at),
    )


_REFUSALS = {
    EnrollmentState.UNKNOWN: (404, "enrollment-unknown", "no such enrollment code; check the link"),
    EnrollmentState.EXPIRED: (
        410,
        "enrollment-expired",
        "this enrollment code has expired; ask for a new one",
    ),
    EnrollmentState.USED: (
        410,
        "enrollment-used",
        "this enrollment code was already used by another device; ask for a new one",
    ),
}


async def managed_team(ctx: ServiceContext, principal: Principal, team: str) -> TeamRecord:
    """The team if the caller may manage its devices, else a 404 (as for a ticket outside the
    caller's scope)."""
    record = await tokens.managed_team(ctx.db, ctx.tree, principal, team)
    if record is None:
        raise ProblemError(404, "not-found", f"no team {team}")
    return record


class EnrollmentController(Controller):
    """Codes that enroll one phone each."""

    path = "/api/v1/enrollments"
    tags = ("enrollment",)

    @post(
        "/",
        dto=StrictBody[EnrollmentIn],
        return_dto=None,
        status_code=201,
        guards=[allow(Role.OFFICIAL, Role.ADMIN)],
        summary="Create a single-use enrollment code for one phone of a team (official or admin)",
        responses=_CREATE_PROBLEMS,
        description="The code works once, until expires_at (72 h by default), and never as a bearer token.",
    )
    async def create(
        self, request: Request[Any, Any, Any], data: JSONBody[EnrollmentIn], ctx: Ctx, principal: Caller
    ) -> Response[EnrollmentOut]:
        commune = data.commune or (principal.scope if principal.scope != ctx.tree.root.code else None)
        if commune is None:
            raise validation_error(
                [FieldProblem("$.commune", "required for a province official or an admin")]
            )
        try:
            issued = await tokens.enroll(
                ctx.db, ctx.tree, principal, team=data.team, commune=commune, now=ctx.now(), hours=data.hours
            )
        except NotManaged as exc:
            raise ProblemError(403, "forbidden", str(exc)) from None
        except TokenRequestError as exc:
            raise validation_error([FieldProblem("$", str(exc).replace("--", ""))]) from None
        except TeamMismatch as exc:
            raise ProblemError(409, "id-conflict", str(exc)) from None
        body = EnrollmentOut(
            id=issued.id,
            code=issued.code,
            link=enrollment_link(str(request.base_url), issued.code),
            team=issued.team,
            commune=issued.commune,
            expires_at=issued.expires_at.astimezone(LOCAL_TZ),
        )
        return Response(body, status_code=201, headers={"Cache-Control": "no-store"})

    @post(
        "/redeem",
        dto=StrictBody[RedeemIn],
        return_dto=None,
        status_code=201,
        security=[{}],
        responses=_REDEEM_PROBLEMS,
        summary="Trade an enrollment code for this device's own team token (no bearer token needed)",
        description="404 enrollment-unknown, 410 enrollment-expired or enrollment-used; 429 "
        "too-many-failures after repeated failures (wrong codes or tokens) from one address.",
    )
    async def redeem(
        self, request: Request[Any, Any, Any], data: JSONBody[RedeemIn], ctx: Ctx
    ) -> Response[DeviceTokenOut]:
        # Wrong codes count with wrong tokens from the same address: one limit for guessing secrets.
        guard = ctx.throttle.guard(client_address(request), None, ctx.now())
        wait = await guard.wait(ctx.db)
        if wait is not None:
            ctx.throttle.refused(guard, "enrollment", wait)
            raise too_many_failures(wait)
        try:
            issued = await tokens.redeem(ctx.db, data.code, now=ctx.now(), label=data.label)
        except RedeemRefused as refused:
            await ctx.throttle.fail(ctx.db, guard, "enrollment", refused.state.value)
            status, code, detail = _REFUSALS[refused.state]
            raise ProblemError(status, code, detail) from None
        p = issued.principal
        body = DeviceTokenOut(
            token=issued.secret, token_id=issued.id, team=p.team or "", commune=p.commune or ""
        )
        return Response(body, status_code=201, headers={"Cache-Control": "no-store"})


class DeviceController(Controller):
    """A team's devices: when each last synced; revoke one (a lost phone) and the others go on."""

    path = "/api/v1/teams/{team:str}/devices"
    tags = ("enrollment",)
    guards = [allow(Role.OFFICIAL, Role.ADMIN)]  # noqa: RUF012 (Litestar's own shape)

    @get(
        "/",
        summary="A team's tokens, with when each device last synced (official or admin)",
        responses=_TEAM_PROBLEMS,
    )
    async def listing(self, team: FromPath[str], ctx: Ctx, principal: Caller) -> DeviceList:
        record = await managed_team(ctx, principal, team)
        found = await tokens.devices(ctx.db, record)
        return DeviceList(record.id, record.commune, [device_out(d) for d in found])

    @delete(
        "/{token_id:str}",
        status_code=204,
        summary="Revoke one device's token; it is refused (401) from its next request",
        responses=_TEAM_PROBLEMS,
    )
    async def revoke(self, team: FromPath[str], token_id: FromPath[str], ctx: Ctx, principal: Caller) -> None:
        record = await managed_team(ctx, principal, team)
        if not await tokens.revoke_device(ctx.db, record, token_id, ctx.now()):
            raise ProblemError(404, "not-found", f"no device {token_id} in team {record.id}")
