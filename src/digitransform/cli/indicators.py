"""The ``digitransform indicators`` sub-command: a report from the four interchange files.

Household indicators describe the snapshot in ``households.jsonl``; flows are summed over the service
reports lying in ``--period``; a team is active in the period if it was last active in it or after
its start. Indicators whose input file is not given are left out. Bad input ends with exit status 2
and a message naming the file, the line and the field, never a traceback.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import attrs
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

from digitransform.domain import (
    AdminLevel,
    AdminTree,
    AdminTreeError,
    CodeMapper,
    Period,
    UnmappedCodeError,
)
from digitransform.formats import (
    FormatError,
    FormatErrors,
    iter_numbered_households_jsonl,
    load_tree,
    read_crosswalk_csv,
    read_service_reports_csv,
    read_teams_csv,
    read_unit_history_csv,
)
from digitransform.indicators import (
    DEFAULT_REPORT,
    Accumulator,
    EarlierReportError,
    IndicatorDefinition,
    Source,
    build_report,
    count_households_file,
    read_earlier_json,
    report_to_json,
    to_csv,
    to_table,
)
from digitransform.interop import (
    Dhis2Mapping,
    MappingError,
    dhis2_period,
    read_mapping,
    to_adx,
    to_data_value_set,
)

__all__ = ["register", "run"]

PROGRESS_FROM_BYTES = 32 << 20
"""Show a progress bar for households files at least this large (when stderr is a terminal)."""


class UsageError(Exception):
    """A problem with the command line or the input, reported in one line with exit status 2."""


def register(commands: Any) -> None:
    """Add the sub-command to the parser's sub-commands."""
    parser: argparse.ArgumentParser = commands.add_parser(
        "indicators",
        help="compute the indicator report for a province",
        description="Indicators for every unit of the tree: counts, value, target, gap and rank. "
        "Roll-ups sum numerators and denominators; rates are never averaged.",
    )
    parser.add_argument("--units", type=Path, help="units.csv (the admin tree; or give --unit-history)")
    parser.add_argument(
        "--households", required=True, type=Path, nargs="+", help="households.jsonl (one or more files)"
    )
    parser.add_argument("--teams", type=Path, help="teams.csv (adds the team indicators)")
    parser.add_argument(
        "--service-reports", type=Path, help="service_reports.csv (adds the public-service indicators)"
    )
    parser.add_argument("--period", help="reporting period: 2025, 2025-Q3, 2025-07, 2025-W07 or 2025-07-14")
    parser.add_argument(
        "--level",
        choices=[level.value for level in AdminLevel],
        default=AdminLevel.VILLAGE.value,
        help="show this level and the levels above (default: every level, villages included)",
    )
    parser.add_argument(
        "--format",
        choices=("table", "json", "csv", "dhis2", "adx"),
        default="table",
        help="dhis2: a dataValueSets JSON document; adx: an ADX message (both need --dhis2-mapping)",
    )
    parser.add_argument(
        "--dhis2-mapping",
        type=Path,
        metavar="FILE",
        help="DHIS2 codes of the units and indicators (start from `digitransform dhis2-template`)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        help="processes counting the households file (default 1; with --scheduler, Dask's default)",
    )
    parser.add_argument(
        "--scheduler",
        nargs="?",
        const="processes",
        metavar="WHERE",
        help="count the households on Dask (needs digitransform[dask]): processes (the default), "
        "threads, synchronous, or a scheduler address such as tcp://10.0.0.5:8786",
    )
    parser.add_argument("--compare", type=Path, help="an earlier JSON report: adds the change since")
    parser.add_argument(
        "--indicator",
        action="append",
        metavar="CODE",
        help="only this indicator (repeatable; default: every one the given files allow)",
    )
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="CODE.NAME=VALUE",
        help="set an indicator parameter, e.g. adult_smartphone_rate.adult_age=21 or "
        "on_time_rate.method=late_inclusive",
    )
    parser.add_argument("--year", type=int, help="the year whose targets apply (default: the period's)")
    merging = parser.add_argument_group(
        "unit mergers", "input written with unit codes of before a reorganisation (docs/mergers.md)"
    )
    merging.add_argument(
        "--crosswalk",
        type=Path,
        metavar="FILE",
        help="crosswalk.csv: old code → new code, from a date; maps the input's codes to the tree of --as-of",
    )
    merging.add_argument(
        "--unit-history",
        type=Path,
        metavar="FILE",
        help="unit_history.csv (units with valid_from/valid_to): the tree as of --as-of replaces --units'",
    )
    merging.add_argument(
        "--as-of", metavar="DATE", help="the day whose tree the report uses (default: the period's last day)"
    )
    merging.add_argument(
        "--written-on",
        metavar="DATE",
        help="the day the households and teams files were written (reports and tickets carry their own)",
    )
    parser.add_argument("--output", type=Path, help="write the report to this file instead of stdout")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run the sub-command; 0 on success, 2 on bad input."""
    errors = Console(stderr=True)
    try:
        return _run(args, errors)
    except UsageError as exc:
        errors.print(f"[red]error:[/] {exc}", highlight=False, markup=True, soft_wrap=True)
    except (FormatError, EarlierReportError) as exc:
        errors.print(f"[red]error:[/] {_escape(str(exc))}", highlight=False, soft_wrap=True)
    except FormatErrors as exc:
        for error in exc.errors:
            errors.print(f"[red]error:[/] {_escape(str(error))}", highlight=False, soft_wrap=True)
    except OSError as exc:
        where = exc.filename if exc.filename is not None else ""
        errors.print(
            f"[red]error:[/] cannot read {_escape(str(where))}: {exc.strerror}",
            highlight=False,
            soft_wrap=True,
        )
    return 2


def _escape(text: str) -> str:
    return text.replace("[", r"\[")


def _run(args: argparse.Namespace, errors: Console) -> int:
    if args.workers is not None and args.workers < 1:
        raise UsageError("--workers must be at least 1")
    period = _period(args.period)
    if args.units is None and args.unit_history is None:
        raise UsageError("give --units (or --unit-history with --crosswalk)")
    tree = _tree(args.units) if args.units is not None else None
    indicators = _indicators(args)
    mapping = _dhis2_mapping(args, period)
    mapper = _code_mapper(args, period, tree)
    if mapper is not None:
        tree = mapper.tree
    assert tree is not None
    accumulator = Accumulator(tree, indicators, period)
    if mapper is not None:
        _count_mapped(args, accumulator, mapper)
    else:
        _count(args, accumulator, tree, errors)
    if accumulator.skipped_reports:
        errors.print(
            f"note: {accumulator.skipped_reports} service report(s) overlap {period} without lying "
            "inside it and were not counted",
            highlight=False,
        )
    report = build_report(accumulator, year=args.year, down_to=AdminLevel(args.level))
    if mapper is not None:
        report = attrs.evolve(report, code_mappings=mapper.statements)
    if args.compare is not None:
        earlier_period, values = read_earlier_json(args.compare.read_bytes(), args.compare.name)
        report = report.against(values, earlier_period or args.compare.name)
    if mapping is not None:
        _write_dhis2(report, mapping, args)
    else:
        _write(report, args)
    return 0


def _count(args: argparse.Namespace, accumulator: Accumulator, tree: AdminTree, errors: Console) -> None:
    if args.teams is not None:
        _add(accumulator.add_teams, read_teams_csv(args.teams, tree), args.teams)
    if args.service_reports is not None:
        reports = read_service_reports_csv(args.service_reports, tree)
        _add(accumulator.add_service_reports, reports, args.service_reports)
    if args.scheduler is not None:
        _count_on_dask(args.households, accumulator, args.scheduler, args.workers)
    else:
        for households in args.households:
            with _progress(households, errors) as on_progress:
                count_households_file(
                    households, accumulator, workers=args.workers or 1, on_progress=on_progress
                )


def _date_option(text: str | None, option: str) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{option}: expected a date such as 2025-09-30, got {text!r}") from None


def _code_mapper(
    args: argparse.Namespace, period: Period | None, tree: AdminTree | None
) -> CodeMapper | None:
    """The mapper of old codes, when --crosswalk is given; checked before any counting."""
    if args.crosswalk is None:
        for option in ("unit_history", "as_of", "written_on"):
            if getattr(args, option) is not None:
                raise UsageError(f"--{option.replace('_', '-')} needs --crosswalk")
        return None
    written_on = _date_option(args.written_on, "--written-on")
    if written_on is None:
        raise UsageError(
            "--crosswalk needs --written-on, the day the households and teams files were written"
        )
    as_of = _date_option(args.as_of, "--as-of") or (period.end if period is not None else None)
    if as_of is None:
        raise UsageError("--crosswalk needs --as-of or --period: the day whose tree the report uses")
    if args.scheduler is not None:
        raise UsageError("--crosswalk maps each household and cannot run on --scheduler")
    history = None
    if args.unit_history is not None:
        history = read_unit_history_csv(args.unit_history)
        try:
            tree = history.tree_as_of(as_of)
        except AdminTreeError as exc:
            raise UsageError(f"{args.unit_history.name}: the units valid on {as_of}: {exc}") from None
    if tree is None:
        raise UsageError("--crosswalk needs --units or --unit-history: the tree the report uses")
    return CodeMapper(read_crosswalk_csv(args.crosswalk), tree, as_of, history)


def _count_mapped(args: argparse.Namespace, accumulator: Accumulator, mapper: CodeMapper) -> None:
    """Count the input with each code mapped to the tree as of the report's day (one process)."""
    written_on = _date_option(args.written_on, "--written-on")
    assert written_on is not None
    history = mapper.history
    as_written = history.tree_as_of(written_on) if history is not None else None
    try:
        if args.teams is not None:
            source = args.teams
            teams = read_teams_csv(args.teams, as_written)
            accumulator.add_teams(mapper.team(t, written_on, line) for line, t in enumerate(teams, 2))
        if args.service_reports is not None:
            source = args.service_reports
            reports = read_service_reports_csv(args.service_reports)
            accumulator.add_service_reports(
                mapper.service_report(r, line) for line, r in enumerate(reports, 2)
            )
        for path in args.households:
            source = path
            households = iter_numbered_households_jsonl(path, tree=as_written)
            accumulator.add_households(mapper.household(h, written_on, line) for line, h in households)
    except UnmappedCodeError as exc:
        raise UsageError(f"{source.name}: {exc}") from None


