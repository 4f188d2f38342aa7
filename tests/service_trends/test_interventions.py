"""Interventions through HTTP: recording them within scope, and their effect on a constructed example."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from trends_store import load

from digitransform.domain import (
    AdminLevel,
    AdminTree,
    AdminUnit,
    Barrier,
    DigitalService,
    ResolutionType,
    Ticket,
    TicketAction,
    TicketEvent,
    TicketHistory,
    Transition,
)
from feedback_service.app import create_app
from feedback_service.auth import Role, issue_token
from feedback_service.settings import Settings
from feedback_service.store import open_database, upgrade

Client = TestClient[Litestar]


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


def at(day: str, hour: int = 2) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=dt.UTC)


def ticket(
    n: int, village: str, day: str, *, category: Barrier = Barrier.NO_DEVICE, resolved: str = ""
) -> TicketHistory:
    commune = village.split("-")[0]
    t = Ticket(
        id=f"00000000-0000-4000-8000-{n:012d}",
        commune=commune,
        village=village,
        categories=frozenset({category}),
        service=DigitalService.VNEID,
        observed_at=at(day),
        team=f"T{commune}",
    )
    events = ()
    if resolved:
        resolve = Transition(TicketAction.RESOLVE, resolution=ResolutionType.FOLLOW_UP)
        events = (TicketEvent(at(resolved), resolve),)
    return TicketHistory(t, events)


# Before: 2026-02-23..03-01, after: 2026-03-02..03-08 (weeks=1). C1 has 1,000 households, C2 2,000.
HISTORIES = [
    *(ticket(i, "C1-01", "2026-02-24", resolved="2026-03-04" if i < 2 else "") for i in range(4)),
    ticket(4, "C1-01", "2026-03-03"),
    ticket(5, "C1-01", "2026-03-03", category=Barrier.POOR_COVERAGE),  # another barrier: not counted
    *(ticket(10 + i, "C2-01", "2026-02-24") for i in range(2)),
    *(ticket(20 + i, "C2-01", "2026-03-03") for i in range(2)),
]


@pytest.fixture
def http(tmp_path: Path) -> Iterator[tuple[Client, dict[str, str]]]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'interventions.db'}"
    units_csv = tmp_path / "units.csv"
    units_csv.write_text("code,households\nC1-01,1000\nC2-01,2000\n", encoding="utf-8")
    units = tree()

    async def prepare() -> dict[str, str]:
        db = open_database(url)
        await upgrade(db)
        await load(db, HISTORIES)
        now = dt.datetime.now(dt.UTC)
        tokens = {
            "team": await issue_token(db, units, Role.TEAM, now=now, team="TC1", commune="C1"),
            "province": await issue_token(db, units, Role.OFFICIAL, now=now, scope="P"),
            "c1": await issue_token(db, units, Role.OFFICIAL, now=now, scope="C1"),
            "c2": await issue_token(db, units, Role.OFFICIAL, now=now, scope="C2"),
        }
        await db.dispose()
        return {k: v.secret for k, v in tokens.items()}

    secrets = asyncio.run(prepare())
    app = create_app(Settings(database_url=url, units=str(units_csv)), tree=units)
    with TestClient(app) as client:
        yield client, secrets


def auth(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


BODY: dict[str, Any] = {
    "what": "Ngày tập huấn dùng VNeID",
    "units": ["C1"],
    "categories": ["no_device"],
    "started_on": "2026-03-02",
    "ended_on": "2026-03-02",
}


def create(client: Client, secret: str, **fields: Any) -> Any:
    return client.post("/api/v1/interventions", json={**BODY, **fields}, headers=auth(secret))


def test_effect_on_a_constructed_example(http: tuple[Client, dict[str, str]]) -> None:
    """Four new tickets per 1,000 before and one after in C1, against a flat baseline, give −3."""
    client, secrets = http
    created = create(client, secrets["c1"])
    assert created.status_code == 201, created.text
    location = created.headers["location"]
    response = client.get(f"{location}/effect", params={"weeks": "1"}, headers=auth(secrets["province"]))
    assert response.status_code == 200, response.text
    effect = response.json()
    assert effect["evidence"] == "descriptive"
    assert "not proof of cause" in effect["explanation"]
    assert effect["before"] == {"from": "2026-02-23", "to": "2026-03-01"}
    assert effect["after"] == {"from": "2026-03-02", "to": "2026-03-08"}
    new = effect["measures"]["new_per_1000_households"]
    assert new["target"] == {"before": 4.0, "after": 1.0, "change": -3.0}
    assert new["baseline"] == {"before": 1.0, "after": 1.0, "change": 0.0}
    assert new["difference_in_differences"] == -3.0
    backlog = effect["measures"]["backlog_per_1000_households"]
    assert backlog["target"] == {"before": 4.0, "after": 3.0, "change": -1.0}
    assert backlog["baseline"] == {"before": 1.0, "after": 2.0, "change": 1.0}
    assert backlog["difference_in_differences"] == -2.0
    times = effect["measures"]["median_days_to_resolve"]
    assert times["target"]["after"] == 8.0
    assert times["target"]["before"] is None
    assert times["difference_in_differences"] is None
    counts = effect["counts"]
    assert counts["target"]["households"] == 1000
    assert counts["baseline"]["households"] == 2000
    assert counts["target"]["new_tickets_before"] == 4
    assert counts["target"]["new_tickets_after"] == 1
    assert counts["target"]["resolved_after"] == 2
    assert counts["baseline"]["new_tickets_after"] == 2
    assert [c["category"] for c in effect["categories"]] == ["no_device"]


def test_recorded_within_scope_and_listed_to_those_it_concerns(http: tuple[Client, dict[str, str]]) -> None:
    """A commune official records in their commune only; another commune's official cannot see it."""
    client, secrets = http
    created = create(client, secrets["c1"], units=["C1-01"])
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["units"] == ["C1-01"] and body["categories"] == ["no_device"]
    assert client.get(created.headers["location"], headers=auth(secrets["c1"])).json()["id"] == body["id"]
    assert client.get(created.headers["location"], headers=auth(secrets["c2"])).status_code == 404
    listed = client.get("/api/v1/interventions", headers=auth(secrets["province"])).json()["items"]
    assert [i["id"] for i in listed] == [body["id"]]
    assert client.get("/api/v1/interventions", headers=auth(secrets["c2"])).json()["items"] == []
    assert client.get("/api/v1/interventions", headers=auth(secrets["team"])).status_code == 403


