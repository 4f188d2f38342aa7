"""The dashboard's routes: sign in and out, a unit's overview and CSV downloads.

The work list and the ticket pages are :mod:`~feedback_service.dashboard.ticket_pages`.

Every page checks the session again (see :mod:`~feedback_service.dashboard.session`) and reads only
within the official's scope: a commune official asking for another commune gets "not found", as the
API answers 404 for someone else's ticket.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import attrs
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template

from digitransform.domain import AdminLevel, AdminUnit, Barrier, DigitalService, local_date
from digitransform.trends import GroupBy
from feedback_service.api.security import client_address
from feedback_service.auth.principal import Principal
from feedback_service.auth.scope import reads_free_text, sees_unit, ticket_scope
from feedback_service.context import ServiceContext
from feedback_service.dashboard.config import DashboardConfig
from feedback_service.dashboard.exports import ageing_csv, ranking_csv, tickets_csv, trend_csv
from feedback_service.dashboard.figures import DashboardData
from feedback_service.dashboard.filters import PERIODS, Filters
from feedback_service.dashboard.language import Language, barrier_label, service_label, text
from feedback_service.dashboard.session import (
    CSRF_COOKIE,
    CSRF_FIELD,
    SignInRefused,
    cookie_secure,
    csrf_matches,
    csrf_token,
    current_official,
    end_session,
    sign_in,
    start_session,
)
from feedback_service.dashboard.views import TOP_COMMUNES, build_unit_page, unit_filter
from feedback_service.dashboard.worklist import WorkList
from feedback_service.store.queries import list_tickets

__all__ = ["Dashboard", "DashboardController"]

_PAGE_SIZE = 50
_EXPORT_LIMIT = 10_000


@attrs.frozen
class Dashboard:
    """What the pages need besides the service context: their config and where the figures come from."""

    config: DashboardConfig
    figures_for: Callable[[ServiceContext], DashboardData]


def _today(ctx: ServiceContext) -> dt.date:
    return local_date(ctx.now())


def _query(request: Request[Any, Any, Any]) -> dict[str, str]:
    return {k: str(v) for k, v in request.query_params.items()}


def _lang(request: Request[Any, Any, Any]) -> Language:
    return Language.parse(request.query_params.get("lang"))


def _lang_query(language: Language) -> str:
    return "?lang=en" if language is Language.EN else ""


def _scope_unit(ctx: ServiceContext, principal: Principal) -> AdminUnit:
    return ctx.tree.get(principal.scope or "") or ctx.tree.root


def _in_scope(ctx: ServiceContext, principal: Principal, unit: AdminUnit) -> bool:
    return sees_unit(ticket_scope(principal, ctx.tree), ctx.tree, unit.code)


def _page(
    request: Request[Any, Any, Any],
    dashboard: Dashboard,
    template: str,
    language: Language,
    status_code: int = 200,
    **context: Any,
) -> Template:
    """A page with the words of ``language`` and this visitor's CSRF token (set if new)."""
    token, new = csrf_token(request)
    cookies = []
    if new:
        config = dashboard.config
        cookies.append(
            Cookie(
                key=CSRF_COOKIE,
                value=token,
                path=config.path,
                httponly=True,
                samesite="strict",
                secure=cookie_secure(request, config),
            )
        )
    base = dashboard.config.path
    params = {k: str(v) for k, v in request.query_params.items() if k != "lang"}
    if language is Language.VI:
        params["lang"] = Language.EN.value
    other = request.url.path + ("?" + urlencode(params) if params else "")
    return Template(
        template_name=template,
        context={
            "t": lambda key: text(key, language),
            "lang": language.value,
            "lang_query": _lang_query(language),
            "csrf_field": CSRF_FIELD,
            "csrf_token": token,
            "base": base,
            "other_lang_href": other,
            "fmt": dashboard.config.formatter(language),
            **context,
        },
        status_code=status_code,
        cookies=cookies,
    )


def _to_sign_in(dashboard: Dashboard, language: Language) -> Redirect:
    return Redirect(f"{dashboard.config.path}/sign-in{_lang_query(language)}", status_code=303)


def _not_found(
    request: Request[Any, Any, Any], dashboard: Dashboard, language: Language, **context: Any
) -> Template:
    return _page(
        request, dashboard, "message.html", language, 404, message=text("not_found", language), **context
    )


def _options(language: Language) -> dict[str, Any]:
    return {
        "categories": [(b.value, barrier_label(b.value, language)) for b in Barrier],
        "services": [(s.value, service_label(s.value, language)) for s in DigitalService],
        "periods": [(p.value, text(p.value, language)) for p in PERIODS],
    }


def _csv(body: str, name: str) -> Response[str]:
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )


