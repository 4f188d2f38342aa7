"""The dashboard's team pages: a team's phones (when each last synced, revoke one) and enrollment codes
shown as a link and a QR code for a team member's phone to open.

The same use cases as the API (:mod:`feedback_service.services.tokens`): a commune's official
manages its teams, the province's officials every team. A code is shown once, on the page that
created it; only its hash is stored.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import segno
from litestar import Controller, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template
from markupsafe import Markup

from digitransform.domain import Label
from feedback_service.api.enrollments import enrollment_link
from feedback_service.auth.enrollment import DEFAULT_HOURS, MAX_HOURS
from feedback_service.auth.tokens import TokenRequestError
from feedback_service.dashboard.formatting import Formatter
from feedback_service.dashboard.language import Language, text
from feedback_service.dashboard.pages import Official, Visit, _lang_query, signed_in
from feedback_service.services import tokens
from feedback_service.services.tokens import NotManaged
from feedback_service.store.errors import TeamMismatch

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


async def _teams_page(visit: Visit, error: str | None, status: int) -> Template:
    ctx = visit.ctx
    scope_unit = visit.scope_unit
    communes = None if scope_unit.code == ctx.tree.root.code else frozenset({scope_unit.code})
    fmt = visit.dashboard.config.formatter(visit.language)
    rows = []
    for team, devices in await tokens.teams(ctx.db, communes):
        active = [d for d in devices if d.revoked_at is None]
        last = max((d.last_synced_at for d in active if d.last_synced_at is not None), default=None)
        rows.append((team, ctx.tree.get(team.commune), len(active), _moment(fmt, last)))
    return visit.page(
        "teams.html",
        status,
        t=_words(visit.language),
        rows=rows,
        communes=tokens.managed_communes(ctx.tree, visit.principal),
        default_hours=DEFAULT_HOURS,
        max_hours=MAX_HOURS,
        error=error,
    )


async def _bad_form(visit: Visit) -> Template:
    return await _teams_page(visit, text("bad_form", visit.language), 403)


class TeamsController(Controller):
    """``/dashboard/teams``: teams in the official's scope, their phones, and new enrollment codes."""

    path = "/dashboard/teams"
    include_in_schema = False
    dependencies = {"visit": signed_in(_bad_form)}  # noqa: RUF012 (Litestar's own shape)

    @get("/", name="dashboard:teams")
    async def teams(self, visit: Official) -> Response[Any]:
        """Every team of the official's scope, with how many phones each has, and a form for a code."""
        return await _teams_page(visit, None, 200)

    @get("/{team:str}", name="dashboard:team")
    async def team(self, visit: Official, team: FromPath[str]) -> Response[Any]:
        """One team's phones: when each was added and last synced; revoke one."""
        ctx = visit.ctx
        record = await tokens.managed_team(ctx.db, ctx.tree, visit.principal, team)
        if record is None:
            return visit.message("not_found", 404)
        devices = await tokens.devices(ctx.db, record)
        fmt = visit.dashboard.config.formatter(visit.language)
        return visit.page(
            "team_devices.html",
            t=_words(visit.language),
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
    async def enroll(self, visit: Official) -> Response[Any]:
        """Create a code and show it once, as a link and a QR code."""
        ctx, language, principal = visit.ctx, visit.language, visit.principal
        team = visit.field("team").strip()
        commune = (visit.field("commune") or visit.scope_unit.code).strip()
        try:
            hours = int(visit.field("hours", str(DEFAULT_HOURS)))
        except ValueError:
            hours = 0
        try:
            issued = await tokens.enroll(
                ctx.db, ctx.tree, principal, team=team, commune=commune, now=ctx.now(), hours=hours
            )
        except NotManaged:
            return await _teams_page(visit, text("not_found", language), 404)
        except (TokenRequestError, TeamMismatch) as exc:
            message = f"{_words(language)('bad_team')}: {str(exc).replace('--', '')}"
            return await _teams_page(visit, message, 422)
        link = enrollment_link(str(visit.request.base_url), issued.code)
        t = _words(language)
        page = visit.page(
            "enrollment.html",
            201,
            t=t,
            team=issued.team,
            link=link,
            qr=qr_svg(link, t("qr_label")),
            expires=_moment(visit.dashboard.config.formatter(language), issued.expires_at),
        )
        page.headers["Cache-Control"] = "no-store"
        return page

    @post("/{team:str}/devices/{token_id:str}/revoke", name="dashboard:revoke", status_code=303)
    async def revoke(self, visit: Official, team: FromPath[str], token_id: FromPath[str]) -> Response[Any]:
        """Revoke one phone's token: it is refused from its next request, the team's other phones go on."""
        ctx = visit.ctx
        record = await tokens.managed_team(ctx.db, ctx.tree, visit.principal, team)
        if record is None:
            return await _teams_page(visit, text("bad_form", visit.language), 403)
        await tokens.revoke_device(ctx.db, record, token_id, ctx.now())
        path = f"{visit.dashboard.config.path}/teams/{record.id}{_lang_query(visit.language)}"
        return Redirect(path, status_code=303)
