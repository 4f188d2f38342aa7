"""The service's logs: one JSON line per request with its id, route template, status, duration and
token id; failed authentications and refused writes with their reason; and, searched for them, no
token, cookie, body, description or household reference anywhere in what was logged.
"""

from __future__ import annotations

import io
import json
import logging
import re
import secrets
import string
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from service_api import Api, ticket_body

from feedback_service.dashboard.session import CSRF_FIELD, SESSION_COOKIE
from feedback_service.logs import configure_logging


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def requests(stream: io.StringIO) -> list[dict[str, Any]]:
    return [line for line in lines(stream) if line["logger"] == "feedback_service.access"]


def test_one_line_per_request_with_its_id(api: Api, logged: io.StringIO) -> None:
    """A given X-Request-ID is kept and returned; a missing or unsafe one is replaced by a new id;
    each request's line has the id, the route template (not the path), status, duration, token id."""
    ticket = ticket_body()
    created = api.post("/tickets", ticket, headers={"X-Request-ID": "phone-7.sync:42"})
    assert created.status_code == 201 and created.headers["x-request-id"] == "phone-7.sync:42"
    read = api.get(f"/tickets/{ticket['id']}", who="team")
    minted = read.headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", minted)
    unsafe = api.get("/tickets", who="team", headers={"X-Request-ID": "x" * 65})
    assert unsafe.headers["x-request-id"] != "x" * 65
    missing = api.client.get("/no/such/page")
    assert missing.status_code == 404

    first, second, third, fourth = requests(logged)
    assert first["request_id"] == "phone-7.sync:42"
    assert (first["method"], first["route"], first["status"]) == ("POST", "/api/v1/tickets", 201)
    assert first["token_id"] == api.token_ids["team"] and first["level"] == "info"
    assert isinstance(first["duration_ms"], float)
    assert (second["request_id"], second["route"], second["status"]) == (
        minted,
        "/api/v1/tickets/{ticket_id}",
        200,
    )
    assert ticket["id"] not in json.dumps(second)
    assert third["request_id"] == unsafe.headers["x-request-id"]
    assert (fourth["route"], fourth["status"], fourth["token_id"]) == (None, 404, None)


def test_refusals_are_logged_with_their_reason(api: Api, logged: io.StringIO) -> None:
    """401s say missing, malformed, unknown or revoked; a refused write is a warning with its problem
    code and the caller's token id; a batch with rejected items counts them; the dashboard's refused
    sign-in says why."""
    issued = api.post("/tokens", {"role": "team", "team": "T9", "commune": "C1"}, who="admin").json()
    assert (
        api.client.delete(f"/api/v1/tokens/{issued['id']}", headers=api.headers("admin")).status_code == 204
    )
    api.get("/tickets", who=None)
    api.get("/tickets", who=None, headers={"Authorization": "Token abc"})
    api.get("/tickets", who="fs_" + "A" * 43)
    api.get("/tickets", who=issued["token"])
    ticket = api.create()
    stale = api.transition(ticket["id"], "acknowledge", version=7)
    assert stale.status_code == 412
    batch = api.post("/tickets/batch", {"tickets": [ticket_body(), {"id": "not-a-uuid"}]})
    assert batch.status_code == 200
    form = api.client.get("/dashboard/sign-in")
    csrf = re.search(rf'name="{CSRF_FIELD}" value="([^"]+)"', form.text)
    assert csrf is not None
    refused = api.client.post(
        "/dashboard/sign-in", data={CSRF_FIELD: csrf[1], "token": api.tokens["team"], "lang": "vi"}
    )
    assert refused.status_code == 403

    by_status = [(line["status"], line.get("reason")) for line in requests(logged) if line["status"] == 401]
    assert by_status == [(401, "missing"), (401, "malformed"), (401, "unknown"), (401, "revoked")]
    assert all(line["level"] == "warning" for line in requests(logged) if line["status"] == 401)
    (write,) = [line for line in requests(logged) if line["status"] == 412]
    assert (write["level"], write["problem"], write["token_id"]) == (
        "warning",
        "precondition-failed",
        api.token_ids["official_c1"],
    )
    (synced,) = [line for line in requests(logged) if line["route"] == "/api/v1/tickets/batch"]
    assert (synced["rejected"], synced["level"]) == (1, "warning")
    (sign_in,) = [line for line in requests(logged) if line["method"] == "POST" and line["status"] == 403]
    assert sign_in["reason"] == "not_official"


def _letters() -> str:
    """A household reference no other test writes, in letters only: hex digits could make nine
    digits in a row, which reads as a phone number and is refused (a 422 the test did not expect)."""
    return "".join(secrets.choice(string.ascii_lowercase) for _ in range(10))


