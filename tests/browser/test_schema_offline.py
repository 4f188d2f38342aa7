"""The API's documentation renders with no network beyond the service: every asset is served locally."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("path", ["/schema", "/schema/swagger"])
def test_the_api_docs_need_nothing_outside_the_service(server: str, chromium: Any, path: str) -> None:
    """Every request that does not go to the service is blocked and counted: there are none, and the
    page still shows the API's operations (Swagger UI's own scripts and styles came from the service)."""
    context = chromium.new_context()
    outside: list[str] = []

    def guard(route: Any) -> None:
        url = route.request.url
        if urlsplit(url).scheme in {"http", "https"} and urlsplit(url).netloc != urlsplit(server).netloc:
            outside.append(url)
            route.abort()
        else:
            route.continue_()

    try:
        context.route("**/*", guard)
        page = context.new_page()
        # Generous waits: Swagger UI parses 1.5 MB of script and draws every operation, which takes
        # a loaded 2-core machine a while; what is asserted is what was requested, not how fast.
        page.goto(f"{server}{path}", wait_until="load", timeout=120_000)
        page.wait_for_selector(".swagger-ui .opblock", timeout=120_000)
        assert "digitransform feedback service" in page.inner_text(".swagger-ui .info .title")
        assert page.locator(".swagger-ui .opblock").count() > 10
        page.locator(".swagger-ui .opblock").first.click()  # an operation opens (the scripts run)
        page.wait_for_selector(".swagger-ui .opblock-body", timeout=60_000)
    finally:
        context.close()
    assert outside == []
