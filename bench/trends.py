"""bench/trends: the 52-week unresolved trend from the aggregate vs a full scan of the tickets table.

Bulk-loads N tickets (default 1,000,000) over two years across the demo province straight into a
migrated SQLite store (not through HTTP), in one transaction with the secondary indexes dropped
and rebuilt afterwards: each ticket is opened, then resolved (70 %), rejected (10 %) or left
open. The aggregate and its roll-ups are computed from those rows by SQL with the rules of
``digitransform.trends.change_deltas`` (an opening adds ``opened`` and its people on the local day
of observation; a resolve or reject takes them away on its own local day; the differential tests
in ``tests/service_trends`` check the real write path against the library). Then, in the same run,
it times the service's ``unresolved_trend`` (52 weeks, province scope, by category and by commune)
over ``--runs`` runs each, and full scans of the tickets table: the cheapest one (a GROUP BY
commune, status) and the naive answer to the same questions (tickets opened per week and still
unresolved, by commune or by category, straight from the tickets).

    /work/venv/bin/python bench/trends.py [--tickets 1000000] [--runs 20] [--db /tmp/trends-bench.db]
    /work/venv/bin/python bench/trends.py --reuse        # measure an existing database again
"""

from __future__ import annotations

import argparse
import asyncio
import calendar
import datetime as dt
import os
import platform
import random
import sqlite3
import statistics
import time

from digitransform.demo import plan_demo
from digitransform.domain import Barrier, DigitalService
from feedback_service.store import Scope, open_database, upgrade
from feedback_service.trends import unresolved_trend

START = calendar.timegm(dt.datetime(2025, 1, 1, tzinfo=dt.UTC).timetuple())
DAYS = 730
LAST = dt.date(2026, 12, 27)
"""The last Sunday of the two years: the 52-week window ends here."""
FIRST = LAST - dt.timedelta(weeks=52) + dt.timedelta(days=1)
UNRESOLVED = "('open', 'acknowledged', 'in_progress')"
COUNTS = "opened, resolved, rejected, reopened, resolved_on_the_spot, people_delta, people_reported"
SUMS = ", ".join(f"SUM({c})" for c in COUNTS.split(", "))
MONDAY = "date(local_date, '-6 days', 'weekday 1')"

CODES = """('["' || replace({column}, ',', '","') || '"]')"""
"""A ticket's categories column as a JSON array, for json_each: one row per barrier code."""

# The aggregate with change_deltas' rules; local dates are UTC + 7 hours (Vietnam has no DST).
AGGREGATE = f"""
CREATE TEMP TABLE changes AS
SELECT date(observed_at, '+7 hours') AS d, id, commune, village, team, service, categories,
       1 AS opened, 0 AS resolved, 0 AS rejected, 0 AS spot, people_affected AS people,
       people_affected AS reported FROM tickets
UNION ALL
SELECT date(changed_at, '+7 hours'), id, commune, village, team, service, categories, 0,
       status = 'resolved', status = 'rejected', resolution IS 'on_the_spot', -people_affected, 0
FROM tickets WHERE status IN ('resolved', 'rejected');
INSERT INTO trend_days SELECT d, commune, village, team, service, cat,
       SUM(opened), SUM(resolved), SUM(rejected), 0, SUM(spot), SUM(people), SUM(reported)
FROM (SELECT c.*, '*' AS cat FROM changes c
      UNION ALL
      SELECT c.*, tc.value FROM changes c, json_each({CODES.format(column="c.categories")}) tc)
GROUP BY d, commune, village, team, service, cat;
INSERT INTO trend_days_commune SELECT category, local_date, commune, {SUMS}
FROM trend_days GROUP BY category, local_date, commune;
INSERT INTO trend_days_province SELECT category, local_date, {SUMS}
FROM trend_days_commune GROUP BY category, local_date;
INSERT INTO trend_weeks_commune SELECT category, {MONDAY}, commune, {SUMS}
FROM trend_days_commune GROUP BY category, {MONDAY}, commune;
INSERT INTO trend_weeks_province SELECT category, {MONDAY}, {SUMS}
FROM trend_days_province GROUP BY category, {MONDAY};
DROP TABLE changes;
"""

