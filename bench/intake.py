"""Benchmark: ticket intake against the framework's ceiling, on loopback, with one SQLite worker.

    python bench/intake.py                       # 4,000 requests per phase, 64 connections
    python bench/intake.py --requests 2000 --connections 32 --seconds 20

The server is ``feedback-service serve`` (SQLite, one worker, ``FEEDBACK_BENCH_ECHO=1``) in its own
process; the load generator is another process: a bare asyncio HTTP/1.1 client with keep-alive
connections (much lighter than an HTTP library, so the client's share of the two cores stays
small). Each phase is bounded in requests and in time. Phases, in order:

- ``echo``: ``POST /api/v1/bench/echo`` decodes the same ticket body strictly and echoes it, behind the
  same bearer-token check: what the framework, the auth and the JSON cost, and nothing else;
- ``intake``: ``POST /api/v1/tickets`` with a fresh id each time: validation, then the write in
  SQLite's writer thread (the ticket, its categories, the history, the trend aggregate, committed
  with ``synchronous=FULL``, together with the tickets that arrived meanwhile), answered after the
  ``COMMIT``;
- ``batch``: ``POST /api/v1/tickets/batch`` with 100 tickets each, reported in tickets per second.

Requests/s and p50/p99 latency are printed for each, with intake's share of echo's throughput (the
issue asks for at least 40 % with zero errors, and aims at 60 %). Any non-2xx answer counts as an
error and the run exits 1; so does a database that, after the server stopped, does not hold
exactly the tickets acknowledged (and as many openings in the trend aggregate). ``load`` is the
one-minute load average when the phase started: other work on a shared machine slows both sides
alike, which is why the ratio, measured in the same run, is the figure to read.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import sqlalchemy as sa

HOST = "127.0.0.1"
BATCH_SIZE = 100


def _ticket(index: int) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "village": f"AG001-{index % 20 + 1:02d}",
        "categories": ["no_device", "age_fear_low_confidence"] if index % 3 else ["account_identity_problem"],
        "service": "vneid" if index % 2 else "public_service_portal",
        "description": "Cụ bà chưa có điện thoại thông minh để kích hoạt định danh điện tử mức 2",
        "people_affected": 1 + index % 3,
        "household_ref": f"hh-{index:05d}",
        "consent": True,
        "observed_at": "2026-03-01T09:30:00+07:00",
    }


# --- the load generator (its own process) ------------------------------------------------------------


def _request(path: str, token: str, body: bytes, port: int) -> bytes:
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode("ascii") + body


async def _connection(
    port: int,
    requests: list[bytes],
    cursor: list[int],
    deadline: float,
    latencies: list[float],
    errors: list[str],
) -> None:
    reader, writer = await asyncio.open_connection(HOST, port)
    try:
        while cursor[0] < len(requests) and time.perf_counter() < deadline:
            request = requests[cursor[0]]
            cursor[0] += 1
            started = time.perf_counter()
            writer.write(request)
            status_line = await reader.readline()
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.partition(b":")
                if name.lower() == b"content-length":
                    length = int(value)
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            status = int(status_line.split()[1]) if status_line else 0
            if not 200 <= status < 300:
                errors.append(status_line.decode("latin-1").strip() or "connection closed")
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()


async def _phase(port: int, requests: list[bytes], connections: int, seconds: float) -> dict[str, Any]:
    cursor = [0]
    latencies: list[float] = []
    errors: list[str] = []
    started = time.perf_counter()
    deadline = started + seconds
    await asyncio.gather(
        *(_connection(port, requests, cursor, deadline, latencies, errors) for _ in range(connections))
    )
    elapsed = time.perf_counter() - started
    ordered = sorted(latencies)
    return {
        "requests": len(latencies),
        "seconds": elapsed,
        "rps": len(latencies) / elapsed,
        "p50_ms": 1000 * statistics.median(ordered) if ordered else float("nan"),
        "p99_ms": 1000 * ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
        if ordered
        else float("nan"),
        "errors": len(errors),
        "first_error": errors[0] if errors else None,
    }


def client_main(spec: dict[str, Any]) -> None:
    """Run every phase and print the results as JSON (this runs in the load generator's process)."""
    port, token = spec["port"], spec["token"]
    results: dict[str, Any] = {}
    for phase in spec["phases"]:
        name, path, connections = phase["name"], phase["path"], phase["connections"]
        requests = [_request(path, token, body.encode("utf-8"), port) for body in phase["bodies"]]
        load = os.getloadavg()[0]
        result = asyncio.run(_phase(port, requests, connections, spec["seconds"]))
        result["load"] = load
        result["connections"] = connections
        results[name] = result
    json.dump(results, sys.stdout)


# --- the harness -----------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def _wait_until_up(port: int, server: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited with status {server.returncode}")
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/api/v1/ready", timeout=1) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the server did not become ready in time")


