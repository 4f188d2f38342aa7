"""``/api/v1/interventions``: officials record their actions and look at what changed after them.

Officials only. An official records interventions within their own scope (a commune official in
their commune and its villages); the list and each intervention are visible to the officials whose
scope they touch. ``/{id}/effect`` is descriptive evidence (a difference in differences against
the rest of the province, :mod:`digitransform.trends.effect`), labelled as such.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import msgspec
from litestar import Controller, Response, get, post
from litestar.params import FromPath, FromQuery, JSONBody
from msgspec import Meta

from digitransform.domain import Barrier, calendar_problem, is_blank
from feedback_service.api.body import StrictBody
from feedback_service.api.dependencies import Caller, Ctx
from feedback_service.api.params import whole_number
from feedback_service.api.problems import FieldProblem, ProblemError, validation_error
from feedback_service.api.schemas import UnitCode
from feedback_service.api.security import allow
from feedback_service.auth.principal import Principal, Role
from feedback_service.auth.scope import may_record_in, ticket_scope
from feedback_service.context import ServiceContext
from feedback_service.interventions import Intervention
from feedback_service.services import interventions

__all__ = ["InterventionController", "InterventionIn"]

BASE = "/api/v1/interventions"
MAX_WEEKS = 52


class InterventionIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """An action an official took: what, where, about which barriers, when."""

    what: Annotated[str, Meta(min_length=1, max_length=2000, examples=["Training day on VNeID level 2"])]
    units: Annotated[
        list[UnitCode],
        Meta(min_length=1, max_length=2000, description="Commune or village codes within your scope."),
    ]
    categories: Annotated[list[Barrier], Meta(min_length=1, description="Barrier codes it addresses.")]
    started_on: Annotated[dt.date, Meta(examples=["2026-03-02"])]
    ended_on: Annotated[dt.date | None, Meta(description="Last day (default: the start day).")] = None


def _checked(data: InterventionIn, ctx: ServiceContext, principal: Principal) -> list[FieldProblem]:
    problems = []
    if is_blank(data.what):
        problems.append(FieldProblem("$.what", "must not be blank"))
    scope = principal.scope or ""
    for i, code in enumerate(data.units):
        if code not in ctx.tree:
            problems.append(FieldProblem(f"$.units[{i}]", f"unknown unit {code!r}"))
        elif not may_record_in(principal, ctx.tree, code):
            problems.append(FieldProblem(f"$.units[{i}]", f"{code} is outside your scope {scope}"))
        elif code in data.units[:i]:
            problems.append(FieldProblem(f"$.units[{i}]", f"{code} is listed twice"))
    for i, category in enumerate(data.categories):
        if category in data.categories[:i]:
            problems.append(FieldProblem(f"$.categories[{i}]", f"{category.value} is listed twice"))
    for name, day in (("started_on", data.started_on), ("ended_on", data.ended_on)):
        problem = None if day is None else calendar_problem(day)
        if problem is not None:
            problems.append(FieldProblem(f"$.{name}", problem))
    if data.ended_on is not None and data.ended_on < data.started_on:
        problems.append(FieldProblem("$.ended_on", f"{data.ended_on} precedes started_on {data.started_on}"))
    return problems


def _not_found(intervention_id: str) -> ProblemError:
    return ProblemError(404, "not-found", f"no intervention {intervention_id}")


class InterventionController(Controller):
    """Interventions: recorded by officials, compared before and after."""

    path = BASE
    tags = ("interventions",)
    guards = [allow(Role.OFFICIAL)]  # noqa: RUF012 (Litestar's own shape)

    @post(
        "/",
        dto=StrictBody[InterventionIn],
        return_dto=None,
        status_code=201,
        summary="Record an intervention (officials, within their scope)",
    )
    async def create(self, data: JSONBody[InterventionIn], ctx: Ctx, principal: Caller) -> Response[Any]:
        problems = _checked(data, ctx, principal)
        if problems:
            raise validation_error(problems)
        intervention = await interventions.record(
            ctx.db,
            principal,
            what=data.what,
            units=data.units,
            categories=data.categories,
            started_on=data.started_on,
            ended_on=data.ended_on,
            now=ctx.now(),
        )
        return Response(
            intervention.to_dict(), status_code=201, headers={"Location": f"{BASE}/{intervention.id}"}
        )

    @get("/", summary="The interventions within your scope, oldest start first")
    async def listing(self, ctx: Ctx, principal: Caller) -> dict[str, Any]:
        found = await interventions.visible(ctx.db, ctx.tree, ticket_scope(principal, ctx.tree))
        return {"items": [i.to_dict() for i in found]}

    async def _visible(self, ctx: ServiceContext, principal: Principal, intervention_id: str) -> Intervention:
        found = await interventions.find(ctx.db, ctx.tree, ticket_scope(principal, ctx.tree), intervention_id)
        if found is None:
            raise _not_found(intervention_id)
        return found

    @get("/{intervention_id:str}", summary="One intervention (404 outside your scope)")
    async def read(self, intervention_id: FromPath[str], ctx: Ctx, principal: Caller) -> dict[str, Any]:
        return (await self._visible(ctx, principal, intervention_id)).to_dict()

    @get(
        "/{intervention_id:str}/effect",
        summary="Before and after, against the rest of the province (descriptive evidence)",
    )
    async def effect(
        self, intervention_id: FromPath[str], ctx: Ctx, principal: Caller, weeks: FromQuery[str | None] = None
    ) -> dict[str, Any]:
        intervention = await self._visible(ctx, principal, intervention_id)
        count = 8 if weeks is None else whole_number("weeks", weeks, 1, MAX_WEEKS)
        scope = ticket_scope(principal, ctx.tree)
        return await interventions.effect(ctx.db, ctx.settings, ctx.tree, scope, intervention, count)
