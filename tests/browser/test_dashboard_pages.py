"""The dashboard's pages through Litestar's test client (no browser): sign-in rules, scope, numbers, CSV."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator

import pytest
from known_tickets import FIRST_DAY, LAST_DAY, KnownSite
from litestar.testing import TestClient

from digitransform.domain import AdminLevel
from digitransform.trends import TicketFilter, backlog_ageing, summary, unresolved_trend
from feedback_service.app import create_app

WINDOW = f"from={FIRST_DAY.isoformat()}&to={LAST_DAY.isoformat()}"


@pytest.fixture
def client(known_site: KnownSite) -> Iterator[TestClient]:  # type: ignore[type-arg]
    with TestClient(create_app(known_site.settings, tree=known_site.tree)) as c:
        yield c


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the form has a CSRF field"
    return found.group(1)


def _sign_in(client: TestClient, token: str, lang: str = "vi") -> object:  # type: ignore[type-arg]
    page = client.get("/dashboard/sign-in")
    return client.post(
        "/dashboard/sign-in",
        data={"token": token, "csrf_token": _csrf(page.text), "lang": lang},
        follow_redirects=False,
    )


def test_sign_in_form_is_vietnamese_first_and_labelled(client: TestClient) -> None:  # type: ignore[type-arg]
    """The sign-in page is Vietnamese by default, its token field is labelled, and English is a link away."""
    page = client.get("/dashboard/sign-in")
    assert page.status_code == 200
    assert '<html lang="vi">' in page.text
    assert '<label for="token">Mã truy cập của cán bộ</label>' in page.text
    assert 'class="skip-link"' in page.text
    english = client.get("/dashboard/sign-in?lang=en")
    assert "Official&#39;s access token" in english.text or "Official's access token" in english.text


def test_an_official_signs_in_with_a_strict_http_only_cookie(
    client: TestClient, known_site: KnownSite
) -> None:  # type: ignore[type-arg]
    """A province official's token opens the overview; the session cookie is HttpOnly and SameSite=Strict."""
    response = _sign_in(client, known_site.province_token)
    assert response.status_code == 303  # type: ignore[attr-defined]
    assert response.headers["location"].endswith("/dashboard/overview")  # type: ignore[attr-defined]
    cookies = response.headers.get_list("set-cookie")  # type: ignore[attr-defined]
    session = next(c for c in cookies if c.startswith("fs_dashboard="))
    flags = session.lower()
    assert "httponly" in flags and "samesite=strict" in flags and "path=/dashboard" in flags
    assert "secure" not in flags  # off by default: FEEDBACK_DASHBOARD_SECURE_COOKIES turns it on
    overview = client.get(f"/dashboard/overview?{WINDOW}")
    assert overview.status_code == 200
    assert known_site.tree.root.name in overview.text


@pytest.mark.parametrize("role", ["team", "admin"])
def test_team_and_admin_tokens_are_refused_with_a_reason(
    client: TestClient,
    known_site: KnownSite,
    role: str,  # type: ignore[type-arg]
) -> None:
    """A team's or an admin's token does not open the dashboard, and the page says it is for officials."""
    token = known_site.team_token if role == "team" else known_site.admin_token
    response = _sign_in(client, token)
    assert response.status_code == 403  # type: ignore[attr-defined]
    assert "chỉ dành cho cán bộ" in response.text  # type: ignore[attr-defined]
    assert client.get("/dashboard/overview", follow_redirects=False).status_code == 303


def test_an_unknown_token_is_refused(client: TestClient) -> None:  # type: ignore[type-arg]
    """A made-up token is refused with 401 and a message, never a traceback."""
    response = _sign_in(client, "fs_not-a-real-token", lang="en")
    assert response.status_code == 401  # type: ignore[attr-defined]
    assert "unknown or revoked" in response.text  # type: ignore[attr-defined]


def test_a_post_without_the_form_token_is_refused(client: TestClient, known_site: KnownSite) -> None:  # type: ignore[type-arg]
    """A sign-in posted without the CSRF field (as a cross-site form would) signs no one in."""
    client.get("/dashboard/sign-in")
    response = client.post(
        "/dashboard/sign-in", data={"token": known_site.province_token}, follow_redirects=False
    )
    assert response.status_code == 403
    assert not any(c.startswith("fs_dashboard=fs_") for c in response.headers.get_list("set-cookie"))


def test_the_bearer_api_needs_no_csrf_token(client: TestClient, known_site: KnownSite) -> None:  # type: ignore[type-arg]
    """The JSON API with a bearer token works as before: the dashboard's CSRF check is not on it."""
    response = client.get("/api/v1/tickets", headers={"Authorization": f"Bearer {known_site.province_token}"})
    assert response.status_code == 200
    assert response.json()["items"]


def test_overview_numbers_equal_the_library(client: TestClient, known_site: KnownSite) -> None:  # type: ignore[type-arg]
    """Every point of the trend chart, every ageing bar and the headline equal the reference functions."""
    _sign_in(client, known_site.province_token)
    html = client.get(f"/dashboard/overview?{WINDOW}").text
    trend = unresolved_trend(known_site.histories, "week", FIRST_DAY, LAST_DAY, "category")
    for series in (*trend.series, trend.total):
        shown = re.findall(rf'<g class="series" data-series="{series.group}".*?</g>', html, flags=re.S)
        assert shown, f"series {series.group} is drawn"
        values = [int(v) for v in re.findall(r'data-value="(\d+)"', shown[0])]
        assert values == [p.unresolved_at_end for p in series.points]
    ageing = backlog_ageing(known_site.histories, LAST_DAY)
    bars = [int(v) for v in re.findall(r'<g class="bar" data-key="[^"]+" data-value="(\d+)"', html)]
    assert bars == [b.tickets for b in ageing.total.buckets]
    headline = summary(known_site.histories, FIRST_DAY, LAST_DAY)
    assert f'data-figure="opened" data-value="{headline.opened}"' in html
    assert f'data-figure="unresolved_at_end" data-value="{headline.unresolved_at_end}"' in html


