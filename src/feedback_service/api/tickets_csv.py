"""The ticket list as CSV (``GET /api/v1/tickets?format=csv`` or ``Accept: text/csv``).

Same filters and scope as the JSON list, but every page: the rows are streamed page by page
(each page its own short read), so an export of a whole province never sits in memory. The
free-text description is a column only for officials: a team's export leaves it out, since a
spreadsheet travels further than the app. Household references are never exported.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

import attrs
from litestar.response import Stream

from feedback_service.api.wire import ticket_out
from feedback_service.auth.principal import Principal
from feedback_service.auth.scope import reads_free_text, ticket_scope
from feedback_service.context import ServiceContext
from feedback_service.csv_tables import csv_lines, csv_text
from feedback_service.store.queries import TicketQuery, list_tickets
from feedback_service.store.records import StoredTicket

__all__ = ["TICKET_COLUMNS", "CsvStream", "ticket_csv_row", "tickets_csv"]

CSV = "text/csv; charset=utf-8"


class CsvStream(Stream):
    """A stream that keeps its own media type.

    Litestar 2 lets the handler's default media type (JSON) win over a returned ``Stream``'s, so a
    handler that answers JSON or CSV must insist on it here.
    """

    def to_asgi_response(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["media_type"] = CSV
        return super().to_asgi_response(*args, **kwargs)


TICKET_COLUMNS = (
    "id",
    "commune",
    "village",
    "team",
    "categories",
    "service",
    "description",
    "people_affected",
    "people_reported",
    "observed_at",
    "status",
    "resolution",
    "rejection_reason",
    "duplicate_of",
    "external_ref",
    "received_at",
    "updated_at",
    "resolved_at",
)
"""Every column, in order; ``description`` only for officials. Moments are local (``+07:00``)."""


def _columns(principal: Principal) -> tuple[str, ...]:
    if reads_free_text(principal):
        return TICKET_COLUMNS
    return tuple(c for c in TICKET_COLUMNS if c != "description")


def ticket_csv_row(ticket: StoredTicket, columns: Sequence[str]) -> list[object]:
    """One ticket's cells: categories joined by ``;``, enums by value, moments in ISO 8601."""
    out = ticket_out(ticket)
    cells: list[object] = []
    for name in columns:
        value = getattr(out, name)
        if name == "categories":
            value = ";".join(c.value for c in value)
        elif hasattr(value, "isoformat"):
            value = value.isoformat()
        elif hasattr(value, "value"):
            value = value.value
        cells.append("" if value is None else value)
    return cells


def tickets_csv(ctx: ServiceContext, principal: Principal, query: TicketQuery) -> CsvStream:
    """Every ticket ``query`` matches within the caller's scope, streamed as CSV (UTF-8 with a BOM)."""
    columns = _columns(principal)
    scope = ticket_scope(principal, ctx.tree)

    async def rows() -> AsyncIterator[bytes]:
        yield csv_text(columns, ()).encode()
        page_query = attrs.evolve(query, limit=ctx.settings.max_page_size)
        while True:
            async with ctx.db.reading() as conn:
                page = await list_tickets(conn, scope, page_query)
            if page.items:
                yield csv_lines(ticket_csv_row(t, columns) for t in page.items).encode()
            if page.next_cursor is None:
                return
            page_query = attrs.evolve(page_query, after=page.next_cursor)

    return CsvStream(
        rows(),
        media_type=CSV,
        headers={"Content-Disposition": 'attachment; filename="tickets.csv"'},
    )
