"""``POST /api/v1/tickets/batch``: tickets collected offline, each stored (or refused) on its own.

A team's phone may come back to coverage with hundreds of reports. Each item is decoded and checked
on its own, then the valid ones are stored together, each in its own savepoint
(:func:`~feedback_service.services.tickets.create_many`), so one bad item never blocks the others
and no item is half stored; the answer lists every item in input order as ``created``,
``replayed`` or ``rejected`` (with the problem), so the batch never half-fails silently and can
simply be resent.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec
from litestar import Controller, post
from litestar.params import JSONBody

from feedback_service import logs
from feedback_service.api.body import StrictBody, decode_json, decode_strict
from feedback_service.api.dependencies import Caller, Ctx
from feedback_service.api.problems import FieldProblem, ProblemError, field_problem_from_msgspec
from feedback_service.api.schemas import BatchIn, BatchItemResult, BatchOut, TicketIn
from feedback_service.api.security import allow
from feedback_service.api.tickets import id_conflict, ticket_location
from feedback_service.api.wire import new_ticket
from feedback_service.auth.principal import Role
from feedback_service.metrics import BATCH_TICKETS, BATCHES
from feedback_service.services import tickets
from feedback_service.store.errors import IdConflict
from feedback_service.store.records import NewTicket

__all__ = ["BatchController"]


class BatchController(Controller):
    """Mounted under a router with the larger batch body limit."""

    path = "/api/v1/tickets/batch"
    tags = ("tickets",)
    guards = [allow(Role.TEAM)]  # noqa: RUF012 (Litestar's own shape)

    @post(
        "/",
        dto=StrictBody[BatchIn],
        return_dto=None,
        status_code=200,
        summary="Report tickets collected offline (each item on its own)",
    )
    async def create_batch(self, data: JSONBody[BatchIn], ctx: Ctx, principal: Caller) -> BatchOut:
        limit = ctx.settings.max_batch_tickets
        if len(data.tickets) > limit:
            raise ProblemError(
                422,
                "validation",
                f"a batch holds at most {limit} tickets, this one {len(data.tickets)}; split it",
                errors=[FieldProblem("$.tickets", f"more than {limit} items")],
            )
        BATCHES.inc()
        BATCH_TICKETS.observe(len(data.tickets))
        now = ctx.now()
        checked = [_check(raw, i, ctx, principal, now) for i, raw in enumerate(data.tickets)]
        valid = [item for item in checked if isinstance(item, NewTicket)]
        stored = iter(await tickets.create_many(ctx.db, valid, principal.actor, now))
        results = []
        for item in checked:
            if isinstance(item, BatchItemResult):
                results.append(item)
                continue
            result = next(stored)
            if isinstance(result, IdConflict):
                results.append(
                    BatchItemResult(id=item.id, outcome="rejected", problem=id_conflict(result).problem())
                )
            else:
                outcome, ticket = result
                results.append(
                    BatchItemResult(
                        id=ticket.id,
                        outcome=outcome.value,
                        version=ticket.version,
                        location=ticket_location(ticket.id),
                    )
                )
        logs.note(rejected=sum(r.outcome == "rejected" for r in results))
        return BatchOut(results)


def _check(
    raw: msgspec.Raw, index: int, ctx: Ctx, principal: Caller, now: dt.datetime
) -> NewTicket | BatchItemResult:
    """The ticket to store, or the rejection of this item (named by its id when it has a readable one)."""
    root = f"$.tickets[{index}]"
    try:
        try:
            data = decode_strict(raw, TicketIn)
        except msgspec.ValidationError as exc:
            error = field_problem_from_msgspec(str(exc), root)
            raise ProblemError(422, "validation", f"{error.path}: {error.message}", errors=[error]) from None
        except msgspec.DecodeError as exc:  # too deeply nested for the decoder
            raise ProblemError(400, "malformed-json", f"{root}: {exc}") from None
        return new_ticket(data, principal, ctx.tree, now, ctx.settings.clock_skew, root)
    except ProblemError as exc:
        return BatchItemResult(id=_loose_id(raw), outcome="rejected", problem=exc.problem())


def _loose_id(raw: msgspec.Raw) -> str | None:
    # A rejected item is still named by its id when it has a readable one.
    try:
        value: Any = decode_json(raw)
    except msgspec.DecodeError:
        return None
    item_id = value.get("id") if isinstance(value, dict) else None
    return item_id if isinstance(item_id, str) and "\x00" not in item_id else None
