"""``POST /api/v1/tickets/{id}/transitions``: an official acts on a ticket, under optimistic concurrency."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Response, post
from litestar.params import FromPath, HeaderParameter, JSONBody

from digitransform.domain import LifecycleError
from feedback_service.api.body import StrictBody
from feedback_service.api.dependencies import Caller, Ctx
from feedback_service.api.problems import FieldProblem, ProblemError, validation_error
from feedback_service.api.schemas import TicketOut, TransitionIn
from feedback_service.api.security import allow
from feedback_service.api.tickets import not_found, ticket_response
from feedback_service.api.wire import parse_if_match, transition_of
from feedback_service.auth.principal import Role
from feedback_service.auth.scope import ticket_scope
from feedback_service.services import tickets
from feedback_service.store.errors import TicketNotFound, UnknownDuplicate, VersionMismatch

__all__ = ["TransitionController"]

_FIELD_OF_REASON = {
    "resolution_required": "$.resolution",
    "reason_required": "$.reason",
    "self_duplicate": "$.duplicate_of",
}


class TransitionController(Controller):
    """The lifecycle, as the domain defines it, applied by officials within their scope."""

    path = "/api/v1/tickets/{ticket_id:str}/transitions"
    tags = ("transitions",)
    guards = [allow(Role.OFFICIAL)]  # noqa: RUF012 (Litestar's own shape)

    @post(
        "/",
        dto=StrictBody[TransitionIn],
        return_dto=None,
        status_code=200,
        summary="Acknowledge, start, resolve, reject or reopen a ticket",
        description="Requires If-Match with the ticket's ETag: 428 without it, 412 if the ticket changed "
        "since. 409 when the lifecycle forbids the action from the ticket's status.",
    )
    async def apply(
        self,
        ticket_id: FromPath[str],
        data: JSONBody[TransitionIn],
        ctx: Ctx,
        principal: Caller,
        if_match: Annotated[
            str | None, HeaderParameter(name="If-Match", description='The ticket\'s ETag, e.g. "3".')
        ] = None,
    ) -> Response[TicketOut]:
        expected = parse_if_match(if_match)
        transition = transition_of(data)
        try:
            ticket = await tickets.transition(
                ctx.db,
                ticket_scope(principal, ctx.tree),
                ticket_id,
                transition,
                expected_version=expected,
                actor=principal.actor,
                now=ctx.now(),
            )
        except TicketNotFound:
            raise not_found(ticket_id) from None
        except VersionMismatch as exc:
            raise ProblemError(
                412,
                "precondition-failed",
                f"the ticket is at version {exc.current}, not {expected}; read it again and decide anew",
                headers={"ETag": f'"{exc.current}"'},
                current_version=exc.current,
            ) from None
        except UnknownDuplicate as exc:
            raise validation_error([FieldProblem("$.duplicate_of", f"no ticket {exc.ticket_id}")]) from None
        except LifecycleError as exc:
            if exc.reason == "forbidden":
                raise ProblemError(409, "lifecycle", str(exc)) from None
            field = _FIELD_OF_REASON.get(exc.reason, "$")
            raise validation_error([FieldProblem(field, str(exc))]) from None
        return ticket_response(ticket)
