"""``/metrics``: after a known sequence of requests every counter moved by exactly that much; the
endpoint is for admins only; with several workers a scrape counts all of them.
"""

from __future__ import annotations

import concurrent.futures
import time
import uuid
from collections import Counter
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families
from served import cli, free_port, serving, units_file
from service_api import Api, ticket_body

Sample = tuple[str, frozenset[tuple[str, str]]]


def parse(text: str) -> Counter[Sample]:
    """Every sample of a scrape by name and labels (the ``app_name`` label dropped)."""
    found: Counter[Sample] = Counter()
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = frozenset((k, v) for k, v in sample.labels.items() if k != "app_name")
            found[(sample.name, labels)] += sample.value
    return found


def scrape(api: Api) -> Counter[Sample]:
    response = api.client.get("/metrics", headers=api.headers("admin"))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return parse(response.text)


def delta(before: Counter[Sample], after: Counter[Sample], name: str, **labels: str) -> float:
    key = (name, frozenset(labels.items()))
    return after[key] - before[key]


def test_counters_equal_a_known_sequence(api: Api) -> None:
    """Tickets created, replayed and in conflict, a batch, transitions by action and outcome, requests
    by route template and status, token checks by outcome, and the writes committed."""
    first = ticket_body()
    second, third = ticket_body(), ticket_body()
    before = scrape(api)

    assert api.post("/tickets", first).status_code == 201
    assert api.post("/tickets", second).status_code == 201
    assert api.post("/tickets", third).status_code == 201
    assert api.post("/tickets", first).status_code == 200  # a retry: replayed
    assert api.post("/tickets", {**first, "people_affected": 9}).status_code == 409
    batch = {"tickets": [ticket_body(), ticket_body(), second]}
    assert api.post("/tickets/batch", batch).status_code == 200
    assert api.transition(first["id"], "acknowledge", version=1).status_code == 200
    assert api.transition(second["id"], "acknowledge", version=1).status_code == 200
    assert api.transition(first["id"], "start", version=1).status_code == 412  # read before a change
    assert api.transition(third["id"], "reopen", version=1).status_code == 409  # not from "new"
    assert api.get(f"/tickets/{first['id']}", who="team").status_code == 200
    assert api.get(f"/tickets/{uuid.uuid4()}", who="team").status_code == 404
    assert api.get("/tickets", who=None).status_code == 401
    assert api.get("/tickets", who="fs_not-a-real-token").status_code == 401
    assert api.get("/tickets", who="Basic abc", headers={"Authorization": "Basic abc"}).status_code == 401

    after = scrape(api)
    d = lambda name, **labels: delta(before, after, name, **labels)  # noqa: E731

    assert d("feedback_tickets_total", via="single", outcome="created") == 3
    assert d("feedback_tickets_total", via="single", outcome="replayed") == 1
    assert d("feedback_tickets_total", via="single", outcome="conflict") == 1
    assert d("feedback_tickets_total", via="batch", outcome="created") == 2
    assert d("feedback_tickets_total", via="batch", outcome="replayed") == 1
    assert d("feedback_sync_batches_total") == 1
    assert d("feedback_sync_batch_tickets_sum") == 3
    assert d("feedback_transitions_total", action="acknowledge", outcome="applied") == 2
    assert d("feedback_transitions_total", action="start", outcome="changed") == 1
    assert d("feedback_transitions_total", action="reopen", outcome="not_allowed") == 1

    tickets, one = "/api/v1/tickets", "/api/v1/tickets/{ticket_id}"
    requests = "feedback_requests_total"
    assert d(requests, method="POST", path=tickets, status_code="201") == 3
    assert d(requests, method="POST", path=tickets, status_code="200") == 1
    assert d(requests, method="POST", path=tickets, status_code="409") == 1
    assert d(requests, method="POST", path="/api/v1/tickets/batch", status_code="200") == 1
    assert d(requests, method="GET", path=one, status_code="200") == 1
    assert d(requests, method="GET", path=one, status_code="404") == 1
    assert d(requests, method="GET", path=tickets, status_code="401") == 3
    assert d("feedback_request_duration_seconds_count", method="POST", path=tickets, status_code="201") == 3
    assert not any(f"/api/v1/tickets/{first['id']}" in dict(labels).get("path", "") for _, labels in after)

    # 12 authenticated requests in the sequence, and the second scrape.
    assert d("feedback_token_checks_total", outcome="valid") == 13
    assert d("feedback_token_checks_total", outcome="missing") == 1
    assert d("feedback_token_checks_total", outcome="unknown") == 1
    assert d("feedback_token_checks_total", outcome="malformed") == 1

    store = api.ctx.db.dialect
    # Each create, the batch and each transition that reached the store is one write; requests came
    # one at a time, so each was a group of its own.
    writes = d("feedback_write_group_size_sum", store=store)
    assert (
        writes
        == d("feedback_write_group_size_count", store=store)
        == d("feedback_write_commit_seconds_count", store=store)
    )
    assert writes >= 5 + 1 + 2
    # At rest no reader is checked out; SQLite's writer thread keeps its one connection
    # (other stores open in this process may hold theirs).
    in_use = "feedback_db_connections_in_use"
    if store == "sqlite":
        assert after[(in_use, frozenset({("store", store), ("purpose", "read")}))] == 0
        assert after[(in_use, frozenset({("store", store), ("purpose", "write")}))] >= 1
    else:
        assert (in_use, frozenset({("store", store), ("purpose", "read_write")})) in after
        assert after[(in_use, frozenset({("store", store), ("purpose", "read_write")}))] == 0


