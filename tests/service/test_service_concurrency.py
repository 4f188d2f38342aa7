"""Three workers, many clients, the same tickets: nothing lost, nothing twice, no 5xx, and a worker
restarted in the middle of it all changes none of that.

Each client reports every ticket of one shared set (so most reports are retries of another
client's, arriving at another worker), reads it and tries to acknowledge and then start it with the
version it read (so most tries are refused as stale: 412, or as already done: 409). Partway, on
SQLite one worker is stopped with SIGTERM and the supervisor starts another; on PostgreSQL serve
gets SIGHUP and replaces every worker one at a time (a rolling restart). Then the store must hold
each ticket once, with one creation, and a history that is complete (as many events as its
version), ordered (each event starts from the status the previous one left, at non-decreasing
moments) and that contains every change a client was told succeeded, at the version it was told.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import itertools
import os
import random
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from served import serving, units_file
from service_api import POSTGRES_URL, migrated, own_postgres_database, small_tree, ticket_body
from sqlalchemy.ext.asyncio import create_async_engine

from feedback_service.auth import Role, issue_token
from feedback_service.store import open_database

WORKERS = 3
CLIENTS = 6
TICKETS = 16


def _workers(parent: int) -> set[int]:
    """The worker processes of ``serve`` (its children, less multiprocessing's resource tracker)."""
    try:
        children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
    except OSError:
        return set()
    found = set()
    for child in children:
        try:
            command = Path(f"/proc/{child}/cmdline").read_bytes()
        except OSError:
            continue
        if b"resource_tracker" not in command:
            found.add(int(child))
    return found


def _tokens(url: str) -> tuple[str, str]:
    migrated(url)

    async def issue() -> tuple[str, str]:
        db = open_database(url)
        now = dt.datetime.now(dt.UTC)
        try:
            team = await issue_token(db, small_tree(), Role.TEAM, team="T1", commune="C1", now=now)
            official = await issue_token(db, small_tree(), Role.OFFICIAL, scope="C1", now=now)
        finally:
            await db.dispose()
        return team.secret, official.secret

    return asyncio.run(issue())


def _history(url: str) -> dict[str, list[dict[str, Any]]]:
    async def read() -> dict[str, list[dict[str, Any]]]:
        engine = create_async_engine(url)
        try:
            async with engine.connect() as conn:
                tickets = (await conn.execute(sa.text("SELECT id, version FROM tickets"))).all()
                events = (
                    await conn.execute(
                        sa.text(
                            "SELECT id, ticket_id, action, status_before, status_after, at "
                            "FROM ticket_events ORDER BY id"
                        )
                    )
                ).mappings()
                out: dict[str, list[dict[str, Any]]] = {t.id: [] for t in tickets}
                for event in events:
                    out[event["ticket_id"]].append(dict(event))
                versions = {t.id: t.version for t in tickets}
                for ticket_id, entries in out.items():
                    assert len(entries) == versions[ticket_id], f"{ticket_id}: history incomplete"
                return out
        finally:
            await engine.dispose()

    return asyncio.run(read())


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'busy.db'}"
        return
    if not POSTGRES_URL:
        pytest.skip("FEEDBACK_TEST_POSTGRES_URL is not set")
    url = own_postgres_database(POSTGRES_URL, "concurrency")
    yield url
    parsed = sa.make_url(url)

    async def drop() -> None:
        admin = create_async_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
        try:
            async with admin.connect() as conn:
                await conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
        finally:
            await admin.dispose()

    asyncio.run(drop())


def test_many_clients_same_tickets_rolling_restart(store: str, tmp_path: Path) -> None:
    """Six clients, three workers, sixteen shared tickets, one worker or all of them (SIGHUP, one at
    a time) restarted midway: one creation each, complete and ordered histories holding every
    acknowledged change, no 5xx, no dropped connection. (One kind of restart per store keeps the
    time down: both are the supervisor's, the same whatever the store.)"""
    restart = "one worker" if store.startswith("sqlite") else "all, one by one"
    team, official = _tokens(store)
    bodies = [ticket_body() for _ in range(TICKETS)]
    told: list[tuple[str, str, int]] = []  # (ticket, action, version after) answered 200
    created: list[str] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()

    with serving(store, units_file(tmp_path), workers=WORKERS, log=tmp_path / "serve.log") as served:
        before = _workers(served.process.pid)
        assert len(before) == WORKERS

        def client(seed: int) -> None:
            order = random.Random(seed).sample(bodies, len(bodies))
            # A connection per request: a stopping worker takes no new one.
            limits = httpx.Limits(max_keepalive_connections=0)
            with httpx.Client(base_url=served.base, timeout=60, limits=limits) as http:

                def call(method: str, path: str, **kwargs: Any) -> httpx.Response:
                    answer = http.request(method, path, **kwargs)
                    with lock:
                        statuses[answer.status_code] = statuses.get(answer.status_code, 0) + 1
                    return answer

                for body in order:
                    made = call(
                        "POST", "/api/v1/tickets", json=body, headers={"Authorization": f"Bearer {team}"}
                    )
                    assert made.status_code in (200, 201), made.text
                    if made.status_code == 201:
                        with lock:
                            created.append(body["id"])
                    for action in ("acknowledge", "start"):
                        auth = {"Authorization": f"Bearer {official}"}
                        read = call("GET", f"/api/v1/tickets/{body['id']}", headers=auth)
                        assert read.status_code == 200, read.text
                        done = call(
                            "POST",
                            f"/api/v1/tickets/{body['id']}/transitions",
                            json={"action": action},
                            headers={**auth, "If-Match": read.headers["etag"]},
                        )
                        assert done.status_code in (200, 409, 412), done.text
                        if done.status_code == 200:
                            with lock:
                                told.append((body["id"], action, done.json()["version"]))

        with concurrent.futures.ThreadPoolExecutor(CLIENTS) as pool:
            running = [pool.submit(client, seed) for seed in range(CLIENTS)]
            deadline = time.monotonic() + 120
            while len(created) < TICKETS // 3 and time.monotonic() < deadline:
                time.sleep(0.05)
            if restart == "one worker":  # SIGTERM to a worker: the supervisor starts another
                stopped = {min(before)}
                os.kill(min(before), signal.SIGTERM)
            else:  # SIGHUP to serve (`systemctl reload`): every worker replaced, one at a time
                stopped = set(before)
                served.process.send_signal(signal.SIGHUP)
            for future in running:
                future.result(timeout=300)
        deadline, after = time.monotonic() + 60, before
        while time.monotonic() < deadline:  # the stopped worker is gone and another took its place
            after = _workers(served.process.pid)
            if not stopped & after and len(after) == WORKERS:
                break
            time.sleep(0.2)
        assert not stopped & after and len(after) == WORKERS, (before, after)

    assert not [s for s in statuses if s >= 500], statuses
    assert sorted(created) == sorted(b["id"] for b in bodies)  # each ticket created exactly once
    history = _history(store)
    assert sorted(history) == sorted(b["id"] for b in bodies)
    for ticket_id, entries in history.items():
        assert entries[0]["status_before"] is None and entries[0]["status_after"] == "open"
        assert [e for e in entries if e["status_before"] is None] == entries[:1]  # one creation
        for earlier, later in itertools.pairwise(entries):
            assert later["status_before"] == earlier["status_after"], ticket_id
            assert later["at"] >= earlier["at"], ticket_id
    for ticket_id, action, version in told:  # no lost update: every success is in its history
        assert history[ticket_id][version - 1]["action"] == action, (ticket_id, action, version)
    assert len(told) == sum(len(entries) - 1 for entries in history.values())
