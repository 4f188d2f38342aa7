"""Benchmark: the indicator report for a province of 1.3 million households, against DuckDB, polars,
pandas and the bare msgspec loop.

    python bench/indicators.py                  # 1.3 M households (generated once into bench/out/)
    python bench/indicators.py --households 100000 --skip-pandas

Each contender runs in its own subprocess, after its imports, on the same ``households.jsonl``:

- ``engine``: the library's full report (every household indicator at every level, rendered as
  JSON), one process, then ``--workers 2``;
- ``engine dask 2``: the same report with the households counted on Dask (two local processes);
- ``duckdb``: the same village aggregates in SQL (``read_json``, DuckDB's default threads), the
  contender an analyst would pick today;
- ``polars`` and ``pandas``: the same village aggregates, rolled up to communes and the province,
  written the way a data analyst would (benchmark-only dependencies);
- ``floor``: the floor for Python, a bare loop that decodes each line with msgspec into typed
  Structs and counts six aggregates, nothing else.

Time is wall time of the work inside the subprocess (imports and interpreter start-up excluded;
CPU time, of the process and its workers, is printed next to it),
the fastest of ``--repeat`` runs on a shared machine; peak memory is the subprocess's maximum
resident set size, from ``os.wait4`` (the largest over the runs). ``load`` is the one-minute load
average when the kept run started: other work on the machine slows every contender. With worker processes
the figure is the parent's peak plus each worker's (an upper bound: forked pages are shared). Every
contender prints the province's counts, and the harness checks they agree.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
CHECKS = ("households", "adults", "adult_smartphone", "over15", "over15_internet", "fibre")
"""Province totals every contender reports; the floor counts exactly these six."""


# --- data -------------------------------------------------------------------------------------


def dataset(households: int, seed: int) -> Path:
    """The directory with ``units.csv`` and ``households.jsonl``, generated on first use."""
    generate_demo: Callable[..., Any] | None
    try:
        from digitransform.demo import generate_demo
    except ImportError:  # the demo generator is not there: use the bench's own
        generate_demo = None
    source = "demo" if generate_demo is not None else "bench"
    folder = OUT / f"province-{source}-{households}-{seed}"
    if (folder / "households.jsonl").exists() and (folder / "units.csv").exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    if generate_demo is not None:
        generate_demo(folder, households=households, seed=seed)
    else:
        _generate(folder, households, seed)
    print(f"generated {households:,} households ({source}) in {time.perf_counter() - started:.0f} s")
    return folder


def _generate(folder: Path, households: int, seed: int) -> None:
    """A synthetic province shaped on An Giang: 102 communes, about 1,035 villages, grouped by village."""
    import msgspec

    rng = random.Random(seed)
    communes = [f"{91000 + 7 * i:05d}" for i in range(102)]
    villages = [(c, f"{c}{j + 1:03d}") for i, c in enumerate(communes) for j in range(9 + (i % 3 == 0) * 3)]
    with (folder / "units.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["code", "name", "level", "parent_code"])
        writer.writerow(["91", "Tỉnh An Giang", "province", ""])
        for i, c in enumerate(communes):
            writer.writerow([c, f"Xã An Giang {i + 1}", "commune", "91"])
        for j, (c, v) in enumerate(villages):
            writer.writerow([v, f"Ấp {j + 1}", "village", c])
    encode = msgspec.json.encode
    nets = ("fibre", "fibre", "fibre", "mobile", "mobile", "none", "fixed")
    with (folder / "households.jsonl").open("wb") as f:
        for i in range(households):
            _, village = villages[i * len(villages) // households]
            good = rng.random() < 0.5  # better-connected villages and households
            members = []
            for _ in range(rng.choice((1, 2, 3, 3, 4, 4, 4, 5, 5, 6))):
                age = min(100, int(rng.triangular(0, 95, 30)))
                p_phone = (
                    (0.93 if good else 0.8) if 15 <= age < 60 else (0.5 if age >= 60 else 0.3 * (age >= 10))
                )
                phone = rng.random() < p_phone
                members.append(
                    {
                        "age": age,
                        "smartphone": phone,
                        "internet_user": phone and rng.random() < 0.9,
                        "vneid_level": rng.choice((2, 2, 2, 2, 1, 0))
                        if age >= 14
                        else (1 if age >= 6 else 0),
                        "id_card": age >= 14 and rng.random() < 0.95,
                        "payment_account": age >= 15 and rng.random() < 0.7,
                        "digital_signature": age >= 18 and rng.random() < 0.2,
                        "digital_skills": phone and rng.random() < 0.75,
                    }
                )
            household = {
                "id": f"h-{i:07d}",
                "village": village,
                "internet": rng.choice(nets),
                "other_smart_devices": rng.choice((0, 0, 0, 1, 2)),
                "members": members,
            }
            f.write(encode(household))
            f.write(b"\n")


# --- contenders (each runs in its own subprocess) ---------------------------------------------


def run_engine(folder: Path, workers: int) -> dict[str, int]:
    """The library's full household report, every level, rendered as JSON."""
    from digitransform.indicators import DEFAULT_REPORT, Accumulator, Source, build_report, report_to_json
    from digitransform.indicators.scan import count_households_file

    tree = _tree(folder)
    household_indicators = [d for d in DEFAULT_REPORT if d.source is Source.HOUSEHOLDS]
    accumulator = Accumulator(tree, household_indicators)
    count_households_file(folder / "households.jsonl", accumulator, workers=workers)
    report = build_report(accumulator, year=2025)
    rendered = report_to_json(report)
    assert rendered
    root = tree.root.code
    adult = report.row(root, "adult_smartphone_rate")
    internet = report.row(root, "internet_user_rate")
    return {
        "households": report.row(root, "household_fibre_rate").denominator,
        "adults": adult.denominator,
        "adult_smartphone": adult.numerator,
        "over15": internet.denominator,
        "over15_internet": internet.numerator,
        "fibre": report.row(root, "household_fibre_rate").numerator,
    }


