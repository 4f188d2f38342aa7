"""Running several workers: migrations once under a lock, graceful shutdown, proxy headers.

Every test here runs real processes (``feedback-service migrate`` and ``serve`` under uvicorn), on an
SQLite file and, when ``FEEDBACK_TEST_POSTGRES_URL`` is set, on a PostgreSQL database of its own.
"""

from __future__ import annotations

import asyncio
import fcntl
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from served import cli, serving, units_file
from service_api import POSTGRES_URL, own_postgres_database, ticket_body
from sqlalchemy.ext.asyncio import create_async_engine

from feedback_service.server import uvicorn_config
from feedback_service.settings import Settings, SettingsError
from feedback_service.store import open_database
from feedback_service.store.migrate import _LOCK_ID, head_revision


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database (never migrated) of each kind."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
        return
    if not POSTGRES_URL:
        pytest.skip("FEEDBACK_TEST_POSTGRES_URL is not set")
    url = own_postgres_database(POSTGRES_URL, f"workers_{request.node.name[-12:-1]}")
    yield url
    _drop(url)


def _drop(url: str) -> None:
    parsed = sa.make_url(url)

    async def run() -> None:
        admin = create_async_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
        try:
            async with admin.connect() as conn:
                await conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
        finally:
            await admin.dispose()

    asyncio.run(run())


def _versions(url: str) -> list[str]:
    async def run() -> list[str]:
        db = open_database(url)
        try:
            async with db.reading() as conn:
                tables = await conn.run_sync(lambda c: sa.inspect(c).get_table_names())
                if "alembic_version" not in tables:
                    return []
                rows = await conn.execute(sa.text("SELECT version_num FROM alembic_version"))
                return [row[0] for row in rows]
        finally:
            await db.dispose()

    return asyncio.run(run())


def test_concurrent_migrations_run_once(fresh_url: str) -> None:
    """Four `migrate` processes started together on a new database all succeed, and the schema is
    at the newest revision exactly once."""
    argv = [sys.executable, "-m", "feedback_service.cli", "migrate", "--database-url", fresh_url]
    processes = [
        subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(4)
    ]
    results = [p.communicate(timeout=120) for p in processes]
    assert [p.returncode for p in processes] == [0] * 4, results
    assert _versions(fresh_url) == [head_revision()]


class _HeldLock:
    """The migration lock of ``url``, taken by the test as another migrating process would."""

    def __init__(self, url: str) -> None:
        self.url = sa.make_url(url)
        self._release: Any = None

    def __enter__(self) -> _HeldLock:
        if self.url.get_backend_name() == "sqlite":
            fd = os.open(f"{self.url.database}-migrate.lock", os.O_RDWR | os.O_CREAT)
            fcntl.flock(fd, fcntl.LOCK_EX)
            self._release = lambda: os.close(fd)
        else:
            self._release = _hold_advisory_lock(self.url.render_as_string(hide_password=False))
        return self

    def __exit__(self, *_: object) -> None:
        self._release()


def _hold_advisory_lock(url: str) -> Any:
    """Take the migration's advisory lock in a helper process; the returned function releases it."""
    code = (
        "import asyncio, sys, asyncpg\n"
        "async def main():\n"
        f"    conn = await asyncpg.connect({url.replace('postgresql+asyncpg', 'postgresql')!r})\n"
        f"    await conn.execute('SELECT pg_advisory_lock({_LOCK_ID})')\n"
        "    print('held', flush=True)\n"
        "    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)\n"
        "    await conn.close()\n"
        "asyncio.run(main())\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"

    def release() -> None:
        assert holder.stdin is not None
        holder.stdin.write("\n")
        holder.stdin.close()
        holder.wait(30)

    return release


def test_a_migration_waits_for_the_lock(fresh_url: str) -> None:
    """While another process holds the migration lock, `migrate` waits (the schema stays untouched,
    however long) and completes once the lock is free."""
    argv = [sys.executable, "-m", "feedback_service.cli", "migrate", "--database-url", fresh_url]
    with _HeldLock(fresh_url):
        waiting = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(3)  # time enough to migrate a new database several times over
        assert waiting.poll() is None
        assert _versions(fresh_url) == []
    _, err = waiting.communicate(timeout=120)
    assert waiting.returncode == 0, err
    assert _versions(fresh_url) == [head_revision()]


def _team_token(url: str, units: str) -> str:
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
    assert made.returncode == 0, made.stderr
    return made.stdout.strip()


def test_shutdown_lets_a_request_in_flight_finish(tmp_path: Path) -> None:
    """SIGTERM to `serve --workers 2` while a request's body is still arriving: serve waits for it,
    the request is answered 201 and stored, and serve exits 0."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'grace.db'}"
    units = units_file(tmp_path)
    token = _team_token(url, units)
    body = json.dumps(ticket_body()).encode()
    with serving(url, units, workers=2, log=tmp_path / "serve.log") as served:
        host, port = served.base.removeprefix("http://").split(":")
        conn = socket.create_connection((host, int(port)), timeout=30)
        head = (
            f"POST /api/v1/tickets HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        conn.sendall(head.encode() + body[:10])
        time.sleep(1)  # the worker has the request's head and waits for the rest
        served.process.send_signal(signal.SIGTERM)
        time.sleep(1.5)  # every worker has begun its shutdown
        assert served.process.poll() is None  # waiting for the request in flight
        conn.sendall(body[10:])
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = conn.recv(65536)
            if not chunk:
                break
            answer += chunk
        conn.close()
        assert answer.startswith(b"HTTP/1.1 201"), answer[:300]
        assert served.stop() == 0

    async def stored() -> int:
        db = open_database(url)
        try:
            async with db.reading() as c:
                return int((await c.execute(sa.text("SELECT count(*) FROM tickets"))).scalar_one())
        finally:
            await db.dispose()

    assert asyncio.run(stored()) == 1


def _read_all(conn: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (a reset raises)."""
    answer = b""
    while chunk := conn.recv(65536):
        answer += chunk
    return answer


def test_a_stopping_worker_answers_a_connection_it_had_just_accepted() -> None:
    """A connection the worker accepted just before it was told to stop, whose request had not
    arrived yet, is answered (``Connection: close``), not reset; an idle keep-alive connection is
    closed at once, and one that never sends a request is closed within the wait. (With uvicorn's
    own protocol the first is closed with its request unread: the client sees ECONNRESET.)"""
    import threading

    import uvicorn

    from feedback_service.http_protocol import FIRST_REQUEST_WAIT
    from feedback_service.server import bind

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    sock = bind("127.0.0.1", 0)
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn_config(Settings(), host="127.0.0.1", port=port, app=app))
    running = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    running.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    request = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    idle = socket.create_connection(("127.0.0.1", port), timeout=10)
    idle.sendall(request)
    assert idle.recv(65536).startswith(b"HTTP/1.1 200")  # answered, kept alive
    early = socket.create_connection(("127.0.0.1", port), timeout=10)
    silent = socket.create_connection(("127.0.0.1", port), timeout=10)
    while len(server.server_state.connections) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(server.server_state.connections) == 3

    server.should_exit = True
    while time.monotonic() < deadline:  # the worker has stopped listening: its shutdown has begun
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
        except OSError:
            break
        time.sleep(0.01)
    stopped_at = time.monotonic()
    assert _read_all(idle) == b""  # the idle keep-alive connection was closed
    early.sendall(request)
    answer = _read_all(early)
    assert answer.startswith(b"HTTP/1.1 200"), answer
    assert b"connection: close" in answer.lower()
    assert _read_all(silent) == b""  # closed when the wait ran out
    assert time.monotonic() - stopped_at < FIRST_REQUEST_WAIT + 5
    running.join(30)
    assert not running.is_alive()
    for conn in (idle, early, silent):
        conn.close()


