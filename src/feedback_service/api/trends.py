"""``/api/v1/trends/*``: the unresolved backlog, its ageing, resolution times and headline figures.

Officials only (a team token gets 403), always within the official's scope: a commune official's
``commune=`` filter can only narrow it. Each endpoint answers JSON (the library's ``to_dict()``
shapes) or, with ``?format=csv`` or ``Accept: text/csv``, a CSV table of the same figures. Bad
parameters are 400 problems naming the parameter. Every windowed endpoint is bounded
(:mod:`feedback_service.trends.limits`): a request over the bound is a 400 problem stating it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Annotated, Any, TypeVar

import attrs
from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency, Provide
from litestar.openapi import ResponseSpec
from litestar.params import FromQuery, QueryParameter

from digitransform.domain import Barrier, DigitalService, local_date
from digitransform.trends import BacklogAgeing, ResolutionTimes, TicketFilter, TrendSummary, UnresolvedTrend
from feedback_service.api.dependencies import Caller, Ctx
from feedback_service.api.params import bad, day_or_moment, day_param
from feedback_service.api.problems import PROBLEM_JSON, Problem, ProblemError
from feedback_service.api.security import allow
from feedback_service.auth.principal import Role
from feedback_service.auth.scope import ticket_scope
from feedback_service.context import ServiceContext
from feedback_service.csv_tables import csv_text
from feedback_service.services import trends
from feedback_service.store.records import Scope
from feedback_service.trends import CommuneBacklog
from feedback_service.trends.limits import (
    MAX_TREND_POINTS,
    MAX_WINDOW_DAYS,
)

__all__ = ["TrendsController", "bad", "csv_response", "figures_response", "trend_filter", "wants_csv"]

CSV = "text/csv; charset=utf-8"


def wants_csv(request: Request[Any, Any, Any], format: str | None) -> bool:
    """``?format=csv``, or ``Accept: text/csv`` without an explicit ``format``."""
    if format is not None:
        if format not in ("csv", "json"):
            raise bad("format", f"expected csv or json, got {format!r}")
        return format == "csv"
    return "text/csv" in (request.headers.get("accept") or "")


def csv_response(header: Sequence[str], rows: Iterable[Sequence[object]], filename: str) -> Response[bytes]:
    """A CSV download (:mod:`feedback_service.csv_tables`: formula-guarded, UTF-8 with a BOM)."""
    return Response(
        csv_text(header, rows).encode(),
        media_type=CSV,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def trend_filter(
    commune: Annotated[
        str | None, QueryParameter(description="Only this commune (within your scope).")
    ] = None,
    village: Annotated[str | None, QueryParameter(description="Only this village.")] = None,
    team: Annotated[str | None, QueryParameter(description="Only this team's tickets.")] = None,
    service: FromQuery[DigitalService | None] = None,
    category: FromQuery[Barrier | None] = None,
) -> TicketFilter:
    """The ``where`` of every trend endpoint: which tickets count (the caller's scope still applies)."""
    return TicketFilter(communes=commune, villages=village, teams=team, services=service, category=category)


Where = NamedDependency[TicketFilter]
"""A handler parameter named ``where``: the tickets the query's filters keep."""
CallerScope = NamedDependency[Scope]
"""A handler parameter named ``caller_scope``: what the caller may see (``auth.scope``)."""
From = Annotated[str | None, QueryParameter(name="from", description="First local day, 2026-03-01.")]
To = Annotated[str | None, QueryParameter(description="Last local day, 2026-03-29 (default: today).")]
GroupBy = Annotated[
    str | None,
    QueryParameter(description="category, service, commune, village or team; none for one series."),
]
Format = Annotated[str | None, QueryParameter(description="csv or json (also Accept: text/csv).")]

_POINTS_LIMIT = (
    f"At most {MAX_TREND_POINTS:,} points: periods in the window × (the groups the request may find + "
    "the total), counted before any query from the barriers, services, the communes or villages in "
    "your scope and filters, or the teams registered there. A request over it is a 400 problem that "
    "states the limit."
)
_WINDOW_LIMIT = (
    f"The window spans at most {MAX_WINDOW_DAYS:,} local days; a longer one is a 400 problem that states "
    "the limit."
)
_TOO_LARGE = {
    400: ResponseSpec(
        data_container=Problem,
        media_type=PROBLEM_JSON,
        description="A bad parameter, or a request over the endpoint's bound (the detail states it).",
    )
}


def _run_errors(exc: ValueError) -> ProblemError:
    """A library ValueError starts with the parameter it is about ("group_by: ...")."""
    text = str(exc)
    name, _, message = text.partition(": ")
    return bad(name if message else "query", message or text)


F = TypeVar("F")
Table = tuple[Sequence[str], Iterable[Sequence[object]]]
"""A CSV table: its header and its rows."""


async def figures_response(
    request: Request[Any, Any, Any],
    format: str | None,
    figures: Callable[[], Awaitable[F]],
    json: Callable[[F], object],
    table: Callable[[F], Table],
    filename: str,
) -> Response[Any]:
    """Every trend endpoint's answer: ``format`` checked first, then the figures (a library
    ``ValueError`` becomes a 400 problem naming its parameter), as JSON or as a CSV ``filename``."""
    as_csv = wants_csv(request, format)
    try:
        found = await figures()
    except ValueError as exc:
        raise _run_errors(exc) from None
    if not as_csv:
        return Response(json(found))
    return csv_response(*table(found), filename)


def _columns(header: Sequence[str], items: Iterable[Mapping[str, object]]) -> Table:
    return header, [[item[h] for h in header] for item in items]


_UNRESOLVED_FIELDS = (
    "opened",
    "resolved",
    "rejected",
    "reopened",
    "unresolved_at_end",
    "people_affected_unresolved",
)


def _unresolved_table(trend: UnresolvedTrend) -> Table:
    rows = [
        (s.group, p.start.isoformat(), p.end.isoformat(), *(getattr(p, f) for f in _UNRESOLVED_FIELDS))
        for s in (*trend.series, *((trend.total,) if trend.group_by is not None else ()))
        for p in s.points
    ]
    return ("group", "start", "end", *_UNRESOLVED_FIELDS), rows


def _ageing_table(ageing: BacklogAgeing) -> Table:
    groups = (*ageing.groups, *((ageing.total,) if ageing.group_by is not None else ()))
    rows = [(g.group, b.label, b.tickets, b.people, g.oldest_days) for g in groups for b in g.buckets]
    return ("group", "age_days", "tickets", "people", "oldest_days"), rows


def _resolution_table(times: ResolutionTimes) -> Table:
    body = times.to_dict()
    groups = [*body["groups"], *([body["total"]] if times.group_by is not None else [])]
    return _columns(("group", "resolved", "on_the_spot", "median_days", "p90_days"), groups)


def _summary_table(headline: TrendSummary) -> Table:
    return ("figure", "value"), list(headline.to_dict().items())


@attrs.frozen
class _Ranking:
    at: dt.date
    communes: Sequence[CommuneBacklog]

    def to_dict(self) -> dict[str, Any]:
        return {"at": self.at.isoformat(), "communes": [c.to_dict() for c in self.communes]}

    def table(self) -> Table:
        header = ("commune", "name", "unresolved", "people_affected", "households", "per_1000_households")
        return _columns(header, self.to_dict()["communes"])


def _scope(principal: Caller, ctx: Ctx) -> Scope:
    return ticket_scope(principal, ctx.tree)


class TrendsController(Controller):
    """Trends of the difficulties within an official's scope."""

    path = "/api/v1/trends"
    tags = ("trends",)
    guards = [allow(Role.OFFICIAL)]  # noqa: RUF012 (Litestar's own shape)
    dependencies = {  # noqa: RUF012 (Litestar's own shape)
        "where": Provide(trend_filter, sync_to_thread=False),
        "caller_scope": Provide(_scope, sync_to_thread=False),
    }

    def _today(self, ctx: ServiceContext) -> dt.date:
        return local_date(ctx.now())

    def _window(
        self, ctx: ServiceContext, from_: str | None, to: str | None, span: dt.timedelta
    ) -> tuple[dt.date, dt.date]:
        """``from``..``to`` as local days; ``to`` defaults to today and ``from`` to ``span`` before it."""
        last = day_param("to", to, self._today(ctx))
        first = day_param("from", from_, last - span)
        if last < first:
            raise bad("to", f"{last} precedes from: {first}")
        return first, last

    @get(
        "/unresolved",
        summary="The unresolved backlog per period and group (JSON or CSV)",
        description=_POINTS_LIMIT,
        responses=_TOO_LARGE,
    )
    async def unresolved(
        self,
        request: Request[Any, Any, Any],
        ctx: Ctx,
        caller_scope: CallerScope,
        where: Where,
        period: Annotated[str, QueryParameter(description="day, week or month.")] = "week",
        from_: From = None,
        to: To = None,
        group_by: GroupBy = None,
        format: Format = None,
    ) -> Response[Any]:
        async def figures() -> UnresolvedTrend:
            first, last = self._window(ctx, from_, to, dt.timedelta(weeks=12))
            return await trends.unresolved(
                ctx.db, ctx.tree, caller_scope, period, first, last, group_by, where
            )

        return await figures_response(
            request, format, figures, UnresolvedTrend.to_dict, _unresolved_table, "unresolved.csv"
        )

    @get("/ageing", summary="The backlog's ageing at a moment or the end of a local day (JSON or CSV)")
    async def ageing(
        self,
        request: Request[Any, Any, Any],
        ctx: Ctx,
        caller_scope: CallerScope,
        where: Where,
        at: Annotated[
            str | None,
            QueryParameter(description="A local day (its end) or an aware moment (default: now)."),
        ] = None,
        group_by: GroupBy = None,
        format: Format = None,
    ) -> Response[Any]:
        async def figures() -> BacklogAgeing:
            moment = day_or_moment("at", at) if at else ctx.now()
            return await trends.ageing(ctx.db, caller_scope, moment, group_by, where)

        return await figures_response(
            request, format, figures, BacklogAgeing.to_dict, _ageing_table, "ageing.csv"
        )

    @get(
        "/resolution-times",
        summary="Median and 90th percentile time to resolve (JSON or CSV)",
        description=_WINDOW_LIMIT,
        responses=_TOO_LARGE,
    )
    async def resolution_times(
        self,
        request: Request[Any, Any, Any],
        ctx: Ctx,
        caller_scope: CallerScope,
        where: Where,
        from_: From = None,
        to: To = None,
        group_by: GroupBy = None,
        format: Format = None,
    ) -> Response[Any]:
        async def figures() -> ResolutionTimes:
            first, last = self._window(ctx, from_, to, dt.timedelta(days=89))
            return await trends.resolution_times(ctx.db, caller_scope, first, last, group_by, where)

        return await figures_response(
            request, format, figures, ResolutionTimes.to_dict, _resolution_table, "resolution-times.csv"
        )

    @get(
        "/summary",
        summary="Headline figures for the caller's scope over a window (JSON or CSV)",
        description=_WINDOW_LIMIT,
        responses=_TOO_LARGE,
    )
    async def summary(
        self,
        request: Request[Any, Any, Any],
        ctx: Ctx,
        caller_scope: CallerScope,
        where: Where,
        from_: From = None,
        to: To = None,
        format: Format = None,
    ) -> Response[Any]:
        async def figures() -> TrendSummary:
            first, last = self._window(ctx, from_, to, dt.timedelta(days=29))
            return await trends.summary(ctx.db, caller_scope, first, last, where)

        return await figures_response(
            request, format, figures, TrendSummary.to_dict, _summary_table, "summary.csv"
        )

    @get("/communes", summary="Communes ranked by unresolved backlog per 1,000 households (JSON or CSV)")
    async def communes(
        self,
        request: Request[Any, Any, Any],
        ctx: Ctx,
        caller_scope: CallerScope,
        at: Annotated[str | None, QueryParameter(description="A local day (default: today).")] = None,
        service: FromQuery[DigitalService | None] = None,
        category: FromQuery[Barrier | None] = None,
        format: Format = None,
    ) -> Response[Any]:
        async def figures() -> _Ranking:
            day = day_param("at", at, self._today(ctx))
            where = TicketFilter(services=service, category=category)
            found = await trends.commune_ranking(ctx.db, ctx.settings, ctx.tree, caller_scope, day, where)
            return _Ranking(day, found)

        return await figures_response(
            request, format, figures, _Ranking.to_dict, _Ranking.table, "communes.csv"
        )
