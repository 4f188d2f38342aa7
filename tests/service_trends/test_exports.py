"""The communes ranking endpoint and the ticket list as CSV, on the interventions' constructed example."""

from __future__ import annotations

import csv
import io

from test_interventions import HISTORIES, Client, auth, http

__all__ = ["http"]


def test_communes_ranked_per_1000_households(http: tuple[Client, dict[str, str]]) -> None:
    """C1 (4 unresolved, 1,000 households) ranks above C2 (4 unresolved, 2,000 households)."""
    client, secrets = http
    response = client.get(
        "/api/v1/trends/communes", params={"at": "2026-03-08"}, headers=auth(secrets["province"])
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["at"] == "2026-03-08"
    assert [(c["commune"], c["unresolved"], c["per_1000_households"]) for c in body["communes"]] == [
        ("C1", 4, 4.0),
        ("C2", 4, 2.0),
    ]
    narrowed = client.get(
        "/api/v1/trends/communes",
        params={"at": "2026-03-08", "category": "poor_coverage"},
        headers=auth(secrets["c1"]),
    ).json()
    assert [(c["commune"], c["unresolved"]) for c in narrowed["communes"]] == [("C1", 1)]
    as_csv = client.get("/api/v1/trends/communes?at=2026-03-08&format=csv", headers=auth(secrets["province"]))
    assert as_csv.headers["content-type"].startswith("text/csv")
    lines = as_csv.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "commune,name,unresolved,people_affected,households,per_1000_households"
    assert lines[1] == "C1,Xã Một,4,4,1000,4.0"
    assert client.get("/api/v1/trends/communes", headers=auth(secrets["team"])).status_code == 403
    bad = client.get("/api/v1/trends/communes?at=yesterday", headers=auth(secrets["province"]))
    assert bad.status_code == 400 and bad.json()["errors"][0]["path"] == "at"


def _rows(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def test_ticket_list_as_csv_streams_every_page_within_scope(http: tuple[Client, dict[str, str]]) -> None:
    """Every matching ticket of the scope, across pages, with the description for officials only."""
    client, secrets = http
    everything = client.get(
        "/api/v1/tickets", params={"format": "csv", "limit": "2"}, headers=auth(secrets["province"])
    )
    assert everything.status_code == 200, everything.text
    assert everything.headers["content-type"].startswith("text/csv")
    rows = _rows(everything.content)
    assert sorted(r["id"] for r in rows) == sorted(h.ticket.id for h in HISTORIES)
    assert "description" in rows[0]
    assert {r["commune"] for r in rows} == {"C1", "C2"}
    c1 = _rows(client.get("/api/v1/tickets", headers={**auth(secrets["c1"]), "Accept": "text/csv"}).content)
    assert {r["commune"] for r in c1} == {"C1"} and len(c1) == 6
    resolved = _rows(
        client.get(
            "/api/v1/tickets", params={"format": "csv", "status": "resolved"}, headers=auth(secrets["c1"])
        ).content
    )
    assert len(resolved) == 2 and all(r["status"] == "resolved" and r["resolved_at"] for r in resolved)
    team = _rows(client.get("/api/v1/tickets?format=csv", headers=auth(secrets["team"])).content)
    assert team and "description" not in team[0]
    json_list = client.get("/api/v1/tickets", headers=auth(secrets["c1"]))
    assert json_list.headers["content-type"].startswith("application/json")
