"""Indicators on Dask: merging is associative and commutative, and Dask counts what the local engine counts.

The differential tests run on a real ``distributed.LocalCluster`` (in-process, no dashboard) and on
Dask's local process scheduler, over a small generated province cut into several files and many
partitions.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cloudpickle
import dask.bag as db
import pytest
from distributed import Client, LocalCluster
from hypothesis import given, settings
from hypothesis import strategies as st

from digitransform.cli import main
from digitransform.demo import generate_demo
from digitransform.domain import AdminTree, Household, Period, PeriodKind
from digitransform.formats import FormatError, load_tree, read_service_reports_csv, read_teams_csv
from digitransform.indicators import DEFAULT_REPORT, Accumulator, build_report, count_households_file
from digitransform.indicators.on_dask import (
    TEMPLATE_KEY,
    Template,
    count_households_dask,
    households_bag,
    merged_accumulator,
    report_on_dask,
)
from digitransform.testing import admin_trees, households_in, periods, service_reports, teams

HOUSEHOLD_INDICATORS = tuple(d for d in DEFAULT_REPORT if d.source.value == "households")


# --- merging, as properties -------------------------------------------------------------------


@st.composite
def three_parts(draw: st.DrawFn) -> tuple[AdminTree, Period | None, list[Accumulator]]:
    tree = draw(admin_trees(max_communes=3, max_villages=3))
    period = draw(st.none() | periods([PeriodKind.MONTH, PeriodKind.YEAR]))
    parts = []
    for _ in range(3):
        accumulator = Accumulator(tree, DEFAULT_REPORT, period)
        accumulator.add_households(draw(st.lists(households_in(tree), max_size=8)))
        accumulator.add_teams(draw(st.lists(teams(tree), max_size=2, unique_by=lambda t: t.id)))
        accumulator.add_service_reports(draw(st.lists(service_reports(tree), max_size=3)))
        parts.append(accumulator)
    return tree, period, parts


def state(accumulator: Accumulator) -> tuple[Any, ...]:
    return (accumulator.counts, accumulator.sources, accumulator.skipped_reports, accumulator.households)


@settings(max_examples=40, deadline=None)
@given(three_parts())
def test_merge_is_associative_and_commutative(
    case: tuple[AdminTree, Period | None, list[Accumulator]],
) -> None:
    """(a·b)·c = a·(b·c) and a·b = b·a, counts, sources and skipped reports alike; inputs are unchanged."""
    _, _, (a, b, c) = case
    before = [state(x) for x in (a, b, c)]
    assert state(a.merge(b).merge(c)) == state(a.merge(b.merge(c)))
    assert state(a.merge(b)) == state(b.merge(a))
    assert [state(x) for x in (a, b, c)] == before


@settings(max_examples=25, deadline=None)
@given(st.data())
def test_merged_parts_equal_the_whole(data: st.DataObject) -> None:
    """Households counted in any split, then merged, give the counts of counting them all at once."""
    tree = data.draw(admin_trees(max_communes=3, max_villages=3))
    households: list[Household] = data.draw(st.lists(households_in(tree), max_size=20))
    cuts = sorted(data.draw(st.lists(st.integers(0, len(households)), max_size=4)))
    whole = Accumulator(tree, HOUSEHOLD_INDICATORS)
    whole.add_households(households)
    merged = Accumulator(tree, HOUSEHOLD_INDICATORS)
    for start, end in zip([0, *cuts], [*cuts, len(households)], strict=True):
        part = Accumulator(tree, HOUSEHOLD_INDICATORS)
        part.add_households(households[start:end])
        merged = merged.merge(part)
    assert merged.counts == whole.counts


# --- Dask against the local engine ------------------------------------------------------------


@pytest.fixture(scope="module")
def province(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A generated province of 3,000 households, its households file also cut into three files."""
    folder = tmp_path_factory.mktemp("province")
    generate_demo(folder, households=3000, seed=15)
    lines = (folder / "households.jsonl").read_bytes().splitlines(keepends=True)
    parts = [folder / f"part-{i}.jsonl" for i in range(3)]
    for i, path in enumerate(parts):
        path.write_bytes(b"".join(lines[i::3]))
    return {"folder": folder, "tree": load_tree(folder / "units.csv"), "parts": parts}


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    with (
        LocalCluster(processes=False, n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster,
        Client(cluster) as client,
    ):
        yield client


def local_accumulator(province: dict[str, Any], indicators: Any = HOUSEHOLD_INDICATORS) -> Accumulator:
    accumulator = Accumulator(province["tree"], indicators, Period.parse("2025-Q3"))
    for path in province["parts"]:
        count_households_file(path, accumulator)
    return accumulator


def test_report_on_a_local_cluster_equals_the_local_report(province: dict[str, Any], client: Client) -> None:
    """Files in many byte ranges on a LocalCluster: the same Report, row for row, as the local engine."""
    period = Period.parse("2025-Q3")
    bag = households_bag(province["parts"], part_bytes=100_000)
    assert bag.npartitions >= 9
    dask_report = report_on_dask(bag, province["tree"], period=period)
    assert dask_report == build_report(local_accumulator(province))
    assert dask_report.row(province["tree"].root.code, "adult_smartphone_rate").denominator > 0


def test_teams_and_reports_added_before_counting_on_dask(province: dict[str, Any], client: Client) -> None:
    """An accumulator holding teams and service reports gains the households counted on Dask."""
    folder, tree = province["folder"], province["tree"]
    local = local_accumulator(province, DEFAULT_REPORT)
    on_dask = Accumulator(tree, DEFAULT_REPORT, Period.parse("2025-Q3"))
    for accumulator in (local, on_dask):
        accumulator.add_teams(read_teams_csv(folder / "teams.csv", tree))
        accumulator.add_service_reports(read_service_reports_csv(folder / "service_reports.csv", tree))
    assert count_households_dask(province["parts"], on_dask, part_bytes=50_000, split_every=3) == 3000
    assert build_report(on_dask) == build_report(local)


def test_a_bag_of_json_lines_counts_the_same(province: dict[str, Any], client: Client) -> None:
    """A bag from dask.bag.read_text (lines, not ranges) counts the same households."""
    lines = db.read_text([str(p) for p in province["parts"]], blocksize=60_000).map(str.rstrip)
    assert lines.npartitions > 3
    accumulator = Accumulator(province["tree"], HOUSEHOLD_INDICATORS, Period.parse("2025-Q3"))
    count_households_dask(lines, accumulator)
    assert accumulator.counts == local_accumulator(province).counts


def test_the_template_is_one_task_of_the_graph(province: dict[str, Any]) -> None:
    """The tree travels once: one graph task holds it, and every counting task depends on that one."""
    tree = province["tree"]
    bag = households_bag(province["parts"], part_bytes=50_000)
    item = merged_accumulator(bag, Template(tree, HOUSEHOLD_INDICATORS, None), split_every=4)
    graph = dict(item.__dask_graph__())
    (key,) = [k for k in graph if str(k).startswith(TEMPLATE_KEY)]
    counting = [task for task in graph.values() if key in getattr(task, "dependencies", ())]
    assert len(counting) == bag.npartitions > 4
    # Each counting task refers to the template; none carries the tree itself.
    template_size = len(cloudpickle.dumps(graph[key]))
    assert max(len(cloudpickle.dumps(task)) for task in counting) < template_size / 10


def test_a_bad_line_is_named_by_file_and_line(
    province: dict[str, Any], tmp_path: Path, client: Client
) -> None:
    """A bad line deep in a later partition is reported with its file and its line in the whole file."""
    lines = province["parts"][0].read_bytes().splitlines(keepends=True)
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b"".join([*lines[:700], b'{"id": "x", "village": "nowhere"}\n', *lines[700:]]))
    accumulator = Accumulator(province["tree"], HOUSEHOLD_INDICATORS)
    with pytest.raises(FormatError) as caught:
        count_households_dask([bad], accumulator, part_bytes=50_000)
    assert (caught.value.source, caught.value.line, caught.value.path) == ("bad.jsonl", 701, "$.village")


