"""Benchmark: a synthetic nation in parts, counted by the local engine and on Dask, as the input grows.

    python bench/nation.py --part-households 400000 --parts 1 3 6

A nation is many files: here, parts of ``--part-households`` households each (the demo generator,
one seed per part, each part written as it is generated and never held whole), sharing one tree.
For each size in ``--parts`` (how many parts), three contenders count the same files in their own
subprocess and build the full household report:

- ``engine``: one process, file after file (the baseline a user could run today);
- ``engine --workers 2``: each file's byte ranges in two processes;
- ``dask 2``: every file's byte ranges as partitions on Dask's local process scheduler, two
  workers, merged by ``Bag.reduction``.

It prints wall time and CPU time (of the whole process tree, the workers' start-up included),
microseconds of CPU per household, the parent's and the largest worker's peak resident memory
(``os.wait4`` and ``RUSAGE_CHILDREN``), ratios against ``engine`` at the same size, and an
extrapolation to a nation of 27 million households whose assumptions it
states. The machine is shared: read the CPU figures and the ratios, not single wall times.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
NATION = 27_000_000
CONTENDERS = ("engine", "engine --workers 2", "dask 2")


def parts(part_households: int, count: int) -> list[Path]:
    """The folders of the first ``count`` parts, generated on first use (one seed per part)."""
    from digitransform.demo import generate_demo

    folders = []
    for i in range(count):
        folder = OUT / f"nation-{part_households}" / f"part-{i:03d}"
        if not (folder / "households.jsonl").exists():
            started = time.perf_counter()
            generate_demo(folder, households=part_households, seed=2025 + i)
            seconds = time.perf_counter() - started
            print(f"generated part {i} ({part_households:,} households) in {seconds:.0f} s")
        folders.append(folder)
    return folders


def _child(name: str, folders: list[Path]) -> None:
    from digitransform.formats import load_tree
    from digitransform.indicators import DEFAULT_REPORT, Accumulator, Source, build_report, report_to_json
    from digitransform.indicators.on_dask import count_households_dask
    from digitransform.indicators.scan import count_households_file

    tree = load_tree(folders[0] / "units.csv")
    accumulator = Accumulator(tree, [d for d in DEFAULT_REPORT if d.source is Source.HOUSEHOLDS])
    paths = [f / "households.jsonl" for f in folders]
    started, cpu_started = time.perf_counter(), _cpu()  # before: imports, the tree
    if name == "dask 2":
        count_households_dask(paths, accumulator, scheduler="processes", num_workers=2)
    else:
        for path in paths:
            count_households_file(path, accumulator, workers=2 if "--workers 2" in name else 1)
    report = build_report(accumulator, year=2025)
    assert report_to_json(report)
    seconds = time.perf_counter() - started
    households = report.row(tree.root.code, "household_fibre_rate").denominator
    worker_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    out = {"seconds": seconds, "cpu_before": cpu_started, "households": households, "worker_kib": worker_kib}
    print(json.dumps(out), flush=True)


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _measure(name: str, folders: list[Path]) -> dict[str, Any]:
    load = os.getloadavg()[0]
    command = [sys.executable, __file__, "--child", name, *map(str, folders)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{name} failed")
    result: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    # CPU of the whole process tree (workers included, once the child has reaped them), less what
    # the child spent before the timed part.
    result["cpu"] = usage.ru_utime + usage.ru_stime - result["cpu_before"]
    result["parent_mib"] = usage.ru_maxrss / 1024
    result["worker_mib"] = result["worker_kib"] / 1024 if name != "engine" else None
    result["load"] = load
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--part-households", type=int, default=400_000)
    parser.add_argument("--parts", type=int, nargs="+", default=[1, 3, 6], help="sizes to measure, in parts")
    parser.add_argument(
        "--repeat", type=int, default=1, help="runs per contender and size; the fastest is kept"
    )
    parser.add_argument("--child", choices=CONTENDERS, help=argparse.SUPPRESS)
    parser.add_argument("folders", nargs="*", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(args.child, args.folders)
        return
    folders = parts(args.part_households, max(args.parts))
    rows = []
    for count in args.parts:
        households = count * args.part_households
        best: dict[str, dict[str, Any]] = {}
        for _ in range(args.repeat):
            for name in CONTENDERS:  # interleaved, so that a busy spell of the machine hits all three
                r = _measure(name, folders[:count])
                if r["households"] != households:
                    raise SystemExit(f"{name} counted {r['households']:,} households, not {households:,}")
                print(
                    f"  {households:>11,} {name:<20} {r['seconds']:7.2f} s (cpu {r['cpu']:6.2f} s) "
                    f"{r['parent_mib']:5.0f} MiB (load {r['load']:.2f})",
                    flush=True,
                )
                if name not in best or r["seconds"] < best[name]["seconds"]:
                    best[name] = r
        rows.append((households, best))
    _table(rows)


def _table(rows: list[tuple[int, dict[str, dict[str, Any]]]]) -> None:
    print()
    print(
        "| households | contender | time (s) | CPU (s) | CPU µs / household | s per million (wall) "
        "| parent peak (MiB) | worker peak (MiB) | time ÷ engine | CPU ÷ engine | load |"
    )
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for households, best in rows:
        engine = best["engine"]
        for name, r in best.items():
            worker = "–" if r["worker_mib"] is None else f"{r['worker_mib']:.0f}"
            print(
                f"| {households:,} | {name} | {r['seconds']:.2f} | {r['cpu']:.2f} "
                f"| {1e6 * r['cpu'] / households:.2f} | {1e6 * r['seconds'] / households:.2f} "
                f"| {r['parent_mib']:.0f} | {worker} | {r['seconds'] / engine['seconds']:.2f} "
                f"| {r['cpu'] / engine['cpu']:.2f} | {r['load']:.2f} |"
            )
    print()
    first, last = rows[0], rows[-1]
    for name in CONTENDERS:
        if len(rows) > 1:  # the slope: CPU per extra household, start-up costs left out
            marginal = (last[1][name]["cpu"] - first[1][name]["cpu"]) / (last[0] - first[0])
            fixed = first[1][name]["cpu"] - marginal * first[0]
        else:
            marginal, fixed = last[1][name]["cpu"] / last[0], 0.0
        total = fixed + marginal * NATION
        print(
            f"{name}: {1e6 * marginal:.2f} CPU µs per household beyond {fixed:.1f} s of start-up; "
            f"{NATION:,} households ≈ {total:,.0f} CPU s, {total / 2:,.0f} s on 2 free cores, "
            f"{total / 32:,.0f} s on 32"
        )
    print(
        "Assumptions: the cost per household stays flat (the merge is per unit, not per household), "
        "the files are read as fast as they are decoded (local disk or page cache), cores are not "
        "shared, and one process per core (2 here)."
    )


if __name__ == "__main__":
    main()
