"""The dashboard's routes: sign in and out, a unit's overview and CSV downloads.

The work list and the ticket pages are :mod:`~feedback_service.dashboard.ticket_pages`.

Every page checks the session again (see :mod:`~feedback_service.dashboard.session`) and reads only
within the official's scope: a commune official asking for another commune gets "not found", as the
API answers 404 for someone else's ticket.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

import attrs
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import Cookie, FormMultiDict
from litestar.di import NamedDependency, Provide
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
from feedback_service.store.records import Scope

__all__ = ["Dashboard", "DashboardController", "Official", "Refused", "Visit", "answer_refused", "signed_in"]

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


class Refused(Exception):
    """A dashboard request answered before its handler runs (sent to sign in, a form without its CSRF
    token); the dashboard's router answers with :attr:`response` (:func:`answer_refused`)."""

    def __init__(self, response: Response[Any]) -> None:
        super().__init__("refused")
        self.response = response


def answer_refused(_: Request[Any, Any, Any], refused: Refused) -> Response[Any]:
    return refused.response


@attrs.frozen
class Visit:
    """A signed-in official's request to a page: who, in which language, and a post's form."""

    request: Request[Any, Any, Any]
    ctx: ServiceContext
    dashboard: Dashboard
    principal: Principal
    language: Language
    form: FormMultiDict | None = None

    @property
    def scope(self) -> Scope:
        return ticket_scope(self.principal, self.ctx.tree)

    @property
    def scope_unit(self) -> AdminUnit:
        return _scope_unit(self.ctx, self.principal)

    def field(self, name: str, default: str = "") -> str:
        """A posted form's field, as text."""
        return default if self.form is None else str(self.form.get(name, default))

    def sees(self, unit: AdminUnit) -> bool:
        return _in_scope(self.ctx, self.principal, unit)

    def page(self, template: str, status_code: int = 200, **context: Any) -> Template:
        """A page for this official (signed in, with their scope's unit in the header)."""
        context.setdefault("scope_unit", self.scope_unit)
        return _page(
            self.request, self.dashboard, template, self.language, status_code, signed_in=True, **context
        )

    def message(self, key: str, status_code: int) -> Template:
        return self.page("message.html", status_code, message=text(key, self.language))


BadForm = Callable[[Visit], Awaitable[Response[Any]]]
"""The page a post without its form's CSRF token gets."""


async def _bad_form_message(visit: Visit) -> Response[Any]:
    return visit.message("bad_form", 403)


def signed_in(bad_form: BadForm = _bad_form_message) -> Provide:
    """The ``visit`` dependency of the officials' pages, the one place their requests are let in: not
    signed in as an official, sent to sign in; a post without the form's CSRF token, ``bad_form``."""

    async def visit(
        request: Request[Any, Any, Any],
        ctx: NamedDependency[ServiceContext],
        dashboard: NamedDependency[Dashboard],
    ) -> Visit:
        form = await request.form() if request.method == "POST" else None
        language = _lang(request) if form is None else Language.parse(str(form.get("lang", "")))
        principal = await current_official(request, ctx)
        if principal is None:
            raise Refused(_to_sign_in(dashboard, language))
        found = Visit(request, ctx, dashboard, principal, language, form)
        if form is not None and not csrf_matches(request, found.field(CSRF_FIELD)):
            raise Refused(await bad_form(found))
        return found

    return Provide(visit)


Official = NamedDependency[Visit]
"""A handler parameter named ``visit``: the signed-in official's request (see :func:`signed_in`)."""


async def _posted(request: Request[Any, Any, Any], dashboard: NamedDependency[Dashboard]) -> Language:
    """The ``posted`` dependency of the sign-in and sign-out forms: their language, once their CSRF
    token matched (else the sign-in form again, 403)."""
    form = await request.form()
    language = Language.parse(str(form.get("lang", "")))
    if not csrf_matches(request, str(form.get(CSRF_FIELD, ""))):
        error = text("bad_form", language)
        raise Refused(_page(request, dashboard, "sign_in.html", language, 403, error=error, notice=None))
    return language


