"""Crash durability: the real server, concurrent posts, SIGKILL mid-load, restart.

``feedback-service serve --workers 2`` runs in a process group of its own; eight clients post
tickets (and acknowledge every other one) until a number were acknowledged; then the whole group
gets SIGKILL, with requests in flight. After a restart on the same store:

- every ticket answered ``201`` (or ``200``) is stored, exactly once (one row, one ``create`` in its
  history, a history as long as its version);
- clients that retry every id they ever sent, acknowledged or not, get ``200`` (stored) or ``201``
  (it had not arrived), never a ``409``, and no second row;
- the trend aggregate (``/trends/unresolved``) equals the library's count
  (:func:`digitransform.trends.unresolved_trend`) from the histories read back from the store;
- on SQLite, ``PRAGMA integrity_check`` is ``ok``.

``docs/reliability.md`` records the figures of a run and what ``synchronous=FULL`` does and does not
guarantee.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from served import free_port, units_file
from service_api import migrated, own_postgres_database, small_tree, ticket_body
from sqlalchemy.ext.asyncio import create_async_engine

from digitransform.domain import (
    LOCAL_TZ,
    Barrier,
    DigitalService,
    Ticket,
    TicketAction,
    TicketEvent,
    TicketHistory,
    Transition,
)
from digitransform.trends import unresolved_trend
from feedback_service.auth import Role, issue_token
from feedback_service.store import open_database

POSTGRES_URL = os.environ.get("FEEDBACK_TEST_POSTGRES_URL")
ACKNOWLEDGED_BEFORE_KILL = 300
CLIENTS = 8


@contextlib.contextmanager
def serving(url: str, units: str, log: Path) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """``serve --workers 2`` in its own process group, ready; killed (the whole group) at the end."""
    port = free_port()
    argv = [sys.executable, "-m", "feedback_service.cli", "serve", "--database-url", url, "--units", units]
    argv += ["--port", str(port), "--workers", "2"]
    with log.open("ab") as out:
        process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert process.poll() is None, log.read_text()[-2000:]
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{base}/api/v1/ready", timeout=5).status_code == 200:
                    break
            assert time.monotonic() < deadline, log.read_text()[-2000:]
            time.sleep(0.2)
        yield process, base
    finally:
        kill(process)


def kill(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL to the server and every worker it started."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(60)


class Clients:
    """Clients that post new tickets until stopped; every body they sent is kept, acknowledged or not."""

    def __init__(self, base: str, team: str, official: str) -> None:
        self.base = base
        self.team = {"Authorization": f"Bearer {team}"}
        self.official = {"Authorization": f"Bearer {official}"}
        self.sent: list[dict[str, Any]] = []
        self.acknowledged: set[str] = set()
        self.statuses: dict[int, int] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, daemon=True) for _ in range(CLIENTS)]
        for thread in self._threads:
            thread.start()

    def _run(self) -> None:
        with httpx.Client(base_url=self.base, timeout=30) as client:
            n = 0
            while not self._stop.is_set():
                n += 1
                body = ticket_body(village="C1-01" if n % 2 else "C1-02")
                with self._lock:
                    self.sent.append(body)
                try:
                    answer = client.post("/api/v1/tickets", json=body, headers=self.team)
                except httpx.TransportError:
                    continue  # the server is gone; the body is kept for the retry
                with self._lock:
                    self.statuses[answer.status_code] = self.statuses.get(answer.status_code, 0) + 1
                    if answer.status_code in (200, 201):
                        self.acknowledged.add(body["id"])
                if answer.status_code == 201 and n % 2 == 0:
                    with contextlib.suppress(httpx.TransportError):
                        client.post(
                            f"/api/v1/tickets/{body['id']}/transitions",
                            json={"action": "acknowledge"},
                            headers={**self.official, "If-Match": answer.headers["etag"]},
                        )

    def wait_for(self, acknowledged: int) -> None:
        deadline = time.monotonic() + 300
        while len(self.acknowledged) < acknowledged:
            assert time.monotonic() < deadline, f"only {len(self.acknowledged)} acknowledged: {self.statuses}"
            time.sleep(0.01)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(60)


def tokens(url: str) -> tuple[str, str, str]:
    """A team token (commune C1), a C1 official's and the province official's."""
    migrated(url)

    async def issue() -> tuple[str, str, str]:
        db = open_database(url)
        now, tree = dt.datetime.now(dt.UTC), small_tree()
        try:
            made = [
                await issue_token(db, tree, Role.TEAM, team="T1", commune="C1", now=now),
                await issue_token(db, tree, Role.OFFICIAL, scope="C1", now=now),
                await issue_token(db, tree, Role.OFFICIAL, scope="P", now=now),
            ]
        finally:
            await db.dispose()
        return made[0].secret, made[1].secret, made[2].secret

    return asyncio.run(issue())


def read_back(url: str) -> tuple[dict[str, tuple[int, int, int]], list[TicketHistory], str | None]:
    """Per ticket (version, rows, creates); the histories as the library's; SQLite's integrity_check."""

    async def read() -> tuple[dict[str, tuple[int, int, int]], list[TicketHistory], str | None]:
        engine = create_async_engine(url)
        try:
            async with engine.connect() as conn:
                counts = {
                    row[0]: (row[1], row[2], row[3])
                    for row in await conn.execute(
                        sa.text(
                            "SELECT t.id, t.version, count(e.id), "
                            "sum(CASE WHEN e.action = 'create' THEN 1 ELSE 0 END) "
                            "FROM tickets t LEFT JOIN ticket_events e ON e.ticket_id = t.id "
                            "GROUP BY t.id, t.version"
                        )
                    )
                }
                tickets = (
                    await conn.execute(
                        sa.text(
                            "SELECT id, commune, village, team, categories, service, observed_at, "
                            "people_reported FROM tickets"
                        )
                    )
                ).all()
                events = (
                    await conn.execute(
                        sa.text(
                            "SELECT ticket_id, action, at FROM ticket_events"
                            " WHERE action <> 'create' ORDER BY id"
                        )
                    )
                ).all()
                check = None
                if engine.dialect.name == "sqlite":
                    check = str(await conn.scalar(sa.text("PRAGMA integrity_check")))
        finally:
            await engine.dispose()
        by_ticket: dict[str, list[TicketEvent]] = {}
        for ticket_id, action, at in events:
            by_ticket.setdefault(ticket_id, []).append(
                TicketEvent(_aware(at), Transition(TicketAction(action)))
            )
        histories = [
            TicketHistory(
                Ticket(
                    id=t.id,
                    commune=t.commune,
                    village=t.village,
                    categories=[Barrier(c) for c in t.categories.split(",") if c],
                    service=DigitalService(t.service),
                    observed_at=_aware(t.observed_at),
                    people_affected=t.people_reported,
                    team=t.team,
                ),
                by_ticket.get(t.id, ()),
            )
            for t in tickets
        ]
        return counts, histories, check

    return asyncio.run(read())


def _aware(value: Any) -> dt.datetime:
    moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def crash_and_recover(url: str, tmp_path: Path) -> dict[str, int]:
    team, official, province = tokens(url)
    units, log = units_file(tmp_path), tmp_path / "serve.log"
    with serving(url, units, log) as (process, base):
        clients = Clients(base, team, official)
        clients.wait_for(ACKNOWLEDGED_BEFORE_KILL)
        kill(process)  # mid-load: eight clients have requests in flight
        clients.stop()
    acknowledged, sent = set(clients.acknowledged), list(clients.sent)
    with serving(url, units, log) as (_, base), httpx.Client(base_url=base, timeout=30) as client:
        retried: dict[int, int] = {}
        for body in sent:  # a client retries every id it ever sent, acknowledged or not
            status = client.post(
                "/api/v1/tickets", json=body, headers={"Authorization": f"Bearer {team}"}
            ).status_code
            retried[status] = retried.get(status, 0) + 1
            if body["id"] in acknowledged:
                assert status == 200, f"acknowledged {body['id']} answered {status} after the crash"
        today = dt.datetime.now(LOCAL_TZ).date()
        window = {"from": (today - dt.timedelta(days=14)).isoformat(), "to": today.isoformat()}
        answer = client.get(
            "/api/v1/trends/unresolved",
            params={**window, "period": "day"},
            headers={"Authorization": f"Bearer {province}"},
        )
        assert answer.status_code == 200, answer.text
    assert set(retried) <= {200, 201}, retried  # never a 409: a retry is the same content
    counts, histories, check = read_back(url)
    assert acknowledged <= set(counts)
    assert set(counts) == {b["id"] for b in sent} & set(counts)
    assert len(counts) == retried.get(200, 0) + retried.get(201, 0) == len(sent)
    for ticket_id, (version, rows, creates) in counts.items():
        assert creates == 1 and rows == version, (ticket_id, version, rows, creates)
    first, last = dt.date.fromisoformat(window["from"]), dt.date.fromisoformat(window["to"])
    library = unresolved_trend(histories, "day", first, last).to_dict()
    assert answer.json()["series"] == library["series"]
    if check is not None:
        assert check == "ok"
    return {
        "acknowledged": len(acknowledged),
        "sent": len(sent),
        "retried_200": retried.get(200, 0),
        "retried_201": retried.get(201, 0),
    }


def test_sqlite_survives_sigkill_under_load(tmp_path: Path) -> None:
    """SQLite (WAL, synchronous=FULL): nothing acknowledged lost, nothing duplicated, trends agree."""
    figures = crash_and_recover(f"sqlite+aiosqlite:///{tmp_path / 'crash.db'}", tmp_path)
    print("sqlite", figures)


@pytest.mark.postgres
def test_postgres_survives_sigkill_under_load(tmp_path: Path) -> None:
    """PostgreSQL: nothing acknowledged lost, nothing duplicated, trends agree."""
    if not POSTGRES_URL:
        pytest.skip("FEEDBACK_TEST_POSTGRES_URL is not set")
    figures = crash_and_recover(own_postgres_database(POSTGRES_URL, "crash"), tmp_path)
    print("postgresql", figures)
