"""The trend endpoints through HTTP: named examples from the issue, officials only, CSV export."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from digitransform.domain import AdminLevel, AdminTree, AdminUnit
from digitransform.domain.periods import local_date
from feedback_service.api.trends import TrendsController
from feedback_service.app import create_app
from feedback_service.auth import Role, issue_token
from feedback_service.settings import Settings
from feedback_service.store import open_database, upgrade

SUNDAY_2330_UTC = "2026-01-11T23:30:00+00:00"


def tree() -> AdminTree:
    return AdminTree.from_units(
        [
            AdminUnit("P", "Tỉnh Thử", AdminLevel.PROVINCE),
            AdminUnit("C1", "Xã Một", AdminLevel.COMMUNE, "P"),
            AdminUnit("C1-01", "Ấp Một A", AdminLevel.VILLAGE, "C1"),
            AdminUnit("C2", "Xã Hai", AdminLevel.COMMUNE, "P"),
            AdminUnit("C2-01", "Ấp Hai A", AdminLevel.VILLAGE, "C2"),
        ]
    )


@pytest.fixture
def http(tmp_path: Path) -> Iterator[tuple[TestClient[Litestar], dict[str, str]]]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'http.db'}"
    units = tree()

    async def prepare() -> dict[str, str]:
        db = open_database(url)
        await upgrade(db)
        now = dt.datetime.now(dt.UTC)
        tokens = {
            "team": await issue_token(db, units, Role.TEAM, now=now, team="T1", commune="C1"),
            "province": await issue_token(db, units, Role.OFFICIAL, now=now, scope="P"),
            "c2": await issue_token(db, units, Role.OFFICIAL, now=now, scope="C2"),
        }
        await db.dispose()
        return {k: v.secret for k, v in tokens.items()}

    secrets = asyncio.run(prepare())
    app = create_app(Settings(database_url=url), tree=units)
    if not any(getattr(r, "path", "").startswith("/api/v1/trends") for r in app.routes):
        app.register(TrendsController)
    with TestClient(app) as client:
        yield client, secrets


def auth(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def report(client: TestClient[Litestar], secret: str, **fields: Any) -> dict[str, Any]:
    body = {
        "id": str(uuid.uuid4()),
        "village": "C1-01",
        "categories": ["no_device"],
        "service": "vneid",
        "description": "Cụ bà chưa có điện thoại thông minh",
        "people_affected": 1,
        "consent": True,
        "observed_at": SUNDAY_2330_UTC,
        **fields,
    }
    response = client.post("/api/v1/tickets", json=body, headers=auth(secret))
    assert response.status_code == 201, response.text
    return dict(response.json()) | {"etag": response.headers["etag"]}


def act(client: TestClient[Litestar], secret: str, ticket: dict[str, Any], **body: Any) -> dict[str, Any]:
    response = client.post(
        f"/api/v1/tickets/{ticket['id']}/transitions",
        json=body,
        headers={**auth(secret), "If-Match": ticket["etag"]},
    )
    assert response.status_code == 200, response.text
    return dict(response.json()) | {"etag": response.headers["etag"]}


def weekly(client: TestClient[Litestar], secret: str, **params: str) -> dict[str, Any]:
    query = {"period": "week", "from": "2026-01-05", "to": "2026-01-18", **params}
    response = client.get("/api/v1/trends/unresolved", params=query, headers=auth(secret))
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_sunday_2330_utc_opens_in_the_next_iso_week(
    http: tuple[TestClient[Litestar], dict[str, str]],
) -> None:
    """A ticket observed at 23:30 UTC on Sunday is Monday in Vietnam: it opens in the next ISO week."""
    client, tokens = http
    report(client, tokens["team"], categories=["no_device", "lack_of_skills"], people_affected=3)
    body = weekly(client, tokens["province"], group_by="category")
    assert body["period"] == "week" and body["group_by"] == "category"
    total = [(p["start"], p["opened"], p["unresolved_at_end"]) for p in body["total"]["points"]]
    assert total == [("2026-01-05", 0, 0), ("2026-01-12", 1, 1)]
    # Multi-category: in each category's series, once in the total.
    assert [s["group"] for s in body["series"]] == ["lack_of_skills", "no_device"]
    assert all(s["points"][1]["people_affected_unresolved"] == 3 for s in body["series"])


def test_reopen_after_resolve_and_reject_never_resolves(
    http: tuple[TestClient[Litestar], dict[str, str]],
) -> None:
    """A reopened ticket is back in the backlog; a rejected one leaves it without counting as resolved."""
    client, tokens = http
    # The service buckets by the day in Asia/Ho_Chi_Minh, not by the machine's own date.
    first_day = local_date(dt.datetime.now(dt.UTC))
    first = report(client, tokens["team"])
    second = report(client, tokens["team"])
    first = act(client, tokens["province"], first, action="resolve", resolution="follow_up")
    act(client, tokens["province"], first, action="reopen")
    act(client, tokens["province"], second, action="reject", reason="đã hỗ trợ ở phiếu khác")
    days = {"from": first_day.isoformat(), "to": local_date(dt.datetime.now(dt.UTC)).isoformat()}
    body = weekly(client, tokens["province"], period="year", **days)
    point = body["total"]["points"][-1]
    assert (point["resolved"], point["reopened"], point["rejected"], point["unresolved_at_end"]) == (
        1,
        1,
        1,
        1,
    )
    summary = client.get("/api/v1/trends/summary", params=days, headers=auth(tokens["province"]))
    assert summary.status_code == 200 and summary.json()["resolved"] == 1


def test_officials_only_and_scoped(http: tuple[TestClient[Litestar], dict[str, str]]) -> None:
    """A team gets 403; a commune official never sees another commune's tickets, even by asking."""
    client, tokens = http
    report(client, tokens["team"])
    response = client.get("/api/v1/trends/unresolved", headers=auth(tokens["team"]))
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/problem+json")
    body = weekly(client, tokens["c2"], commune="C1")
    assert all(p["opened"] == 0 for p in body["total"]["points"])