def _token(database_url: str) -> str:
    from feedback_service.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        status = main(["tokens", "create", "--role", "team", "--team", "T-bench", "--commune", "AG001",
                       "--database-url", database_url])  # fmt: skip
    if status != 0:
        raise SystemExit("could not create a token")
    return out.getvalue().strip()


def _bodies(count: int, start: int) -> list[str]:
    return [json.dumps(_ticket(start + i), ensure_ascii=False) for i in range(count)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=4000, help="requests per phase (default 4,000)")
    parser.add_argument("--connections", type=int, default=64, help="concurrent connections (32–64)")
    parser.add_argument(
        "--batches", type=int, default=20, help=f"batches of {BATCH_SIZE} tickets (default 20)"
    )
    parser.add_argument("--seconds", type=float, default=30, help="time limit of each phase")
    parser.add_argument("--markdown", action="store_true", help="also print the table as Markdown")
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="measure on PostgreSQL instead (postgresql+asyncpg://user@host/db): a fresh database "
        "bench_intake_<pid> is created beside the one named, and dropped afterwards",
    )
    parser.add_argument("--workers", type=int, default=1, help="server worker processes (default 1)")
    parser.add_argument("--client", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client:
        client_main(json.loads(Path(args.client).read_text(encoding="utf-8")))
        return 0

    work = Path(tempfile.mkdtemp(prefix="intake-"))
    database_url = f"sqlite+aiosqlite:///{work / 'intake.db'}"
    if args.postgres:
        database_url = _fresh_postgres(args.postgres)
    try:
        return _measure(args, work, database_url)
    finally:
        if args.postgres:
            _drop_postgres(database_url)


def _measure(args: argparse.Namespace, work: Path, database_url: str) -> int:
    token = _token(database_url)
    port = _free_port()
    env = {
        **os.environ,
        "FEEDBACK_DATABASE_URL": database_url,
        "FEEDBACK_BENCH_ECHO": "1",
        "FEEDBACK_UNITS": "demo",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "feedback_service.cli",
            "serve",
            "--host",
            HOST,
            "--port",
            str(port),
            "--workers",
            str(args.workers),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_until_up(port, server)
        warmup = {"name": "warmup", "path": "/api/v1/tickets", "connections": 8, "bodies": _bodies(200, 0)}
        echo = {"name": "echo", "path": "/api/v1/bench/echo", "connections": args.connections,
                "bodies": _bodies(args.requests, 10**6)}  # fmt: skip
        intake = {"name": "intake", "path": "/api/v1/tickets", "connections": args.connections,
                  "bodies": _bodies(args.requests, 2 * 10**6)}  # fmt: skip
        batches = [
            json.dumps({"tickets": [_ticket(3 * 10**6 + b * BATCH_SIZE + i) for i in range(BATCH_SIZE)]})
            for b in range(args.batches)
        ]
        batch = {"name": "batch", "path": "/api/v1/tickets/batch", "connections": 4, "bodies": batches}
        spec = {
            "port": port,
            "token": token,
            "seconds": args.seconds,
            "phases": [warmup, echo, intake, batch],
        }
        spec_file = work / "client.json"
        spec_file.write_text(json.dumps(spec), encoding="utf-8")
        client = subprocess.run(
            [sys.executable, __file__, "--client", str(spec_file)],
            capture_output=True,
            text=True,
            check=False,
        )
        if client.returncode != 0:
            print(client.stderr, file=sys.stderr)
            return 1
        results = json.loads(client.stdout)
    finally:
        server.terminate()
        _, server_log = server.communicate(timeout=30)
    status = _report(results, args)
    status = max(status, _check_stored(database_url, results))
    if status and server_log:
        print("\nserver log (tail):\n" + "\n".join(server_log.decode("utf-8", "replace").splitlines()[-30:]))
    return status


def _check_stored(database_url: str, results: dict[str, Any]) -> int:
    """Every ticket answered 201 is in the database after the server stopped: none lost, none twice."""
    acknowledged = (
        sum(results[p]["requests"] for p in ("warmup", "intake")) + results["batch"]["requests"] * BATCH_SIZE
    )
    stored, opened = asyncio.run(
        _scalars(
            database_url,
            "SELECT count(*) FROM tickets",
            "SELECT sum(opened) FROM trend_days WHERE category = '*'",
        )
    )
    print(
        f"stored tickets: {stored:,} of {acknowledged:,} acknowledged; "
        f"opened in the trend aggregate: {opened:,}"
    )
    return 0 if stored == acknowledged == opened else 1


def _fresh_postgres(url: str) -> str:
    parsed = sa.make_url(url)
    name = f"bench_intake_{os.getpid()}"
    asyncio.run(_postgres_statements(url, [f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"']))
    return parsed.set(database=name).render_as_string(hide_password=False)


def _drop_postgres(url: str) -> None:
    name = sa.make_url(url).database
    asyncio.run(_postgres_statements(url, [f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)']))


async def _scalars(url: str, *queries: str) -> list[Any]:
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return [(await conn.execute(sa.text(q))).scalar_one() for q in queries]
    finally:
        await engine.dispose()


async def _postgres_statements(url: str, statements: list[str]) -> None:
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(sa.make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            for statement in statements:
                await conn.execute(sa.text(statement))
    finally:
        await engine.dispose()


def _report(results: dict[str, Any], args: argparse.Namespace) -> int:
    echo, intake, batch = results["echo"], results["intake"], results["batch"]
    ratio = intake["rps"] / echo["rps"]
    rows = [
        ("echo (decode + auth + encode)", echo, f"{echo['rps']:,.0f} req/s"),
        ("intake POST /tickets", intake, f"{intake['rps']:,.0f} req/s"),
        (f"batch of {BATCH_SIZE}", batch, f"{batch['rps'] * BATCH_SIZE:,.0f} tickets/s"),
    ]
    print(
        f"{'phase':<32} {'conns':>5} {'requests':>8} {'throughput':>16} "
        f"{'p50 ms':>8} {'p99 ms':>8} {'errors':>6} {'load':>5}"
    )
    for label, r, throughput in rows:
        print(
            f"{label:<32} {r['connections']:>5} {r['requests']:>8,} {throughput:>16} "
            f"{r['p50_ms']:>8.1f} {r['p99_ms']:>8.1f} {r['errors']:>6} {r['load']:>5.2f}"
        )
    errors = sum(r["errors"] for r in (echo, intake, batch)) + results["warmup"]["errors"]
    verdict = (
        "meets the aim (≥ 60 %)"
        if ratio >= 0.6
        else "meets the requirement (≥ 40 %)"
        if ratio >= 0.4
        else "BELOW the required 40 %"
    )
    print(f"\nintake / echo = {ratio:.0%}: {verdict}; errors: {errors}")
    for r in (echo, intake, batch):
        if r["first_error"]:
            print(f"first error: {r['first_error']}")
    if args.markdown:
        print("\n| phase | connections | requests | throughput | p50 | p99 | errors |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for label, r, throughput in rows:
            print(
                f"| {label} | {r['connections']} | {r['requests']:,} | {throughput} | "
                f"{r['p50_ms']:.1f} ms | {r['p99_ms']:.1f} ms | {r['errors']} |"
            )
        print(f"\nIntake reaches **{ratio:.0%}** of the echo's throughput.")
    return 0 if errors == 0 and ratio >= 0.4 else 1


if __name__ == "__main__":
    sys.exit(main())
