"""POST /api/v1/tickets/batch: offline sync, one result per item in input order, each item on its own."""

from __future__ import annotations

import json

import attrs
from service_api import Api, small_tree, ticket_body

from feedback_service.app import create_app
from feedback_service.settings import Settings


def test_batch_reports_each_item_in_input_order(api: Api) -> None:
    """Created, replayed and rejected items come back in input order, each rejection with its problem."""
    known = ticket_body()
    api.post("/tickets", known)
    fresh = ticket_body()
    bad_village = ticket_body(village="C2-01")
    mistyped = ticket_body(people_affected="two")
    response = api.post("/tickets/batch", {"tickets": [fresh, known, bad_village, mistyped]})
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["outcome"] for r in results] == ["created", "replayed", "rejected", "rejected"]
    assert [r["id"] for r in results] == [fresh["id"], known["id"], bad_village["id"], mistyped["id"]]
    assert results[0]["location"] == f"/api/v1/tickets/{fresh['id']}" and results[0]["version"] == 1
    assert results[2]["problem"]["errors"][0]["path"] == "$.tickets[2].village"
    assert results[3]["problem"]["status"] == 422
    assert results[3]["problem"]["errors"][0]["path"] == "$.tickets[3].people_affected"


def test_rejected_items_do_not_block_the_others(api: Api) -> None:
    """The good items of a batch are stored even when others are rejected; the rejected are not."""
    good = [ticket_body() for _ in range(3)]
    bad = ticket_body(categories=[])
    api.post("/tickets/batch", {"tickets": [good[0], bad, good[1], good[2]]})
    stored = {t["id"] for t in api.get("/tickets", who="team").json()["items"]}
    assert stored == {t["id"] for t in good}


def test_resending_a_whole_batch_is_safe(api: Api) -> None:
    """A batch sent twice (the phone never saw the answer) creates nothing the second time."""
    batch = {"tickets": [ticket_body() for _ in range(5)]}
    first = api.post("/tickets/batch", batch).json()["results"]
    second = api.post("/tickets/batch", batch).json()["results"]
    assert {r["outcome"] for r in first} == {"created"}
    assert {r["outcome"] for r in second} == {"replayed"}
    assert len(api.get("/tickets", who="team").json()["items"]) == 5


def test_conflicting_item_is_rejected_with_409(api: Api) -> None:
    """An item reusing an id with other content is rejected with a 409 problem."""
    body = ticket_body()
    api.post("/tickets", body)
    results = api.post("/tickets/batch", {"tickets": [{**body, "description": "khác"}]}).json()["results"]
    assert results[0]["outcome"] == "rejected" and results[0]["problem"]["status"] == 409


def test_item_that_is_not_an_object_is_rejected(api: Api) -> None:
    """A number where a ticket belongs is rejected on its own, without an id."""
    results = api.post("/tickets/batch", {"tickets": [42, ticket_body()]}).json()["results"]
    assert results[0] == {"id": None, "outcome": "rejected", "problem": results[0]["problem"]}
    assert results[1]["outcome"] == "created"


def test_more_than_500_tickets_is_422(api: Api) -> None:
    """A batch over the limit is refused whole, before anything is stored, naming $.tickets."""
    tickets = [ticket_body() for _ in range(501)]
    response = api.post("/tickets/batch", {"tickets": tickets})
    assert response.status_code == 422
    assert response.json()["errors"][0]["path"] == "$.tickets"
    assert api.get("/tickets", who="team").json()["items"] == []


def test_a_batch_at_the_limit_is_accepted(settings: Settings) -> None:
    """A batch of exactly the limit's size is stored; one more is refused (limit lowered to keep it quick)."""
    app = create_app(attrs.evolve(settings, max_batch_tickets=5), tree=small_tree())
    with Api.running(app) as api:
        api.reset()
        tickets = [ticket_body(description=f"phiếu {i}") for i in range(6)]
        assert api.post("/tickets/batch", {"tickets": tickets}).status_code == 422
        results = api.post("/tickets/batch", {"tickets": tickets[:5]}).json()["results"]
    assert len(results) == 5 and {r["outcome"] for r in results} == {"created"}


def test_batch_envelope_errors(api: Api) -> None:
    """Malformed JSON is 400, an unknown envelope field 422, a body over the batch limit 413."""
    assert api.post("/tickets/batch", content=b'{"tickets": [').status_code == 400
    response = api.post("/tickets/batch", {"tickets": [], "device": "x"})
    assert response.status_code == 422 and response.json()["errors"][0]["path"] == "$.device"
    huge = json.dumps({"tickets": [ticket_body(description="x" * 2000) for _ in range(600)]})
    assert api.post("/tickets/batch", content=huge.encode()).status_code == 413


def test_only_teams_send_batches(api: Api) -> None:
    """Officials cannot send batches (403), anonymous callers 401."""
    assert api.post("/tickets/batch", {"tickets": []}, who="province").status_code == 403
    assert api.post("/tickets/batch", {"tickets": []}, who=None).status_code == 401
