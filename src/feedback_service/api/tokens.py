"""``/api/v1/tokens`` (admins manage tokens) and ``/api/v1/me`` (any caller: who am I?).

The same operations as ``feedback-service tokens``: a new token's secret is in the creation's answer
and nowhere else, ever; listing shows ids, roles and bindings, never secrets.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import msgspec
from litestar import Controller, Response, delete, get, post
from litestar.params import FromPath, JSONBody
from msgspec import Meta

from digitransform.domain import LOCAL_TZ, MAX_CODE
from feedback_service.api.body import StrictBody
from feedback_service.api.dependencies import Caller, Ctx
from feedback_service.api.problems import FieldProblem, ProblemError, validation_error
from feedback_service.api.security import allow
from feedback_service.auth.principal import Principal, Role
from feedback_service.auth.tokens import TokenRequestError
from feedback_service.services import tokens
from feedback_service.store.errors import TeamMismatch
from feedback_service.store.tables import UNIT
from feedback_service.store.tokens import TokenRecord

__all__ = ["MeController", "TokenController"]


class TokenIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A token to issue: ``team`` with ``team`` and ``commune``; ``official`` with ``scope``; ``admin``."""

    role: Role
    team: Annotated[str, Meta(min_length=1, max_length=MAX_CODE, examples=["T01"])] | None = None
    commune: Annotated[str, Meta(min_length=1, max_length=UNIT, examples=["AG001"])] | None = None
    scope: Annotated[str, Meta(min_length=1, max_length=UNIT, examples=["AG"])] | None = None
    label: (
        Annotated[str, Meta(max_length=200, description="A note for the list; no personal names.")] | None
    ) = None


class TokenOut(msgspec.Struct, kw_only=True, omit_defaults=True):
    """A token as listed: never its secret."""

    id: str
    role: Role
    team: str | None = None
    commune: str | None = None
    scope: str | None = None
    label: str | None = None
    created_at: dt.datetime | None = None
    revoked_at: dt.datetime | None = None


class IssuedTokenOut(msgspec.Struct, kw_only=True):
    """A new token: ``token`` is shown in this answer only."""

    id: str
    token: str
    role: Role
    team: str | None
    commune: str | None
    scope: str | None


class TokenList(msgspec.Struct):
    items: list[TokenOut]


def _out(record: TokenRecord) -> TokenOut:
    return TokenOut(
        id=record.id,
        role=Role(record.role),
        team=record.team,
        commune=record.commune,
        scope=record.scope,
        label=record.label,
        created_at=record.created_at.astimezone(LOCAL_TZ),
        revoked_at=None if record.revoked_at is None else record.revoked_at.astimezone(LOCAL_TZ),
    )


class TokenController(Controller):
    """Admins issue, list and revoke tokens."""

    path = "/api/v1/tokens"
    tags = ("tokens",)
    guards = [allow(Role.ADMIN)]  # noqa: RUF012 (Litestar's own shape)

    @get("/", summary="Every token: ids, roles and bindings, never secrets (admin)")
    async def listing(self, ctx: Ctx) -> TokenList:
        return TokenList([_out(r) for r in await tokens.listing(ctx.db)])

    @post("/", dto=StrictBody[TokenIn], return_dto=None, status_code=201, summary="Issue a token (admin)")
    async def issue(self, data: JSONBody[TokenIn], ctx: Ctx) -> Response[IssuedTokenOut]:
        try:
            issued = await tokens.issue(
                ctx.db,
                ctx.tree,
                data.role,
                now=ctx.now(),
                team=data.team,
                commune=data.commune,
                scope=data.scope,
                label=data.label,
            )
        except TokenRequestError as exc:
            raise validation_error([FieldProblem("$", str(exc).replace("--", ""))]) from None
        except TeamMismatch as exc:
            raise ProblemError(409, "id-conflict", str(exc)) from None
        p = issued.principal
        body = IssuedTokenOut(
            id=issued.id, token=issued.secret, role=p.role, team=p.team, commune=p.commune, scope=p.scope
        )
        return Response(body, status_code=201, headers={"Cache-Control": "no-store"})

    @delete("/{token_id:str}", summary="Revoke a token (admin); it stops working at once", status_code=204)
    async def revoke(self, token_id: FromPath[str], ctx: Ctx) -> None:
        if not await tokens.revoke(ctx.db, token_id, ctx.now()):
            raise ProblemError(404, "not-found", f"no token {token_id}")


class MeController(Controller):
    """Who the caller's token says they are: apps use it to learn their team and commune."""

    path = "/api/v1/me"
    tags = ("tokens",)

    @get("/", summary="The caller's token id, role and binding")
    async def me(self, principal: Caller) -> TokenOut:
        return _me(principal)


def _me(principal: Principal) -> TokenOut:
    return TokenOut(
        id=principal.token_id,
        role=principal.role,
        team=principal.team,
        commune=principal.commune,
        scope=principal.scope,
    )
