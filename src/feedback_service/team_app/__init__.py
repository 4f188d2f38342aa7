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
from litestar import Request, Response, Router, get
from litestar.config.app import AppConfig
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.plugins import InitPlugin

from feedback_service.context import ServiceContext
from feedback_service.team_app.files import AppFile, app_files, matches
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
async def _form(request: Request[Any, Any, Any], ctx: NamedDependency[ServiceContext]) -> Response[bytes]:
    return _send(request, AppFile.of(msgspec.json.encode(form_description(ctx.settings)), "application/json"))


@get("/team/sw.js", include_in_schema=False)
async def _worker(request: Request[Any, Any, Any], ctx: NamedDependency[ServiceContext]) -> Response[bytes]:
    form = msgspec.json.encode(form_description(ctx.settings))
    version = hashlib.sha256(_files_digest().encode() + form).hexdigest()[:16]
    body = (
        f"const VERSION = {msgspec.json.encode(version).decode()};\n"
        f"const SHELL = {msgspec.json.encode(_shell_files()).decode()};\n" + _WORKER.read_text("utf-8")
    )
    return _send(request, AppFile.of(body.encode(), "text/javascript"))


def _serve(request: Request[Any, Any, Any], name: str) -> Response[bytes]:
    """One of the app's files in ``static/``."""
    found = app_files(STATIC).get(name)
    if found is None:
        raise NotFoundException(f"no file {name!r} in the team app")
    return _send(request, found)


def _send(request: Request[Any, Any, Any], found: AppFile) -> Response[bytes]:
    """A file, gzipped when the browser takes it, 304 when the browser already has these bytes
    (:mod:`feedback_service.team_app.files`)."""
    headers = {"ETag": found.etag, "Vary": "Accept-Encoding"}
    if matches(request.headers.get("if-none-match"), found.etag):
        return Response(b"", status_code=304, headers=headers)
    if found.gzipped is not None and "gzip" in request.headers.get("accept-encoding", ""):
        headers["Content-Encoding"] = "gzip"
        return Response(found.gzipped, media_type=found.media_type, headers=headers)
    return Response(found.body, media_type=found.media_type, headers=headers)


@get("/team", include_in_schema=False, name="team:page")
async def _page(request: Request[Any, Any, Any]) -> Response[bytes]:
    """The app's page (``/team/``, where an enrollment link points)."""
    return _serve(request, "index.html")


@get("/team/{file_path:path}", include_in_schema=False, name="team:files")
async def _file(request: Request[Any, Any, Any], file_path: FromPath[str]) -> Response[bytes]:
    """The app's other files: scripts, styles, icons, the manifest."""
    return _serve(request, file_path.strip("/"))


class TeamAppPlugin(InitPlugin):
    """Adds ``/team/`` (the app's files, ``form.json`` and the service worker) to an app.

    The app must provide the ``ctx`` dependency (the service context), as ``create_app`` does.
    """

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        app_config.route_handlers.append(
            Router(path="/", route_handlers=[_form, _worker, _page, _file], after_request=_secure)
        )
        return app_config