def test_bad_input_is_a_problem_naming_the_field(http: tuple[Client, dict[str, str]]) -> None:
    """Units outside the scope, unknown units, reversed dates and bad weeks are problems with paths."""
    client, secrets = http
    response = create(client, secrets["c1"], units=["C2", "X9"], ended_on="2026-03-01")
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    paths = [e["path"] for e in response.json()["errors"]]
    assert paths == ["$.units[0]", "$.units[1]", "$.ended_on"]
    wrong_type = create(client, secrets["c1"], categories=["no_such_barrier"])
    assert wrong_type.status_code == 422
    assert wrong_type.json()["errors"][0]["path"].startswith("$.categories")
    assert create(client, secrets["team"]).status_code == 403
    created = create(client, secrets["province"])
    effect = client.get(
        f"{created.headers['location']}/effect", params={"weeks": "0"}, headers=auth(secrets["province"])
    )
    assert effect.status_code == 400
    assert effect.json()["errors"][0]["path"] == "weeks"
    assert client.get("/api/v1/interventions/nope", headers=auth(secrets["province"])).status_code == 404


def test_a_commune_official_reads_only_its_own_communes_counts_in_an_effect(
    http: tuple[Client, dict[str, str]],
) -> None:
    """An intervention over C1 and C2, read by C1's official: the target is C1 alone, counts and all.

    Before the one scope rule, the target counts summed both communes, so C1's official could
    subtract its own tickets and read C2's.
    """
    client, secrets = http
    both = create(client, secrets["province"], units=["C1", "C2"])
    only_c1 = create(client, secrets["province"], units=["C1"])
    assert both.status_code == only_c1.status_code == 201

    def effect(location: str, who: str) -> Any:
        response = client.get(f"{location}/effect", params={"weeks": "1"}, headers=auth(secrets[who]))
        assert response.status_code == 200, response.text
        return response.json()

    seen_by_c1 = effect(both.headers["location"], "c1")
    assert seen_by_c1["target"] == {"units": ["C1"], "households": 1000}
    assert seen_by_c1["counts"]["target"]["new_tickets_before"] == 4
    assert seen_by_c1["counts"]["target"]["new_tickets_after"] == 1
    reference = effect(only_c1.headers["location"], "province")
    assert seen_by_c1["target"] == reference["target"]
    assert seen_by_c1["counts"]["target"] == reference["counts"]["target"]
    assert (
        seen_by_c1["measures"]["new_per_1000_households"]["target"]
        == (reference["measures"]["new_per_1000_households"]["target"])
    )
    # The rest of this two-commune province is C2 alone: C1's official gets no baseline at all.
    assert seen_by_c1["baseline"] is None and seen_by_c1["counts"]["baseline"] is None
    assert "fewer than" in seen_by_c1["baseline_withheld"]
    assert seen_by_c1["measures"]["new_per_1000_households"]["baseline"]["before"] is None
    assert reference["baseline"] is not None and "baseline_withheld" not in reference
    seen_by_c2 = effect(both.headers["location"], "c2")
    assert seen_by_c2["target"] == {"units": ["C2"], "households": 2000}
    assert seen_by_c2["counts"]["target"]["new_tickets_before"] == 2
    whole = effect(both.headers["location"], "province")
    assert whole["target"]["units"] == ["C1", "C2"]
    assert whole["counts"]["target"]["new_tickets_before"] == 6
