"""The hot routes answer exactly as Litestar's routes do: a differential test.

:mod:`feedback_service.api.hot_routes` answers a ticket's report and read itself when the request is
ordinary, and hands everything else to Litestar. Here the same scripted requests (valid, retried,
conflicting, refused, malformed, unusual) go to an app with the hot routes and, after the store is
emptied again, to one without; every answer must be the same: status, headers, body, and the
request's log line. Moments the store stamps (``received_at``, ``updated_at``) and request ids are
the only things allowed to differ, and both are compared for their shape instead.
"""

from __future__ import annotations

import io
import json
import re
import uuid
from typing import Any

from prometheus_client import REGISTRY
from service_api import Api, small_tree, ticket_body

from feedback_service.api.hot_routes import HotRoutes
from feedback_service.app import create_app
from feedback_service.settings import Settings
from feedback_service.store.tokens import revoke_token

BASE = "/api/v1"
_STAMPED = ("received_at", "updated_at")
_MOMENT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")

Step = tuple[str, str, str | None, bytes | list[bytes] | None, dict[str, str] | list[tuple[str, str]]]
"""method, path under /api/v1, who (a token name, a raw secret, or None), the body, extra headers.

Headers given as a list of pairs (and a body as a list of chunks) are sent exactly so, straight to
the ASGI app: the test client would join repeated headers and always declare the length."""
LITESTARS = 14
"""Steps of the script the hot routes must leave to Litestar (each marked so below)."""


def _script() -> list[Step]:
    """Every kind of request the two routes get, in an order that builds the state it needs."""
    first = ticket_body()
    tid = first["id"]
    raw = json.dumps(first).encode()
    other = json.dumps({**first, "people_affected": 7}).encode()
    json_type = {"Content-Type": "application/json"}

    def body(**changes: Any) -> bytes:
        return json.dumps(ticket_body(id=str(uuid.uuid4()), **changes)).encode()

    plain = body()
    as_json = [("content-type", "application/json"), ("content-length", str(len(plain)))]
    return [
        ("POST", "/tickets", "team", raw, json_type),  # 201
        ("POST", "/tickets", "team", raw, json_type),  # 200, a retry
        ("POST", "/tickets", "team", other, json_type),  # 409, the id with other content
        ("POST", "/tickets", "team_b", raw, json_type),  # another team's retry of it
        ("GET", f"/tickets/{tid}", "team", None, {}),
        ("GET", f"/tickets/{tid}", "team_b", None, {}),  # another team of the commune: 404
        ("GET", f"/tickets/{tid}", "official_c1", None, {}),
        ("GET", f"/tickets/{tid}", "province", None, {}),
        ("GET", f"/tickets/{tid}", "official_c2", None, {}),  # outside the scope: 404
        ("GET", f"/tickets/{tid}", "admin", None, {}),  # 403
        ("GET", f"/tickets/{tid}", None, None, {}),  # 401
        ("GET", f"/tickets/{tid}", "fb_not-a-real-token", None, {}),  # 401, unknown
        ("GET", f"/tickets/{tid}", None, None, {"Authorization": "Basic dXNlcg=="}),  # 401, malformed
        ("GET", "/tickets/no-such-ticket", "team", None, {}),  # 404
        ("GET", "/tickets/ô%20space", "team", None, {}),  # a decoded path segment
        ("GET", f"/tickets/{tid}/", "team", None, {}),  # a trailing slash (Litestar's to answer)
        ("GET", f"/tickets/{tid}?x=1", "team", None, {}),  # a query string (Litestar's)
        ("POST", "/tickets", "official_c1", body(), json_type),  # 403
        ("POST", "/tickets", None, body(), json_type),  # 401
        ("POST", "/tickets", "team", b'{"id": ', json_type),  # 400 malformed JSON
        ("POST", "/tickets", "team", body(people_affected="2"), json_type),  # 422 strict types
        ("POST", "/tickets", "team", body(extra=1), json_type),  # 422 unknown field
        ("POST", "/tickets", "team", body(village="C2-01"), json_type),  # 422 another commune
        ("POST", "/tickets", "team", body(description="a\u0000b"), json_type),  # 422 NUL
        ("POST", "/tickets", "team", body(), {"Content-Type": "text/plain"}),  # 415 (Litestar's)
        ("POST", "/tickets", "team", body(), {"Content-Type": "application/json; charset=utf-8"}),
        ("POST", "/tickets", "team", body(), {"Content-Type": "application/problem+json"}),
        # Longer than the limit (Litestar's 413):
        ("POST", "/tickets", "team", json.dumps(ticket_body(description="x" * 20_000)).encode(), json_type),
        ("POST", "/tickets", "team", b"", json_type),  # no body (Litestar's)
        ("POST", "/tickets/", "team", body(), json_type),  # a trailing slash (Litestar's)
        ("PUT", f"/tickets/{tid}", "team", raw, json_type),  # another method: 405 (Litestar's)
        ("GET", "/tickets/batch", "team", None, {}),  # a sibling route, POST only: 405 (Litestar's)
        ("HEAD", f"/tickets/{tid}", "team", None, {}),  # (Litestar's)
        # Straight to the ASGI app, as a server may pass them:
        ("POST", "/tickets", "team", plain, [("content-type", "text/plain"), *as_json]),  # 415 (the first)
        ("POST", "/tickets", "team", plain, [*as_json, ("content-length", "2")]),  # two lengths (Litestar's)
        (
            "POST",
            "/tickets",
            "team",
            body(),
            [("content-type", "application/json"), ("content-length", "9" * 5000)],
        ),
        (
            "POST",
            "/tickets",
            "team",
            body(),
            [("content-type", "application/json"), ("content-length", "+99")],
        ),
        (
            "POST",
            "/tickets",
            "team",
            [body()[:40], body()[40:]],
            [("content-type", "application/json")],
        ),  # chunked
        # A declared length within the limit, and more body than the limit (the hot route's 413):
        (
            "POST",
            "/tickets",
            "team",
            [b"{" * 9000, b" " * 9000],
            [("content-type", "application/json"), ("content-length", "99")],
        ),
        (
            "POST",
            "/tickets",
            "team",
            [body()],
            [("content-type", "application/json"), ("content-length", "2")],
        ),  # hot: 400
    ]