def _tree(folder: Path) -> Any:
    try:
        from digitransform.formats import load_tree
    except ImportError:  # until the formats package lands
        from digitransform.domain import AdminLevel, AdminTree, AdminUnit

        with (folder / "units.csv").open(encoding="utf-8") as f:
            return AdminTree(
                AdminUnit(r["code"], r["name"], AdminLevel(r["level"]), r["parent_code"] or None)
                for r in csv.DictReader(f)
            )
    return load_tree(folder / "units.csv")


def run_floor(folder: Path) -> dict[str, int]:
    """Decode each line into typed Structs and count six aggregates: Python's floor for this job."""
    import msgspec

    from digitransform.domain import InternetAccess
    from digitransform.indicators.scan import HouseholdLine

    decode = msgspec.json.Decoder(HouseholdLine).decode
    FIBRE = InternetAccess.FIBRE
    households = adults = adult_smartphone = over15 = over15_internet = fibre = 0
    with (folder / "households.jsonl").open("rb") as f:
        for line in f:
            household = decode(line)
            households += 1
            if household.internet is FIBRE:
                fibre += 1
            for m in household.members:
                if m.age >= 15:
                    over15 += 1
                    if m.internet_user:
                        over15_internet += 1
                    if m.age >= 18:
                        adults += 1
                        if m.smartphone:
                            adult_smartphone += 1
    return dict(
        zip(CHECKS, (households, adults, adult_smartphone, over15, over15_internet, fibre), strict=True)
    )


def _units(folder: Path) -> dict[str, str]:
    with (folder / "units.csv").open(encoding="utf-8") as f:
        return {row["code"]: row["parent_code"] for row in csv.DictReader(f)}


