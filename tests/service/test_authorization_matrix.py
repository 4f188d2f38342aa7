"""The authorization matrix: every route of the app (API and dashboard) × every kind of caller.

The routes come from the app's own route table, so a route added without a row in :data:`MATRIX`
fails :func:`test_every_route_has_a_row`. Each row says, once, what each caller must get: the status,
and for reads of commune A's data whether A's ticket or intervention shows in the answer
(``SEES``) or must not (``BLIND``), or for a redirect where it leads (``"->sign-in"``).

Callers: no token, a malformed token, a revoked one, a team of commune A (C1) and of commune B (C2),
an official of A and of B, a province official, an admin. The dashboard authenticates by session:
each caller first tries to sign in with its token (only officials can), then makes the request.
Every cell runs on fresh data of commune A: a ticket of team A in C1-01, and an intervention
recorded by A's official in C1.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from service_api import Api, ticket_body

from feedback_service.auth import Role, issue_token
from feedback_service.store.tokens import revoke_token

CALLERS = ("none", "bad", "revoked", "team_a", "team_b", "official_a", "official_b", "province", "admin")
TOKEN_OF = {
    "team_a": "team",
    "team_b": "team_c2",
    "official_a": "official_c1",
    "official_b": "official_c2",
    "province": "province",
    "admin": "admin",
}
SEES = "sees"
BLIND = "blind"

Cell = int | tuple[int, str]


def row(*cells: Cell) -> dict[str, Cell]:
    assert len(cells) == len(CALLERS)
    return dict(zip(CALLERS, cells, strict=True))


def same(cell: Cell) -> dict[str, Cell]:
    return row(*(cell,) * len(CALLERS))


A, N = (200, SEES), (200, BLIND)
OUT = (303, "->/dashboard/sign-in")
"""Sent to the sign-in form."""
DENIED = (401, 401, 401)
"""No token, a malformed one, a revoked one."""
OFFICIALS_READ = row(*DENIED, 403, 403, 200, 200, 200, 403)
"""Officials' figures: a team or an admin is refused (what each scope's figures hold is
tests/service_trends/test_differential.py's business)."""
ANY_TOKEN = row(*DENIED, 200, 200, 200, 200, 200, 200)
PAGE = row(OUT, OUT, OUT, OUT, OUT, 200, 404, 200, OUT)
"""A dashboard page about commune A: anyone not signed in as an official is sent to sign in."""
HOME = row(OUT, OUT, OUT, OUT, OUT, (303, "->overview"), (303, "->overview"), (303, "->overview"), OUT)