def test_metrics_need_an_admin_token(api: Api) -> None:
    """Without a token 401, with a team's or an official's 403: the metrics are the operators'."""
    assert api.client.get("/metrics").status_code == 401
    assert api.client.get("/metrics", headers=api.headers("team")).status_code == 403
    assert api.client.get("/metrics", headers=api.headers("province")).status_code == 403


def test_several_workers_are_counted_together(tmp_path: Path) -> None:
    """Under `serve --workers 2` tickets go to whichever worker takes the connection; every scrape,
    on the API (admin token) and on the internal address (no token), counts all of them."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'metrics.db'}"
    units = units_file(tmp_path)
    made = cli(
        "tokens",
        "create",
        "--role",
        "team",
        "--team",
        "T1",
        "--commune",
        "C1",
        "--database-url",
        url,
        "--units",
        units,
    )
    admin = cli("tokens", "create", "--role", "admin", "--database-url", url, "--units", units)
    team_token, admin_token = made.stdout.strip(), admin.stdout.strip()
    internal = f"127.0.0.1:{free_port()}"
    count = 24
    with serving(
        url, units, workers=2, env={"FEEDBACK_METRICS_ADDRESS": internal}, log=tmp_path / "serve.log"
    ) as served:

        def report(_: int) -> int:
            with httpx.Client(base_url=served.base, timeout=30) as client:  # a connection of its own
                response = client.post(
                    "/api/v1/tickets", json=ticket_body(), headers={"Authorization": f"Bearer {team_token}"}
                )
                return response.status_code

        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            assert list(pool.map(report, range(count))) == [201] * count
        created = ("feedback_tickets_total", frozenset({("via", "single"), ("outcome", "created")}))
        answered = (
            "feedback_requests_total",
            frozenset({("method", "POST"), ("path", "/api/v1/tickets"), ("status_code", "201")}),
        )

        def scrape_all() -> Counter[Sample]:
            auth = {"Authorization": f"Bearer {admin_token}"}
            return parse(httpx.get(f"{served.base}/metrics", headers=auth).text)

        # The request counter moves once the answer is sent, a moment after the client has it.
        deadline = time.monotonic() + 10
        while scrape_all()[answered] < count and time.monotonic() < deadline:
            time.sleep(0.1)
        for _ in range(4):  # each on a new connection, so any worker may answer
            text = httpx.get(
                f"{served.base}/metrics", headers={"Authorization": f"Bearer {admin_token}"}
            ).text
            assert parse(text)[created] == count
            assert parse(text)[answered] == count
        unprotected = parse(httpx.get(f"http://{internal}/metrics").text)
        assert unprotected[created] == count
