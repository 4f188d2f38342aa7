"""Officials work their tickets here: the work list, a ticket's page, and the actions on it.

The pages translate forms into the service's ticket use cases (:mod:`feedback_service.services.tickets`)
and their outcomes back into pages; the lifecycle itself is the domain's. Every form carries the
CSRF token (as sign-in does) and the version the ticket was read at, so an action on a page that
someone else changed meanwhile is refused (the API's 412) and shown as such, with what the official
typed kept in the form. Every read goes through the official's scope
(:meth:`~feedback_service.auth.principal.Principal.ticket_scope`): another commune's ticket is "not
found", by link or by typed URL alike.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode

import attrs
from litestar import Controller, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from digitransform.domain import (
    AdminLevel,
    AdminUnit,
    LifecycleError,
    ResolutionType,
    TicketAction,
    TicketStatus,
    Transition,
    allowed_actions,
    local_date,
)
from feedback_service.auth.principal import Principal
from feedback_service.auth.scope import ticket_scope
from feedback_service.context import ServiceContext
from feedback_service.dashboard.filters import Filters
from feedback_service.dashboard.language import Language, barrier_label, service_label, text
from feedback_service.dashboard.pages import (
    Official,
    Visit,
    _encode,
    _options,
    _page,
    _query,
    _scope_unit,
    _ticket_unit,
    _today,
    _unit_not_found,
    signed_in,
)
from feedback_service.dashboard.worklist import AGES, STATUSES, WorkList
from feedback_service.services import tickets
from feedback_service.services.tickets import TicketFile
from feedback_service.store.cursor import Cursor, CursorError
from feedback_service.store.errors import TicketNotFound, UnknownDuplicate, VersionMismatch
from feedback_service.store.queries import SORTS, TicketQuery, list_tickets
from feedback_service.store.records import StoredTicket

__all__ = ["TicketPages"]

PAGE_SIZE = 50
MAX_TEXT = 2000
MAX_REF = 200
_FIELDS = ("note", "reason", "external_ref", "resolution", "duplicate_of")


@attrs.frozen
class _Attempt:
    """What an official submitted on a ticket's form, kept to show again when it could not be applied."""

    action: str
    values: Mapping[str, str]
    error: str | None = None


def _labels(language: Language) -> dict[str, Any]:
    return {
        "category_labels": lambda cs: ", ".join(
            barrier_label(c.value, language) for c in sorted(cs, key=lambda c: c.value)
        ),
        "service_label": lambda code: service_label(code, language),
        "status_label": lambda status: text(f"status_{status}", language),
        "resolution_label": lambda code: language.pick(ResolutionType(code).label) if code else "—",
    }


