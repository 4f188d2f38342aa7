"""POST /api/v1/tickets: creation, idempotent replays, and every way a body can be wrong."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

from service_api import Api, ticket_body

from digitransform.domain import Barrier, DigitalService
from feedback_service.store import Actor, NewTicket, Outcome, create_ticket


def test_create_returns_201_with_location_etag_and_the_ticket(api: Api) -> None:
    """A new ticket is 201 with Location and ETag, its commune and team taken from the token."""
    body = ticket_body()
    response = api.post("/tickets", body)
    assert response.status_code == 201
    assert response.headers["location"] == f"/api/v1/tickets/{body['id']}"
    assert response.headers["etag"] == '"1"'
    ticket = response.json()
    assert ticket["commune"] == "C1" and ticket["team"] == "T1" and ticket["status"] == "open"
    assert ticket["categories"] == ["age_fear_low_confidence", "no_device"]
    assert ticket["people_affected"] == ticket["people_reported"] == 2
    assert ticket["version"] == 1 and ticket["resolution"] is None and ticket["resolved_at"] is None
    for field in ("village", "service", "description", "household_ref", "consent"):
        assert ticket[field] == body[field]
    assert dt.datetime.fromisoformat(ticket["observed_at"]) == dt.datetime.fromisoformat(body["observed_at"])
    assert ticket["received_at"].endswith("+07:00")


def test_replay_with_same_content_returns_the_stored_ticket(api: Api) -> None:
    """The same id and content again is 200 with the same body, and never a second row."""
    body = ticket_body()
    first = api.post("/tickets", body)
    again = api.post("/tickets", body)
    assert again.status_code == 200
    assert again.json() == first.json()
    assert again.headers["etag"] == first.headers["etag"]
    assert len(api.get("/tickets", who="team").json()["items"]) == 1


def test_replay_in_another_offset_is_the_same_content(api: Api) -> None:
    """The same moment written with another offset is still a replay, not a conflict."""
    moment = dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=7)))
    body = ticket_body(observed_at=moment.isoformat())
    assert api.post("/tickets", body).status_code == 201
    utc = {
        **body,
        "observed_at": moment.astimezone(dt.UTC).isoformat(),
        "categories": body["categories"][::-1],
    }
    assert api.post("/tickets", utc).status_code == 200


def test_conflicting_replay_is_409(api: Api) -> None:
    """The same id with different content is 409 and leaves the stored ticket alone."""
    body = ticket_body()
    api.post("/tickets", body)
    response = api.post("/tickets", {**body, "people_affected": 3})
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "id-conflict"
    assert api.get(f"/tickets/{body['id']}").json()["people_affected"] == 2


def test_another_teams_id_is_a_conflict_not_a_replay(api: Api) -> None:
    """A team re-using another team's ticket id gets 409, never the other team's ticket."""
    body = ticket_body()
    api.post("/tickets", body, who="team")
    response = api.post("/tickets", body, who="team_b")
    assert response.status_code == 409
    assert "description" not in response.text


def test_concurrent_double_post_stores_exactly_one_row(api: Api) -> None:
    """Eight simultaneous first attempts with one id give one creation and seven replays."""
    now = dt.datetime.now(dt.UTC)
    new = NewTicket(
        id=str(uuid.uuid4()),
        team="T1",
        commune="C1",
        village="C1-01",
        categories=frozenset({Barrier.NO_DEVICE}),
        service=DigitalService.VNEID,
        description="cùng lúc",
        people_affected=1,
        household_ref=None,
        consent=False,
        observed_at=now,
    )

    async def race() -> list[Outcome]:
        results = await asyncio.gather(
            *(create_ticket(api.ctx.db, new, Actor("t", "team", "T1"), now) for _ in range(8))
        )
        return [outcome for outcome, _ in results]

    outcomes = api.call(race)
    assert sorted(o.value for o in outcomes) == ["created"] + ["replayed"] * 7
    assert len(api.get("/tickets", who="team").json()["items"]) == 1


def test_malformed_json_is_400(api: Api) -> None:
    """A body that is not JSON is a 400 problem, not a traceback."""
    response = api.post("/tickets", content=b'{"id": "x", ')
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert (
        problem["code"] == "malformed-json"
        and problem["status"] == 400
        and problem["type"] == "/problems/malformed-json"
    )
    assert "Traceback" not in response.text


def test_empty_body_is_400(api: Api) -> None:
    """No body at all is a 400 problem."""
    response = api.post("/tickets", content=b"")
    assert response.status_code == 400
    assert response.json()["code"] == "bad-request"


def test_wrong_type_is_422_with_the_json_path(api: Api) -> None:
    """A string where a number belongs is 422, naming $.people_affected (no lenient coercion)."""
    response = api.post("/tickets", ticket_body(people_affected="2"))
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert errors[0]["path"] == "$.people_affected"
    assert "int" in errors[0]["message"]


def test_unknown_field_is_422_naming_it(api: Api) -> None:
    """A field the contract does not know is 422 with its path, not silently dropped."""
    response = api.post("/tickets", ticket_body(name_of_citizen="Nguyễn Văn A"))
    assert response.status_code == 422
    assert response.json()["errors"] == [{"path": "$.name_of_citizen", "message": "unknown field"}]


def test_missing_field_is_422_naming_it(api: Api) -> None:
    """A required field left out is 422 naming it."""
    response = api.post("/tickets", ticket_body(service=...))
    assert response.status_code == 422
    assert response.json()["errors"][0]["path"] == "$.service"


def test_unknown_category_is_422_at_its_index(api: Api) -> None:
    """An unknown barrier code names its position in the list."""
    response = api.post("/tickets", ticket_body(categories=["no_device", "bad_weather"]))
    assert response.status_code == 422
    assert response.json()["errors"][0]["path"] == "$.categories[1]"


def test_field_limits_are_422(api: Api) -> None:
    """No category, a description over 2,000 characters, zero people: each is 422 naming the field."""
    cases = {
        "$.categories": {"categories": []},
        "$.description": {"description": "x" * 2001},
        "$.people_affected": {"people_affected": 0},
        "$.household_ref": {"household_ref": "h" * 65},
        "$.id": {"id": "not-a-uuid"},
    }
    for path, change in cases.items():
        response = api.post("/tickets", ticket_body(**change))
        assert response.status_code == 422, (path, response.text)
        assert response.json()["errors"][0]["path"] == path


def test_blank_description_is_422(api: Api) -> None:
    """A description of spaces says nothing and is refused."""
    response = api.post("/tickets", ticket_body(description="   "))
    assert response.status_code == 422
    assert response.json()["errors"][0]["path"] == "$.description"


def test_unknown_village_is_422(api: Api) -> None:
    """A village code the tree does not know is 422 on $.village."""
    response = api.post("/tickets", ticket_body(village="C9-99"))
    assert response.status_code == 422
    assert response.json()["errors"] == [{"path": "$.village", "message": "unknown village 'C9-99'"}]


def test_a_commune_is_not_a_village(api: Api) -> None:
    """A commune code where a village belongs is 422."""
    assert api.post("/tickets", ticket_body(village="C1")).status_code == 422


def test_village_of_another_commune_is_422(api: Api) -> None:
    """A team reports only in its own commune: another commune's village is 422."""
    response = api.post("/tickets", ticket_body(village="C2-01"))
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["path"] == "$.village" and "C2" in error["message"] and "C1" in error["message"]