_WEEK = (
    "CASE WHEN observed_at < :first THEN -1 "
    "ELSE CAST((julianday(observed_at, '+7 hours') - julianday(:first_day)) / 7 AS INTEGER) END"
)
SCANS = {
    "GROUP BY commune, status": "SELECT commune, status, COUNT(*), SUM(people_affected) "
    "FROM tickets GROUP BY commune, status",
    "naive weekly by commune": f"SELECT commune, {_WEEK} AS w, COUNT(*), "
    f"SUM(status IN {UNRESOLVED}) FROM tickets WHERE observed_at < :end GROUP BY commune, w",
    "naive weekly by category": f"SELECT tc.value, {_WEEK} AS w, COUNT(*), "
    f"SUM(status IN {UNRESOLVED}) FROM tickets, json_each({CODES.format(column='categories')}) tc "
    "WHERE observed_at < :end GROUP BY tc.value, w",
}
"""Full scans of tickets: the cheapest, and the naive answers to the two timed questions."""


def _moment(seconds: int) -> str:
    """SQLAlchemy's SQLite text for a UTC moment."""
    return time.strftime("%Y-%m-%d %H:%M:%S.000000", time.gmtime(seconds))


def _tickets(count: int, seed: int) -> tuple[list[tuple[object, ...]], list[str]]:
    rng = random.Random(seed)
    villages = [(v.commune, v.code) for v in plan_demo(1_300_000, 1).villages]
    barriers = [b.value for b in Barrier]
    services = [s.value for s in DigitalService]
    rows: list[tuple[object, ...]] = []
    text = "Người dân gặp khó khăn khi dùng dịch vụ số"
    for i in range(count):
        commune, village = villages[rng.randrange(len(villages))]
        observed = START + rng.randrange(DAYS * 86400)
        chosen = sorted(rng.sample(barriers, rng.choice((1, 1, 2, 3))))
        people = rng.randint(1, 4)
        fate = rng.random()
        changed = observed + rng.randrange(1, 120 * 86400)
        resolution = None
        if fate < 0.7:
            status, resolution = "resolved", rng.choice(("on_the_spot", "follow_up"))
        elif fate < 0.8:
            status = "rejected"
        else:
            status, changed = "open", observed
        tid = f"{i:032x}"
        seen, last = _moment(observed), _moment(changed)
        rows.append(
            (
                tid,
                commune,
                village,
                f"T-{village}",
                services[rng.randrange(len(services))],
                ",".join(chosen),
                text,
                people,
                people,
                None,
                True,
                seen,
                seen,
                last,
                last,
                status,
                resolution,
                "không thuộc phạm vi" if status == "rejected" else None,
                None,
                None,
                last if status == "resolved" else None,
                1 if status == "open" else 2,
                f"{rng.getrandbits(256):064x}",
            )
        )
    return rows, sorted({v for _, v in villages})


