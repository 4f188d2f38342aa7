"""Dashboard sessions are server-side: the cookie is a random id (never the token), sign-out ends it
everywhere, revoking the token ends it, cookies are Secure over HTTPS, and every dashboard response
carries the CSP and its companion headers. Litestar's test client, no browser."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest
from known_tickets import KnownSite
from litestar import Litestar
from litestar.testing import TestClient

from feedback_service.api.dependencies import CONTEXT_KEY
from feedback_service.app import create_app
from feedback_service.auth import Role, issue_token
from feedback_service.context import ServiceContext
from feedback_service.dashboard.headers import SECURITY_HEADERS
from feedback_service.store.tokens import revoke_token

Client = TestClient[Litestar]


@pytest.fixture
def app(known_site: KnownSite) -> Litestar:
    return create_app(known_site.settings, tree=known_site.tree)


@pytest.fixture
def client(app: Litestar) -> Iterator[Client]:
    with TestClient(app) as c:
        yield c


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the form has a CSRF field"
    return found.group(1)


def _sign_in(client: Client, token: str) -> Any:
    page = client.get("/dashboard/sign-in")
    response = client.post(
        "/dashboard/sign-in",
        data={"token": token, "csrf_token": _csrf(page.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return response


def _session_cookie(response: Any) -> str:
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("fs_dashboard="))
    return str(cookie.split(";")[0].split("=", 1)[1])


def _signed_in(client: Client) -> bool:
    return client.get("/dashboard/overview", follow_redirects=False).status_code == 200


def test_the_cookie_holds_a_session_id_not_the_token(
    client: Client, app: Litestar, known_site: KnownSite
) -> None:
    session = _session_cookie(_sign_in(client, known_site.province_token))
    assert session != known_site.province_token
    assert known_site.province_token not in session
    with TestClient(app) as stranger:
        stranger.cookies.set("fs_dashboard", known_site.province_token, path="/dashboard")
        assert not _signed_in(stranger), "the bearer token is not a dashboard session"


def test_signing_out_ends_a_copied_cookie_too(client: Client, app: Litestar, known_site: KnownSite) -> None:
    session = _session_cookie(_sign_in(client, known_site.province_token))
    with TestClient(app) as copy:
        copy.cookies.set("fs_dashboard", session, path="/dashboard")
        assert _signed_in(copy)
        page = client.get("/dashboard/overview")
        out = client.post(
            "/dashboard/sign-out", data={"csrf_token": _csrf(page.text)}, follow_redirects=False
        )
        assert out.status_code == 303
        assert not _signed_in(client)
        assert not _signed_in(copy), "the session ended in the store, not only in one browser"


def test_revoking_the_token_ends_its_sessions(client: Client, known_site: KnownSite) -> None:
    ctx: ServiceContext = client.app.state[CONTEXT_KEY]
    now = dt.datetime.now(dt.UTC)
    issued = client.blocking_portal.call(
        lambda: issue_token(ctx.db, ctx.tree, Role.OFFICIAL, now=now, scope=ctx.tree.root.code)
    )
    _sign_in(client, issued.secret)
    assert _signed_in(client)
    assert client.blocking_portal.call(lambda: revoke_token(ctx.db, issued.id, now))
    assert not _signed_in(client)


def test_cookies_are_secure_when_served_over_https(app: Litestar, known_site: KnownSite) -> None:
    with TestClient(app, base_url="https://testserver.local") as client:
        response = _sign_in(client, known_site.province_token)
        cookies = response.headers.get_list("set-cookie")
        assert cookies and all("secure" in c.lower() for c in cookies)
    with TestClient(app) as plain:
        form = plain.get("/dashboard/sign-in")
        assert all("secure" not in c.lower() for c in form.headers.get_list("set-cookie"))


@pytest.mark.parametrize(
    "path",
    [
        "/dashboard/sign-in",
        "/dashboard/overview",
        "/dashboard/static/dashboard.css",
        "/dashboard/static/nope.css",
    ],
)
def test_every_dashboard_response_carries_the_security_headers(
    client: Client, known_site: KnownSite, path: str
) -> None:
    _sign_in(client, known_site.province_token)
    response = client.get(path, follow_redirects=False)
    for key, value in SECURITY_HEADERS.items():
        assert response.headers.get(key) == value, (path, key)
    csp = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "'unsafe-inline'" not in csp