def _run(
    settings: Settings, hot: bool, script: list[Step], logged: io.StringIO
) -> tuple[list[dict[str, Any]], dict[Any, float]]:
    """Each step's answer and log line, and how much each count moved while the script ran."""
    logged.seek(0)
    logged.truncate()
    answers = []
    app = create_app(settings, tree=small_tree(), hot_routes=hot)
    with Api.running(app) as api:
        api.reset()
        before = _counts()
        for method, path, who, raw, extra in script:
            if isinstance(extra, list):
                auth = [] if who is None else [("authorization", f"Bearer {api.tokens.get(who, who)}")]
                chunks = raw if isinstance(raw, list) else [raw or b""]
                status, headers, content = api.call(_asgi, app, method, BASE + path, auth + extra, chunks)
            else:
                response = api.client.request(
                    method, BASE + path, content=raw, headers=api.headers(who, extra) if who else extra
                )
                status, headers, content = response.status_code, dict(response.headers), response.content
            if "allow" in headers:  # a 405's methods, in the order of a set Litestar builds per app
                headers["allow"] = sorted(headers["allow"].split(", "))
            assert re.fullmatch(r"[0-9a-f]{32}", headers.pop("x-request-id"))
            body: Any = content
            if headers.get("content-type", "").endswith("json") and body:
                body = json.loads(body)
                for name in _STAMPED:
                    if isinstance(body, dict) and name in body:
                        assert _MOMENT.match(body[name]), body[name]
                        body[name] = "<stamped>"
            answers.append({"step": (method, path, who), "status": status, "headers": headers, "body": body})
        after = _counts()
    moved = {k: after.get(k, 0) - before.get(k, 0) for k in set(before) | set(after)}
    lines = [json.loads(line) for line in logged.getvalue().splitlines()]
    requests = [line for line in lines if line["logger"] == "feedback_service.access"]
    assert len(requests) == len(script)
    layer = getattr(app.asgi_handler, "app", None)
    assert isinstance(layer, HotRoutes) == hot
    if isinstance(layer, HotRoutes):  # it answered every ordinary request itself
        assert layer.answered == len(script) - LITESTARS
    for answer, line in zip(answers, requests, strict=True):
        answer["log"] = {k: v for k, v in line.items() if k not in ("request_id", "duration_ms", "ts")}
    return answers, {k: v for k, v in moved.items() if v}


async def _asgi(
    app: Any, method: str, path: str, headers: list[tuple[str, str]], chunks: list[bytes]
) -> tuple[int, dict[str, str], bytes]:
    """One request to the ASGI ``app``, headers and body chunks exactly as given."""
    incoming = [
        {"type": "http.request", "body": chunk, "more_body": i < len(chunks) - 1}
        for i, chunk in enumerate(chunks)
    ]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return incoming.pop(0) if incoming else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
        "headers": [(b"host", b"testserver")] + [(k.encode(), v.encode()) for k, v in headers],
        "client": ("testclient", 50000), "server": ("testserver", 80), "state": {},
    }  # fmt: skip
    await app(scope, receive, send)
    start = sent[0]
    answered = {k.decode(): v.decode() for k, v in start["headers"]}
    return start["status"], answered, b"".join(m.get("body", b"") for m in sent[1:])


def _counts() -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every counter's and histogram's count in this process, and every gauge, by name and labels
    (timings, sizes and the process's own figures left out)."""
    found = {}
    for metric in REGISTRY.collect():
        if metric.name.startswith(("process_", "python_")):
            continue
        for sample in metric.samples:
            if sample.name.endswith(("_sum", "_bucket", "_created")):
                continue
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def test_hot_routes_answer_as_litestar_does(settings: Settings, logged: io.StringIO) -> None:
    script = _script()
    hot, moved_hot = _run(settings, True, script, logged)
    plain, moved_plain = _run(settings, False, script, logged)
    for fast, slow in zip(hot, plain, strict=True):
        assert fast == slow
    # The same counts: requests by route and status, token checks and tickets by outcome, writes...
    assert moved_hot == moved_plain
    assert any(name == "feedback_token_checks_total" for name, _ in moved_hot), moved_hot
    statuses = [a["status"] for a in plain]
    # The script reaches what it means to: every refusal the routes have, and both successes.
    assert {200, 201, 400, 401, 403, 404, 405, 409, 413, 415, 422} <= set(statuses), statuses


def test_a_revoked_token_is_refused_on_its_next_hot_request(api: Api) -> None:
    """The hot read checks the token as the route does: revoked in the store, refused at once."""
    created = api.create()
    assert api.get(f"/tickets/{created['id']}", who="team").status_code == 200
    api.call(_revoke, api, api.token_ids["team"])
    refused = api.get(f"/tickets/{created['id']}", who="team")
    assert refused.status_code == 401
    assert refused.headers["content-type"] == "application/problem+json"
    assert api.post("/tickets", ticket_body(), who="team").status_code == 401


async def _revoke(api: Api, token_id: str) -> None:
    await revoke_token(api.ctx.db, token_id, api.ctx.now())