def test_no_files_is_an_error() -> None:
    """An empty list of files is refused, not counted as an empty province."""
    with pytest.raises(ValueError, match="no households file"):
        households_bag([])


# --- the command line -------------------------------------------------------------------------


def run_cli(province: dict[str, Any], capsys: pytest.CaptureFixture[str], *extra: str) -> dict[str, Any]:
    folder = province["folder"]
    households = [str(p) for p in province["parts"]]
    args = ["indicators", "--units", str(folder / "units.csv"), "--households", *households]
    status = main([*args, "--period", "2025-Q3", "--format", "json", *extra])
    out = capsys.readouterr()
    assert status == 0, out.err
    result: dict[str, Any] = json.loads(out.out)
    return result


def test_cli_scheduler_processes_and_address_match_the_local_engine(
    province: dict[str, Any], client: Client, capsys: pytest.CaptureFixture[str]
) -> None:
    """--scheduler (local processes) and --scheduler ADDRESS print the report the local engine prints."""
    local = run_cli(province, capsys)
    assert run_cli(province, capsys, "--scheduler", "--workers", "2") == local
    assert run_cli(province, capsys, "--scheduler", client.cluster.scheduler_address) == local


def test_cli_scheduler_that_is_neither_local_nor_an_address(
    province: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    """A scheduler name that Dask does not know ends with status 2 and the allowed values."""
    folder = province["folder"]
    units, households = str(folder / "units.csv"), str(province["parts"][0])
    status = main(["indicators", "--units", units, "--households", households, "--scheduler", "cluster-7"])
    assert status == 2
    assert "expected processes, threads, synchronous or an address" in capsys.readouterr().err