class DashboardController(Controller):
    """Server-rendered pages for commune and province officials."""

    path = "/dashboard"
    include_in_schema = False
    dependencies = {"visit": signed_in(), "posted": Provide(_posted)}  # noqa: RUF012 (Litestar's own shape)

    @get("/", name="dashboard:home")
    async def home(self, visit: Official) -> Redirect:
        """To the overview when signed in, else to the sign-in form."""
        path = visit.dashboard.config.path
        return Redirect(f"{path}/overview{_lang_query(visit.language)}", status_code=303)

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
        posted: NamedDependency[Language],
    ) -> Response[Any]:
        """Check the token: an official is sent to the overview; anyone else sees why not."""
        language = posted
        secret = str((await request.form()).get("token", ""))
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
        posted: NamedDependency[Language],
    ) -> Response[Any]:
        """End the session (a cross-site post without the form's token changes nothing)."""
        query = "?signed_out=1" + ("&lang=en" if posted is Language.EN else "")
        response: Response[Any] = Redirect(f"{dashboard.config.path}/sign-in{query}", status_code=303)
        await end_session(request, response, ctx, dashboard.config)
        return response

    @get("/overview", name="dashboard:overview")
    async def overview(self, visit: Official) -> Response[Any]:
        """The official's whole scope: the province, or their commune."""
        return await self._unit(visit, visit.scope_unit)

    @get("/communes/{code:str}", name="dashboard:commune")
    async def commune(self, visit: Official, code: FromPath[str]) -> Response[Any]:
        """One commune: its trend, ageing and villages."""
        return await self._unit_by_code(visit, code, AdminLevel.COMMUNE)

    @get("/villages/{code:str}", name="dashboard:village")
    async def village(self, visit: Official, code: FromPath[str]) -> Response[Any]:
        """One village: its trend and ageing, and a link to its tickets."""
        return await self._unit_by_code(visit, code, AdminLevel.VILLAGE)

    async def _unit_by_code(self, visit: Visit, code: str, level: AdminLevel) -> Response[Any]:
        unit = visit.ctx.tree.get(code)
        if unit is None or unit.level is not level or not visit.sees(unit):
            return _unit_not_found(visit, Filters.parse(_query(visit.request), _today(visit.ctx)))
        return await self._unit(visit, unit)

    async def _unit(self, visit: Visit, unit: AdminUnit) -> Template:
        request, ctx, dashboard = visit.request, visit.ctx, visit.dashboard
        filters = Filters.parse(_query(request), _today(ctx))
        language = filters.language
        fmt = dashboard.config.formatter(language)
        page = await build_unit_page(dashboard.figures_for(ctx), ctx.tree, visit.scope, unit, filters, fmt)
        trail = [u for u in reversed(ctx.tree.ancestors(unit.code)) if visit.sees(u)]
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
            scope_unit=visit.scope_unit,
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
    async def export(self, visit: Official, what: FromPath[str]) -> Response[Any]:
        """The page's figures as CSV: ``trend.csv``, ``ageing.csv``, ``ranking.csv`` or ``tickets.csv``."""
        ctx, scope = visit.ctx, visit.scope
        params = _query(visit.request)
        filters = Filters.parse(params, _today(ctx))
        unit = _ticket_unit(ctx, params)
        if unit is None or not visit.sees(unit):
            return _unit_not_found(visit, filters)
        data = visit.dashboard.figures_for(ctx)
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
            fmt = visit.dashboard.config.formatter(filters.language)
            body = tickets_csv(found.items, fmt, with_description=reads_free_text(visit.principal))
            return _csv(body, f"tickets_{unit.code}.csv")
        return _unit_not_found(visit, filters)


def _unit_not_found(visit: Visit, filters: Filters) -> Template:
    """ "Not found" in the language of the page's filters (another commune's page is the same)."""
    return _not_found(
        visit.request,
        visit.dashboard,
        filters.language,
        filters=filters,
        signed_in=True,
        scope_unit=visit.scope_unit,
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