MATRIX: dict[str, dict[str, Cell]] = {
    # Tickets: teams report, everyone reads within scope; an admin reads nothing.
    "GET /api/v1/tickets": row(*DENIED, A, N, A, N, A, 403),
    "POST /api/v1/tickets": row(*DENIED, 201, 422, 403, 403, 403, 403),
    "POST /api/v1/tickets/batch": row(*DENIED, 200, 200, 403, 403, 403, 403),
    "GET /api/v1/tickets/{ticket_id:str}": row(*DENIED, 200, 404, 200, 404, 200, 403),
    "GET /api/v1/tickets/{ticket_id:str}/history": row(*DENIED, 200, 404, 200, 404, 200, 403),
    "POST /api/v1/tickets/{ticket_id:str}/transitions": row(*DENIED, 403, 403, 200, 404, 200, 403),
    "POST /api/v1/tickets/{ticket_id:str}/occurrences": row(*DENIED, 201, 404, 403, 403, 403, 403),
    # Codes and units: any valid token.
    **{
        f"GET /api/v1/reference/{name}": ANY_TOKEN
        for name in ("actions", "categories", "levels", "resolutions", "services", "units")
    },
    # Probes: public.
    **{
        f"GET {path}": same(200)
        for path in ("/api/v1/health", "/health", "/livez", "/api/v1/ready", "/readyz")
    },
    # Trends: officials, within scope.
    "GET /api/v1/trends/ageing": OFFICIALS_READ,
    "GET /api/v1/trends/communes": OFFICIALS_READ,
    "GET /api/v1/trends/resolution-times": OFFICIALS_READ,
    "GET /api/v1/trends/summary": OFFICIALS_READ,
    "GET /api/v1/trends/unresolved": OFFICIALS_READ,
    # Interventions: officials record within their unit and see those touching it.
    "GET /api/v1/interventions": row(*DENIED, 403, 403, A, N, A, 403),
    "POST /api/v1/interventions": row(*DENIED, 403, 403, 201, 422, 201, 403),
    "GET /api/v1/interventions/{intervention_id:str}": row(*DENIED, 403, 403, 200, 404, 200, 403),
    "GET /api/v1/interventions/{intervention_id:str}/effect": row(*DENIED, 403, 403, 200, 404, 200, 403),
    # Tokens: admins only; anyone may ask who they are.
    "GET /api/v1/tokens": row(*DENIED, 403, 403, 403, 403, 403, 200),
    "POST /api/v1/tokens": row(*DENIED, 403, 403, 403, 403, 403, 201),
    "DELETE /api/v1/tokens/{token_id:str}": row(*DENIED, 403, 403, 403, 403, 403, 204),
    "GET /api/v1/me": ANY_TOKEN,
    # Phones: officials enroll and revoke the phones of their commune's teams, admins any; a phone
    # redeems its code with no token (an unknown code is 404 for everyone); a team reads its state.
    "POST /api/v1/enrollments": row(*DENIED, 403, 403, 201, 403, 201, 201),
    "POST /api/v1/enrollments/redeem": same(404),
    "GET /api/v1/teams/{team:str}/devices": row(*DENIED, 403, 403, 200, 404, 200, 200),
    "DELETE /api/v1/teams/{team:str}/devices/{token_id:str}": row(*DENIED, 403, 403, 204, 404, 204, 204),
    "GET /api/v1/team": row(*DENIED, A, N, 403, 403, 403, 403),
    # The team app's files: public (a phone must open them before it has a token).
    "GET /team": same(200),
    "GET /team/{file_path:path}": same(200),
    "GET /team/form.json": same(200),
    "GET /team/sw.js": same(200),
    "GET /metrics": row(*DENIED, 403, 403, 403, 403, 403, 200),
    # The dashboard: officials only, by session; A's pages are "not found" to B's official.
    "GET /": same(302),
    "GET /dashboard": HOME,
    "GET /dashboard/sign-in": same(200),
    "POST /dashboard/sign-in": row(401, 401, 401, 403, 403, 303, 303, 303, 403),
    "POST /dashboard/sign-out": same((303, "->signed_out=1")),
    "GET /dashboard/overview": row(OUT, OUT, OUT, OUT, OUT, 200, 200, 200, OUT),
    "GET /dashboard/communes/{code:str}": PAGE,
    "GET /dashboard/villages/{code:str}": PAGE,
    "GET /dashboard/tickets": row(OUT, OUT, OUT, OUT, OUT, A, 404, A, OUT),
    "GET /dashboard/tickets/{ticket_id:str}": row(OUT, OUT, OUT, OUT, OUT, A, 404, A, OUT),
    "POST /dashboard/tickets/{ticket_id:str}/act": row(
        OUT, OUT, OUT, OUT, OUT, (303, "->done=acknowledge"), 404, (303, "->done=acknowledge"), OUT
    ),
    "POST /dashboard/work-list/acknowledge": row(
        OUT, OUT, OUT, OUT, OUT, (303, "->done=1"), (303, "->done=0"), (303, "->done=1"), OUT
    ),
    "GET /dashboard/export/{what:str}": row(OUT, OUT, OUT, OUT, OUT, A, 404, A, OUT),
    "GET /dashboard/static/{file_path:path}": same(200),
    "GET /dashboard/teams": row(OUT, OUT, OUT, OUT, OUT, 200, 200, 200, OUT),
    "GET /dashboard/teams/{team:str}": row(OUT, OUT, OUT, OUT, OUT, 200, 404, 200, OUT),
    "POST /dashboard/teams/enroll": row(OUT, OUT, OUT, OUT, OUT, 201, 404, 201, OUT),
    "POST /dashboard/teams/{team:str}/devices/{token_id:str}/revoke": row(
        OUT, OUT, OUT, OUT, OUT, (303, "->/dashboard/teams/TMS"), 403, (303, "->/dashboard/teams/TMS"), OUT
    ),
    # The OpenAPI document, Swagger UI and its files: public (the contract is no secret).
    **{
        f"GET /schema{tail}": same(200)
        for tail in ("", "/openapi.json", "/swagger", "/oauth2-redirect.html", "/{path:str}")
    },
    "GET /schema/assets/{file_path:path}": same(200),
}


