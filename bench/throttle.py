"""bench/throttle: what the failed-authentication limit costs a valid token's check.

Every full token check (one the worker's memo of valid checks does not answer) also asks whether
the client's address or the token's prefix is over the failure limit
(``feedback_service.auth.throttle``): one more lookup in the ``auth_failures`` table. This times
``check_secret`` for a valid team token on a migrated SQLite store, without a guard (the check as it
was: the baseline) and with one, interleaved, ``--rounds`` rounds of ``--checks`` checks each, and
prints the medians and their ratio.

    python bench/throttle.py [--checks 5000] [--rounds 5] [--db /tmp/throttle-bench.db]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import platform
import sqlite3
import statistics
import sys
import time
from pathlib import Path

from digitransform.domain import AdminLevel
from feedback_service.auth import Role, issue_token
from feedback_service.auth.throttle import Throttle
from feedback_service.auth.tokens import check_secret
from feedback_service.context import load_units
from feedback_service.settings import Settings
from feedback_service.store import open_database, upgrade


async def measure(path: Path, checks: int, rounds: int) -> dict[str, list[float]]:
    for leftover in path.parent.glob(path.name + "*"):
        leftover.unlink()
    db = open_database(f"sqlite+aiosqlite:///{path}")
    try:
        await upgrade(db)
        tree = load_units(Settings())
        commune = tree.at_level(AdminLevel.COMMUNE)[0].code
        token = await issue_token(
            db, tree, Role.TEAM, now=dt.datetime.now(dt.UTC), team="TB", commune=commune
        )
        throttle = Throttle()
        found: dict[str, list[float]] = {"without the limit": [], "with the limit": []}
        for _ in range(rounds):
            for kind, times in found.items():
                start = time.perf_counter()
                for _ in range(checks):
                    guard = None
                    if kind == "with the limit":
                        guard = throttle.guard("127.0.0.1", token.secret, dt.datetime.now(dt.UTC))
                    check = await check_secret(db, token.secret, guard)
                    assert check.principal is not None
                times.append((time.perf_counter() - start) / checks * 1e6)
        return found
    finally:
        await db.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checks", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--db", type=Path, default=Path("/tmp/throttle-bench.db"))
    args = parser.parse_args()
    print(f"{platform.platform()}, Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}")
    found = asyncio.run(measure(args.db, args.checks, args.rounds))
    base = statistics.median(found["without the limit"])
    print(f"{'token check':<20} {'median µs':>10} {'÷ baseline':>11}")
    for kind, times in found.items():
        median = statistics.median(times)
        print(f"{kind:<20} {median:>10.1f} {median / base:>10.2f}×")
    return 0


if __name__ == "__main__":
    sys.exit(main())