def _dhis2_mapping(args: argparse.Namespace, period: Period | None) -> Dhis2Mapping | None:
    """The mapping for --format dhis2/adx, read and checked before any counting starts."""
    if args.format not in ("dhis2", "adx"):
        return None
    if args.dhis2_mapping is None:
        raise UsageError(f"--format {args.format} needs --dhis2-mapping (see digitransform dhis2-template)")
    if period is None:
        raise UsageError(f"--format {args.format} needs --period (DHIS2 stores values per period)")
    try:
        dhis2_period(period)
    except ValueError as exc:
        raise UsageError(f"--period: {exc}") from None
    mapping = read_mapping(args.dhis2_mapping.read_bytes(), args.dhis2_mapping.name)
    if args.format == "adx" and mapping.data_set is None:
        raise UsageError(f"--format adx needs dataSet in {args.dhis2_mapping.name} (ADX groups name one)")
    return mapping


def _write_dhis2(report: Any, mapping: Dhis2Mapping, args: argparse.Namespace) -> None:
    try:
        if args.format == "dhis2":
            data = to_data_value_set(report, mapping)
        else:
            data = to_adx(report, mapping, dt.datetime.now(dt.UTC))
    except MappingError as exc:
        raise UsageError(f"{args.dhis2_mapping.name}: {exc}") from None
    if args.output is not None:
        args.output.write_bytes(data)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()


