"""The API's documentation pages, served with every asset from the service itself.

Litestar's OpenAPI pages load Swagger UI, Redoc and their fonts from public CDNs by default, so on
an offline or firewalled network (a commune office, a province's closed network) ``/schema`` shows
a blank page. Here Swagger UI is the one documentation page (at ``/schema`` and ``/schema/swagger``;
the document itself at ``/schema/openapi.json``), its scripts, stylesheet and icon served under
``/schema/assets`` from the files the ``swagger-ui-py`` package ships (Swagger UI's own build, under
its Apache 2.0 licence, which the package carries beside them).
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Any

from litestar import Request, Router
from litestar.datastructures import CacheControlHeader
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.static_files import create_static_files_router

__all__ = ["ASSETS_PATH", "SCHEMA_PATH", "assets_router", "render_plugins"]

SCHEMA_PATH = "/schema"
ASSETS_PATH = f"{SCHEMA_PATH}/assets"
_ASSETS = Path(str(files("swagger_ui") / "static"))


class _OfflineSwagger(SwaggerRenderPlugin):
    """Swagger UI that asks no third party: its assets are local, and it sends the document to no
    online validator (Swagger UI's default would call ``validator.swagger.io``)."""

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        page = super().render(request, openapi_schema)
        return page.replace(
            b"deepLinking: true,", b"deepLinking: true,\n                  validatorUrl: null,", 1
        )


def render_plugins() -> list[SwaggerRenderPlugin]:
    """The documentation pages for :class:`litestar.openapi.OpenAPIConfig`."""
    return [
        _OfflineSwagger(
            path=["/", "/swagger"],
            js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
            css_url=f"{ASSETS_PATH}/swagger-ui.css",
            standalone_preset_js_url=f"{ASSETS_PATH}/swagger-ui-standalone-preset.js",
            favicon=f"<link rel='icon' type='image/png' href='{ASSETS_PATH}/favicon-32x32.png'>",
        )
    ]


def assets_router() -> Router:
    """Swagger UI's files, cached by browsers for a day (they change only with the package)."""
    return create_static_files_router(
        path=ASSETS_PATH,
        directories=[_ASSETS],
        include_in_schema=False,
        cache_control=CacheControlHeader(max_age=86_400),
        name="schema-assets",
    )
