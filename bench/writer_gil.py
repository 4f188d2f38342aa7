"""Benchmark: what SQLite's writer thread loses to the GIL while the event loop is busy.

    python bench/writer_gil.py                 # groups of 29 tickets, 150 groups per configuration
    python bench/writer_gil.py --group 64 --groups 100

The service's own writer (``store/writer.SqliteWriter``, via ``services.tickets.create``) commits
groups of new tickets on a fresh SQLite file (``synchronous=FULL``), the event loop idle between
groups. Each configuration runs once with nothing else in the process and once with a second
thread spinning pure Python, as an event loop busy with requests holds the GIL, under two switch
intervals (``sys.setswitchinterval``: CPython's 5 ms default, and 0.5 ms). The table gives each
group's wall time, the writer thread's CPU per group, and the ratio of wall to that of the idle
run: a group's statements each release the GIL inside SQLite and must take it back before the
next, so a busy loop costs the writer up to one switch interval per statement.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import intake  # bench/intake.py: the ticket and the token of the HTTP benchmark


async def _groups(url: str, size: int, count: int) -> list[tuple[float, float]]:
    """(wall, writer CPU) of each group's transaction, in seconds."""
    from feedback_service.api.body import decode_strict
    from feedback_service.api.schemas import TicketIn
    from feedback_service.api.wire import new_ticket
    from feedback_service.auth.principal import Principal, Role
    from feedback_service.context import ServiceContext
    from feedback_service.services import tickets
    from feedback_service.settings import Settings
    from feedback_service.store import writer

    settings = Settings.from_env({"FEEDBACK_DATABASE_URL": url, "FEEDBACK_UNITS": "demo"})
    ctx = ServiceContext.open(settings)
    team = Principal("tok_bench", Role.TEAM, team="T-bench", commune="AG001")
    timed: list[tuple[float, float]] = []
    settle = writer.GroupCommit._transaction

    def transaction(self: Any, conn: Any, group: Any) -> Any:
        wall, cpu = time.perf_counter(), time.thread_time()
        try:
            return settle(self, conn, group)
        finally:
            timed.append((time.perf_counter() - wall, time.thread_time() - cpu))

    writer.GroupCommit._transaction = transaction  # type: ignore[method-assign]
    try:
        for _ in range(count):
            news = []
            for _ in range(size):
                body = json.dumps({"id": str(uuid.uuid4()), **intake.TICKET_FIELDS}).encode()
                news.append(
                    new_ticket(decode_strict(body, TicketIn), team, ctx.tree, ctx.now(), settings.clock_skew)
                )
            await asyncio.gather(*(tickets.create(ctx.db, new, team.actor, ctx.now()) for new in news))
    finally:
        writer.GroupCommit._transaction = settle  # type: ignore[method-assign]
        await ctx.db.dispose()
    return [t for t in timed if t[0] > 0][count // 5 :]  # the first fifth warms the caches


def _run(size: int, count: int, spin: bool, interval: float) -> dict[str, float]:
    import uvloop

    work = Path(tempfile.mkdtemp(prefix="writer-gil-"))
    url = f"sqlite+aiosqlite:///{work / 'gil.db'}"
    intake._token(url)  # the team and its token (and the schema)
    stop = threading.Event()

    def busy() -> None:
        total = 0
        while not stop.is_set():
            for i in range(1000):
                total += i

    previous = sys.getswitchinterval()
    sys.setswitchinterval(interval)
    spinner = threading.Thread(target=busy, daemon=True)
    if spin:
        spinner.start()
    try:
        timed = uvloop.run(_groups(url, size, count))
    finally:
        stop.set()
        sys.setswitchinterval(previous)
        if spin:
            spinner.join()
    return {
        "wall_ms": statistics.median(t[0] for t in timed) * 1e3,
        "cpu_ms": statistics.median(t[1] for t in timed) * 1e3,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--group", type=int, default=29, help="tickets per group (default 29)")
    parser.add_argument("--groups", type=int, default=150, help="groups per configuration (default 150)")
    args = parser.parse_args()
    print(intake._versions())
    print()
    print("| switch interval | other thread | median wall per group | writer CPU per group | wall ÷ idle's |")
    print("|---:|---|---:|---:|---:|")
    for interval in (0.005, 0.0005):
        idle = _run(args.group, args.groups, False, interval)
        busy = _run(args.group, args.groups, True, interval)
        for name, found in (("idle", idle), ("spinning Python", busy)):
            wall, cpu, ratio = found["wall_ms"], found["cpu_ms"], found["wall_ms"] / idle["wall_ms"]
            print(f"| {interval * 1e3:g} ms | {name} | {wall:.2f} ms | {cpu:.2f} ms | {ratio:.1f}× |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
