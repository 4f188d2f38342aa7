"""The dashboard's team pages: a team's phones (when each last synced, revoke one) and enrollment codes
shown as a link and a QR code for a team member's phone to open.

The same rules as the API (:func:`~feedback_service.auth.enrollment.may_manage`): a commune's official
manages its teams, the province's officials every team. A code is shown once, on the page that
created it; only its hash is stored.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import segno
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template
from markupsafe import Markup

from digitransform.domain import AdminLevel, Label
from feedback_service.api.enrollments import enrollment_link
from feedback_service.auth.enrollment import DEFAULT_HOURS, MAX_HOURS, create_enrollment
from feedback_service.auth.principal import Principal
from feedback_service.auth.scope import may_manage_devices
from feedback_service.auth.tokens import TokenRequestError
from feedback_service.context import ServiceContext
from feedback_service.dashboard.formatting import Formatter
from feedback_service.dashboard.language import Language, text
from feedback_service.dashboard.pages import Dashboard, _lang, _lang_query, _page, _scope_unit, _to_sign_in
from feedback_service.dashboard.session import CSRF_FIELD, csrf_matches, current_official
from feedback_service.store.enrollments import find_team, list_devices, list_teams
from feedback_service.store.errors import TeamMismatch
from feedback_service.store.tokens import revoke_token

__all__ = ["TeamsController", "qr_svg"]

WORDS: dict[str, Label] = {
    "teams_title": Label("Tổ công nghệ số và điện thoại", "Teams and their phones"),
    "teams_help": Label(
        "Mỗi điện thoại của tổ có mã riêng: mất một máy thì chỉ thu hồi máy đó.",
        "Each phone of a team has its own token: a lost phone is revoked alone.",
    ),
    "team": Label("Tổ", "Team"),
    "team_code": Label("Mã tổ", "Team code"),
    "commune": Label("Xã, phường", "Commune"),
    "devices": Label("Điện thoại", "Phones"),
    "hours": Label("Hiệu lực (giờ)", "Valid for (hours)"),
    "new_code": Label("Tạo mã đăng ký cho một điện thoại", "Create an enrollment code for one phone"),
    "no_teams": Label("Chưa có tổ nào.", "No team yet."),
    "device": Label("Thiết bị", "Device"),
    "added": Label("Thêm lúc", "Added"),
    "last_sync": Label("Đồng bộ lần cuối", "Last synced"),
    "never": Label("Chưa bao giờ", "Never"),
    "state": Label("Trạng thái", "State"),
    "active": Label("Đang dùng", "Active"),
    "revoked": Label("Đã thu hồi", "Revoked"),
    "revoke": Label("Thu hồi", "Revoke"),
    "from_code": Label("đăng ký bằng mã", "enrolled with a code"),
    "from_cli": Label("mã cấp trực tiếp", "issued directly"),
    "code_title": Label("Mã đăng ký cho tổ {team}", "Enrollment code for team {team}"),
    "code_help": Label(
        "Mở đường liên kết này hoặc quét mã QR trên điện thoại của thành viên tổ. Mã chỉ dùng được một lần "
        "và hết hạn lúc {expires}. Mã chỉ hiện một lần trên trang này.",
        "Open this link or scan the QR code on the team member's phone. It works once and expires at "
        "{expires}. It is shown on this page only.",
    ),
    "qr_label": Label("Mã QR của đường liên kết đăng ký", "QR code of the enrollment link"),
    "back": Label("Về danh sách điện thoại của tổ", "Back to the team's phones"),
    "bad_team": Label("Không tạo được mã", "The code could not be created"),
}


def _words(language: Language) -> Any:
    def t(key: str, **params: str) -> str:
        if key in WORDS:
            return language.pick(WORDS[key]).format(**params)
        return text(key, language)

    return t


def qr_svg(link: str, title: str) -> Markup:
    """The link as an inline SVG QR code (segno; error correction M, so a worn print still scans)."""
    svg = segno.make(link, error="m").svg_inline(scale=6, border=2, title=title, svgclass="qr-code")
    return Markup(svg)  # segno's own markup, which escapes the title


def _moment(fmt: Formatter, moment: dt.datetime | None) -> str:
    """A moment in the dashboard's time zone and the reader's language (the one formatter)."""
    return "" if moment is None else fmt.moment(moment)


class TeamsController(Controller):
    """``/dashboard/teams``: teams in the official's scope, their phones, and new enrollment codes."""

    path = "/dashboard/teams"
    include_in_schema = False

    async def _official(self, request: Request[Any, Any, Any], ctx: ServiceContext) -> Principal | None:
        return await current_official(request, ctx)

    @get("/", name="dashboard:teams")
    async def teams(
        self,
        request: Request[Any, Any, Any],
        ctx: NamedDependency[ServiceContext],
        dashboard: NamedDependency[Dashboard],
    ) -> Response[Any]:
        """Every team of the official's scope, with how many phones each has, and a form for a code."""
        language = _lang(request)
        principal = await self._official(request, ctx)
        if principal is None:
            return _to_sign_in(dashboard, language)
        return await self._teams_page(request, ctx, dashboard, principal, language, None, 200)

    async def _teams_page(
        self,
        request: Request[Any, Any, Any],
        ctx: ServiceContext,
        dashboard: Dashboard,
        principal: Principal,
        language: Language,
        error: str | None,
        status: int,
    ) -> Template:
        scope_unit = _scope_unit(ctx, principal)
        communes = None if scope_unit.code == ctx.tree.root.code else frozenset({scope_unit.code})
        teams = await list_teams(ctx.db, communes)
        fmt = dashboard.config.formatter(language)
        rows = []
        for team in teams:
            devices = await list_devices(ctx.db, team.id)
            active = [d for d in devices if d.revoked_at is None]
            last = max((d.last_synced_at for d in active if d.last_synced_at is not None), default=None)
            rows.append(
                (
                    team,
                    ctx.tree.get(team.commune),
                    len(active),
                    _moment(fmt, last),
                )
            )
        commune_choices = [
            u
            for u in ctx.tree.at_level(AdminLevel.COMMUNE)
            if may_manage_devices(principal, ctx.tree, u.code)
        ]
        return _page(
            request,
            dashboard,
            "teams.html",
            language,
            status,
            t=_words(language),
            signed_in=True,
            scope_unit=scope_unit,
            rows=rows,
            communes=commune_choices,
            default_hours=DEFAULT_HOURS,
            max_hours=MAX_HOURS,
            error=error,
        )

    @get("/{team:str}", name="dashboard:team")
    async def team(
        self,
        request: Request[Any, Any, Any],
        ctx: NamedDependency[ServiceContext],
        dashboard: NamedDependency[Dashboard],
        team: FromPath[str],
    ) -> Response[Any]:
        """One team's phones: when each was added and last synced; revoke one."""
        language = _lang(request)
        principal = await self._official(request, ctx)
        if principal is None:
            return _to_sign_in(dashboard, language)
        record = await find_team(ctx.db, team)
        if record is None or not may_manage_devices(principal, ctx.tree, record.commune):
            return _page(
                request,
                dashboard,
                "message.html",
                language,
                404,
                message=text("not_found", language),
                signed_in=True,
                scope_unit=_scope_unit(ctx, principal),
            )
        devices = await list_devices(ctx.db, record.id)
        fmt = dashboard.config.formatter(language)
        return _page(
            request,
            dashboard,
            "team_devices.html",
            language,
            t=_words(language),
            signed_in=True,
            scope_unit=_scope_unit(ctx, principal),
            team=record,
            commune=ctx.tree.get(record.commune),
            devices=[
                (d, _moment(fmt, d.created_at), _moment(fmt, d.last_synced_at), _moment(fmt, d.revoked_at))
                for d in devices
            ],
            default_hours=DEFAULT_HOURS,
            max_hours=MAX_HOURS,
        )

    @post("/enroll", name="dashboard:enroll", status_code=201)
    async def enroll(
        self,
        request: Request[Any, Any, Any],
        ctx: NamedDependency[ServiceContext],
        dashboard: NamedDependency[Dashboard],
    ) -> Response[Any]:
        """Create a code and show it once, as a link and a QR code."""
        form = await request.form()
        language = Language.parse(str(form.get("lang", "")))
        principal = await self._official(request, ctx)
        if principal is None:
            return _to_sign_in(dashboard, language)
        if not csrf_matches(request, str(form.get(CSRF_FIELD, ""))):
            return await self._teams_page(
                request, ctx, dashboard, principal, language, text("bad_form", language), 403
            )
        team = str(form.get("team", "")).strip()
        scope_unit = _scope_unit(ctx, principal)
        commune = str(form.get("commune", "") or scope_unit.code).strip()
        try:
            hours = int(str(form.get("hours", DEFAULT_HOURS)))
        except ValueError:
            hours = 0
        if not may_manage_devices(principal, ctx.tree, commune):
            return await self._teams_page(
                request, ctx, dashboard, principal, language, text("not_found", language), 404
            )
        try:
            issued = await create_enrollment(
                ctx.db,
                ctx.tree,
                team=team,
                commune=commune,
                created_by=principal.token_id,
                now=ctx.now(),
                hours=hours,
            )
        except (TokenRequestError, TeamMismatch) as exc:
            message = f"{_words(language)('bad_team')}: {str(exc).replace('--', '')}"
            return await self._teams_page(request, ctx, dashboard, principal, language, message, 422)
        link = enrollment_link(str(request.base_url), issued.code)
        t = _words(language)
        page = _page(
            request,
            dashboard,
            "enrollment.html",
            language,
            201,
            t=t,
            signed_in=True,
            scope_unit=scope_unit,
            team=issued.team,
            link=link,
            qr=qr_svg(link, t("qr_label")),
            expires=_moment(dashboard.config.formatter(language), issued.expires_at),
        )
        page.headers["Cache-Control"] = "no-store"
        return page

    @post("/{team:str}/devices/{token_id:str}/revoke", name="dashboard:revoke", status_code=303)
    async def revoke(
        self,
        request: Request[Any, Any, Any],
        ctx: NamedDependency[ServiceContext],
        dashboard: NamedDependency[Dashboard],
        team: FromPath[str],
        token_id: FromPath[str],
    ) -> Response[Any]:
        """Revoke one phone's token: it is refused from its next request, the team's other phones go on."""
        form = await request.form()
        language = Language.parse(str(form.get("lang", "")))
        principal = await self._official(request, ctx)
        if principal is None:
            return _to_sign_in(dashboard, language)
        record = await find_team(ctx.db, team)
        allowed = record is not None and may_manage_devices(principal, ctx.tree, record.commune)
        if not allowed or not csrf_matches(request, str(form.get(CSRF_FIELD, ""))):
            return await self._teams_page(
                request, ctx, dashboard, principal, language, text("bad_form", language), 403
            )
        assert record is not None
        if any(d.token_id == token_id for d in await list_devices(ctx.db, record.id)):
            await revoke_token(ctx.db, token_id, ctx.now())
        return Redirect(f"{dashboard.config.path}/teams/{record.id}{_lang_query(language)}", status_code=303)