def run_polars(folder: Path, reader: str = "lines") -> dict[str, int]:
    """The same aggregates with polars: read, explode members, group by village, roll up, divide.

    ``reader="lines"`` reads the lines as one string column and decodes it with ``str.json_decode``,
    which polars 2.1 does about three times faster than ``read_ndjson`` does for these nested
    records (``reader="ndjson"``); polars is given the faster of the two.
    """
    import polars as pl

    member = pl.Struct(
        {
            "age": pl.Int64,
            "smartphone": pl.Boolean,
            "internet_user": pl.Boolean,
            "vneid_level": pl.Int64,
            "id_card": pl.Boolean,
            "payment_account": pl.Boolean,
            "digital_signature": pl.Boolean,
            "digital_skills": pl.Boolean,
        }
    )
    schema = {
        "id": pl.String,
        "village": pl.String,
        "internet": pl.String,
        "other_smart_devices": pl.Int64,
        "members": pl.List(member),
    }
    path = folder / "households.jsonl"
    if reader == "ndjson":
        df = pl.read_ndjson(path, schema=schema)
    else:
        # A separator and no quoting that JSON text never contains: each line is one string.
        lines = pl.read_csv(
            path, has_header=False, separator="\x01", quote_char=None, schema={"line": pl.String}
        )
        df = lines.select(pl.col("line").str.json_decode(pl.Struct(schema))).unnest("line")
    e = pl.element().struct
    has_phone = pl.col("members").list.eval(e.field("smartphone")).list.any()
    household_counts = df.group_by("village").agg(
        households=pl.len(),
        fibre=(pl.col("internet") == "fibre").sum(),
        internet=(pl.col("internet") != "none").sum(),
        smartphone=has_phone.sum(),
        no_device=((~has_phone) & (pl.col("other_smart_devices") == 0)).sum(),
        core=pl.col("members")
        .list.eval((e.field("age") >= 15) & e.field("smartphone") & e.field("digital_skills"))
        .list.any()
        .sum(),
    )
    age = pl.col("age")
    people = df.select("village", "members").explode("members").unnest("members")
    person_counts = people.group_by("village").agg(
        adults=(age >= 18).sum(),
        adult_smartphone=((age >= 18) & pl.col("smartphone")).sum(),
        adult_signature=((age >= 18) & pl.col("digital_signature")).sum(),
        over15=(age >= 15).sum(),
        over15_smartphone=((age >= 15) & pl.col("smartphone")).sum(),
        over15_internet=((age >= 15) & pl.col("internet_user")).sum(),
        over15_payment=((age >= 15) & pl.col("payment_account")).sum(),
        eligible=((age >= 14) & pl.col("id_card")).sum(),
        eligible_level2=((age >= 14) & pl.col("id_card") & (pl.col("vneid_level") == 2)).sum(),
        working=age.is_between(15, 60).sum(),
        working_skills=(age.is_between(15, 60) & pl.col("digital_skills")).sum(),
    )
    villages = household_counts.join(person_counts, on="village", how="left").fill_null(0)
    parents = _units(folder)
    links = pl.DataFrame({"village": list(parents), "commune": list(parents.values())})
    villages = villages.join(links, on="village")
    sums = [pl.col(c).sum() for c in villages.columns if c not in ("village", "commune")]
    communes = villages.group_by("commune").agg(sums)
    province = communes.select(sums)
    for frame in (villages, communes, province):  # the rates at every level: ratio of sums
        frame.with_columns(
            adult_smartphone_rate=100 * pl.col("adult_smartphone") / pl.col("adults"),
            household_fibre_rate=100 * pl.col("fibre") / pl.col("households"),
            household_digital_core_rate=100 * pl.col("core") / pl.col("households"),
            vneid_level2_rate=100 * pl.col("eligible_level2") / pl.col("eligible"),
        )
    row = province.row(0, named=True)
    return {k: int(row[k]) for k in CHECKS}


