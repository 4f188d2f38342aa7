"""Benchmark: the service's hot paths against the bare framework, on loopback, loaded by wrk.

    python bench/intake.py                                  # SQLite, one worker, 2 rounds of 8 s runs
    python bench/intake.py --rounds 3 --seconds 10 --markdown
    python bench/intake.py --postgres postgresql+asyncpg://postgres@127.0.0.1:5432/test --workers 1 2 4
    python bench/intake.py --before /tmp/main-before/src     # also an older checkout's intake, interleaved

Two servers run side by side, each in its own processes and started the same way
(:func:`feedback_service.server.run_server`, the settings of ``feedback-service serve``):

- the **bare echo** (``bench/echo_app.py``): Litestar decoding the ticket into its msgspec Struct and
  echoing it, with no token and no database: what the framework costs;
- the **service** (``feedback-service serve``) on a fresh SQLite file (``synchronous=FULL``), or on a
  fresh PostgreSQL database created beside the one ``--postgres`` names and dropped afterwards.

wrk (Debian's ``wrk``; 2 threads, 64 connections by default) drives one kind of request per run,
through ``bench/load.lua``, and each run is bounded twice: in seconds (``--seconds``) and in answered
requests (``--requests``). A round interleaves, in this order:

- ``echo``: ``POST /echo`` on the bare app (the baseline of every ratio);
- ``intake``: ``POST /api/v1/tickets``, a fresh id per request, with a team token: answered 201 only
  after the ``COMMIT`` that holds the ticket;
- ``bare GET``: ``GET /echo/{id}`` on the bare app (a path parameter in, a small object out);
- ``read``: ``GET /api/v1/tickets/{id}`` with the same team token (the token checked on every request);
- ``batch``: ``POST /api/v1/tickets/batch``, 100 tickets each, 4 connections (tickets per second).

With ``--before DIR`` a second service, another checkout's ``src/``, runs on a fresh SQLite file of
its own, and its intake (``before``) runs right after ``intake`` in every round: a change's before
and after against the same echo, within seconds of each other.

Any answer other than 2xx, a socket error or a timeout is an error, and the run exits 1. So does a
database that, once the servers stopped, does not hold every ticket acknowledged: wrk stops a thread
abruptly, so the requests still in flight then (at most one per connection) may be stored without
having been counted; the check is ``acknowledged ≤ stored ≤ sent``, with as many openings in the trend
aggregate as tickets stored. ``load`` is the one-minute load average when the run started: other work
on a shared machine slows both servers alike, which is why ratios measured in the same round are the
figures to read.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import os
import platform
import random
import shutil
import socket
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
_KINDS = ("echo", "intake", "before", "bare_get", "read", "batch")
BATCH_SIZE = 100
HERE = Path(__file__).resolve().parent
TICKET_FIELDS = {
    "village": "AG001-01",
    "categories": ["no_device"],
    "service": "vneid",
    "description": "Cụ bà chưa có điện thoại thông minh để kích hoạt định danh điện tử mức 2",
    "people_affected": 1,
    "household_ref": "hh-00001",
    "consent": True,
    "observed_at": "2026-03-01T09:30:00+07:00",
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def _wait_until_up(url: str, server: subprocess.Popen[bytes], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"{url}: the server exited with status {server.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{url}: not ready in time")


def _token(database_url: str, source: Path | None = None) -> str:
    """A team token on a fresh database, made by the code that will serve it (``source``: another
    checkout's ``src/``, whose migrations may stop at an older revision)."""
    if source is not None:
        command = [sys.executable, "-m", "feedback_service.cli", "tokens", "create", "--role", "team",
                   "--team", "T-bench", "--commune", "AG001", "--database-url", database_url]  # fmt: skip
        env = {**os.environ, "PYTHONPATH": str(source), "FEEDBACK_UNITS": "demo"}
        made = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        if made.returncode != 0:
            raise SystemExit(f"could not create a token with {source}: {made.stderr}")
        return made.stdout.strip().splitlines()[-1]
    from feedback_service.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        status = main(["tokens", "create", "--role", "team", "--team", "T-bench", "--commune", "AG001",
                       "--database-url", database_url])  # fmt: skip
    if status != 0:
        raise SystemExit("could not create a token")
    return out.getvalue().strip()


def _post_ticket(port: int, token: str) -> str:
    """One ticket for the read runs; its id."""
    ticket_id = str(uuid.uuid4())
    body = json.dumps({"id": ticket_id, **TICKET_FIELDS}).encode("utf-8")
    request = urllib.request.Request(
        f"http://{HOST}:{port}/api/v1/tickets",
        data=body,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        if answer.status != 201:
            raise SystemExit(f"could not create the ticket to read: {answer.status}")
    return ticket_id


def _wrk(args: argparse.Namespace, port: int, *, mode: str, path: str, token: str = "",
         connections: int | None = None, seconds: float | None = None) -> dict[str, Any]:  # fmt: skip
    connections = connections or args.connections
    threads = min(args.threads, connections)
    env = {
        **os.environ,
        "BENCH_MODE": mode,
        "BENCH_PATH": path,
        "BENCH_TOKEN": token,
        "BENCH_CAP": str(max(1, args.requests // threads)),
        "BENCH_RUN": str(random.getrandbits(31)),
    }
    load = os.getloadavg()[0]
    command = [args.wrk, f"-t{threads}", f"-c{connections}", f"-d{round(seconds or args.seconds)}s",
               "--timeout", "10s", "-s", str(HERE / "load.lua"), f"http://{HOST}:{port}{path}"]  # fmt: skip
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    line = next((x for x in done.stdout.splitlines() if x.startswith("BENCH_RESULT ")), None)
    if line is None:
        raise SystemExit(f"wrk gave no result (status {done.returncode}):\n{done.stdout}\n{done.stderr}")
    result: dict[str, Any] = json.loads(line.removeprefix("BENCH_RESULT "))
    result["rps"] = result["answered"] / (result["duration_us"] / 1e6)
    result["errors"] = result["failed"] + result["socket_errors"] + result["timeouts"]
    result["load"] = load
    return result


def _serve_echo(port: int, workers: int, log: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, str(HERE / "echo_app.py"), "--host", HOST, "--port", str(port),
               "--workers", str(workers)]  # fmt: skip
    with log.open("wb") as out:
        return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=out)


def _serve_service(
    database_url: str, port: int, workers: int, log: Path, source: Path | None = None
) -> subprocess.Popen[bytes]:
    # Default settings: among them the log line per request, written to a file as a journal would
    # take it (a pipe nobody reads would stop the server once full).
    env = {**os.environ, "FEEDBACK_DATABASE_URL": database_url, "FEEDBACK_UNITS": "demo"}
    if source is not None:  # another checkout's code, to measure a before and an after
        env["PYTHONPATH"] = str(source)
    command = [sys.executable, "-m", "feedback_service.cli", "serve", "--host", HOST, "--port", str(port),
               "--workers", str(workers)]  # fmt: skip
    with log.open("wb") as out:
        return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=out)


def _stop(server: subprocess.Popen[bytes], log: Path) -> str:
    server.terminate()
    try:
        server.wait(timeout=60)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
    return log.read_text(encoding="utf-8", errors="replace")


def measure(
    args: argparse.Namespace,
    store: str,
    database_url: str,
    workers: int,
    work: Path,
    before_url: str | None = None,
) -> dict[str, Any]:
    """Every round of one configuration, and the check of what the database holds afterwards.

    ``before_url``: also serve the ``--before`` checkout's service on that (fresh) database, and run
    its intake right after this one's in every round."""
    token = _token(database_url, args.service_src)
    echo_port, service_port = _free_port(), _free_port()
    echo_log, service_log = work / "echo.log", work / "service.log"
    echo = _serve_echo(echo_port, workers, echo_log)
    service = _serve_service(database_url, service_port, workers, service_log, args.service_src)
    before: subprocess.Popen[bytes] | None = None
    before_port, before_log, before_token = _free_port(), work / "before.log", ""
    if before_url is not None:
        before_token = _token(before_url, args.before)
        before = _serve_service(before_url, before_port, workers, before_log, args.before)
    rounds: list[dict[str, Any]] = []
    logs = ""
    try:
        _wait_until_up(f"http://{HOST}:{echo_port}/ready", echo)
        _wait_until_up(f"http://{HOST}:{service_port}/api/v1/ready", service)
        if before is not None:
            _wait_until_up(f"http://{HOST}:{before_port}/api/v1/ready", before)
            ticket: dict[str, Any] = {"mode": "ticket", "path": "/api/v1/tickets", "token": before_token}
            warmup_before = _wrk(args, before_port, seconds=2, connections=16, **ticket)
        ticket_id = _post_ticket(service_port, token)
        read_path = f"/api/v1/tickets/{ticket_id}"
        warm: dict[str, Any] = {"seconds": 2, "connections": 16}
        warmup = [
            _wrk(args, echo_port, mode="ticket", path="/echo", **warm),
            _wrk(args, service_port, mode="ticket", path="/api/v1/tickets", token=token, **warm),
            _wrk(args, service_port, mode="get", path=read_path, token=token, **warm),
        ]
        for number in range(1, args.rounds + 1):
            runs = {
                "echo": _wrk(args, echo_port, mode="ticket", path="/echo"),
                "intake": _wrk(args, service_port, mode="ticket", path="/api/v1/tickets", token=token),
                **({"before": _wrk(args, before_port, **ticket)} if before is not None else {}),
                "bare_get": _wrk(args, echo_port, mode="get", path=f"/echo/{ticket_id}"),
                "read": _wrk(args, service_port, mode="get", path=read_path, token=token),
                "batch": _wrk(
                    args, service_port, mode="batch", path="/api/v1/tickets/batch", token=token, connections=4
                ),
            }
            rounds.append({"round": number, **runs})
            _print_round(store, workers, number, runs)
    finally:
        logs = _stop(service, service_log) + _stop(echo, echo_log)
        if before is not None:
            logs += _stop(before, before_log)
    # (run, tickets per request) for every run that created tickets; 1 for the ticket read by the runs
    creations = [(warmup[1], 1)] + [(r[k], BATCH_SIZE if k == "batch" else 1) for r in rounds
                                    for k in ("intake", "batch")]  # fmt: skip
    acknowledged = 1 + sum(run["ok"] * size for run, size in creations)
    sent = 1 + sum(run["sent"] * size for run, size in creations)
    stored, opened = asyncio.run(_scalars(database_url, *_COUNT_STORED))
    errors = sum(r[k]["errors"] for r in rounds for k in _KINDS if k in r and k != "before")
    errors += sum(w["errors"] for w in warmup)
    consistent = acknowledged <= stored <= sent and stored == opened
    print(
        f"{store} ×{workers}: stored {stored:,} tickets; acknowledged {acknowledged:,}, sent {sent:,}; "
        f"opened in the trend aggregate {opened:,}: {'consistent' if consistent else 'INCONSISTENT'}; "
        f"errors {errors}"
    )
    if before_url is not None:
        creations = [(warmup_before, 1)] + [(r["before"], 1) for r in rounds]
        acknowledged = sum(run["ok"] for run, _ in creations)
        sent = sum(run["sent"] for run, _ in creations)
        stored, opened = asyncio.run(_scalars(before_url, *_COUNT_STORED))
        errors += sum(run["errors"] for run, _ in creations)
        before_consistent = acknowledged <= stored <= sent and stored == opened
        consistent = consistent and before_consistent
        print(
            f"{store} ×{workers}, before ({args.before}): stored {stored:,} tickets; acknowledged "
            f"{acknowledged:,}, sent {sent:,}; opened {opened:,}: "
            f"{'consistent' if before_consistent else 'INCONSISTENT'}"
        )
    if errors:
        first = next(
            (r[k]["first_error"] for r in rounds for k in r if k != "round" and r[k]["first_error"]), ""
        )
        print(f"first error: {first}\nserver logs (tail):\n" + "\n".join(logs.splitlines()[-20:]))
    return {
        "store": store,
        "workers": workers,
        "rounds": rounds,
        "ok": consistent and errors == 0,
        "stored": stored,
        "acknowledged": acknowledged,
    }


_COUNT_STORED = (
    "SELECT count(*) FROM tickets",
    "SELECT coalesce(sum(opened), 0) FROM trend_days WHERE category = '*'",
)


def _print_round(store: str, workers: int, number: int, runs: dict[str, Any]) -> None:
    echo = runs["echo"]
    print(f"{store} ×{workers}, round {number} (load {echo['load']:.2f})")
    for name, r in runs.items():
        unit = "tickets/s" if name == "batch" else "req/s"
        scale = BATCH_SIZE if name == "batch" else 1
        print(
            f"  {name:<9} {r['rps'] * scale:>9,.0f} {unit:<9} p50 {r['p50_us'] / 1000:>7.1f} ms  "
            f"p99 {r['p99_us'] / 1000:>7.1f} ms  requests {r['answered']:>6,}  errors {r['errors']}  "
            f"÷ echo {r['rps'] / echo['rps']:>5.0%}"
        )


def _table(results: list[dict[str, Any]]) -> str:
    lines = [
        "| store | workers | round | load | echo req/s | intake req/s | intake ÷ echo | echo p99 | "
        "intake p99 | p99 ÷ echo's | bare GET req/s | read req/s | read ÷ echo | read ÷ bare GET | "
        "batch tickets/s | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    if any("before" in r for result in results for r in result["rounds"]):
        lines[0] = lines[0].replace("intake ÷ echo |", "intake ÷ echo | before ÷ echo | before p99 |")
        lines[1] += "---:|---:|"
    for result in results:
        for r in result["rounds"]:
            echo, intake, get, read, batch = (r[k] for k in ("echo", "intake", "bare_get", "read", "batch"))
            errors = sum(r[k]["errors"] for k in _KINDS if k in r)
            old = ""
            if "before" in lines[0]:
                b = r.get("before")
                old = "– | – | "
                if b is not None:
                    old = f"{b['rps'] / echo['rps']:.0%} | {b['p99_us'] / 1000:.1f} ms | "
            lines.append(
                f"| {result['store']} | {result['workers']} | {r['round']} | {echo['load']:.2f} | "
                f"{echo['rps']:,.0f} | {intake['rps']:,.0f} | **{intake['rps'] / echo['rps']:.0%}** | {old}"
                f"{echo['p99_us'] / 1000:.1f} ms | {intake['p99_us'] / 1000:.1f} ms | "
                f"**{intake['p99_us'] / echo['p99_us']:.1f}×** | {get['rps']:,.0f} | {read['rps']:,.0f} | "
                f"**{read['rps'] / echo['rps']:.0%}** | {read['rps'] / get['rps']:.0%} | "
                f"{batch['rps'] * BATCH_SIZE:,.0f} | {errors} |"
            )
    return "\n".join(lines)


def _verdicts(results: list[dict[str, Any]]) -> None:
    for result in results:
        if result["store"] != "sqlite" or result["workers"] != 1:
            continue
        for r in result["rounds"]:
            echo, intake, read = r["echo"], r["intake"], r["read"]
            checks = [
                ("read ≥ 60 % of echo", read["rps"] >= 0.6 * echo["rps"]),
                ("intake ≥ 50 % of echo", intake["rps"] >= 0.5 * echo["rps"]),
                ("intake p99 ≤ 3 × echo's", intake["p99_us"] <= 3 * echo["p99_us"]),
            ]
            print(f"round {r['round']}: " + "; ".join(f"{n}: {'yes' if ok else 'NO'}" for n, ok in checks))


def _versions() -> str:
    import importlib.metadata as md
    import sqlite3

    names = ["litestar", "uvicorn", "uvloop", "httptools", "msgspec", "sqlalchemy", "aiosqlite", "asyncpg"]
    found = []
    for name in names:
        with contextlib.suppress(md.PackageNotFoundError):
            found.append(f"{name} {md.version(name)}")
    wrk = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False).stdout.split("\n")[0]
    return (
        f"{platform.platform()}, {os.cpu_count()} CPUs; Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}; {', '.join(found)}; {wrk.strip()}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=8, help="time limit of each run (default 8)")
    parser.add_argument("--requests", type=int, default=200_000, help="answers per run at most (200,000)")
    parser.add_argument("--connections", type=int, default=64, help="wrk connections (default 64)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of interleaved runs (default 2)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1], help="server workers (default 1)")
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="also measure on PostgreSQL (postgresql+asyncpg://user@host/db), with each --workers "
        "count; SQLite is then measured with one worker. A fresh database bench_intake_<pid> is "
        "created beside the one named, and dropped afterwards",
    )
    parser.add_argument(
        "--before",
        type=Path,
        metavar="DIR",
        help="also serve another checkout's src/ (e.g. a worktree of main before a change) on a fresh "
        "database of its own, and run its intake right after this one's in every round (SQLite only)",
    )
    parser.add_argument("--markdown", action="store_true", help="also print the table as Markdown")
    parser.add_argument("--wrk", default=shutil.which("wrk") or "wrk", help="the wrk binary")
    parser.add_argument(
        "--service-src",
        type=Path,
        metavar="DIR",
        help="serve the service from another checkout's src/ (e.g. a git worktree of an older "
        "commit), to compare it with this one against the same echo",
    )
    args = parser.parse_args()

    configurations = [("sqlite", n) for n in ([1] if args.postgres else args.workers)]
    if args.postgres:
        configurations += [("postgresql", n) for n in args.workers]
    print(_versions())
    results = []
    for store, workers in configurations:
        work = Path(tempfile.mkdtemp(prefix="intake-"))
        url = f"sqlite+aiosqlite:///{work / 'intake.db'}"
        if store == "postgresql":
            url = _fresh_postgres(args.postgres, workers)
        before_url = None
        if args.before is not None and store == "sqlite":
            before_url = f"sqlite+aiosqlite:///{work / 'before.db'}"
        try:
            results.append(measure(args, store, url, workers, work, before_url))
        finally:
            if store == "postgresql":
                _drop_postgres(url)
            shutil.rmtree(work, ignore_errors=True)
    _verdicts(results)
    if args.markdown:
        print()
        print(_table(results))
    return 0 if all(r["ok"] for r in results) else 1


def _fresh_postgres(url: str, workers: int) -> str:
    parsed = sa.make_url(url)
    name = f"bench_intake_{os.getpid()}_{workers}"
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


if __name__ == "__main__":
    sys.exit(main())
