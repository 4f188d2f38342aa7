"""The team app: an installable offline web app for community digital technology teams, at ``/team/``.

Plain files (HTML, CSS, JavaScript modules, no build step) served by the service, a service worker
that keeps them for offline use, and ``form.json`` (the form's choices, limits and messages, from the
API's own constants). Every response carries a strict Content-Security-Policy: scripts, styles,
images and connections from this origin only, no inline script. See ``docs/team-app.md``.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import Any

import msgspec
from litestar import Response, Router, get
from litestar.config.app import AppConfig
from litestar.di import NamedDependency
from litestar.plugins import InitPlugin
from litestar.static_files import create_static_files_router

from feedback_service.context import ServiceContext
from feedback_service.team_app.form import form_description

__all__ = ["CSP", "STATIC", "TeamAppPlugin"]

_HERE = Path(__file__).parent
STATIC = _HERE / "static"
_WORKER = _HERE / "sw.js"

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "manifest-src 'self'; worker-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    # Always revalidate: the service worker is what keeps the app offline, not the HTTP cache.
    "Cache-Control": "no-cache",
}


async def _secure(response: Response[Any]) -> Response[Any]:
    """Every response under ``/team/`` (files included) gets the app's headers."""
    for name, value in _HEADERS.items():
        response.headers[name] = value
    return response


@cache
def _files_digest() -> str:
    digest = hashlib.sha256(_WORKER.read_bytes())
    for path in sorted(p for p in STATIC.rglob("*") if p.is_file()):
        digest.update(path.relative_to(STATIC).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _shell_files() -> list[str]:
    """Every file the app needs offline, as URLs (what the service worker caches on install)."""
    files = ["/team/", "/team/form.json"]
    files += [f"/team/{p.relative_to(STATIC).as_posix()}" for p in sorted(STATIC.rglob("*")) if p.is_file()]
    return [f for f in files if not f.endswith((".txt", "/index.html"))]


@get("/team/form.json", include_in_schema=False)
async def _form(ctx: NamedDependency[ServiceContext]) -> Response[bytes]:
    return Response(msgspec.json.encode(form_description(ctx.settings)), media_type="application/json")


@get("/team/sw.js", include_in_schema=False)
async def _worker(ctx: NamedDependency[ServiceContext]) -> Response[str]:
    form = msgspec.json.encode(form_description(ctx.settings))
    version = hashlib.sha256(_files_digest().encode() + form).hexdigest()[:16]
    body = (
        f"const VERSION = {msgspec.json.encode(version).decode()};\n"
        f"const SHELL = {msgspec.json.encode(_shell_files()).decode()};\n" + _WORKER.read_text("utf-8")
    )
    return Response(body, media_type="text/javascript; charset=utf-8")


class TeamAppPlugin(InitPlugin):
    """Adds ``/team/`` (the app's files, ``form.json`` and the service worker) to an app.

    The app must provide the ``ctx`` dependency (the service context), as ``create_app`` does.
    """

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        files = create_static_files_router(
            path="/team", directories=[STATIC], html_mode=True, name="team:files", include_in_schema=False
        )
        app_config.route_handlers.append(
            Router(path="/", route_handlers=[_form, _worker, files], after_request=_secure)
        )
        return app_config