def app_routes(api: Api) -> set[str]:
    return {
        f"{method} {route.path}"
        for route in api.client.app.routes
        for method in getattr(route, "methods", ())
        if method not in {"HEAD", "OPTIONS"}
    }


def test_every_route_has_a_row(api: Api) -> None:
    """A route added to the app without a row here (or a row for a route that went) fails."""
    routes = app_routes(api)
    assert sorted(routes - MATRIX.keys()) == [], "routes without a row in MATRIX"
    assert sorted(MATRIX.keys() - routes) == [], "rows for routes the app does not have"


class Fixture:
    """Commune A's data for one cell, made when first asked for: a ticket, an intervention, a spare token."""

    def __init__(self, api: Api, secrets: dict[str, str]) -> None:
        self.api = api
        self.secrets = secrets

    @functools.cached_property
    def ticket(self) -> dict[str, Any]:
        return self.api.create("team", village="C1-01")

    @functools.cached_property
    def intervention(self) -> dict[str, Any]:
        recorded = self.api.post(
            "/interventions",
            {"what": "Tập huấn", "units": ["C1"], "categories": ["no_device"], "started_on": "2026-03-02"},
            who="official_c1",
        )
        assert recorded.status_code == 201, recorded.text
        body: dict[str, Any] = recorded.json()
        return body

    @functools.cached_property
    def spare_token_id(self) -> str:
        ctx, now = self.api.ctx, dt.datetime.now(dt.UTC)
        spare = self.api.call(
            lambda: issue_token(ctx.db, ctx.tree, Role.TEAM, now=now, team="TMS", commune="C1")
        )
        return spare.id

    def marker(self, route: str) -> str:
        return str(self.intervention["id"] if "interventions" in route else self.ticket["id"])


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the sign-in form has a CSRF field"
    return found.group(1)


def _dashboard_sign_in(api: Api, secret: str | None) -> httpx.Response:
    form = api.client.get("/dashboard/sign-in")
    return api.client.post(
        "/dashboard/sign-in",
        data={"token": secret or "", "csrf_token": _csrf(form.text)},
        follow_redirects=False,
    )


def _bearer(secret: str | None) -> dict[str, str]:
    return {} if secret is None else {"Authorization": f"Bearer {secret}"}


Request = Callable[[Api, Fixture, str | None], httpx.Response]


def _api(method: str, path: str | Callable[[Fixture], str], **options: Any) -> Request:
    def send(api: Api, data: Fixture, secret: str | None) -> httpx.Response:
        url = path(data) if callable(path) else path
        kwargs = {k: (v(data) if callable(v) else v) for k, v in options.items()}
        headers = {**_bearer(secret), **kwargs.pop("headers", {})}
        return api.client.request(method, url, headers=headers, follow_redirects=False, **kwargs)

    return send


def _page(
    method: str,
    path: str | Callable[[Fixture], str],
    *,
    sign_in: bool = True,
    form: Callable[[Fixture], dict[str, str]] | None = None,
) -> Request:
    def send(api: Api, data: Fixture, secret: str | None) -> httpx.Response:
        api.client.cookies.clear()
        if method == "POST" and path == "/dashboard/sign-in":
            return _dashboard_sign_in(api, secret)
        if sign_in:
            _dashboard_sign_in(api, secret)
        url = path(data) if callable(path) else path
        if method == "POST":
            page = api.client.get("/dashboard/sign-in")
            fields = {"csrf_token": _csrf(page.text), **(form(data) if form else {})}
            return api.client.post(url, data=fields, follow_redirects=False)
        return api.client.get(url, follow_redirects=False)

    return send