def load(path: str, count: int, seed: int = 7) -> None:
    """``count`` tickets and their aggregate, in one transaction, secondary indexes built after."""
    t0 = time.perf_counter()
    rows, villages = _tickets(count, seed)
    print(f"  generated in {time.perf_counter() - t0:.0f} s")
    con = sqlite3.connect(path, isolation_level=None)
    for pragma in ("synchronous=OFF", "journal_mode=OFF", "cache_size=-400000", "temp_store=MEMORY"):
        con.execute(f"PRAGMA {pragma}")
    indexes = con.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
    ).fetchall()
    con.execute("BEGIN")
    for name, _ in indexes:
        con.execute(f"DROP INDEX {name}")
    communes = {v: v.rsplit("-", 1)[0] for v in villages}
    con.executemany(
        "INSERT INTO teams (id, commune, created_at) VALUES (?, ?, '2025-01-01 00:00:00.000000')",
        [(f"T-{v}", communes[v]) for v in villages],
    )
    t1 = time.perf_counter()
    con.executemany(f"INSERT INTO tickets VALUES ({', '.join('?' * 23)})", rows)
    print(f"  tickets inserted in {time.perf_counter() - t1:.0f} s")
    t1 = time.perf_counter()
    con.executescript(AGGREGATE)
    print(f"  aggregate in {time.perf_counter() - t1:.0f} s")
    t1 = time.perf_counter()
    for _, sql in indexes:  # executescript committed the load; each index commits on its own
        con.execute(sql)
    con.execute("ANALYZE")
    con.close()
    print(f"  indexes and ANALYZE in {time.perf_counter() - t1:.0f} s")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def _queries(path: str, runs: int) -> dict[str, list[float]]:
    db = open_database(f"sqlite+aiosqlite:///{path}")
    timings: dict[str, list[float]] = {}
    try:
        for group_by in ("category", "commune"):
            await unresolved_trend(db, Scope.everything(), "week", FIRST, LAST, group_by)  # warm
            for _ in range(runs):
                t0 = time.perf_counter()
                await unresolved_trend(db, Scope.everything(), "week", FIRST, LAST, group_by)
                timings.setdefault(f"unresolved by {group_by}", []).append(time.perf_counter() - t0)
    finally:
        await db.dispose()
    return timings


def _scans(path: str, runs: int) -> dict[str, list[float]]:
    con = sqlite3.connect(path)
    params = {
        "first": _moment(calendar.timegm(FIRST.timetuple()) - 7 * 3600),
        "first_day": FIRST.isoformat(),
        "end": _moment(calendar.timegm((LAST + dt.timedelta(days=1)).timetuple()) - 7 * 3600),
    }
    timings: dict[str, list[float]] = {}
    for name, sql in SCANS.items():
        con.execute(sql, params).fetchall()  # warm the page cache
        for _ in range(runs):
            t0 = time.perf_counter()
            con.execute(sql, params).fetchall()
            timings.setdefault(name, []).append(time.perf_counter() - t0)
    con.close()
    return timings


def measure(path: str, runs: int, scan_runs: int) -> None:
    queries = asyncio.run(_queries(path, runs))
    scans = _scans(path, scan_runs)
    con = sqlite3.connect(path)
    tables = ("tickets", "trend_days", "trend_days_commune", "trend_weeks_commune", "trend_weeks_province")
    rows = {t: con.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables}
    size = os.path.getsize(path)
    con.close()
    cheapest = statistics.median(scans["GROUP BY commune, status"])
    print(f"rows: {rows}; database {size / 2**20:.0f} MiB")
    print(f"python {platform.python_version()}, sqlite {sqlite3.sqlite_version}; {runs} runs per query")
    print()
    head = ("query (52 weeks, province)", "runs", "p50 ms", "p95 ms", "p50 / scan")
    print(f"| {head[0]:36} | {head[1]:>4} | {head[2]:>8} | {head[3]:>8} | {head[4]:>10} |")
    print(f"|{'-' * 38}|{'-' * 5}:|{'-' * 9}:|{'-' * 9}:|{'-' * 11}:|")
    for name, values in (*queries.items(), *((f"full scan: {k}", v) for k, v in scans.items())):
        p50, p95 = statistics.median(values), percentile(values, 0.95)
        ratio = f"{p50 / cheapest:.1%}"
        print(f"| {name:36} | {len(values):4} | {p50 * 1000:8.1f} | {p95 * 1000:8.1f} | {ratio:>10} |")
    print()
    print(
        "p50 / scan: the query's median over the median of the cheapest full scan (GROUP BY commune, status)."
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=20, help="runs of each trend query (default 20)")
    parser.add_argument("--scan-runs", type=int, default=5, help="runs of each full scan (default 5)")
    parser.add_argument("--db", default="/tmp/trends-bench.db")
    parser.add_argument("--reuse", action="store_true", help="measure an existing database again")
    args = parser.parse_args()
    if not args.reuse:
        for suffix in ("", "-wal", "-shm", "-journal"):
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
    measure(args.db, args.runs, args.scan_runs)


if __name__ == "__main__":
    main()