def test_a_commune_official_sees_only_their_commune(client: TestClient, known_site: KnownSite) -> None:  # type: ignore[type-arg]
    """A commune official's overview is their commune; another commune is "not found"."""
    commune = known_site.histories[1].ticket.commune
    other = next(c.code for c in known_site.tree.at_level(AdminLevel.COMMUNE) if c.code != commune)
    _sign_in(client, known_site.commune_token)
    overview = client.get(f"/dashboard/overview?{WINDOW}")
    assert f'data-code="{commune}"' in overview.text
    assert client.get(f"/dashboard/communes/{other}?{WINDOW}").status_code == 404
    expected = summary(known_site.histories, FIRST_DAY, LAST_DAY, where=TicketFilter(communes={commune}))
    assert f'data-figure="opened" data-value="{expected.opened}"' in overview.text


def test_a_bad_filter_is_named_and_the_page_still_shows(client: TestClient, known_site: KnownSite) -> None:  # type: ignore[type-arg]
    """A mistyped date is reported by parameter name, with the default window shown instead."""
    _sign_in(client, known_site.province_token, lang="en")
    response = client.get("/dashboard/overview?from=2026-13-01&lang=en")
    assert response.status_code == 400
    assert "from: &#39;2026-13-01&#39; is not a date" in response.text


def test_trend_csv_has_the_chart_numbers(client: TestClient, known_site: KnownSite) -> None:  # type: ignore[type-arg]
    """The trend download holds one row per category and week, equal to the library's trend."""
    _sign_in(client, known_site.province_token)
    response = client.get(f"/dashboard/export/trend.csv?{WINDOW}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff"))))
    trend = unresolved_trend(known_site.histories, "week", FIRST_DAY, LAST_DAY, "category")
    total = [int(r["unresolved_at_end"]) for r in rows if r["group"] == "total"]
    assert total == [p.unresolved_at_end for p in trend.total.points]


def test_signing_out_ends_the_session(client: TestClient, known_site: KnownSite) -> None:  # type: ignore[type-arg]
    """After signing out, the overview sends the visitor back to the sign-in form."""
    _sign_in(client, known_site.province_token)
    page = client.get(f"/dashboard/overview?{WINDOW}")
    response = client.post(
        "/dashboard/sign-out", data={"csrf_token": _csrf(page.text)}, follow_redirects=False
    )
    assert response.status_code == 303
    assert client.get("/dashboard/overview", follow_redirects=False).status_code == 303


def test_the_ticket_list_shows_a_villages_unresolved_tickets(
    client: TestClient, known_site: KnownSite
) -> None:  # type: ignore[type-arg]
    """The list linked from a village holds exactly its tickets still unresolved, with their labels."""
    village = known_site.histories[0].ticket.village
    _sign_in(client, known_site.province_token)
    page = client.get(f"/dashboard/tickets?unresolved=1&village={village}")
    assert page.status_code == 200
    expected = {
        h.ticket.id
        for h in known_site.histories
        if h.ticket.village == village and h.state.status.is_unresolved
    }
    assert set(re.findall(r'data-ticket="([^"]+)"', page.text)) == expected
    download = client.get(f"/dashboard/export/tickets.csv?unresolved=1&village={village}")
    rows = list(csv.DictReader(io.StringIO(download.text.lstrip("\ufeff"))))
    assert {r["id"] for r in rows} == expected


def test_interventions_are_marked_on_the_time_axis(known_site: KnownSite) -> None:
    """An intervention in the window is drawn on the trend chart and listed under it, with its barrier."""
    from litestar import Litestar
    from litestar.datastructures import State

    from digitransform.domain import Barrier
    from feedback_service.api.dependencies import CONTEXT_KEY, dependencies
    from feedback_service.context import ServiceContext
    from feedback_service.dashboard import DashboardConfig, DashboardPlugin, HistoryFigures, InterventionMark

    commune = known_site.communes[0]
    mark = InterventionMark(
        "iv-1",
        "Tập huấn sử dụng điện thoại",
        FIRST_DAY.replace(day=20),
        frozenset({commune}),
        frozenset({Barrier.AGE_FEAR_LOW_CONFIDENCE}),
    )
    figures = HistoryFigures(known_site.histories, known_site.tree, known_site.households, [mark])
    app = Litestar(
        plugins=[DashboardPlugin(DashboardConfig(), figures=lambda ctx: figures)],
        dependencies=dependencies(),
        state=State({CONTEXT_KEY: ServiceContext.open(known_site.settings, known_site.tree)}),
    )
    with TestClient(app) as c:
        _sign_in(c, known_site.province_token)
        html = c.get(f"/dashboard/communes/{commune}?{WINDOW}").text
        assert 'class="time-mark" data-key="iv-1"' in html
        listed = re.search(r'<li data-intervention="iv-1">.*?</li>', html, flags=re.S)
        assert listed and Barrier.AGE_FEAR_LOW_CONFIDENCE.label.vi in listed.group(0)
        other = next(c2 for c2 in known_site.communes if c2 != commune)
        assert 'data-key="iv-1"' not in c.get(f"/dashboard/communes/{other}?{WINDOW}").text
