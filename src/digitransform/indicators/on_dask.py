"""Indicators on Dask: partitions counted into accumulators, merged in a tree reduction.

Install with ``pip install 'digitransform[dask]'``. The engine needs nothing of Dask but its task
graph: each partition (a byte range of a households file, or a partition of a bag of JSON lines) is
counted into a fresh :class:`~digitransform.indicators.Accumulator`, and the accumulators are merged
with :meth:`dask.bag.Bag.reduction` in a tree of ``split_every`` at a time. Counters only add, so the
result is the accumulator a single process would have counted, whatever the partitioning and the
order of the merges.

The tree, the indicators and the period are one task of the graph that every counting task
depends on, not a copy inside each task: on a ``distributed`` cluster each worker receives them once
and keeps them for all its partitions. (Dask's local process scheduler, with no workers to keep
data, sends them with each task; they weigh a few kilobytes per thousand units.)

On a cluster, the paths must name files every worker can read (shared storage), as with any Dask
reader.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import attrs
import dask.bag as db
from dask.base import compute, tokenize
from dask.delayed import delayed

from digitransform.domain import AdminLevel, AdminTree, Period
from digitransform.indicators.accumulator import Accumulator
from digitransform.indicators.catalogue import DEFAULT_REPORT
from digitransform.indicators.definitions import IndicatorDefinition
from digitransform.indicators.report import Report, build_report
from digitransform.indicators.scan import byte_ranges, count_households_lines, count_households_range

__all__ = [
    "PART_BYTES",
    "SPLIT_EVERY",
    "Template",
    "count_households_dask",
    "households_bag",
    "merged_accumulator",
    "report_on_dask",
]

PART_BYTES = 64 << 20
"""Bytes of households file per partition: large enough that a task's overhead (milliseconds) is
lost in its counting (seconds), small enough to spread a province over a few dozen workers."""

SPLIT_EVERY = 8
"""How many accumulators one merge task takes (the fan-in of the tree reduction)."""

# Dask's bag functions are untyped; these typed names keep the rest of the module checked.
_from_sequence: Callable[..., db.Bag] = db.from_sequence
_map_partitions: Callable[..., db.Bag] = db.Bag.map_partitions
_reduction: Callable[..., Any] = db.Bag.reduction
_compute: Callable[..., tuple[Any, ...]] = compute

TEMPLATE_KEY = "digitransform-template"
"""Name prefix of the one graph task that holds the tree, the indicators and the period."""


@attrs.frozen(slots=True)
class Template:
    """What every partition needs to start its accumulator; sent to each worker once."""

    tree: AdminTree
    definitions: tuple[IndicatorDefinition, ...]
    period: Period | None

    def accumulator(self) -> Accumulator:
        """A fresh, empty accumulator for one partition."""
        return Accumulator(self.tree, self.definitions, self.period)


def households_bag(paths: Sequence[str | os.PathLike[str]], part_bytes: int = PART_BYTES) -> db.Bag:
    """A bag of ``(path, start, end)`` byte ranges, one per partition, starting at line starts.

    Counting a range with the engine's own reader keeps its speed and its errors: a bad line is
    named by file and line of the whole file. ``ValueError`` if no path is given.
    """
    if not paths:
        raise ValueError("no households file given")
    ranges: list[tuple[str, int, int]] = []
    for path in paths:
        name = os.fspath(path)
        parts = max(1, -(-os.path.getsize(name) // part_bytes))
        ranges += [(name, start, end) for start, end in byte_ranges(name, parts)]
    if not ranges:  # every file is empty: one empty partition still yields an accumulator
        return _from_sequence([], npartitions=1)
    return _from_sequence(ranges, npartitions=len(ranges))


def count_households_dask(
    households: db.Bag | Sequence[str | os.PathLike[str]],
    accumulator: Accumulator,
    *,
    split_every: int = SPLIT_EVERY,
    part_bytes: int = PART_BYTES,
    **options: Any,
) -> int:
    """Count households on Dask into ``accumulator`` (which may already hold teams and reports).

    ``households`` is a list of JSON Lines files, or a bag whose items are JSON lines (``str`` or
    ``bytes``, as :func:`dask.bag.read_text` gives them) or ``(path, start, end)`` byte ranges (as
    :func:`households_bag` gives them). ``options`` go to :func:`dask.compute` (``scheduler=``,
    ``num_workers=``); with a ``distributed.Client`` active, it runs there. Returns how many
    households were counted; raises :class:`~digitransform.formats.FormatError` for the first bad
    line found.
    """
    template = Template(accumulator.tree, accumulator.indicators, accumulator.period)
    (merged,) = _compute(merged_accumulator(households, template, split_every, part_bytes), **options)
    before = accumulator.households
    accumulator.absorb(merged)
    return accumulator.households - before


def merged_accumulator(
    households: db.Bag | Sequence[str | os.PathLike[str]],
    template: Template,
    split_every: int = SPLIT_EVERY,
    part_bytes: int = PART_BYTES,
) -> Any:
    """The lazy Dask ``Item`` of the merged accumulator, to compose into a larger graph.

    One task holds ``template``; one counts each partition; merge tasks take ``split_every``
    accumulators at a time.
    """
    if split_every < 2:
        raise ValueError(f"split_every must be at least 2, got {split_every}")
    bag = households if isinstance(households, db.Bag) else households_bag(households, part_bytes)
    shared = delayed(template, name=f"{TEMPLATE_KEY}-{tokenize(template)}", pure=True)
    counted = _map_partitions(bag, _count_partition, shared)
    return _reduction(counted, _merge, _merge, split_every=split_every)


def report_on_dask(
    households: db.Bag | Sequence[str | os.PathLike[str]],
    tree: AdminTree,
    indicators: Iterable[IndicatorDefinition] = (),
    period: Period | None = None,
    *,
    year: int | None = None,
    down_to: AdminLevel = AdminLevel.VILLAGE,
    **options: Any,
) -> Report:
    """The household indicators' report, counted on Dask: the same :class:`Report` as the local engine.

    ``indicators`` defaults to the catalogue's household indicators. For teams and service reports
    too, make an :class:`Accumulator`, add them, call :func:`count_households_dask` and
    :func:`~digitransform.indicators.build_report`.
    """
    chosen = tuple(indicators) or tuple(d for d in DEFAULT_REPORT if d.source.value == "households")
    accumulator = Accumulator(tree, chosen, period)
    count_households_dask(households, accumulator, **options)
    return build_report(accumulator, year=year, down_to=down_to)


def _count_partition(items: Iterable[Any], template: Template) -> list[Accumulator]:
    accumulator = template.accumulator()
    iterator = iter(items)
    first = next(iterator, None)
    if isinstance(first, tuple):
        for path, start, end in itertools.chain([first], iterator):
            count_households_range(path, start, end, accumulator)
    elif first is not None:  # JSON lines, streamed: a partition is never held whole
        count_households_lines(itertools.chain([first], iterator), accumulator, source="a bag partition")
    return [accumulator]


def _merge(parts: Iterable[Accumulator]) -> Accumulator:
    """One accumulator of several: a new one, so that no task's result is changed in place."""
    parts = list(parts)
    if not parts:
        raise ValueError("nothing to merge")  # pragma: no cover - every partition yields one
    first = parts[0]
    merged = Accumulator(first.tree, first.indicators, first.period)
    for part in parts:
        merged.absorb(part)
    return merged
