"""Bad input is a clear 4xx problem, never a 500, and nothing that should be refused is stored.

Each case is one an independent probe of the service found (a 500, or a value stored that the
documented rules refuse); every test runs on SQLite and, when configured, on PostgreSQL, where a
NUL character in text is what the store itself cannot hold.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import msgspec
import pytest
from service_api import Api, ticket_body

from feedback_service.api.problems import ProblemError
from feedback_service.api.wire import parse_if_match

DEEP = "[" * 1100 + "]" * 1100


def _problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body


def _intervention(api: Api, **overrides: Any) -> httpx.Response:
    body = {"what": "Ngày hướng dẫn VNeID", "units": ["C1"], "categories": ["no_device"]}
    body.update({"started_on": "2026-03-02", **overrides})
    return api.post("/interventions", body, who="official_c1")


@pytest.mark.parametrize(
    ("path", "content"),
    [
        ("/tickets", DEEP),
        ("/tickets/batch", '{"tickets": [' + DEEP + "]}"),
        ("/tickets/batch", DEEP),
        ("/tokens", DEEP),
    ],
)
def test_deeply_nested_json_is_malformed_not_an_internal_error(api: Api, path: str, content: str) -> None:
    """JSON nested 1,100 deep is a 400 malformed-json, not a RecursionError."""
    response = api.post(path, content=content.encode(), who="admin" if path == "/tokens" else "team")
    assert _problem(response, 400)["code"] == "malformed-json"


@pytest.mark.parametrize(
    "query",
    [
        "observed_to=9999-12-31",
        "observed_from=9999-12-31",
        "observed_from=0001-01-01T00:00:00%2B01:00",
        "observed_to=0001-01-01",
        "updated_since=9999-12-31T23:59:59-01:00",
    ],
)
def test_ticket_filters_at_the_calendars_edges_are_refused(api: Api, query: str) -> None:
    """A filter date at 0001 or 9999 is a 400 naming the parameter, not an overflow in the store."""
    name = query.split("=")[0]
    problem = _problem(api.get("/tickets?" + query), 400)
    assert problem["errors"] == [{"path": name, "message": problem["errors"][0]["message"], "in": "query"}]
    assert "2000-01-01..2099-12-31" in problem["detail"]


def test_a_cursor_holding_a_date_at_the_calendars_edge_is_refused(api: Api) -> None:
    """A forged cursor whose moment has no UTC equivalent is a 400 on ``cursor``."""
    for moment in ("9999-12-31T23:59:59-10:00", "0001-01-01T00:00:00+01:00"):
        raw = msgspec.json.encode(["received", moment, "x"])
        cursor = base64.urlsafe_b64encode(raw).decode().rstrip("=")
        problem = _problem(api.get(f"/tickets?cursor={cursor}"), 400)
        assert problem["errors"][0]["path"] == "cursor"


@pytest.mark.parametrize("endpoint", ["unresolved", "resolution-times", "summary"])
@pytest.mark.parametrize("query", ["to=9999-12-31", "from=0001-01-01", "from=0001-01-01&to=0001-01-02"])
def test_trend_windows_at_the_calendars_edges_are_refused(api: Api, endpoint: str, query: str) -> None:
    """``/trends/*?to=9999-12-31`` (and the like) is a 400 naming from or to."""
    problem = _problem(api.get(f"/trends/{endpoint}?{query}"), 400)
    assert problem["errors"][0]["path"] in ("from", "to")


@pytest.mark.parametrize(
    ("endpoint", "query"),
    [
        ("ageing", "at=9999-12-31"),
        ("ageing", "at=9999-12-31T23:00:00-10:00"),
        ("ageing", "at=0001-01-01T00:00:00%2B01:00"),
        ("communes", "at=9999-12-31"),
    ],
)
def test_ageing_and_ranking_at_the_calendars_edges_are_refused(api: Api, endpoint: str, query: str) -> None:
    """``ageing?at=9999-12-31`` and ``communes?at=9999-12-31`` are 400s on ``at``."""
    assert _problem(api.get(f"/trends/{endpoint}?{query}"), 400)["errors"][0]["path"] == "at"


def test_the_dashboard_ignores_a_window_at_the_calendars_edge(api: Api) -> None:
    """The dashboard's ``to=9999-12-31`` falls back to its default window and says so."""
    response = api.client.get("/dashboard/?to=9999-12-31", headers=api.headers("province"))
    assert response.status_code < 500


@pytest.mark.parametrize("day", ["9999-12-25", "0001-01-01"])
def test_an_intervention_outside_the_calendar_is_refused(api: Api, day: str) -> None:
    """An intervention starting (or ending) 9999-12-25 is a 422, so its /effect can never fail."""
    assert _problem(_intervention(api, started_on=day), 422)["errors"][0]["path"] == "$.started_on"
    assert _problem(_intervention(api, ended_on=day), 422)["errors"][0]["path"] == "$.ended_on"


def test_an_intervention_at_the_calendars_last_day_has_an_effect(api: Api) -> None:
    """An intervention on the calendar's last accepted day answers its effect."""
    created = _intervention(api, started_on="2099-12-31")
    assert created.status_code == 201, created.text
    effect = api.get(f"/interventions/{created.json()['id']}/effect?weeks=52", who="official_c1")
    assert effect.status_code == 200, effect.text


@pytest.mark.parametrize("weeks", ["²", "٣", "３", "-1", "0", "53", "1e1", " 3", "9" * 5000])
def test_effect_weeks_must_be_ascii_digits_in_range(api: Api, weeks: str) -> None:
    """``weeks=²`` (which isdigit calls a digit) and ``weeks=٣`` (which int reads as 3) are 400s."""
    created = _intervention(api)
    path = f"/interventions/{created.json()['id']}/effect"
    problem = _problem(api.get(path, who="official_c1", params={"weeks": weeks}), 400)
    assert problem["errors"][0]["path"] == "weeks"
    assert api.get(path, who="official_c1", params={"weeks": "3"}).status_code == 200


@pytest.mark.parametrize("tag", ['"²"', '"٣"', '"' + "9" * 5000 + '"', '"' + "1" * 19 + '"'])
def test_if_match_that_names_no_possible_version_is_stale(api: Api, tag: str) -> None:
    """``If-Match: "²"`` or a 5,000-digit version is a 412 (no such version), not a 500."""
    ticket = api.create()
    response = api.post(
        f"/tickets/{ticket['id']}/transitions",
        {"action": "acknowledge"},
        who="official_c1",
        # Latin-1 is how the server reads header bytes, so "\xb2" arrives as "²" itself.
        headers={"If-Match": tag.encode("latin-1") if tag.isascii() or "²" in tag else tag.encode()},
    )
    assert _problem(response, 412)["code"] == "precondition-failed"
    assert api.get(f"/tickets/{ticket['id']}").json()["version"] == 1


NUL_TICKETS = [
    {"description": "Chưa có\x00 điện thoại"},
    {"village": "C1-01\x00"},
    {"household_ref": "hh\x00"},
]


@pytest.mark.parametrize("override", NUL_TICKETS)
def test_a_nul_character_in_a_ticket_is_refused(api: Api, override: dict[str, str]) -> None:
    """A NUL in any text field is a 422 naming the field (PostgreSQL cannot store one)."""
    (field,) = override
    problem = _problem(api.post("/tickets", ticket_body(**override)), 422)
    assert problem["errors"][0]["path"] == f"$.{field}"


def test_an_escaped_backslash_before_u0000_is_text_not_a_nul(api: Api) -> None:
    """``\\\\u0000`` in the JSON is a backslash and ``u0000``: stored as written, not refused."""
    body = ticket_body(description="C:\\u0000 chưa có điện thoại")
    raw = json.dumps(body, ensure_ascii=False).encode()
    assert b"\\\\u0000" in raw
    headers = {**api.headers("team"), "Content-Type": "application/json"}
    response = api.client.post("/api/v1/tickets", content=raw, headers=headers)
    assert response.status_code == 201, response.text
    assert response.json()["description"] == "C:\\u0000 chưa có điện thoại"


class _Note(msgspec.Struct):
    lines: list[str]
    tags: dict[str, str] = {}


class _Notes(msgspec.Struct):
    notes: list[_Note]


@pytest.mark.parametrize(
    ("raw", "path"),
    [
        (rb'{"notes": [{"lines": ["a"]}, {"lines": ["b", "c\\\u0000"]}]}', "$.notes[1].lines[1]"),
        (rb'{"notes": [{"lines": ["\\u0000"], "tags": {"k": "\u0000"}}]}', "$.notes[0].tags.k"),
    ],
)
def test_a_nul_character_anywhere_in_a_body_is_refused_by_its_path(raw: bytes, path: str) -> None:
    """The escape seen in the raw bytes, the decoded strings name the field (an escaped backslash
    before ``u0000`` is no NUL)."""
    from feedback_service.api.body import decode_strict

    with pytest.raises(msgspec.ValidationError) as refused:
        decode_strict(raw, _Notes)
    assert str(refused.value) == f"a NUL character is not allowed in text - at `{path}`"
    assert decode_strict(rb'{"notes": [{"lines": ["\\u0000"]}]}', _Notes).notes[0].lines == ["\\u0000"]


def test_a_nul_character_in_one_batch_item_never_blocks_the_others(api: Api) -> None:
    """One item holding a NUL is rejected; the items around it are created."""
    items = [ticket_body(), ticket_body(description="x\x00y"), ticket_body()]
    response = api.post("/tickets/batch", {"tickets": items})
    assert response.status_code == 200, response.text
    outcomes = [r["outcome"] for r in response.json()["results"]]
    assert outcomes == ["created", "rejected", "created"]
    assert response.json()["results"][1]["problem"]["errors"][0]["path"] == "$.tickets[1].description"
    for item in (items[0], items[2]):
        assert api.get(f"/tickets/{item['id']}").status_code == 200


def test_a_nul_character_in_transitions_occurrences_interventions_and_tokens_is_refused(api: Api) -> None:
    """Every body with text refuses a NUL with a 422 on that field."""
    ticket = api.create()
    base = f"/tickets/{ticket['id']}"
    transition = api.post(
        base + "/transitions",
        {"action": "reject", "reason": "trùng\x00"},
        who="official_c1",
        headers={"If-Match": '"1"'},
    )
    assert _problem(transition, 422)["errors"][0]["path"] == "$.reason"
    occurrence = {"id": ticket_body()["id"], "observed_at": ticket["observed_at"], "household_ref": "h\x00"}
    assert (
        _problem(api.post(base + "/occurrences", occurrence), 422)["errors"][0]["path"] == "$.household_ref"
    )
    assert _problem(_intervention(api, what="x\x00"), 422)["errors"][0]["path"] == "$.what"
    token = api.post("/tokens", {"role": "admin", "label": "a\x00"}, who="admin")
    assert _problem(token, 422)["errors"][0]["path"] == "$.label"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/tickets/%00",
        "/api/v1/tickets/%00/history",
        "/api/v1/tickets?commune=%00",
        "/api/v1/tickets?village=C1%00",
        "/api/v1/trends/unresolved?team=%00",
        "/api/v1/interventions/%00",
        "/api/v1/reference/units?parent=%00",
        "/dashboard/static/%00",
        "/dashboard/?category=%00",
    ],
)
def test_a_nul_character_in_a_path_or_a_filter_is_a_bad_request(api: Api, path: str) -> None:
    """A NUL in the path or a query parameter is a 400 problem, on every route, static files too."""
    _problem(api.client.get(path, headers=api.headers("province")), 400)


@pytest.mark.parametrize(
    ("ref", "stored"),
    [
        ("hh-1\n", False),
        ("hh-1\r\n", False),
        ("0912.345.678", False),
        ("0912-345-678", False),
        ("079/123/456/789", False),
        ("091234567", False),
        ("hh-0912 345678", False),
        ("hh-42", True),
        ("hh-2026-11-20", True),
    ],
)
def test_household_references_are_checked_whole(api: Api, ref: str, stored: bool) -> None:
    """A final newline no longer slips past the pattern, and separators no longer hide a phone number."""
    response = api.post("/tickets", ticket_body(household_ref=ref))
    if stored:
        assert response.status_code == 201, response.text
    else:
        assert _problem(response, 422)["errors"][0]["path"] == "$.household_ref"


@pytest.mark.parametrize("text", ["\u200b", "\u200b\u200c\u200d\ufeff", " \u2060 ", "\u3164", "\x01\x02"])
def test_a_description_of_invisible_characters_is_blank(api: Api, text: str) -> None:
    """Zero-width spaces, joiners and the like are as blank as spaces."""
    problem = _problem(api.post("/tickets", ticket_body(description=text)), 422)
    assert problem["errors"][0] == {"path": "$.description", "message": "is blank"}


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data", None]
)
def test_json_under_another_content_type_is_unsupported(api: Api, content_type: str | None) -> None:
    """A JSON body sent as text, a form or without a Content-Type is a 415, and nothing is stored."""
    body = ticket_body()
    headers = api.headers("team", {} if content_type is None else {"Content-Type": content_type})
    response = api.client.post("/api/v1/tickets", content=json.dumps(body).encode(), headers=headers)
    assert _problem(response, 415)["code"] == "unsupported-media-type"
    assert api.get(f"/tickets/{body['id']}").status_code == 404


def test_json_with_a_charset_or_a_json_suffix_is_accepted(api: Api) -> None:
    """``application/json; charset=utf-8`` is JSON."""
    response = api.post(
        "/tickets",
        content=json.dumps(ticket_body()).encode(),
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    assert response.status_code == 201, response.text


@pytest.mark.parametrize("header", ['"²"', '"٣"', '"' + "9" * 5000 + '"', '"1"²'])
def test_if_match_parsing_refuses_digits_int_cannot_read(header: str) -> None:
    """The test client re-encodes header bytes, so the parser itself is fed ``"²"`` here."""
    with pytest.raises(ProblemError) as caught:
        parse_if_match(header)
    assert caught.value.status == 412