class DashboardController(Controller):
    """Server-rendered pages for commune and province officials."""

    path = "/dashboard"
    include_in_schema = False

    @get("/", name="dashboard:home")
    async def home(
        self,
        request: Request[Any, Any, Any],
        ctx: NamedDependency[ServiceContext],
        dashboard: NamedDependency[Dashboard],
    ) -> Redirect:
        """To the overview when signed in, else to the sign-in form."""
        language = _lang(request)
        if await current_official(request, ctx) is None:
            return _to_sign_in(dashboard, language)
        return Redirect(f"{dashboard.config.path}/overview{_lang_query(language)}", status_code=303)

    @get("/sign-in", name="dashboard:sign-in")
    async def sign_in_form(
        self, request: Request[Any, Any, Any], dashboard: NamedDependency[Dashboard]
    ) -> Template:
        """The sign-in form."""
        language = _lang(request)
        notice = text("signed_out", language) if request.query_params.get("signed_out") else None
        return _page(request, dashboard, "sign_in.html", language, notice=notice, error=None)

    @post("/sign-in", name="dashboard:sign-in-post", status_code=303)
    async def sign_in(
        self,
        request: Request[Any, Any, Any],
        ctx: NamedDependency[ServiceContext],
        dashboard: NamedDependency[Dashboard],
    ) -> Response[Any]:
        """Check the token: an official is sent to the overview; anyone else sees why not."""
        form = await request.form()
        language = Language.parse(str(form.get("lang", "")))
        if not csrf_matches(request, str(form.get(CSRF_FIELD, ""))):
            return _page(
                request,
                dashboard,
                "sign_in.html",
                language,
                403,
                error=text("bad_form", language),
                notice=None,
            )
        secret = str(form.get("token", ""))
        try:
            principal = await sign_in(ctx, secret, client_address(request))
        except SignInRefused as refused:
            status = {"not_official": 403, "throttled": 429}.get(refused.reason, 401)
            refusal = _page(
                request,
                dashboard,
                "sign_in.html",
                language,
                status,
                error=text(refused.reason, language),
                notice=None,
            )
            if refused.retry_after is not None:
                refusal.headers["Retry-After"] = str(refused.retry_after)
            return refusal
        response: Response[Any] = Redirect(
            f"{dashboard.config.path}/overview{_lang_query(language)}", status_code=303
        )
        await start_session(request, response, ctx, dashboard.config, principal)
        return response

    @post("/sign-out", name="dashboard:sign-out", status_code=303)
    async def sign_out(
        self,
        request: Request[Any, Any, Any],
        ctx: NamedDependency[ServiceContext],
        dashboard: NamedDependency[Dashboard],
    ) -> Response[Any]:
        """End the session (a cross-site post without the form's token changes nothing)."""
        form = await request.form()
        language = Language.parse(str(form.get("lang", "")))
        if not csrf_matches(request, str(form.get(CSRF_FIELD, ""))):
            return _page(
                request,
                dashboard,
                "sign_in.html",
                language,
                403,
                error=text("bad_form", language),
                notice=None,
            )
        query = "?signed_out=1" + ("&lang=en" if language is Language.EN else "")
        response: Response[Any] = Redirect(f"{dashboard.config.path}/sign-in{query}", status_code=303)
        await end_session(request, response, ctx, dashboard.config)
        return response

    @get("/overview", name="dashboard:overview")
    async def overview(
        self,
        request: Request[Any, Any, Any],
        ctx: NamedDependency[ServiceContext],
        dashboard: NamedDependency[Dashboard],
    ) -> Response[Any]:
        """The official's whole scope: the province, or their commune."""
        principal = await current_official(request, ctx)
        if principal is None:
            return _to_sign_in(dashboard, _lang(request))
        return await self._unit(request, ctx, dashboard, principal, _scope_unit(ctx, principal))

    @get("/communes/{code:str}", name="dashboard:commune")
    async def commune(
        self,
        request: Request[Any, Any, Any],
        ctx: NamedDependency[ServiceContext],
        dashboard: NamedDependency[Dashboard],
        code: FromPath[str],
    ) -> Response[Any]:
        """One commune: its trend, ageing and villages."""
        return await self._unit_by_code(request, ctx, dashboard, code, AdminLevel.COMMUNE)

    @get("/villages/{code:str}", name="dashboard:village")
    async def village(
        self,
        request: Request[Any, Any, Any],
        ctx: NamedDependency[ServiceContext],
        dashboard: NamedDependency[Dashboard],
        code: FromPath[str],
    ) -> Response[Any]:
        """One village: its trend and ageing, and a link to its tickets."""
        return await self._unit_by_code(request, ctx, dashboard, code, AdminLevel.VILLAGE)

    async def _unit_by_code(
        self,
        request: Request[Any, Any, Any],
        ctx: NamedDependency[ServiceContext],
        dashboard: NamedDependency[Dashboard],
        code: str,
        level: AdminLevel,
    ) -> Response[Any]:
        principal = await current_official(request, ctx)
        if principal is None:
            return _to_sign_in(dashboard, _lang(request))
        unit = ctx.tree.get(code)
        if unit is None or unit.level is not level or not _in_scope(ctx, principal, unit):
            filters = Filters.parse(_query(request), _today(ctx))
            return _not_found(
                request,
                dashboard,
                filters.language,
                filters=filters,
                signed_in=True,
                scope_unit=_scope_unit(ctx, principal),
            )
        return await self._unit(request, ctx, dashboard, principal, unit)

    async def _unit(
        self,
        request: Request[Any, Any, Any],
        ctx: NamedDependency[ServiceContext],
        dashboard: NamedDependency[Dashboard],
        principal: Principal,
        unit: AdminUnit,
    ) -> Template:
        filters = Filters.parse(_query(request), _today(ctx))
        language = filters.language
        scope = ticket_scope(principal, ctx.tree)
        fmt = dashboard.config.formatter(language)
        page = await build_unit_page(dashboard.figures_for(ctx), ctx.tree, scope, unit, filters, fmt)
        trail = [u for u in reversed(ctx.tree.ancestors(unit.code)) if _in_scope(ctx, principal, u)]
        ticket_params = {
            "unresolved": "1",
            **_unit_params(unit),
            **filters.params(**{"from": None, "to": None, "period": None}),
        }
        return _page(
            request,
            dashboard,
            "unit.html",
            language,
            400 if filters.problems else 200,
            signed_in=True,
            scope_unit=_scope_unit(ctx, principal),
            page=page,
            unit=unit,
            trail=trail,
            filters=filters,
            tree=ctx.tree,
            ticket_query=_encode(ticket_params),
            export_query=_encode({**_unit_params(unit), **filters.params()}),
            show_all_communes=request.query_params.get("communes") == "all",
            top_communes=TOP_COMMUNES,
            category_labels=lambda cs: ", ".join(
                barrier_label(c.value, language) for c in sorted(cs, key=lambda c: c.value)
            ),
            **_options(language),
        )

    @get("/export/{what:str}", name="dashboard:export")
    async def export(
        self,
        request: Request[Any, Any, Any],
        ctx: NamedDependency[ServiceContext],
        dashboard: NamedDependency[Dashboard],
        what: FromPath[str],
    ) -> Response[Any]:
        """The page's figures as CSV: ``trend.csv``, ``ageing.csv``, ``ranking.csv`` or ``tickets.csv``."""
        principal = await current_official(request, ctx)
        if principal is None:
            return _to_sign_in(dashboard, _lang(request))
        params = _query(request)
        filters = Filters.parse(params, _today(ctx))
        unit = _ticket_unit(ctx, params)
        if unit is None or not _in_scope(ctx, principal, unit):
            return _not_found(
                request,
                dashboard,
                filters.language,
                filters=filters,
                signed_in=True,
                scope_unit=_scope_unit(ctx, principal),
            )
        scope = ticket_scope(principal, ctx.tree)
        data = dashboard.figures_for(ctx)
        where = unit_filter(unit, filters)
        stem = f"{unit.code}_{filters.first.isoformat()}_{filters.last.isoformat()}"
        if what == "trend.csv":
            trend = await data.trend(
                scope, filters.period, filters.first, filters.last, GroupBy.CATEGORY, where
            )
            return _csv(trend_csv(trend, filters.language), f"trend_{stem}.csv")
        if what == "ageing.csv":
            ageing = await data.ageing(scope, filters.last, GroupBy.CATEGORY, where)
            return _csv(ageing_csv(ageing), f"ageing_{stem}.csv")
        if what == "ranking.csv":
            ranking = await data.commune_ranking(scope, filters.last, where)
            return _csv(ranking_csv(ranking), f"ranking_{stem}.csv")
        if what == "tickets.csv":
            query = WorkList.parse(params).query(unit, filters, _today(ctx), limit=_EXPORT_LIMIT, offset=0)
            async with ctx.db.reading() as conn:
                found = await list_tickets(conn, scope, query)
            fmt = dashboard.config.formatter(filters.language)
            body = tickets_csv(found.items, fmt, with_description=reads_free_text(principal))
            return _csv(body, f"tickets_{unit.code}.csv")
        return _not_found(
            request,
            dashboard,
            filters.language,
            filters=filters,
            signed_in=True,
            scope_unit=_scope_unit(ctx, principal),
        )


def _unit_params(unit: AdminUnit) -> dict[str, str]:
    if unit.level is AdminLevel.COMMUNE:
        return {"commune": unit.code}
    if unit.level is AdminLevel.VILLAGE:
        return {"village": unit.code}
    return {}


def _encode(params: dict[str, str]) -> str:
    clean = {k: v for k, v in params.items() if v}
    return "?" + urlencode(clean) if clean else ""


def _ticket_unit(ctx: ServiceContext, params: dict[str, str]) -> AdminUnit | None:
    """The unit a list or export is about: ``village``, else ``commune``, else the province."""
    for key, level in (("village", AdminLevel.VILLAGE), ("commune", AdminLevel.COMMUNE)):
        code = params.get(key, "").strip()
        if code:
            unit = ctx.tree.get(code)
            return unit if unit is not None and unit.level is level else None
    return ctx.tree.root