DUCKDB_SQL = """
WITH households AS (
    SELECT village, internet, other_smart_devices, members
    FROM read_json($path, format = 'newline_delimited', columns = {
        id: 'VARCHAR', village: 'VARCHAR', internet: 'VARCHAR', other_smart_devices: 'BIGINT',
        members: 'STRUCT(age BIGINT, smartphone BOOLEAN, internet_user BOOLEAN, vneid_level BIGINT,
                  id_card BOOLEAN, payment_account BOOLEAN, digital_signature BOOLEAN,
                  digital_skills BOOLEAN)[]'
    })
),
by_household AS (
    SELECT village,
        count(*) AS households,
        count_if(internet = 'fibre') AS fibre,
        count_if(internet <> 'none') AS internet,
        count_if(coalesce(list_bool_or(list_transform(members, lambda m: m.smartphone)), false))
            AS smartphone,
        count_if(NOT coalesce(list_bool_or(list_transform(members, lambda m: m.smartphone)), false)
                 AND other_smart_devices = 0) AS no_device,
        count_if(coalesce(list_bool_or(list_transform(members,
            lambda m: m.age >= 15 AND m.smartphone AND m.digital_skills)), false)) AS core
    FROM households GROUP BY village
),
people AS (SELECT village, unnest(members, recursive := true) FROM households),
by_person AS (
    SELECT village,
        count_if(age >= 18) AS adults,
        count_if(age >= 18 AND smartphone) AS adult_smartphone,
        count_if(age >= 18 AND digital_signature) AS adult_signature,
        count_if(age >= 15) AS over15,
        count_if(age >= 15 AND smartphone) AS over15_smartphone,
        count_if(age >= 15 AND internet_user) AS over15_internet,
        count_if(age >= 15 AND payment_account) AS over15_payment,
        count_if(age >= 14 AND id_card) AS eligible,
        count_if(age >= 14 AND id_card AND vneid_level = 2) AS eligible_level2,
        count_if(age BETWEEN 15 AND 60) AS working,
        count_if(age BETWEEN 15 AND 60 AND digital_skills) AS working_skills
    FROM people GROUP BY village
)
SELECT h.*, p.* EXCLUDE (village)
FROM by_household h LEFT JOIN by_person p USING (village)
"""
"""The twelve household indicators' numerators and denominators per village, as an analyst would
write them for DuckDB: ``read_json`` with the schema given, list functions for the household
conditions, ``unnest`` for the people."""


def run_duckdb(folder: Path) -> dict[str, int]:
    """The same village aggregates in DuckDB (its default threads), rolled up to communes and the province."""
    import duckdb

    connection = duckdb.connect()
    villages = connection.execute(DUCKDB_SQL, {"path": str(folder / "households.jsonl")}).fetchall()
    columns = [d[0] for d in connection.description or ()]
    parents = _units(folder)
    communes: dict[str, list[int]] = {}
    for row in villages:
        sums = communes.setdefault(parents[row[0]], [0] * (len(columns) - 1))
        for i, value in enumerate(row[1:]):
            sums[i] += value or 0
    province = [sum(values) for values in zip(*communes.values(), strict=True)]
    totals = dict(zip(columns[1:], province, strict=True))
    return {k: int(totals[k]) for k in CHECKS}