class TicketPages(Controller):
    """The work list and each ticket's page, for officials within their scope."""

    path = "/dashboard"
    include_in_schema = False
    dependencies = {"visit": signed_in()}  # noqa: RUF012 (Litestar's own shape)

    @get("/tickets", name="dashboard:tickets")
    async def work_list(self, visit: Official) -> Response[Any]:
        """The tickets of a unit, filtered and sorted as the URL says, a page at a time."""
        request, ctx, dashboard, principal = visit.request, visit.ctx, visit.dashboard, visit.principal
        params = _query(request)
        filters = Filters.parse(params, _today(ctx))
        language = filters.language
        unit = _list_unit(ctx, principal, params)
        if unit is None or not visit.sees(unit):
            return _unit_not_found(visit, filters)
        work = WorkList.parse(params)
        problems = [*filters.problems, *work.problems]
        after = None
        if params.get("cursor"):
            try:
                after = Cursor.decode(params["cursor"])
            except CursorError as error:
                problems.append(str(error))
        query = work.query(unit, filters, _today(ctx), limit=PAGE_SIZE, after=after)
        scope = visit.scope
        async with ctx.db.reading() as conn:
            try:
                found = await list_tickets(conn, scope, query)
            except CursorError as error:
                problems.append(str(error))
                found = await list_tickets(conn, scope, attrs.evolve(query, after=None))
        keep = {k: v for k, v in params.items() if k not in {"cursor", "offset", "done", "skipped"} and v}
        next_query = None
        if found.next_cursor is not None:
            next_query = _encode({**keep, "cursor": found.next_cursor.encode()})
        elif found.more:
            next_query = _encode({**keep, "offset": str(work.offset + PAGE_SIZE)})
        scope_unit = visit.scope_unit
        commune = unit if unit.level is AdminLevel.COMMUNE else ctx.tree.get(unit.parent_code or "")
        villages = ctx.tree.children(commune.code) if commune and commune.level is AdminLevel.COMMUNE else []
        bulk = None
        if params.get("done") is not None or params.get("skipped") is not None:
            done, skipped = _count(params.get("done")), _count(params.get("skipped"))
            bulk = {
                "done": text("bulk_done", language).format(done=done),
                "skipped": text("bulk_skipped", language).format(skipped=skipped) if skipped else None,
                "none": text("nothing_selected", language) if not done and not skipped else None,
            }
        today = local_date(ctx.now())
        return _page(
            request,
            dashboard,
            "tickets.html",
            language,
            400 if problems else 200,
            signed_in=True,
            scope_unit=scope_unit,
            unit=unit,
            filters=attrs.evolve(filters, problems=tuple(problems)),
            work=work,
            tickets=found.items,
            next_query=next_query,
            export_query=_encode(keep),
            self_query=_encode({**keep, **({"cursor": params["cursor"]} if params.get("cursor") else {})}),
            trail=[u for u in reversed(ctx.tree.ancestors(unit.code)) if visit.sees(u)],
            tree=ctx.tree,
            villages=villages,
            commune_options=ctx.tree.children(unit.code) if unit.level is AdminLevel.PROVINCE else [],
            village_code=unit.code if unit.level is AdminLevel.VILLAGE else "",
            commune_code=commune.code if commune and commune.level is AdminLevel.COMMUNE else "",
            statuses=[(s, text(f"status_{s}", language)) for s in STATUSES],
            ages=AGES,
            sorts=[(s, text(f"sort_{s}", language)) for s in SORTS],
            age_days=lambda t: (today - local_date(t.observed_at)).days,
            can_acknowledge=lambda t: TicketAction.ACKNOWLEDGE in allowed_actions(t.status),
            bulk=bulk,
            **_labels(language),
            **_options(language),
        )

    @post("/work-list/acknowledge", name="dashboard:bulk-acknowledge", status_code=303)
    async def acknowledge_selected(self, visit: Official) -> Response[Any]:
        """Acknowledge every ticket ticked on the list, each at the version the list showed."""
        assert visit.form is not None
        picked = []
        for raw in visit.form.getall("pick", []):
            ticket_id, _, version = str(raw).partition(":")
            if version.isdigit():
                picked.append((ticket_id, int(version)))
        outcomes = await tickets.act_on_many(
            visit.ctx.db,
            visit.scope,
            picked,
            Transition(TicketAction.ACKNOWLEDGE),
            actor=visit.principal.actor,
            now=visit.ctx.now(),
        )
        done = sum(1 for o in outcomes if o.refusal is None)
        back = dict(parse_qsl(visit.field("back").lstrip("?")))
        back.update({"done": str(done), "skipped": str(len(outcomes) - done)})
        return Redirect(f"{visit.dashboard.config.path}/tickets?{urlencode(back)}", status_code=303)

    @get("/tickets/{ticket_id:str}", name="dashboard:ticket")
    async def ticket(self, visit: Official, ticket_id: FromPath[str]) -> Response[Any]:
        """One ticket: its fields, occurrences and history, and the actions its status allows."""
        done = visit.request.query_params.get("done")
        notice = text(f"done_{done}", visit.language) if done in {a.value for a in TicketAction} else None
        return await _show(visit, ticket_id, notice=notice)

    @post("/tickets/{ticket_id:str}/act", name="dashboard:act", status_code=303)
    async def act(self, visit: Official, ticket_id: FromPath[str]) -> Response[Any]:
        """Apply the action of a ticket's form, at the version the form was read at."""
        language = visit.language
        values = {k: visit.field(k).strip() for k in _FIELDS}
        raw_action = visit.field("action")
        raw_version = visit.field("version")
        attempt = _Attempt(raw_action, values)
        try:
            action = TicketAction(raw_action)
        except ValueError:
            action = None
        problem = _check(values, language) if action is not None else text("bad_form", language)
        if problem is not None or action is None or not raw_version.isdigit():
            attempt = attrs.evolve(attempt, error=problem or text("bad_form", language))
            return await _show(visit, ticket_id, attempt, 422)
        change = Transition(
            action,
            resolution=ResolutionType(values["resolution"]) if values["resolution"] else None,
            reason=values["reason"] or None,
            duplicate_of=values["duplicate_of"] or None,
            external_ref=values["external_ref"] or None,
            note=values["note"] or None,
        )
        try:
            await tickets.transition(
                visit.ctx.db,
                visit.scope,
                ticket_id,
                change,
                expected_version=int(raw_version),
                actor=visit.principal.actor,
                now=visit.ctx.now(),
            )
        except TicketNotFound:
            return await _show(visit, ticket_id)
        except VersionMismatch as exc:
            message = text("changed_meanwhile", language).format(version=exc.current)
            attempt = attrs.evolve(attempt, error=message)
            return await _show(visit, ticket_id, attempt, 409)
        except UnknownDuplicate:
            attempt = attrs.evolve(attempt, error=text("bad_duplicate", language))
            return await _show(visit, ticket_id, attempt, 422)
        except LifecycleError as exc:
            attempt = attrs.evolve(attempt, error=f"{text('not_allowed', language)}: {exc}")
            status = 409 if exc.reason == "forbidden" else 422
            return await _show(visit, ticket_id, attempt, status)
        query = urlencode({"done": action.value, **({"lang": "en"} if language is Language.EN else {})})
        return Redirect(f"{visit.dashboard.config.path}/tickets/{ticket_id}?{query}", status_code=303)