def test_no_secret_or_citizen_text_is_logged(api: Api, logged: io.StringIO) -> None:
    """Tokens (in headers, forms and an issued token's answer), cookies, bodies, descriptions and
    household references appear nowhere in the logs, whatever the request did."""
    description = f"Bà cụ không nhớ mật khẩu VNeID {uuid.uuid4().hex[:8]}"
    household = f"hh-{_letters()}"
    ticket = ticket_body(description=description, household_ref=household)
    api.post("/tickets", ticket)
    api.post("/tickets", {**ticket, "people_affected": 5})  # a conflict: the body differs
    api.post("/tickets/batch", {"tickets": [ticket_body(description=description, household_ref=household)]})
    api.post("/tickets", {**ticket_body(), "description": description, "consent": "maybe"})  # invalid
    issued = api.post("/tokens", {"role": "official", "scope": "C1"}, who="admin").json()
    cookie = f"session-{uuid.uuid4().hex}"
    api.client.get(
        "/dashboard/overview", headers={"Cookie": f"{SESSION_COOKIE}={cookie}"}, follow_redirects=False
    )
    api.get("/tickets", who=f"fs_{uuid.uuid4().hex}")
    text = logged.getvalue()
    assert len(requests(logged)) == 7
    secrets = [*api.tokens.values(), issued["token"], cookie, description, household, '"consent"']
    assert [s for s in secrets if s in text] == []
    assert [s for s in (description.split()[-1], household[3:]) if s in text] == []


@pytest.fixture
def logged_as_text() -> Iterator[io.StringIO]:
    """What the service logs while the test runs, as ``FEEDBACK_LOG_FORMAT=text`` writes it."""
    stream = io.StringIO()
    logger = logging.getLogger("feedback_service")
    level, propagate = logger.level, logger.propagate
    handler = configure_logging("info", stream, log_format="text")
    yield stream
    logger.removeHandler(handler)
    logger.setLevel(level)
    logger.propagate = propagate


def test_text_lines_for_a_person_hold_no_more_than_the_json(api: Api, logged_as_text: io.StringIO) -> None:
    """``FEEDBACK_LOG_FORMAT=text`` (the demo's): a line per request with local time, level, method,
    route template, status, duration and the other fields as key=value; no token, household
    reference, description or ticket id in it, as in the JSON lines."""
    description = f"Ông Tư quên mật khẩu VNeID {uuid.uuid4().hex[:8]}"
    household = f"hh-{_letters()}"
    ticket = ticket_body(description=description, household_ref=household)
    api.post("/tickets", ticket)
    api.get(f"/tickets/{ticket['id']}", who="team")
    api.post("/tickets", {**ticket, "people_affected": 5})  # a conflict: a refused write
    api.get("/tickets", who=f"fs_{uuid.uuid4().hex}")  # an unknown token
    clock = r"\d\d:\d\d:\d\d"
    *_, security, _ = logged_as_text.getvalue().splitlines()
    assert re.match(rf"{clock} warning feedback_service.security: authentication failed: ", security)
    lines = [line for line in logged_as_text.getvalue().splitlines() if line != security]
    created, read, conflict, unknown = lines
    team = re.escape(api.token_ids["team"])
    assert re.fullmatch(rf"{clock} info    POST /api/v1/tickets 201 [\d.]+ ms token_id={team}", created)
    assert re.fullmatch(
        rf"{clock} info    GET /api/v1/tickets/\{{ticket_id\}} 200 [\d.]+ ms token_id={team}", read
    )
    assert re.fullmatch(
        rf"{clock} warning POST /api/v1/tickets 409 [\d.]+ ms token_id={team} problem=id-conflict", conflict
    )
    assert re.fullmatch(
        rf"{clock} warning GET /api/v1/tickets 401 [\d.]+ ms problem=unauthorized reason=unknown", unknown
    )
    text = logged_as_text.getvalue()
    secrets = [*api.tokens.values(), description, household, ticket["id"]]
    assert [s for s in secrets if s in text] == []


def test_the_log_format_is_one_of_two() -> None:
    """FEEDBACK_LOG_FORMAT is json (the default) or text; anything else is refused by name."""
    from feedback_service.settings import Settings, SettingsError

    assert Settings.from_env({}).log_format == "json"
    assert Settings.from_env({"FEEDBACK_LOG_FORMAT": "text"}).log_format == "text"
    assert Settings.from_env(Settings(log_format="text").to_env()).log_format == "text"
    with pytest.raises(SettingsError, match="FEEDBACK_LOG_FORMAT"):
        Settings.from_env({"FEEDBACK_LOG_FORMAT": "xml"})