def _seen_by_app(settings: Settings, client: str, headers: dict[str, str]) -> tuple[str, str]:
    """The client address and scheme the app sees behind the uvicorn configuration ``serve`` uses."""
    seen: dict[str, Any] = {}

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.update(client=scope["client"][0], scheme=scope["scheme"])

    config = uvicorn_config(settings, host="127.0.0.1", port=0, app=app)
    config.load()
    scope = {
        "type": "http",
        "scheme": "http",
        "client": (client, 40000),
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "path": "/",
        "method": "GET",
    }
    asyncio.run(config.loaded_app(scope, None, None))
    return seen["client"], seen["scheme"]


def test_proxy_headers_only_from_trusted_addresses() -> None:
    """X-Forwarded-For/-Proto are believed from a configured proxy (address or network) and from no
    one else; with no proxy configured (the default), from no one at all."""
    forwarded = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
    behind = Settings.from_env({"FEEDBACK_TRUSTED_PROXIES": "10.0.0.5, 192.168.1.0/24"})
    assert _seen_by_app(behind, "10.0.0.5", forwarded) == ("203.0.113.9", "https")
    assert _seen_by_app(behind, "192.168.1.77", forwarded) == ("203.0.113.9", "https")
    assert _seen_by_app(behind, "10.0.0.6", forwarded) == ("10.0.0.6", "http")
    assert _seen_by_app(Settings(), "127.0.0.1", forwarded) == ("127.0.0.1", "http")


def test_bad_proxy_and_grace_settings_are_named() -> None:
    """A proxy that is not an address, or a negative grace, is refused with the variable's name."""
    with pytest.raises(SettingsError, match=r"FEEDBACK_TRUSTED_PROXIES: 'proxy\.local'"):
        Settings.from_env({"FEEDBACK_TRUSTED_PROXIES": "10.0.0.1,proxy.local"})
    with pytest.raises(SettingsError, match="FEEDBACK_SHUTDOWN_GRACE_SECONDS"):
        Settings.from_env({"FEEDBACK_SHUTDOWN_GRACE_SECONDS": "-1"})
    assert Settings().shutdown_grace == 30
    assert uvicorn_config(Settings(), host="127.0.0.1", port=0).timeout_graceful_shutdown == 30


def test_a_started_server_leaves_its_start_out_of_the_cycle_collector() -> None:
    """Once uvicorn has started the app, what the start built is frozen (``gc.freeze``): the oldest
    generation's runs then walk only what requests built since, instead of holding every request in
    flight for tens of milliseconds (docs/performance.md)."""
    import gc

    from feedback_service.server import bind
    from feedback_service.worker import Server

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        assert scope["type"] == "lifespan"
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return

    config = uvicorn_config(Settings.from_env({}), host="127.0.0.1", port=0, app=app)
    server = Server(config)

    async def start_and_stop() -> int:
        gc.unfreeze()
        sock = bind("127.0.0.1", 0)
        serving = asyncio.ensure_future(server.serve(sockets=[sock]))
        while not server.started:
            await asyncio.sleep(0.01)
        frozen = gc.get_freeze_count()
        server.should_exit = True
        await serving
        sock.close()
        return frozen

    try:
        assert asyncio.run(start_and_stop()) > 0
    finally:
        gc.unfreeze()
