"""bench/trends: the 52-week unresolved trend from the aggregate vs one full scan of the tickets table.

Bulk-loads N tickets (default 1,000,000) over two years across the demo province straight into the
tables (not through HTTP): each ticket is opened, and then resolved (70 %), rejected (10 %) or left
open; the aggregate and its roll-ups are computed from those rows by SQL with the same rules as
``digitransform.trends.change_deltas`` (the differential tests check the real write path). Then, in
the same run, it times the service's ``unresolved_trend`` (52 weeks, by category and by commune,
province scope) over >= 20 runs each, and a naive GROUP BY over the whole tickets table.

    /work/venv/bin/python bench/trends.py [--tickets 1000000] [--runs 20] [--db /tmp/trends-bench.db]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import sqlite3
import statistics
import time

from digitransform.demo import plan_demo
from digitransform.domain import Barrier, DigitalService
from feedback_service.store import Scope, open_database, upgrade
from feedback_service.trends import unresolved_trend

START = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
DAYS = 730


def load(path: str, count: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    villages = plan_demo(1_300_000, 1).villages
    barriers = [b.value for b in Barrier]
    services = [s.value for s in DigitalService]
    con = sqlite3.connect(path)
    con.execute("PRAGMA synchronous=OFF")
    con.execute("PRAGMA journal_mode=WAL")
    con.executemany(
        "INSERT INTO teams (id, commune, created_at) VALUES (?, ?, ?)",
        [(f"T-{v.code}", v.commune, "2025-01-01 00:00:00.000000") for v in villages],
    )
    fmt = "%Y-%m-%d %H:%M:%S.%f"
    batch: list[tuple[object, ...]] = []
    cats: list[tuple[str, str]] = []
    for i in range(count):
        v = villages[rng.randrange(len(villages))]
        observed = START + dt.timedelta(seconds=rng.randrange(DAYS * 86400))
        chosen = sorted(rng.sample(barriers, rng.choice((1, 1, 2, 3))))
        people = rng.randint(1, 4)
        fate = rng.random()
        changed = observed + dt.timedelta(seconds=rng.randrange(1, 120 * 86400))
        if fate < 0.7:
            status, resolution, resolved_at = "resolved", rng.choice(("on_the_spot", "follow_up")), changed
        elif fate < 0.8:
            status, resolution, resolved_at = "rejected", None, None
        else:
            status, resolution, resolved_at, changed = "open", None, None, observed
        tid = f"{i:032x}"
        batch.append(
            (
                tid,
                v.commune,
                v.code,
                f"T-{v.code}",
                rng.choice(services),
                ",".join(chosen),
                "Người dân gặp khó khăn khi dùng dịch vụ số",
                people,
                people,
                None,
                True,
                observed.strftime(fmt),
                observed.strftime(fmt),
                changed.strftime(fmt),
                changed.strftime(fmt),
                status,
                resolution,
                "không thuộc phạm vi" if status == "rejected" else None,
                None,
                None,
                None if resolved_at is None else resolved_at.strftime(fmt),
                2 if status != "open" else 1,
                "h",
            )
        )
        cats.extend((tid, c) for c in chosen)
        if len(batch) >= 50_000:
            _flush(con, batch, cats)
    _flush(con, batch, cats)
    # The aggregate, with change_deltas' rules: an opening adds opened and its people; a resolve or a
    # reject takes them away again. Local dates are UTC + 7 hours.
    con.executescript(
        """
        CREATE TEMP TABLE changes AS
        SELECT date(observed_at, '+7 hours') AS d, id, commune, village, team, service,
               1 AS opened, 0 AS resolved, 0 AS rejected, 0 AS spot, people_affected AS people,
               people_affected AS reported FROM tickets
        UNION ALL
        SELECT date(changed_at, '+7 hours'), id, commune, village, team, service, 0,
               status = 'resolved', status = 'rejected', resolution IS 'on_the_spot', -people_affected, 0
        FROM tickets WHERE status IN ('resolved', 'rejected');
        INSERT INTO trend_days SELECT d, commune, village, team, service, cat,
               SUM(opened), SUM(resolved), SUM(rejected), 0, SUM(spot), SUM(people), SUM(reported)
        FROM (SELECT c.*, '*' AS cat FROM changes c
              UNION ALL SELECT c.*, tc.category FROM changes c JOIN ticket_categories tc ON tc.ticket_id = c.id)
        GROUP BY d, commune, village, team, service, cat;
        INSERT INTO trend_days_commune SELECT category, local_date, commune, SUM(opened), SUM(resolved),
               SUM(rejected), SUM(reopened), SUM(resolved_on_the_spot), SUM(people_delta), SUM(people_reported)
        FROM trend_days GROUP BY category, local_date, commune;
        INSERT INTO trend_days_province SELECT category, local_date, SUM(opened), SUM(resolved),
               SUM(rejected), SUM(reopened), SUM(resolved_on_the_spot), SUM(people_delta), SUM(people_reported)
        FROM trend_days GROUP BY category, local_date;
        ANALYZE;
        """
    )
    con.commit()
    con.close()


def _flush(con: sqlite3.Connection, batch: list[tuple[object, ...]], cats: list[tuple[str, str]]) -> None:
    con.executemany(f"INSERT INTO tickets VALUES ({', '.join('?' * 23)})", batch)
    con.executemany("INSERT INTO ticket_categories VALUES (?, ?)", cats)
    con.commit()
    batch.clear()
    cats.clear()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def measure(path: str, runs: int) -> None:
    db = open_database(f"sqlite+aiosqlite:///{path}")
    last = dt.date(2026, 12, 27)
    first = last - dt.timedelta(weeks=52) + dt.timedelta(days=1)
    timings: dict[str, list[float]] = {}
    for group_by in ("category", "commune"):
        await unresolved_trend(db, Scope.everything(), "week", first, last, group_by)  # warm
        for _ in range(runs):
            t0 = time.perf_counter()
            await unresolved_trend(db, Scope.everything(), "week", first, last, group_by)
            timings.setdefault(group_by, []).append(time.perf_counter() - t0)
    await db.dispose()
    con = sqlite3.connect(path)
    scan = []
    naive = "SELECT commune, status, COUNT(*), SUM(people_affected) FROM tickets GROUP BY commune, status"
    con.execute(naive).fetchall()
    for _ in range(5):
        t0 = time.perf_counter()
        con.execute(naive).fetchall()
        scan.append(time.perf_counter() - t0)
    rows = {
        t: con.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
        for t in ("tickets", "trend_days", "trend_days_commune", "trend_days_province")
    }
    con.close()
    full = statistics.median(scan)
    print(f"rows: {rows}")
    print(f"full scan of tickets (naive GROUP BY), median of 5: {full * 1000:.1f} ms")
    print(f"{'query (52 weeks, province)':32} {'p50 ms':>8} {'p95 ms':>8} {'p50 / scan':>11}")
    for name, values in timings.items():
        p50, p95 = statistics.median(values), percentile(values, 0.95)
        print(f"{'unresolved by ' + name:32} {p50 * 1000:8.1f} {p95 * 1000:8.1f} {p50 / full:10.1%}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--db", default="/tmp/trends-bench.db")
    parser.add_argument("--reuse", action="store_true", help="measure an existing database again")
    args = parser.parse_args()
    if not args.reuse:
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(args.db + suffix):
                os.remove(args.db + suffix)

        async def migrate() -> None:
            db = open_database(f"sqlite+aiosqlite:///{args.db}")
            await upgrade(db)
            await db.dispose()

        asyncio.run(migrate())
        t0 = time.perf_counter()
        load(args.db, args.tickets)
        print(f"loaded {args.tickets:,} tickets in {time.perf_counter() - t0:.0f} s")
    asyncio.run(measure(args.db, args.runs))


if __name__ == "__main__":
    main()