def _if_match(data: Fixture) -> dict[str, str]:
    return {"If-Match": f'"{data.ticket["version"]}"'}


V1 = "/api/v1"
REQUESTS: dict[str, Request] = {
    "POST /api/v1/tickets": _api("POST", f"{V1}/tickets", json=lambda d: ticket_body()),
    "POST /api/v1/tickets/batch": _api(
        "POST", f"{V1}/tickets/batch", json=lambda d: {"tickets": [ticket_body()]}
    ),
    "GET /api/v1/tickets/{ticket_id:str}": _api("GET", lambda d: f"{V1}/tickets/{d.ticket['id']}"),
    "GET /api/v1/tickets/{ticket_id:str}/history": _api(
        "GET", lambda d: f"{V1}/tickets/{d.ticket['id']}/history"
    ),
    "POST /api/v1/tickets/{ticket_id:str}/transitions": _api(
        "POST",
        lambda d: f"{V1}/tickets/{d.ticket['id']}/transitions",
        json={"action": "acknowledge"},
        headers=_if_match,
    ),
    "POST /api/v1/tickets/{ticket_id:str}/occurrences": _api(
        "POST",
        lambda d: f"{V1}/tickets/{d.ticket['id']}/occurrences",
        json=lambda d: {
            "id": str(uuid.uuid4()),
            "people_affected": 1,
            "observed_at": dt.datetime.now(dt.UTC).isoformat(),
        },
    ),
    "POST /api/v1/interventions": _api(
        "POST",
        f"{V1}/interventions",
        json={"what": "Tập huấn", "units": ["C1"], "categories": ["no_device"], "started_on": "2026-03-09"},
    ),
    "GET /api/v1/interventions/{intervention_id:str}": _api(
        "GET", lambda d: f"{V1}/interventions/{d.intervention['id']}"
    ),
    "GET /api/v1/interventions/{intervention_id:str}/effect": _api(
        "GET", lambda d: f"{V1}/interventions/{d.intervention['id']}/effect"
    ),
    "POST /api/v1/tokens": _api(
        "POST", f"{V1}/tokens", json={"role": "team", "team": "TMN", "commune": "C1"}
    ),
    "DELETE /api/v1/tokens/{token_id:str}": _api("DELETE", lambda d: f"{V1}/tokens/{d.spare_token_id}"),
    "POST /api/v1/enrollments": _api("POST", f"{V1}/enrollments", json={"team": "T1", "commune": "C1"}),
    "POST /api/v1/enrollments/redeem": _api("POST", f"{V1}/enrollments/redeem", json={"code": "fse_unknown"}),
    "GET /api/v1/teams/{team:str}/devices": _api("GET", f"{V1}/teams/T1/devices"),
    "DELETE /api/v1/teams/{team:str}/devices/{token_id:str}": _api(
        "DELETE", lambda d: f"{V1}/teams/TMS/devices/{d.spare_token_id}"
    ),
    "GET /team/{file_path:path}": _api("GET", "/team/app.js"),
    "GET /dashboard/teams": _page("GET", "/dashboard/teams"),
    "GET /dashboard/teams/{team:str}": _page("GET", "/dashboard/teams/T1"),
    "POST /dashboard/teams/enroll": _page(
        "POST", "/dashboard/teams/enroll", form=lambda d: {"team": "T1", "commune": "C1"}
    ),
    "POST /dashboard/teams/{team:str}/devices/{token_id:str}/revoke": _page(
        "POST", lambda d: f"/dashboard/teams/TMS/devices/{d.spare_token_id}/revoke"
    ),
    "GET /": _page("GET", "/"),
    "GET /dashboard": _page("GET", "/dashboard"),
    "GET /dashboard/sign-in": _page("GET", "/dashboard/sign-in", sign_in=False),
    "POST /dashboard/sign-in": _page("POST", "/dashboard/sign-in"),
    "POST /dashboard/sign-out": _page("POST", "/dashboard/sign-out"),
    "GET /dashboard/overview": _page("GET", "/dashboard/overview"),
    "GET /dashboard/communes/{code:str}": _page("GET", "/dashboard/communes/C1"),
    "GET /dashboard/villages/{code:str}": _page("GET", "/dashboard/villages/C1-01"),
    "GET /dashboard/tickets": _page("GET", "/dashboard/tickets?commune=C1"),
    "GET /dashboard/tickets/{ticket_id:str}": _page("GET", lambda d: f"/dashboard/tickets/{d.ticket['id']}"),
    "POST /dashboard/tickets/{ticket_id:str}/act": _page(
        "POST",
        lambda d: f"/dashboard/tickets/{d.ticket['id']}/act",
        form=lambda d: {"action": "acknowledge", "version": str(d.ticket["version"])},
    ),
    "POST /dashboard/work-list/acknowledge": _page(
        "POST",
        "/dashboard/work-list/acknowledge",
        form=lambda d: {"pick": f"{d.ticket['id']}:{d.ticket['version']}"},
    ),
    "GET /dashboard/export/{what:str}": _page("GET", "/dashboard/export/tickets.csv?commune=C1"),
    "GET /dashboard/static/{file_path:path}": _page("GET", "/dashboard/static/dashboard.css", sign_in=False),
    "GET /schema/{path:str}": _api("GET", "/schema/openapi.json"),
    "GET /schema/assets/{file_path:path}": _api("GET", "/schema/assets/swagger-ui.css"),
}
"""How to exercise a route, when a plain GET of its path (no parameters) is not enough."""


