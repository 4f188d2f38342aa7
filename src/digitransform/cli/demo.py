"""The ``digitransform demo`` sub-command: write a synthetic province and say what is in it.

``digitransform demo --households 200000 --seed 1 --out demo-province`` writes the four interchange
files (see ``docs/data-formats.md``) and prints the units per level, the households, residents and
teams, the files with their sizes, and headline counts. Bad arguments end with a one-line message and
exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from digitransform.demo import PROVINCE_CODE, PROVINCE_NAME, DemoSummary, ProgressCallback, generate_demo

__all__ = ["DEFAULT_HOUSEHOLDS", "DEFAULT_OUT", "MAX_HOUSEHOLDS", "PROGRESS_FROM", "register", "run"]

DEFAULT_HOUSEHOLDS = 24_000
DEFAULT_OUT = Path("demo-province")
MAX_HOUSEHOLDS = 20_000_000
"""A guard against a slip of the keyboard: 20 million households is 15 times An Giang."""
PROGRESS_FROM = 50_000
"""Show a progress bar from this many households (when stderr is a terminal)."""


def register(commands: Any) -> None:
    """Add the sub-command to the parser's sub-commands."""
    parser: argparse.ArgumentParser = commands.add_parser(
        "demo",
        help="write a synthetic province shaped on An Giang (units, households, teams, service reports)",
        description="Write units.csv, households.jsonl, teams.csv and service_reports.csv for a seeded "
        "synthetic province shaped on An Giang: about 1,250 households a village, one team per village, "
        "at least three communes. The same seed gives byte-identical files.",
    )
    parser.add_argument(
        "--households",
        type=int,
        default=DEFAULT_HOUSEHOLDS,
        metavar="N",
        help=f"how many households (default {DEFAULT_HOUSEHOLDS:,}; An Giang has about 1,300,000)",
    )
    parser.add_argument("--seed", type=int, default=1, metavar="S", help="random seed (default 1)")
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, metavar="DIR", help=f"output folder (default {DEFAULT_OUT})"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Generate the files and print the summary; 0 on success, 2 on bad arguments or unwritable output."""
    out, errors = Console(), Console(stderr=True)
    if not 1 <= args.households <= MAX_HOUSEHOLDS:
        errors.print(
            f"error: --households must be between 1 and {MAX_HOUSEHOLDS:,}, got {args.households:,}",
            highlight=False,
        )
        return 2
    folder: Path = args.out
    if folder.exists() and not folder.is_dir():
        errors.print(f"error: --out {folder} exists and is not a folder", highlight=False)
        return 2
    try:
        with progress_bar(args.households, errors) as on_progress:
            summary = generate_demo(folder, households=args.households, seed=args.seed, progress=on_progress)
    except OSError as exc:
        where = exc.filename if exc.filename is not None else folder
        errors.print(f"error: cannot write {where}: {exc.strerror}", highlight=False)
        return 2
    print_summary(summary, folder, out)
    return 0


@contextmanager
def progress_bar(total: int, console: Console) -> Iterator[ProgressCallback | None]:
    """A rich progress bar over the households for large runs on a terminal, else no callback."""
    if total < PROGRESS_FROM or not console.is_terminal:
        yield None
        return
    columns = (
        TextColumn("writing households"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("households", total=total)
        yield lambda n: progress.advance(task, n)


def print_summary(summary: DemoSummary, folder: Path, console: Console) -> None:
    """The run in a few lines: units, people, teams, files and headline counts (counts, not rates)."""
    units = summary.units
    console.print(
        f"[bold]Demo province {PROVINCE_NAME} ({PROVINCE_CODE})[/], seed {summary.seed}: "
        f"{units['province']} province, {units['commune']:,} communes, {units['village']:,} villages",
        highlight=False,
    )
    console.print(
        f"{summary.households:,} households, {summary.residents:,} residents, "
        f"{summary.teams:,} teams ({summary.team_members:,} members), "
        f"{summary.service_reports:,} monthly service reports",
        highlight=False,
    )
    files = Table(title=f"Files in {folder}", title_justify="left", show_edge=False)
    files.add_column("file")
    files.add_column("bytes", justify="right")
    for path, size in summary.files:
        files.add_row(path.name, f"{size:,}")
    console.print(files)
    counts = Table(title="Headline counts", title_justify="left", show_edge=False)
    counts.add_column("who")
    counts.add_column("count", justify="right")
    counts.add_column("of", justify="right")
    counts.add_column("share", justify="right")
    for headline in summary.headlines:
        share = f"{100 * headline.count / headline.of:.1f} %" if headline.of else "—"
        counts.add_row(headline.label, f"{headline.count:,}", f"{headline.of:,}", share)
    console.print(counts)
