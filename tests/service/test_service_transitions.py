"""POST /api/v1/tickets/{id}/transitions: the library's lifecycle under optimistic concurrency."""

from __future__ import annotations

import uuid

from service_api import Api


def test_lifecycle_through_resolution(api: Api) -> None:
    """acknowledge, start, resolve: each bumps the version and the ETag, and resolve records how."""
    ticket = api.create()
    for version, action in enumerate(("acknowledge", "start"), start=1):
        response = api.transition(ticket["id"], action, version=version)
        assert response.status_code == 200 and response.headers["etag"] == f'"{version + 1}"'
    response = api.transition(
        ticket["id"], "resolve", version=3, resolution="escalated", external_ref="VNPT-2026-0172"
    )
    body = response.json()
    assert body["status"] == "resolved" and body["resolution"] == "escalated" and body["version"] == 4
    assert body["external_ref"] == "VNPT-2026-0172" and body["resolved_at"] is not None


def test_reopen_clears_the_resolution(api: Api) -> None:
    """A reopened ticket is open again, without resolution or resolution time."""
    ticket = api.create()
    api.transition(ticket["id"], "resolve", resolution="on_the_spot")
    body = api.transition(ticket["id"], "reopen").json()
    assert body["status"] == "open" and body["resolution"] is None and body["resolved_at"] is None


def test_missing_if_match_is_428(api: Api) -> None:
    """Without If-Match the answer is 428 and nothing changes."""
    ticket = api.create()
    response = api.post(f"/tickets/{ticket['id']}/transitions", {"action": "acknowledge"}, who="official_c1")
    assert response.status_code == 428 and response.json()["code"] == "precondition-required"
    assert api.get(f"/tickets/{ticket['id']}").json()["status"] == "open"


def test_stale_if_match_is_412_with_the_current_version(api: Api) -> None:
    """Two officials read version 1; the second to act gets 412 with the version now."""
    ticket = api.create()
    assert api.transition(ticket["id"], "acknowledge", version=1).status_code == 200
    response = api.transition(ticket["id"], "reject", who="province", version=1, reason="trùng")
    assert response.status_code == 412
    assert response.json()["current_version"] == 2 and response.headers["etag"] == '"2"'
    assert api.get(f"/tickets/{ticket['id']}").json()["status"] == "acknowledged"


def test_weak_or_garbled_if_match_is_412(api: Api) -> None:
    """If-Match compares strongly: a weak tag or a tag naming no version never matches."""
    ticket = api.create()
    for header in ('W/"1"', '"abc"'):
        response = api.post(
            f"/tickets/{ticket['id']}/transitions",
            {"action": "acknowledge"},
            who="official_c1",
            headers={"If-Match": header},
        )
        assert response.status_code == 412, header


def test_forbidden_transition_is_409(api: Api) -> None:
    """Reopening an open ticket, or resolving a resolved one, is 409 naming what is allowed."""
    ticket = api.create()
    response = api.transition(ticket["id"], "reopen")
    assert response.status_code == 409 and response.json()["code"] == "lifecycle"
    api.transition(ticket["id"], "resolve", resolution="follow_up")
    response = api.transition(ticket["id"], "resolve", resolution="follow_up")
    assert response.status_code == 409 and "reopen" in response.json()["detail"]


def test_missing_resolution_or_reason_is_422(api: Api) -> None:
    """resolve needs a resolution and reject a reason or duplicate_of: 422 on the field."""
    ticket = api.create()
    response = api.transition(ticket["id"], "resolve")
    assert response.status_code == 422 and response.json()["errors"][0]["path"] == "$.resolution"
    response = api.transition(ticket["id"], "reject")
    assert response.status_code == 422 and response.json()["errors"][0]["path"] == "$.reason"
    response = api.transition(ticket["id"], "acknowledge", resolution="on_the_spot")
    assert response.status_code == 422


def test_reject_as_duplicate(api: Api) -> None:
    """A duplicate links to an existing ticket in scope; an unknown one or itself is 422."""
    original = api.create()
    copy = api.create()
    assert api.transition(copy["id"], "reject", duplicate_of=str(uuid.uuid4())).status_code == 422
    assert api.transition(copy["id"], "reject", duplicate_of=copy["id"]).status_code == 422
    body = api.transition(copy["id"], "reject", duplicate_of=original["id"]).json()
    assert body["status"] == "rejected" and body["duplicate_of"] == original["id"]
    assert body["rejection_reason"] == f"duplicate of {original['id']}"


def test_unknown_action_and_fields_are_422(api: Api) -> None:
    """An action outside the lifecycle, or an unknown field, is 422 naming it."""
    ticket = api.create()
    response = api.post(
        f"/tickets/{ticket['id']}/transitions",
        {"action": "escalate"},
        who="official_c1",
        headers={"If-Match": '"1"'},
    )
    assert response.status_code == 422 and response.json()["errors"][0]["path"] == "$.action"
    response = api.post(
        f"/tickets/{ticket['id']}/transitions",
        {"action": "start", "assignee": "x"},
        who="official_c1",
        headers={"If-Match": '"1"'},
    )
    assert response.status_code == 422 and response.json()["errors"][0]["path"] == "$.assignee"


def test_only_officials_in_scope_transition(api: Api) -> None:
    """A team gets 403; an official of another commune gets 404; the province official may act."""
    ticket = api.create()
    assert api.transition(ticket["id"], "acknowledge", who="team", version=1).status_code == 403
    assert api.transition(ticket["id"], "acknowledge", who="official_c2", version=1).status_code == 404
    assert api.transition(ticket["id"], "acknowledge", who="province", version=1).status_code == 200


def test_transition_on_a_missing_ticket_is_404(api: Api) -> None:
    """A ticket that does not exist is 404."""
    assert api.transition(str(uuid.uuid4()), "acknowledge", version=1).status_code == 404
