"""Benchmark: the CPU one ticket's creation costs the service's process, without HTTP.

    python bench/write_path.py                         # this checkout, 3 rounds of 2,000 tickets
    python bench/write_path.py --before /tmp/before/src --rounds 5

Each measurement runs in a fresh process on a fresh SQLite file (``synchronous=FULL``): a team token
is created, then ``create_ticket`` is awaited for ``--tickets`` tickets, 64 at a time (as 64
connections would), after a warm-up of 200. It prints the process's user and system CPU per ticket
(``os.times``, every thread: the event loop's and the writer's), the tickets per second and the mean
group commit. With ``--before`` the other checkout's ``src/`` is measured the same way, alternately
with this one, and each round prints the ratio: CPU time is what both threads share under the GIL,
and on a shared machine it moves less than wall time (still read the ratios, with the load).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

CHILD = r"""
import asyncio, contextlib, datetime as dt, io, json, os, sys, tempfile, time, uuid
from pathlib import Path
from digitransform.domain import Barrier, DigitalService
from feedback_service.cli import main as cli
from feedback_service.store import mutations, open_database
from feedback_service.store.records import Actor, NewTicket

count = int(sys.argv[1])
url = f"sqlite+aiosqlite:///{Path(tempfile.mkdtemp()) / 'writes.db'}"
with contextlib.redirect_stdout(io.StringIO()):
    cli(["tokens", "create", "--role", "team", "--team", "T-bench", "--commune", "AG001",
         "--database-url", url])
actor = Actor("tok", "team", "T-bench")
observed = dt.datetime(2026, 3, 1, 2, 30, tzinfo=dt.UTC)
two = frozenset({Barrier("no_device"), Barrier("age_fear_low_confidence")})
one = frozenset({Barrier("account_identity_problem")})

def ticket(i):
    return NewTicket(id=str(uuid.uuid4()), team="T-bench", commune="AG001", village=f"AG001-{i % 20 + 1:02d}",
                     categories=two if i % 3 else one, service=DigitalService("vneid"),
                     description="Cụ bà chưa có điện thoại thông minh", people_affected=1 + i % 3,
                     household_ref=None, consent=True, observed_at=observed)

async def main():
    db = open_database(url)
    gate = asyncio.Semaphore(64)
    async def create(i):
        async with gate:
            await mutations.create_ticket(db, ticket(i), actor, dt.datetime.now(dt.UTC))
    await asyncio.gather(*(create(i) for i in range(200)))
    groups, start, wall = db._writer.groups, os.times(), time.perf_counter()
    await asyncio.gather(*(create(i) for i in range(count)))
    end, wall = os.times(), time.perf_counter() - wall
    groups = db._writer.groups - groups
    await db.dispose()
    print(json.dumps({"user_us": 1e6 * (end.user - start.user) / count,
                      "system_us": 1e6 * (end.system - start.system) / count,
                      "per_second": count / wall, "group": count / groups}))

asyncio.run(main())
"""


def _measure(tickets: int, source: Path | None) -> dict[str, float]:
    env = dict(os.environ)
    if source is not None:
        env["PYTHONPATH"] = str(source)
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(tickets)], env=env, capture_output=True, text=True, check=True
    )
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    result["load"] = os.getloadavg()[0]
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=2_000, help="tickets per measurement (2,000)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds (default 3)")
    parser.add_argument("--before", type=Path, metavar="DIR", help="another checkout's src/ to compare")
    args = parser.parse_args()
    print(
        "| round | load | code | user CPU µs/ticket | system CPU µs/ticket | tickets/s | mean group | ",
        end="",
    )
    print("user ÷ before |")
    print("|---:|---:|---|---:|---:|---:|---:|---:|")
    for number in range(1, args.rounds + 1):
        now = _measure(args.tickets, None)
        before = _measure(args.tickets, args.before) if args.before is not None else None
        rows = [("this", now)] + ([("before", before)] if before is not None else [])
        for name, r in rows:
            ratio = (
                f"{now['user_us'] / before['user_us']:.2f}" if before is not None and name == "this" else ""
            )
            print(
                f"| {number} | {r['load']:.1f} | {name} | {r['user_us']:.0f} | {r['system_us']:.0f} | "
                f"{r['per_second']:,.0f} | {r['group']:.1f} | {ratio} |"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