def test_bad_parameters_are_problems(http: tuple[TestClient[Litestar], dict[str, str]]) -> None:
    """An unknown grouping, period or date is a 400 problem naming the parameter."""
    client, tokens = http
    for params, name in (
        ({"group_by": "mood"}, "group_by"),
        ({"period": "fortnight"}, "period"),
        ({"from": "soon"}, "from"),
    ):
        response = client.get("/api/v1/trends/unresolved", params=params, headers=auth(tokens["province"]))
        assert response.status_code == 400, response.text
        assert response.json()["errors"][0]["path"] == name


def test_a_window_that_ends_before_it_starts_is_a_problem(
    http: tuple[TestClient[Litestar], dict[str, str]],
) -> None:
    """Every endpoint over a window refuses from after to, naming ``to``, instead of an empty answer."""
    client, tokens = http
    for endpoint in ("unresolved", "resolution-times", "summary"):
        response = client.get(
            f"/api/v1/trends/{endpoint}",
            params={"from": "2026-03-10", "to": "2026-03-01"},
            headers=auth(tokens["province"]),
        )
        assert response.status_code == 400, (endpoint, response.text)
        assert response.json()["errors"][0]["path"] == "to"


def test_csv_export(http: tuple[TestClient[Litestar], dict[str, str]]) -> None:
    """Every trend endpoint answers CSV with ?format=csv or Accept: text/csv."""
    client, tokens = http
    report(client, tokens["team"])
    response = client.get(
        "/api/v1/trends/unresolved",
        params={"period": "week", "from": "2026-01-05", "to": "2026-01-18", "group_by": "commune"},
        headers={**auth(tokens["province"]), "Accept": "text/csv"},
    )
    assert response.headers["content-type"].startswith("text/csv")
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("group,start,end,opened")
    assert "C1,2026-01-12,2026-01-18,1,0,0,0,1,1" in lines
    for path in ("ageing", "resolution-times", "summary"):
        response = client.get(f"/api/v1/trends/{path}?format=csv", headers=auth(tokens["province"]))
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