LOCAL_SCHEDULERS = ("processes", "threads", "synchronous")


def _count_on_dask(paths: list[Path], accumulator: Accumulator, scheduler: str, workers: int | None) -> None:
    try:
        from digitransform.indicators.on_dask import count_households_dask
    except ImportError:
        raise UsageError("--scheduler needs Dask: pip install 'digitransform[dask]'") from None
    if scheduler in LOCAL_SCHEDULERS:
        options: dict[str, Any] = {"scheduler": scheduler}
        if scheduler != "synchronous" and workers is not None:
            options["num_workers"] = workers
        count_households_dask(paths, accumulator, **options)
        return
    if "://" not in scheduler:
        raise UsageError(
            f"--scheduler {scheduler!r}: expected {', '.join(LOCAL_SCHEDULERS)} or an address such as "
            "tcp://10.0.0.5:8786"
        )
    try:
        from distributed import Client
    except ImportError:
        raise UsageError("--scheduler ADDRESS needs distributed: pip install 'digitransform[dask]'") from None
    try:
        connect: Callable[..., Any] = Client
        client = connect(scheduler, timeout="10s")
    except OSError as exc:
        raise UsageError(f"--scheduler: cannot reach {scheduler}: {exc}") from None
    with client:
        count_households_dask(paths, accumulator)


