"""GET /api/v1/tickets and /tickets/{id}: scope by role, filters, stable cursor pagination, history."""

from __future__ import annotations

import datetime as dt
import uuid

from service_api import Api


def _ids(api: Api, who: str, query: str = "") -> set[str]:
    response = api.get(f"/tickets?limit=500{query}", who=who)
    assert response.status_code == 200, response.text
    return {t["id"] for t in response.json()["items"]}


def _three_tickets(api: Api) -> dict[str, str]:
    return {
        "team": api.create("team")["id"],
        "team_b": api.create("team_b", village="C1-02")["id"],
        "team_c2": api.create("team_c2", village="C2-01")["id"],
    }


def test_scope_of_the_list_follows_the_role(api: Api) -> None:
    """A team sees its own tickets, a commune official the commune's, a province official all."""
    ids = _three_tickets(api)
    assert _ids(api, "team") == {ids["team"]}
    assert _ids(api, "team_b") == {ids["team_b"]}
    assert _ids(api, "official_c1") == {ids["team"], ids["team_b"]}
    assert _ids(api, "official_c2") == {ids["team_c2"]}
    assert _ids(api, "province") == set(ids.values())


def test_filters_cannot_widen_the_scope(api: Api) -> None:
    """Filtering by another commune or team yields nothing, never someone else's tickets."""
    _three_tickets(api)
    assert _ids(api, "official_c1", "&commune=C2") == set()
    assert _ids(api, "team", "&team=T1B") == set()


def test_someone_elses_ticket_is_404(api: Api) -> None:
    """Another team's or commune's ticket is 404, exactly like one that does not exist."""
    ids = _three_tickets(api)
    for who, ticket in (("team", ids["team_b"]), ("official_c1", ids["team_c2"]), ("team", ids["team_c2"])):
        response = api.get(f"/tickets/{ticket}", who=who)
        assert response.status_code == 404
        missing = api.get(f"/tickets/{uuid.uuid4()}", who=who)
        assert missing.json()["title"] == response.json()["title"]
        assert api.get(f"/tickets/{ticket}/history", who=who).status_code == 404


def test_read_one_gives_the_ticket_and_its_etag(api: Api) -> None:
    """GET /tickets/{id} answers the stored ticket with its version as ETag."""
    ticket = api.create()
    response = api.get(f"/tickets/{ticket['id']}", who="official_c1")
    assert response.status_code == 200 and response.json() == ticket
    assert response.headers["etag"] == '"1"'


def test_filters(api: Api) -> None:
    """Status, unresolved, category, service, village and observation dates filter the list."""
    old = (dt.datetime.now(dt.UTC) - dt.timedelta(days=40)).isoformat()
    a = api.create(categories=["fraud_scam_fear"], service="e_payment", observed_at=old)["id"]
    b = api.create(village="C1-02")["id"]
    api.transition(b, "resolve", resolution="on_the_spot")
    assert _ids(api, "province", "&category=fraud_scam_fear") == {a}
    assert _ids(api, "province", "&service=e_payment") == {a}
    assert _ids(api, "province", "&village=C1-02") == {b}
    assert _ids(api, "province", "&status=resolved") == {b}
    assert _ids(api, "province", "&status=open&status=resolved") == {a, b}
    assert _ids(api, "province", "&unresolved=true") == {a}
    assert _ids(api, "province", "&unresolved=false") == {b}
    cut = (dt.datetime.now(dt.UTC) - dt.timedelta(days=10)).date().isoformat()
    assert _ids(api, "province", f"&observed_to={cut}") == {a}
    assert _ids(api, "province", f"&observed_from={cut}") == {b}


def test_pagination_is_complete_and_stable(api: Api) -> None:
    """Following next_cursor visits every ticket once, newest received first, even while new ones arrive."""
    created = [api.create()["id"] for _ in range(7)]
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        query = "/tickets?limit=3" + (f"&cursor={cursor}" if cursor else "")
        page = api.get(query, who="team").json()
        seen += [t["id"] for t in page["items"]]
        pages += 1
        if pages == 1:
            api.create()  # arrives during pagination: newer than the cursor, so not in this walk
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(created) and len(seen) == len(set(seen))
    assert pages == 3


def test_updated_since_is_a_sync_feed(api: Api) -> None:
    """With updated_since the list runs oldest change first, so a client can follow it to the end."""
    first = api.create()["id"]
    since = dt.datetime.now(dt.UTC).isoformat()
    second = api.create()["id"]
    api.transition(first, "acknowledge")
    page = api.get("/tickets", who="team", params={"updated_since": since}).json()
    assert [t["id"] for t in page["items"]] == [second, first]


def test_bad_list_parameters_are_400(api: Api) -> None:
    """An unknown status, a bad date, a forged cursor or a huge limit: 400 naming the parameter."""
    cases = {
        "status": {"status": "lost"},
        "observed_from": {"observed_from": "yesterday"},
        "cursor": {"cursor": "not-a-cursor"},
        "limit": {"limit": "100000"},
    }
    for name, params in cases.items():
        response = api.get("/tickets", who="team", params=params)
        assert response.status_code == 400, (name, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["errors"][0]["path"] == name


def test_history_lists_every_change(api: Api) -> None:
    """The history names who did what, when and why, from the report to the last action."""
    ticket = api.create()
    api.transition(ticket["id"], "acknowledge", note="đã nhận")
    api.transition(ticket["id"], "reject", reason="ngoài phạm vi")
    api.post(
        f"/tickets/{ticket['id']}/occurrences",
        {"id": str(uuid.uuid4()), "observed_at": dt.datetime.now(dt.UTC).isoformat(), "people_affected": 3},
    )
    history = api.get(f"/tickets/{ticket['id']}/history", who="team").json()
    entries = history["entries"]
    assert [e["action"] for e in entries] == ["create", "acknowledge", "reject", "occurrence"]
    assert entries[0]["actor_role"] == "team" and entries[0]["actor_team"] == "T1"
    assert entries[1]["actor_token"] == api.token_ids["official_c1"] and entries[1]["note"] == "đã nhận"
    assert entries[2]["reason"] == "ngoài phạm vi" and entries[2]["status_after"] == "rejected"
    assert entries[3]["people_added"] == 3 and entries[3]["people_after"] == 5
    assert [e["seq"] for e in entries] == sorted(e["seq"] for e in entries)