def _request_of(route: str) -> Request:
    if route in REQUESTS:
        return REQUESTS[route]
    method, path = route.split(" ", 1)
    assert "{" not in path, f"{route}: say in REQUESTS how to fill in its parameters"
    return _api(method, path)


@pytest.mark.parametrize("route", sorted(MATRIX))
def test_each_caller_gets_what_the_matrix_says(api: Api, route: str) -> None:
    send = _request_of(route)
    now = dt.datetime.now(dt.UTC)
    ctx = api.ctx
    revoked = api.call(lambda: issue_token(ctx.db, ctx.tree, Role.OFFICIAL, now=now, scope="P"))
    api.call(lambda: revoke_token(ctx.db, revoked.id, now))
    secrets = {"bad": "fs_" + "x" * 43, "revoked": revoked.secret}
    secrets.update({k: api.tokens[v] for k, v in TOKEN_OF.items()})
    reads = route.startswith("GET ")
    data = Fixture(api, secrets)
    data.marker(route)  # commune A has data before anyone reads
    wrong = []
    for caller in CALLERS:
        if not reads:  # a write changes what it touched: each caller gets commune A's data afresh
            data = Fixture(api, secrets)
            data.marker(route)
        secret = None if caller == "none" else data.secrets[caller]
        response = send(api, data, secret)
        expected = MATRIX[route][caller]
        status, visibility = expected if isinstance(expected, tuple) else (expected, None)
        got = response.status_code
        if got != status:
            wrong.append(f"{caller}: expected {status}, got {got} {response.text[:120]!r}")
        elif visibility is not None and visibility.startswith("->"):
            location = response.headers.get("location", "")
            if visibility[2:] not in location:
                wrong.append(f"{caller}: expected a redirect to …{visibility[2:]}…, got {location!r}")
        elif visibility is not None:
            shown = data.marker(route) in response.text
            if shown != (visibility == SEES):
                wrong.append(f"{caller}: commune A's data should be {visibility}, shown={shown}")
        if status < 400 and got >= 500:
            wrong.append(f"{caller}: {got}")
    assert not wrong, f"{route}:\n" + "\n".join(wrong)
