"""POST /api/v1/tickets/{id}/occurrences: "me too" adds people to a ticket, idempotent by its own id."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from service_api import Api


def _occurrence(**overrides: Any) -> dict[str, Any]:
    body = {
        "id": str(uuid.uuid4()),
        "household_ref": "hh-43",
        "people_affected": 2,
        "observed_at": dt.datetime.now(dt.UTC).isoformat(),
    }
    body.update(overrides)
    return body


def test_occurrence_adds_people_and_a_version(api: Api) -> None:
    """A "me too" adds its people to the ticket's people_affected and bumps its version."""
    ticket = api.create()
    response = api.post(f"/tickets/{ticket['id']}/occurrences", _occurrence())
    assert response.status_code == 201
    body = response.json()
    assert body["people_affected"] == 2 and body["ticket"]["people_affected"] == 4
    assert body["ticket"]["people_reported"] == 2 and body["ticket"]["version"] == 2
    assert response.headers["etag"] == '"2"'


def test_occurrence_replay_and_conflict(api: Api) -> None:
    """The same occurrence again is 200 and adds nothing; its id with other content is 409."""
    ticket = api.create()
    occurrence = _occurrence()
    api.post(f"/tickets/{ticket['id']}/occurrences", occurrence)
    again = api.post(f"/tickets/{ticket['id']}/occurrences", occurrence)
    assert again.status_code == 200 and again.json()["ticket"]["people_affected"] == 4
    conflict = api.post(f"/tickets/{ticket['id']}/occurrences", {**occurrence, "people_affected": 5})
    assert conflict.status_code == 409
    other = api.create()
    assert api.post(f"/tickets/{other['id']}/occurrences", occurrence).status_code == 409


def test_occurrence_on_a_closed_ticket_still_counts(api: Api) -> None:
    """A "me too" on a resolved ticket adds people (demand is demand) without reopening it."""
    ticket = api.create()
    api.transition(ticket["id"], "resolve", resolution="on_the_spot")
    body = api.post(f"/tickets/{ticket['id']}/occurrences", _occurrence()).json()
    assert body["ticket"]["status"] == "resolved" and body["ticket"]["people_affected"] == 4


def test_occurrence_scope_and_role(api: Api) -> None:
    """Another team's ticket is 404, an official's token 403, a missing ticket 404."""
    ticket = api.create()
    assert api.post(f"/tickets/{ticket['id']}/occurrences", _occurrence(), who="team_b").status_code == 404
    assert (
        api.post(f"/tickets/{ticket['id']}/occurrences", _occurrence(), who="official_c1").status_code == 403
    )
    assert api.post(f"/tickets/{uuid.uuid4()}/occurrences", _occurrence()).status_code == 404


def test_occurrence_validation(api: Api) -> None:
    """Zero people, a future moment, an ID-like household reference, an unknown field: 422 each."""
    ticket = api.create()
    future = (dt.datetime.now(dt.UTC) + dt.timedelta(days=2)).isoformat()
    cases = {
        "$.people_affected": _occurrence(people_affected=0),
        "$.observed_at": _occurrence(observed_at=future),
        "$.household_ref": _occurrence(household_ref="079123456789"),
        "$.phone": _occurrence(phone="0912"),
    }
    for path, body in cases.items():
        response = api.post(f"/tickets/{ticket['id']}/occurrences", body)
        assert response.status_code == 422, path
        assert response.json()["errors"][0]["path"] == path
