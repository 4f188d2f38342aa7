"""``POST /api/v1/tickets/{id}/occurrences``: "me too", another household with the same difficulty."""

from __future__ import annotations

from litestar import Controller, Response, post
from litestar.params import FromPath, JSONBody

from feedback_service.api.body import StrictBody
from feedback_service.api.dependencies import Caller, Ctx
from feedback_service.api.problems import ProblemError
from feedback_service.api.schemas import OccurrenceIn, OccurrenceOut
from feedback_service.api.security import allow
from feedback_service.api.tickets import not_found, ticket_location
from feedback_service.api.wire import etag, new_occurrence, occurrence_out
from feedback_service.auth.principal import Role
from feedback_service.auth.scope import ticket_scope
from feedback_service.services import tickets
from feedback_service.store.errors import IdConflict, TicketNotFound
from feedback_service.store.records import Outcome

__all__ = ["OccurrenceController"]


class OccurrenceController(Controller):
    """Occurrences add people to a ticket instead of opening a duplicate; idempotent by their own id."""

    path = "/api/v1/tickets/{ticket_id:str}/occurrences"
    tags = ("occurrences",)
    guards = [allow(Role.TEAM)]  # noqa: RUF012 (Litestar's own shape)

    @post(
        "/",
        dto=StrictBody[OccurrenceIn],
        return_dto=None,
        status_code=201,
        summary="Add another household's people to a ticket (idempotent by the occurrence's id)",
    )
    async def add(
        self, ticket_id: FromPath[str], data: JSONBody[OccurrenceIn], ctx: Ctx, principal: Caller
    ) -> Response[OccurrenceOut]:
        now = ctx.now()
        new = new_occurrence(data, ticket_id, principal, now, ctx.settings.clock_skew)
        try:
            outcome, ticket, occurrence = await tickets.add_occurrence(
                ctx.db, ticket_scope(principal, ctx.tree), new, principal.actor, now
            )
        except TicketNotFound:
            raise not_found(ticket_id) from None
        except IdConflict as exc:
            raise ProblemError(
                409,
                "id-conflict",
                f"occurrence {exc.item_id} already exists with different content (or on another ticket)",
            ) from None
        return Response(
            occurrence_out(occurrence, ticket),
            status_code=201 if outcome is Outcome.CREATED else 200,
            headers={"ETag": etag(ticket), "Location": ticket_location(ticket.id)},
        )