def _period(text: str | None) -> Period | None:
    if text is None:
        return None
    try:
        return Period.parse(text)
    except ValueError as exc:
        raise UsageError(f"--period: {exc}") from None


def _tree(path: Path) -> Any:
    try:
        return load_tree(path)
    except AdminTreeError as exc:  # in case a reader lets the domain's error through
        raise UsageError(f"{path.name}: {exc}") from None


def _add(add: Any, items: Sequence[Any], path: Path) -> None:
    try:
        add(items)
    except ValueError as exc:
        raise UsageError(f"{path.name}: {exc}") from None


def _indicators(args: argparse.Namespace) -> list[IndicatorDefinition]:
    available = {Source.HOUSEHOLDS}
    if args.teams is not None:
        available.add(Source.TEAMS)
    if args.service_reports is not None:
        available.add(Source.SERVICE_REPORTS)
    chosen = list(DEFAULT_REPORT)
    if args.indicator:
        known = {d.code for d in chosen}
        for code in args.indicator:
            if code not in known:
                raise UsageError(
                    f"--indicator: unknown indicator {code!r}; known: {', '.join(sorted(known))}"
                )
        chosen = [d for d in chosen if d.code in set(args.indicator)]
        for definition in chosen:
            if definition.source not in available:
                raise UsageError(f"{definition.code} needs --{definition.source.value.replace('_', '-')}")
    else:
        chosen = [d for d in chosen if d.source in available]
    for setting in args.param:
        chosen = _with_param(chosen, setting)
    unique: dict[tuple[str, str | None], IndicatorDefinition] = {}
    for definition in chosen:
        unique.setdefault(definition.key, definition)
    return list(unique.values())


def _with_param(definitions: list[IndicatorDefinition], setting: str) -> list[IndicatorDefinition]:
    target, _, text = setting.partition("=")
    code, _, name = target.partition(".")
    if not (code and name and _):
        raise UsageError(f"--param {setting!r}: expected CODE.NAME=VALUE")
    matching = [d for d in definitions if d.code == code]
    if not matching:
        raise UsageError(f"--param {setting!r}: {code!r} is not in the report")
    out = []
    for definition in definitions:
        if definition.code == code:
            parameter = next((p for p in definition.parameters if p.name == name), None)
            if parameter is None:
                names = ", ".join(p.name for p in definition.parameters) or "none"
                raise UsageError(
                    f"--param {setting!r}: {code} has no parameter {name!r} (parameters: {names})"
                )
            value: Any = text
            if isinstance(parameter.default, bool):
                value = text.lower() in ("1", "true", "yes")
            elif isinstance(parameter.default, int):
                value = _number(text, int, setting)
            elif isinstance(parameter.default, float):
                value = _number(text, float, setting)
            try:
                definition = definition.with_parameters(**{name: value})
            except ValueError as exc:
                raise UsageError(f"--param {setting!r}: {exc}") from None
        out.append(definition)
    return out


def _number(text: str, kind: type[int] | type[float], setting: str) -> int | float:
    try:
        return kind(text)
    except ValueError:
        raise UsageError(f"--param {setting!r}: {text!r} is not a number") from None


@contextmanager
def _progress(path: Path, errors: Console) -> Iterator[Any]:
    try:
        size = os.path.getsize(path)
    except OSError:
        size = 0
    if size < PROGRESS_FROM_BYTES or not errors.is_terminal:
        yield None
        return
    # No refresh thread: worker processes may be forked while the bar is shown.
    progress = Progress(
        TextColumn("counting households"),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        console=errors,
        transient=True,
        auto_refresh=False,
    )
    task = progress.add_task("households", total=size)
    shown = [0.0]
    with progress:

        def advance(n: int) -> None:
            progress.advance(task, n)
            now = time.monotonic()
            if now - shown[0] >= 0.1:  # redraw ten times a second, not once per chunk
                shown[0] = now
                progress.refresh()

        yield advance


def _write(report: Any, args: argparse.Namespace) -> None:
    if args.format == "table":
        if args.output is not None:
            with args.output.open("w", encoding="utf-8") as out:
                to_table(report, Console(file=out, width=120))
        else:
            to_table(report, Console())
        return
    data = report_to_json(report) if args.format == "json" else to_csv(report)
    if args.output is not None:
        args.output.write_bytes(data)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
