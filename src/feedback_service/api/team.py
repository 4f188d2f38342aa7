"""``GET /api/v1/team``: what a team's phone keeps for offline use, fetched on every sync.

The team, its commune and villages (the form's choices), and the team's own tickets with their status
and the officials' latest note, so the team can tell the household what happened. Each call records
when this device last synced, for the dashboard's device list.
"""

from __future__ import annotations

import datetime as dt

import msgspec
from litestar import Controller, Response, get

from digitransform.domain import LOCAL_TZ, AdminLevel, Barrier, DigitalService, ResolutionType, TicketStatus
from feedback_service.api.dependencies import Caller, Ctx
from feedback_service.api.security import allow
from feedback_service.auth.principal import Role
from feedback_service.auth.scope import ticket_scope
from feedback_service.store.enrollments import mark_synced
from feedback_service.store.queries import TicketQuery, list_tickets, official_notes

__all__ = ["TeamController"]

TEAM_TICKETS = 300
"""The team's most recent tickets kept on the phone: enough for months of work, small to sync."""


class UnitName(msgspec.Struct):
    code: str
    name: str


class TeamTicketOut(msgspec.Struct, kw_only=True):
    """One of the team's tickets as its phone shows it."""

    id: str
    village: str
    categories: list[Barrier]
    service: DigitalService
    description: str
    people_affected: int
    status: TicketStatus
    resolution: ResolutionType | None
    rejection_reason: str | None
    external_ref: str | None
    official_note: str | None
    """The latest note (or reason) an official wrote on the ticket."""
    observed_at: dt.datetime
    updated_at: dt.datetime
    resolved_at: dt.datetime | None


class TeamStateOut(msgspec.Struct, kw_only=True):
    team: str
    commune: UnitName
    villages: list[UnitName]
    tickets: list[TeamTicketOut]
    """The team's most recent tickets (up to 300), newest first."""
    synced_at: dt.datetime


class TeamController(Controller):
    path = "/api/v1/team"
    tags = ("enrollment",)
    guards = [allow(Role.TEAM)]  # noqa: RUF012 (Litestar's own shape)

    @get("/", summary="The caller's team, its villages and its own tickets (team); records the sync")
    async def state(self, ctx: Ctx, principal: Caller) -> Response[TeamStateOut]:
        tree = ctx.tree
        commune = tree[principal.commune or ""]
        scope = ticket_scope(principal, tree)
        async with ctx.db.reading() as conn:
            page = await list_tickets(conn, scope, TicketQuery(limit=TEAM_TICKETS))
            notes = await official_notes(conn, [t.id for t in page.items])
        now = ctx.now()
        await mark_synced(ctx.db, principal.token_id, now)
        body = TeamStateOut(
            team=principal.team or "",
            commune=UnitName(commune.code, commune.name),
            villages=[
                UnitName(u.code, u.name) for u in tree.children(commune.code) if u.level is AdminLevel.VILLAGE
            ],
            tickets=[
                TeamTicketOut(
                    id=t.id,
                    village=t.village,
                    categories=sorted(t.categories, key=lambda c: c.value),
                    service=t.service,
                    description=t.description,
                    people_affected=t.people_affected,
                    status=t.state.status,
                    resolution=t.state.resolution,
                    rejection_reason=t.state.rejection_reason,
                    external_ref=t.external_ref,
                    official_note=notes.get(t.id),
                    observed_at=t.observed_at.astimezone(LOCAL_TZ),
                    updated_at=t.updated_at.astimezone(LOCAL_TZ),
                    resolved_at=None if t.resolved_at is None else t.resolved_at.astimezone(LOCAL_TZ),
                )
                for t in page.items
            ],
            synced_at=now.astimezone(LOCAL_TZ),
        )
        return Response(body, headers={"Cache-Control": "no-store"})
