"""Every windowed trend endpoint is bounded: over the bound, a 400 problem stating the limit, before work."""

from __future__ import annotations

import datetime as dt

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from test_http import auth, http, report  # noqa: F401 (the fixture)

from digitransform.domain import PeriodKind
from digitransform.domain.periods import periods_between
from feedback_service.trends.limits import MAX_TREND_POINTS, MAX_WINDOW_DAYS, period_count

Http = tuple[TestClient[Litestar], dict[str, str]]


@pytest.mark.parametrize("kind", [PeriodKind.DAY, PeriodKind.WEEK, PeriodKind.MONTH])
def test_period_count_is_the_number_of_periods_built(kind: PeriodKind) -> None:
    """The count checked before any work is exactly the number of periods the trend would build."""
    start = dt.date(2024, 2, 27)
    for days in (0, 1, 5, 6, 7, 13, 30, 31, 59, 365, 366, 800):
        last = start + dt.timedelta(days=days)
        assert period_count(kind, start, last) == len(list(periods_between(kind, start, last))), days


def test_a_century_by_day_is_refused_with_the_limit(http: Http) -> None:  # noqa: F811
    """The probe of the issue (period=day over a century) is a 400 stating the limit, not 13 s of work."""
    client, tokens = http
    report(client, tokens["team"])
    response = client.get(
        "/api/v1/trends/unresolved",
        params={"period": "day", "from": "2000-01-01", "to": "2099-12-31"},
        headers=auth(tokens["province"]),
    )
    assert response.status_code == 400, response.text
    problem = response.json()
    assert response.headers["content-type"].startswith("application/problem+json")
    assert f"at most {MAX_TREND_POINTS:,}" in problem["detail"]
    assert "36,525 days × 1 series" in problem["detail"]
    assert problem["errors"][0]["path"] == "from"


def test_groups_count_toward_the_points(http: Http) -> None:  # noqa: F811
    """The same window passes as one series and is refused when the groups multiply it over the bound.

    The test tree has 2 communes (3 series with the total): a window of MAX/3 + 1 days is
    over the bound by commune, under it without a grouping; one commune's official has 2 series.
    """
    client, tokens = http
    last = dt.date(2026, 1, 31)
    first = last - dt.timedelta(days=MAX_TREND_POINTS // 3)  # MAX/3 + 1 days
    window = {"period": "day", "from": first.isoformat(), "to": last.isoformat()}
    one = client.get("/api/v1/trends/unresolved", params=window, headers=auth(tokens["province"]))
    assert one.status_code == 200, one.text
    by_commune = {**window, "group_by": "commune"}
    grouped = client.get("/api/v1/trends/unresolved", params=by_commune, headers=auth(tokens["province"]))
    assert grouped.status_code == 400, grouped.text
    assert "× 3 series" in grouped.json()["detail"]
    narrowed = client.get("/api/v1/trends/unresolved", params=by_commune, headers=auth(tokens["c2"]))
    assert narrowed.status_code == 200, narrowed.text
    assert [s["group"] for s in narrowed.json()["series"]] in ([], ["C2"])


@pytest.mark.parametrize("endpoint", ["resolution-times", "summary"])
def test_windows_longer_than_the_limit_are_refused(http: Http, endpoint: str) -> None:  # noqa: F811
    """resolution-times and summary take windows up to MAX_WINDOW_DAYS days and refuse one day more."""
    client, tokens = http
    last = dt.date(2026, 1, 31)
    widest = {"from": (last - dt.timedelta(days=MAX_WINDOW_DAYS - 1)).isoformat(), "to": last.isoformat()}
    ok = client.get(f"/api/v1/trends/{endpoint}", params=widest, headers=auth(tokens["province"]))
    assert ok.status_code == 200, ok.text
    wider = {**widest, "from": (last - dt.timedelta(days=MAX_WINDOW_DAYS)).isoformat()}
    refused = client.get(f"/api/v1/trends/{endpoint}", params=wider, headers=auth(tokens["province"]))
    assert refused.status_code == 400, refused.text
    assert f"at most {MAX_WINDOW_DAYS:,}" in refused.json()["detail"]


def test_the_bounds_are_in_the_openapi_document(http: Http) -> None:  # noqa: F811
    """Each bounded endpoint states its limit and documents its 400 problem in /schema/openapi.json."""
    client, _ = http
    paths = client.get("/schema/openapi.json").json()["paths"]
    for path, limit in (
        ("/api/v1/trends/unresolved", f"{MAX_TREND_POINTS:,} points"),
        ("/api/v1/trends/resolution-times", f"{MAX_WINDOW_DAYS:,} local days"),
        ("/api/v1/trends/summary", f"{MAX_WINDOW_DAYS:,} local days"),
    ):
        operation = paths[path]["get"]
        assert limit in operation["description"], path
        assert "application/problem+json" in operation["responses"]["400"]["content"], path