async def _show(
    visit: Visit,
    ticket_id: str,
    attempt: _Attempt | None = None,
    status_code: int = 200,
    notice: str | None = None,
) -> Template:
    ctx, language = visit.ctx, visit.language
    found = await tickets.read_file(ctx.db, visit.scope, ticket_id)
    if found is None:
        return visit.message("ticket_not_found", 404)
    ticket = found.ticket
    search = visit.request.query_params.get("dup_q", "").strip()[:200]
    candidates = await _candidates(ctx, visit.principal, ticket, search)
    village = ctx.tree.get(ticket.village)
    commune = ctx.tree.get(ticket.commune)
    trail = [u for u in (ctx.tree.root, commune, village) if u is not None and visit.sees(u)]
    return visit.page(
        "ticket.html",
        status_code,
        file=found,
        tk=ticket,
        village=village,
        commune=commune,
        trail=trail,
        filters=Filters.parse({"lang": language.value}, _today(ctx)),
        attempt=attempt,
        notice=notice,
        candidates=candidates,
        dup_q=search,
        allowed=[a.value for a in TicketAction if a in found.allowed],
        resolutions=[(r.value, language.pick(r.label)) for r in ResolutionType],
        who=lambda entry: _who(found, entry.actor.token_id, entry.actor.role, language),
        action_label=lambda action: text(f"action_{action}", language),
        max_text=MAX_TEXT,
        max_ref=MAX_REF,
        **_labels(language),
    )


def _list_unit(ctx: ServiceContext, principal: Principal, params: Mapping[str, str]) -> AdminUnit | None:
    """The unit the link names (village, else commune), else the official's whole scope."""
    if params.get("village", "").strip() or params.get("commune", "").strip():
        return _ticket_unit(ctx, dict(params))
    return _scope_unit(ctx, principal)


def _count(raw: str | None) -> int:
    return int(raw) if raw and raw.isdigit() else 0


def _who(found: TicketFile, token_id: str, role: str, language: Language) -> str:
    label = found.labels.get(token_id)
    role_text = text(f"role_{role}", language) if role in {"team", "official", "admin"} else role
    return f"{role_text}: {label}" if label else f"{role_text}: {token_id}"


def _check(values: Mapping[str, str], language: Language) -> str | None:
    """What is wrong with a form's values before the lifecycle sees them (lengths, codes), or ``None``."""
    for key in ("note", "reason"):
        if len(values[key]) > MAX_TEXT:
            return f"{text(key, language)}: {text('too_long', language).format(max=MAX_TEXT)}"
    if len(values["external_ref"]) > MAX_REF:
        return f"{text('external_ref', language)}: {text('too_long', language).format(max=MAX_REF)}"
    if values["resolution"] and values["resolution"] not in {r.value for r in ResolutionType}:
        return text("bad_form", language)
    if values["duplicate_of"]:
        try:
            uuid.UUID(values["duplicate_of"])
        except ValueError:
            return f"{text('duplicate_of', language)}: {text('bad_duplicate', language)}"
    return None


async def _candidates(
    ctx: ServiceContext, principal: Principal, ticket: StoredTicket, search: str
) -> list[StoredTicket]:
    """Tickets this one may duplicate: the search's matches in its commune, else its village's latest."""
    query = TicketQuery(
        commune=ticket.commune,
        village=None if search else ticket.village,
        statuses=None if search else frozenset(s for s in TicketStatus if s is not TicketStatus.REJECTED),
        text=search or None,
        limit=11,
    )
    async with ctx.db.reading() as conn:
        found = await list_tickets(conn, ticket_scope(principal, ctx.tree), query)
    return [t for t in found.items if t.id != ticket.id][:10]