def run_engine_dask(folder: Path, workers: int) -> dict[str, int]:
    """The engine's report with the households counted on Dask's local process scheduler."""
    from digitransform.indicators import DEFAULT_REPORT, Accumulator, Source, build_report, report_to_json
    from digitransform.indicators.on_dask import count_households_dask

    tree = _tree(folder)
    accumulator = Accumulator(tree, [d for d in DEFAULT_REPORT if d.source is Source.HOUSEHOLDS])
    path = folder / "households.jsonl"
    parts = max(workers * 4, path.stat().st_size // (64 << 20))
    part_bytes = -(-path.stat().st_size // parts)
    count_households_dask(
        [path], accumulator, part_bytes=part_bytes, scheduler="processes", num_workers=workers
    )
    report = build_report(accumulator, year=2025)
    assert report_to_json(report)
    root = tree.root.code
    adult = report.row(root, "adult_smartphone_rate")
    internet = report.row(root, "internet_user_rate")
    return {
        "households": report.row(root, "household_fibre_rate").denominator,
        "adults": adult.denominator,
        "adult_smartphone": adult.numerator,
        "over15": internet.denominator,
        "over15_internet": internet.numerator,
        "fibre": report.row(root, "household_fibre_rate").numerator,
    }


def run_pandas(folder: Path) -> dict[str, int]:
    """The same aggregates with pandas: read JSON Lines, flatten members, group by village, roll up."""
    import itertools

    import numpy as np
    import pandas as pd

    df = pd.read_json(folder / "households.jsonl", lines=True, dtype={"id": str, "village": str})
    sizes = df["members"].str.len().to_numpy()
    people = pd.DataFrame.from_records(list(itertools.chain.from_iterable(df["members"])))
    people["village"] = np.repeat(df["village"].to_numpy(), sizes)
    people["household"] = np.repeat(np.arange(len(df)), sizes)
    age = people["age"]
    adult, over15, working = age >= 18, age >= 15, age.between(15, 60)
    eligible = (age >= 14) & people["id_card"]
    person_flags = pd.DataFrame(
        {
            "village": people["village"],
            "adults": adult,
            "adult_smartphone": adult & people["smartphone"],
            "adult_signature": adult & people["digital_signature"],
            "over15": over15,
            "over15_smartphone": over15 & people["smartphone"],
            "over15_internet": over15 & people["internet_user"],
            "over15_payment": over15 & people["payment_account"],
            "eligible": eligible,
            "eligible_level2": eligible & (people["vneid_level"] == 2),
            "working": working,
            "working_skills": working & people["digital_skills"],
        }
    )
    person_counts = person_flags.groupby("village").sum()
    core = over15 & people["smartphone"] & people["digital_skills"]
    per_household = (
        pd.DataFrame({"phone": people["smartphone"], "core": core}).groupby(people["household"]).any()
    )
    has_phone = per_household["phone"].reindex(range(len(df)), fill_value=False).to_numpy()
    has_core = per_household["core"].reindex(range(len(df)), fill_value=False).to_numpy()
    household_flags = pd.DataFrame(
        {
            "village": df["village"],
            "households": 1,
            "fibre": df["internet"] == "fibre",
            "internet": df["internet"] != "none",
            "smartphone": has_phone,
            "no_device": ~has_phone & (df["other_smart_devices"] == 0),
            "core": has_core,
        }
    )
    villages = household_flags.groupby("village").sum().join(person_counts, how="left").fillna(0)
    parents = _units(folder)
    villages["commune"] = villages.index.map(parents)
    communes = villages.groupby("commune").sum()
    province = communes.sum()
    for frame in (villages, communes):  # the rates at every level: ratio of sums
        frame["adult_smartphone_rate"] = 100 * frame["adult_smartphone"] / frame["adults"]
        frame["household_fibre_rate"] = 100 * frame["fibre"] / frame["households"]
    return {k: int(province[k]) for k in CHECKS}


CONTENDERS: dict[str, Callable[[Path], dict[str, int]]] = {
    "engine": lambda folder: run_engine(folder, 1),
    "engine --workers 2": lambda folder: run_engine(folder, 2),
    "polars": run_polars,
    "pandas": run_pandas,
    "floor": run_floor,
    "polars read_ndjson": lambda folder: run_polars(folder, "ndjson"),
    "duckdb": run_duckdb,
    "engine dask 2": lambda folder: run_engine_dask(folder, 2),
}
DEFAULT = ("engine", "engine --workers 2", "engine dask 2", "duckdb", "polars", "pandas", "floor")
"""Run unless ``--only`` says otherwise (``polars read_ndjson`` is slower than ``polars``)."""


def _child(name: str, folder: Path) -> None:
    """Run one contender and print its timing and counts as JSON on stdout."""
    work = CONTENDERS[name]
    # Import outside the timed part, as any long-lived job would have.
    if name.startswith("engine") or name == "floor":
        import digitransform.indicators  # noqa: F401
    elif name.startswith("polars"):
        import polars  # noqa: F401
    elif name == "pandas":
        import pandas  # noqa: F401
    elif name == "duckdb":
        import duckdb  # noqa: F401
    if name.startswith("engine dask"):
        import dask.bag  # noqa: F401
        import distributed  # noqa: F401
    started, cpu_started = time.perf_counter(), _cpu()
    counts = work(folder)
    seconds, cpu = time.perf_counter() - started, _cpu() - cpu_started
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(json.dumps({"seconds": seconds, "cpu": cpu, "counts": counts, "children_maxrss_kib": children}))


def _cpu() -> float:
    """CPU seconds of this process and its finished children (worker processes, polars threads)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _measure(name: str, folder: Path, workers: int) -> dict[str, Any]:
    load = os.getloadavg()[0]
    command = [sys.executable, __file__, "--child", name, "--data", str(folder)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{name} failed with status {process.returncode}")
    result: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    peak_kib = usage.ru_maxrss
    if workers > 1:  # wait4's figure is the largest of the tree; count the parent and each worker
        peak_kib = peak_kib + workers * result["children_maxrss_kib"]
    result["peak_mib"] = peak_kib / 1024
    result["worker_peak_mib"] = result["children_maxrss_kib"] / 1024 if workers > 1 else None
    result["load"] = load
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--households", type=int, default=1_300_000)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--skip-pandas", action="store_true", help="leave pandas out (slowest, most memory)")
    parser.add_argument("--only", action="append", choices=list(CONTENDERS), help="run only these")
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="run each contender this many times and keep the fastest (pandas runs once: it is far off)",
    )
    parser.add_argument("--child", choices=list(CONTENDERS), help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(args.child, args.data)
        return
    folder = dataset(args.households, args.seed)
    size = (folder / "households.jsonl").stat().st_size
    print(f"data: {folder} ({size / 2**20:,.0f} MiB, {args.households:,} households)")
    names = args.only or [n for n in DEFAULT if not (args.skip_pandas and n == "pandas")]
    results: dict[str, dict[str, Any]] = {}
    for round_ in range(args.repeat):
        for name in names:
            if round_ and name == "pandas":
                continue
            workers = 2 if "--workers 2" in name or name.endswith("dask 2") else 1
            r = _measure(name, folder, workers)
            print(
                f"  {name:<20} {r['seconds']:7.2f} s (cpu {r['cpu']:6.2f} s) {r['peak_mib']:6.0f} MiB"
                f"  (load {r['load']:.2f})",
                flush=True,
            )
            best = results.get(name)
            if best is None or r["seconds"] < best["seconds"]:
                r["peak_mib"] = max(r["peak_mib"], best["peak_mib"]) if best else r["peak_mib"]
                results[name] = r
            else:
                best["peak_mib"] = max(best["peak_mib"], r["peak_mib"])
    reference = next(iter(results.values()))["counts"]
    for name, r in results.items():
        if r["counts"] != reference:
            raise SystemExit(f"{name} disagrees: {r['counts']} != {reference}")
    print("all contenders agree on the province's counts:", reference)
    _table(results)


def _table(results: dict[str, dict[str, Any]]) -> None:
    baselines = {name: results[name] for name in ("polars", "duckdb", "floor") if name in results}
    print()
    head = ["contender", "time (s)", "CPU (s)", "peak RSS (MiB)", "worker peak (MiB)"]
    head += [f"time ÷ {b}" for b in baselines] + [f"memory ÷ {b}" for b in baselines if b != "floor"]
    print("| " + " | ".join([*head, "load"]) + " |")
    print("|---" + "|---:" * len(head) + "|")
    for name, r in results.items():
        worker = r.get("worker_peak_mib")
        cells = [
            f"{r['seconds']:.2f}",
            f"{r['cpu']:.2f}",
            f"{r['peak_mib']:.0f}",
            "–" if worker is None else f"{worker:.0f}",
        ]
        cells += [f"{r['seconds'] / b['seconds']:.2f}" for b in baselines.values()]
        cells += [f"{r['peak_mib'] / b['peak_mib']:.3f}" for n, b in baselines.items() if n != "floor"]
        print(f"| {name} | " + " | ".join(cells) + f" | {r['load']:.2f} |")


if __name__ == "__main__":
    main()
