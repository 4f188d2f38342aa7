"""``/api/v1/tickets``: report (one or a batch), list within scope, read one, read its history."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.response import Stream

from digitransform.domain import Barrier, DigitalService, TicketStatus
from feedback_service.api.body import StrictBody
from feedback_service.api.dependencies import Caller, Ctx
from feedback_service.api.params import moment_bound
from feedback_service.api.problems import FieldProblem, ProblemError
from feedback_service.api.schemas import HistoryOut, TicketIn, TicketList, TicketOut
from feedback_service.api.security import allow
from feedback_service.api.tickets_csv import tickets_csv
from feedback_service.api.trends import wants_csv
from feedback_service.api.wire import entry_out, etag, new_ticket, ticket_out
from feedback_service.auth.principal import Principal, Role
from feedback_service.auth.scope import ticket_scope
from feedback_service.context import ServiceContext
from feedback_service.services import tickets
from feedback_service.store.cursor import Cursor, CursorError
from feedback_service.store.errors import IdConflict
from feedback_service.store.queries import TicketQuery, find_ticket, list_tickets, ticket_history
from feedback_service.store.records import Outcome, StoredTicket

__all__ = [
    "READERS",
    "REPORTERS",
    "TicketController",
    "id_conflict",
    "not_found",
    "read_ticket",
    "report_ticket",
    "ticket_headers",
    "ticket_location",
    "ticket_response",
]

BASE = "/api/v1/tickets"
_UNRESOLVED = frozenset(s for s in TicketStatus if s.is_unresolved)
READERS = (Role.TEAM, Role.OFFICIAL)
"""Teams and officials read tickets (each within their scope); an admin reads none."""
REPORTERS = (Role.TEAM,)
"""Only teams report tickets."""
_READERS = [allow(*READERS)]


def ticket_location(ticket_id: str) -> str:
    return f"{BASE}/{ticket_id}"


def ticket_response(
    ticket: StoredTicket, status: int = 200, *, location: bool = False
) -> Response[TicketOut]:
    """A ticket with its ETag (and ``Location`` for a creation or a replay of one)."""
    return Response(ticket_out(ticket), status_code=status, headers=ticket_headers(ticket, location=location))


def ticket_headers(ticket: StoredTicket, *, location: bool) -> dict[str, str]:
    """The headers of a ticket's answer: its ETag, and ``Location`` for a creation or its replay
    (the route's and the hot route's, :mod:`feedback_service.api.hot_routes`)."""
    headers = {"ETag": etag(ticket)}
    if location:
        headers["Location"] = ticket_location(ticket.id)
    return headers


def id_conflict(exc: IdConflict) -> ProblemError:
    """409: the id names other content. The detail says how to retry correctly."""
    return ProblemError(
        409,
        "id-conflict",
        f"{exc.kind} {exc.item_id} already exists with different content; a retry must resend exactly "
        "the same body, and new content needs a new id",
    )


class TicketController(Controller):
    """Tickets: teams report them; everyone reads them within their scope."""

    path = BASE
    tags = ("tickets",)

    @post(
        "/",
        dto=StrictBody[TicketIn],
        return_dto=None,
        status_code=201,
        guards=[allow(*REPORTERS)],
        summary="Report a difficulty (idempotent by the client's id)",
        description="201 with Location and ETag for a new ticket; 200 with the stored ticket for a retry "
        "with the same content; 409 for the same id with different content.",
    )
    async def create(self, data: JSONBody[TicketIn], ctx: Ctx, principal: Caller) -> Response[TicketOut]:
        status, ticket = await report_ticket(ctx, principal, data)
        return ticket_response(ticket, status, location=True)

    @get("/", guards=_READERS, summary="Tickets within the caller's scope, filtered, a page at a time")
    async def listing(
        self,
        request: Request[Any, Any, Any],
        ctx: Ctx,
        principal: Caller,
        status: FromQuery[list[TicketStatus] | None] = None,
        unresolved: FromQuery[bool | None] = None,
        category: FromQuery[Barrier | None] = None,
        service: FromQuery[DigitalService | None] = None,
        commune: FromQuery[str | None] = None,
        village: FromQuery[str | None] = None,
        team: FromQuery[str | None] = None,
        observed_from: Annotated[
            str | None, QueryParameter(description="A date (local day) or an aware moment; inclusive.")
        ] = None,
        observed_to: Annotated[
            str | None,
            QueryParameter(description="A date (its whole local day included) or an aware moment."),
        ] = None,
        updated_since: Annotated[
            str | None, QueryParameter(description="Changed at or after: a sync feed, oldest change first.")
        ] = None,
        limit: Annotated[int | None, QueryParameter(ge=1, description="Items per page (default 50).")] = None,
        cursor: Annotated[str | None, QueryParameter(description="next_cursor of the previous page.")] = None,
        format: Annotated[
            str | None, QueryParameter(description="csv: every page as CSV (also Accept: text/csv).")
        ] = None,
    ) -> TicketList | Stream:
        as_csv = wants_csv(request, format)
        statuses = None if status is None else frozenset(status)
        if unresolved is not None:
            wanted = _UNRESOLVED if unresolved else frozenset(TicketStatus) - _UNRESOLVED
            statuses = wanted if statuses is None else statuses & wanted
        size = limit or ctx.settings.page_size
        if size > ctx.settings.max_page_size:
            raise ProblemError(
                400,
                "bad-request",
                f"limit: at most {ctx.settings.max_page_size}",
                errors=[FieldProblem("limit", f"at most {ctx.settings.max_page_size}", "query")],
            )
        try:
            query = TicketQuery(
                statuses=statuses,
                category=category,
                service=service,
                commune=commune,
                village=village,
                team=team,
                observed_from=moment_bound("observed_from", observed_from, end=False),
                observed_to=moment_bound("observed_to", observed_to, end=True),
                updated_since=moment_bound("updated_since", updated_since, end=False),
                limit=size,
                after=None if cursor is None else Cursor.decode(cursor),
            )
            if as_csv:
                return tickets_csv(ctx, principal, query)
            async with ctx.db.reading() as conn:
                page = await list_tickets(conn, ticket_scope(principal, ctx.tree), query)
        except CursorError as exc:
            raise ProblemError(
                400, "bad-request", str(exc), errors=[FieldProblem("cursor", str(exc), "query")]
            ) from None
        return TicketList(
            items=[ticket_out(t) for t in page.items],
            next_cursor=None if page.next_cursor is None else page.next_cursor.encode(),
        )

    @get("/{ticket_id:str}", guards=_READERS, summary="One ticket (404 outside the caller's scope)")
    async def read(self, ticket_id: FromPath[str], ctx: Ctx, principal: Caller) -> Response[TicketOut]:
        return ticket_response(await read_ticket(ctx, principal, ticket_id))

    @get(
        "/{ticket_id:str}/history", guards=_READERS, summary="Every change to a ticket: who, when, what, why"
    )
    async def history(self, ticket_id: FromPath[str], ctx: Ctx, principal: Caller) -> HistoryOut:
        async with ctx.db.reading() as conn:
            entries = await ticket_history(conn, ticket_id, ticket_scope(principal, ctx.tree))
        if entries is None:
            raise not_found(ticket_id)
        return HistoryOut(ticket_id, [entry_out(e) for e in entries])


async def report_ticket(
    ctx: ServiceContext, principal: Principal, data: TicketIn
) -> tuple[int, StoredTicket]:
    """``POST /api/v1/tickets`` once the caller is a team: 201 and the new ticket, or 200 and the
    stored one for a retry; a 422 or 409 problem raised. Its handler and the hot route
    (:mod:`feedback_service.api.hot_routes`) both answer with this."""
    now = ctx.now()
    new = new_ticket(data, principal, ctx.tree, now, ctx.settings.clock_skew)
    try:
        outcome, ticket = await tickets.create(ctx.db, new, principal.actor, now)
    except IdConflict as exc:
        raise id_conflict(exc) from None
    return 201 if outcome is Outcome.CREATED else 200, ticket


async def read_ticket(ctx: ServiceContext, principal: Principal, ticket_id: str) -> StoredTicket:
    """``GET /api/v1/tickets/{id}`` once the caller may read tickets: the ticket within its scope, or
    a 404 problem (the same whether it is missing or outside the scope). Shared with the hot route."""
    ticket = await find_ticket(ctx.db, ticket_id, ticket_scope(principal, ctx.tree))
    if ticket is None:
        raise not_found(ticket_id)
    return ticket


def not_found(ticket_id: str) -> ProblemError:
    """The same answer for a ticket that does not exist and one outside the caller's scope."""
    return ProblemError(404, "not-found", f"no ticket {ticket_id}")
