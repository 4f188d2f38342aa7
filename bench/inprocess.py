"""Benchmark: the CPU one request costs the service's code, against the bare framework, with no socket.

    python bench/inprocess.py                      # 3 rounds of 3,000 calls per route
    python bench/inprocess.py --calls 5000 --rounds 5

Both ASGI apps (the service on a fresh SQLite file, and ``bench/echo_app.py``, the bare Litestar app
that ``bench/intake.py`` compares with) are called directly on uvloop in this process: no server,
no socket, no load generator sharing the cores. Each route is called ``--calls`` times in a row, one
call at a time, and the loop thread's CPU time (``time.thread_time``) per call is kept; the rounds
interleave the routes, and the table keeps each route's least time and its ratio to the bare GET of
the same round. The routes:

- ``echo``: ``POST /echo``, the bare app decoding a ticket into its Struct (intake's baseline);
- ``bare GET``: ``GET /echo/{id}`` (the bare read);
- ``health``: the service's ``GET /api/v1/health`` (its middleware and log line, no token);
- ``me``: ``GET /api/v1/me`` with a team token (the token check, one dependency, no store read);
- ``read``: ``GET /api/v1/tickets/{id}`` with a team token (what issue 11's read bar measures).

Over HTTP a request also costs the server's parsing and the socket's system calls, which the bare
app pays the same way; this isolates what the service's own code adds. Timings vary with the
machine: read the ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import intake  # bench/intake.py: the ticket and the token of the HTTP benchmark

Call = Callable[[], Awaitable[None]]


def _scope(method: str, path: str, headers: list[tuple[bytes, bytes]]) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }


async def _call(
    app: Any, method: str, path: str, headers: list[tuple[bytes, bytes]], body: bytes = b""
) -> None:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(_scope(method, path, headers), receive, send)
    if sent[0]["status"] >= 300:
        raise SystemExit(f"{method} {path}: {sent[0]['status']} {sent[-1].get('body', b'')[:300]!r}")


async def _start(app: Any) -> None:
    """Run the app's lifespan startup (the service opens its database there)."""
    incoming: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    outgoing: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    async def send(message: dict[str, Any]) -> None:
        await outgoing.put(message)

    lifespan = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
    asyncio.get_running_loop().create_task(app(lifespan, incoming.get, send))
    await incoming.put({"type": "lifespan.startup"})
    started = await outgoing.get()
    if started["type"] != "lifespan.startup.complete":
        raise SystemExit(f"the app did not start: {started}")


async def measure(work: Path, url: str, token: str, calls: int, rounds: int) -> list[dict[str, float]]:
    from echo_app import create_app as echo_app
    from feedback_service.app import create_app
    from feedback_service.logs import configure_logging
    from feedback_service.settings import Settings

    settings = Settings.from_env({"FEEDBACK_DATABASE_URL": url, "FEEDBACK_UNITS": "demo"})
    # The service's own logging, as serve sets it up, written to a file as a journal would take it.
    log = (work / "service.log").open("w")
    configure_logging(settings.log_level, log, log_format=settings.log_format)
    bare, service = echo_app(), create_app(settings)
    await _start(bare)
    await _start(service)
    auth = [(b"host", b"bench"), (b"authorization", f"Bearer {token}".encode())]
    json_body = [(b"host", b"bench"), (b"content-type", b"application/json")]
    ticket = json.dumps({"id": str(uuid.uuid4()), **intake.TICKET_FIELDS}).encode()
    await _call(service, "POST", "/api/v1/tickets", auth + json_body[1:], ticket)
    ticket_id = json.loads(ticket)["id"]
    routes: dict[str, Call] = {
        "echo": lambda: _call(bare, "POST", "/echo", json_body, ticket),
        "bare GET": lambda: _call(bare, "GET", f"/echo/{ticket_id}", [(b"host", b"bench")]),
        "health": lambda: _call(service, "GET", "/api/v1/health", auth),
        "me": lambda: _call(service, "GET", "/api/v1/me", auth),
        "read": lambda: _call(service, "GET", f"/api/v1/tickets/{ticket_id}", auth),
    }
    for route in routes.values():  # warm-up
        for _ in range(300):
            await route()
    results = []
    for number in range(1, rounds + 1):
        found: dict[str, float] = {"round": number, "load": os.getloadavg()[0]}
        for name, route in routes.items():
            started = time.thread_time()
            for _ in range(calls):
                await route()
            found[name] = (time.thread_time() - started) / calls * 1e6
        results.append(found)
        print(f"round {number}: " + ", ".join(f"{k} {found[k]:.0f} µs" for k in routes))
    log.close()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=3000, help="calls per route per round (3,000)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds (default 3)")
    args = parser.parse_args()
    print(intake._versions())
    import uvloop

    work = Path(tempfile.mkdtemp(prefix="inprocess-"))
    url = f"sqlite+aiosqlite:///{work / 'inprocess.db'}"
    token = intake._token(url)  # before the loop: the CLI runs its own
    results = uvloop.run(measure(work, url, token, args.calls, args.rounds))
    names = [k for k in results[0] if k not in ("round", "load")]
    print()
    print("| route | least CPU µs per call | ÷ bare GET (same round) | ÷ echo (same round) |")
    print("|---|---:|---:|---:|")
    for name in names:
        least = min(r[name] for r in results)
        by_get = min(r[name] / r["bare GET"] for r in results)
        by_echo = min(r[name] / r["echo"] for r in results)
        print(f"| {name} | {least:,.0f} | {by_get:.2f}× | {by_echo:.2f}× |")
    loads = [r["load"] for r in results]
    print(f"load {min(loads):.2f}–{max(loads):.2f}; nproc {os.cpu_count()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