def test_observed_at_in_the_future_is_422(api: Api) -> None:
    """observed_at beyond the allowed clock skew is refused; within it, accepted."""
    future = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    response = api.post("/tickets", ticket_body(observed_at=future.isoformat()))
    assert response.status_code == 422
    assert response.json()["errors"][0]["path"] == "$.observed_at"
    near = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=2)
    assert api.post("/tickets", ticket_body(observed_at=near.isoformat())).status_code == 201


def test_observed_at_without_offset_is_422(api: Api) -> None:
    """A local time without an offset is ambiguous and refused."""
    response = api.post("/tickets", ticket_body(observed_at="2026-03-01T09:30:00"))
    assert response.status_code == 422
    assert response.json()["errors"][0]["path"] == "$.observed_at"


def test_household_ref_that_looks_like_a_phone_number_is_422(api: Api) -> None:
    """Nine or more digits in a row look like a phone or ID number and are not stored."""
    response = api.post("/tickets", ticket_body(household_ref="hh-0912345678"))
    assert response.status_code == 422
    assert response.json()["errors"][0]["path"] == "$.household_ref"


def test_household_ref_needs_consent(api: Api) -> None:
    """Without consent the difficulty is relayed, but without a household reference."""
    response = api.post("/tickets", ticket_body(consent=False))
    assert response.status_code == 422
    assert response.json()["errors"][0]["path"] == "$.household_ref"
    assert api.post("/tickets", ticket_body(consent=False, household_ref=None)).status_code == 201


def test_every_problem_is_listed_at_once(api: Api) -> None:
    """Rules checked after decoding report every broken field together."""
    future = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    response = api.post(
        "/tickets", ticket_body(village="C2-01", observed_at=future.isoformat(), description=" ")
    )
    assert {e["path"] for e in response.json()["errors"]} == {"$.village", "$.observed_at", "$.description"}


def test_oversized_body_is_413(api: Api) -> None:
    """A body over the limit is refused with 413 before it is decoded."""
    response = api.post("/tickets", content=b'{"description": "' + b"x" * 40_000 + b'"}')
    assert response.status_code == 413
    assert response.json()["code"] == "too-large"


def test_only_teams_create(api: Api) -> None:
    """An official's token cannot report a ticket: 403."""
    response = api.post("/tickets", ticket_body(), who="official_c1")
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
