"""Reports: per unit and indicator, the counts, the value, the target, the gap, and the rank.

A report is built from an :class:`~digitransform.indicators.Accumulator`: counts are rolled up the
tree (ratio of sums), each value is compared with the target in force for the report's year, and
units are ranked among their siblings (best first, by the indicator's direction). A report can be
set against an earlier one to show the change.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Mapping

import attrs

from digitransform.domain import AdminLevel, AdminTree, AdminUnit, CodeMapping, Period, local_date
from digitransform.indicators.accumulator import Accumulator
from digitransform.indicators.definitions import Direction, IndicatorDefinition, Target
from digitransform.indicators.rollup import evaluate, roll_up

__all__ = ["Report", "ReportRow", "RowKey", "build_report"]

RowKey = tuple[str, str, "str | None"]
"""(unit code, indicator code, variant): what identifies a row across reports."""


@attrs.frozen(slots=True)
class ReportRow:
    """One unit × one indicator.

    Attributes:
        unit: The province, commune or village.
        indicator: The definition (with its parameters) the figures use.
        numerator: Σ numerator over the unit's subtree.
        denominator: Σ denominator over the unit's subtree.
        value: ``factor × numerator ÷ denominator``, or ``None`` (see ``reason``).
        reason: Why there is no value.
        flags: Warnings, such as ``above_100_percent``.
        target: The target in force for the report's year, if any.
        gap: ``value − target`` (percentage points for a percentage); negative means still short
            of a "higher is better" target.
        met: Whether the value meets the target under its operator.
        rank: 1 for the best among siblings with a value (ties share a rank); ``None`` for the
            province or a unit without a value.
        ranked: How many siblings (this unit included) have a value.
        previous_value: The value in the earlier report, after :meth:`Report.against`.
        change: ``value − previous_value``.
    """

    unit: AdminUnit
    indicator: IndicatorDefinition
    numerator: int
    denominator: int
    value: float | None
    reason: str | None
    flags: tuple[str, ...]
    target: Target | None
    gap: float | None
    met: bool | None
    rank: int | None = None
    ranked: int | None = None
    previous_value: float | None = None
    change: float | None = None

    @property
    def key(self) -> RowKey:
        """What identifies this row across reports."""
        return (self.unit.code, self.indicator.code, self.indicator.variant)


@attrs.frozen(slots=True)
class Report:
    """Rows in tree order (province, then each commune followed by its villages), indicators in order.

    Attributes:
        period: The reporting period (``None``: a snapshot with every report counted).
        year: The year whose targets apply.
        rows: The rows.
        skipped_reports: Service reports that overlap the period without lying inside it.
        earlier_period: The period of the report this one was set against, if any.
        code_mappings: Old unit codes the input was written with, and where they were counted
            (see :class:`~digitransform.domain.CodeMapper`); empty when no code was mapped.
    """

    period: Period | None
    year: int
    rows: tuple[ReportRow, ...]
    skipped_reports: int = 0
    earlier_period: str | None = None
    code_mappings: tuple[CodeMapping, ...] = ()

    def down_to(self, level: AdminLevel) -> Report:
        """Only rows of ``level`` and the levels above it."""
        rows = tuple(r for r in self.rows if r.unit.level.depth <= level.depth)
        return attrs.evolve(self, rows=rows)

    def row(self, unit: str, indicator: str, variant: str | None = None) -> ReportRow:
        """The row for a unit code and indicator code (and variant, for ``on_time_rate``)."""
        for row in self.rows:
            if (
                row.unit.code == unit
                and row.indicator.code == indicator
                and (variant is None or row.indicator.variant == variant)
            ):
                return row
        raise KeyError(f"no row for {unit} × {indicator}")

    def values(self) -> dict[RowKey, float | None]:
        """Every row's value by key, to set a later report against."""
        return {row.key: row.value for row in self.rows}

    def against(self, earlier: Report | Mapping[RowKey, float | None], period: str | None = None) -> Report:
        """This report with each row's earlier value and the change since.

        ``earlier`` is a report or its :meth:`values` (as read back from JSON); rows it lacks get no
        change.
        """
        if isinstance(earlier, Report):
            period = period or (str(earlier.period) if earlier.period else None)
            earlier = earlier.values()
        rows = []
        for row in self.rows:
            previous = earlier.get(row.key)
            change = None if previous is None or row.value is None else row.value - previous
            rows.append(attrs.evolve(row, previous_value=previous, change=change))
        return attrs.evolve(self, rows=tuple(rows), earlier_period=period)


def build_report(
    accumulator: Accumulator, *, year: int | None = None, down_to: AdminLevel = AdminLevel.VILLAGE
) -> Report:
    """The report of everything counted, for every unit of ``down_to``'s level and above.

    ``year`` picks the targets (default: the year the period ends in, else the current year).
    """
    tree, period = accumulator.tree, accumulator.period
    if year is None:
        year = period.end.year if period is not None else local_date(dt.datetime.now(dt.UTC)).year
    definitions = accumulator.indicators
    targets = [d.target_for(year) for d in definitions]
    totals = roll_up(tree, accumulator.base_counts())
    depth = down_to.depth
    units = [u for u in tree if u.level is down_to or u.level.depth <= depth]
    values = {
        unit.code: [
            evaluate(definition, numerator, denominator, unit.level)
            for definition, (numerator, denominator) in zip(definitions, totals[unit.code], strict=True)
        ]
        for unit in units
    }
    ranks = _ranks(tree, units, definitions, values)
    rows = []
    for unit in units:
        unit_ranks = ranks.get(unit.code)
        for i, definition in enumerate(definitions):
            numerator, denominator = totals[unit.code][i]
            value, reason, flags = values[unit.code][i]
            target = targets[i]
            gap = met = None
            if target is not None and value is not None:
                gap = value - target.value
                met = target.met_by(value)
            rank, ranked = unit_ranks[i] if unit_ranks is not None else (None, None)
            rows.append(
                ReportRow(
                    unit=unit,
                    indicator=definition,
                    numerator=numerator,
                    denominator=denominator,
                    value=value,
                    reason=reason,
                    flags=flags,
                    target=target,
                    gap=gap,
                    met=met,
                    rank=rank,
                    ranked=ranked,
                )
            )
    return Report(period, year, tuple(rows), accumulator.skipped_reports)


def _ranks(
    tree: AdminTree,
    units: list[AdminUnit],
    definitions: tuple[IndicatorDefinition, ...],
    values: Mapping[str, list[tuple[float | None, str | None, tuple[str, ...]]]],
) -> dict[str, list[tuple[int | None, int | None]]]:
    """Per unit and indicator, (rank, how many ranked) among siblings, best first; ties share a rank."""
    ranks: dict[str, list[tuple[int | None, int | None]]] = {}
    for parent in units:
        children = [c.code for c in tree.children(parent.code) if c.code in values]
        if not children:
            continue
        for code in children:
            ranks[code] = [(None, None)] * len(definitions)
        for i, definition in enumerate(definitions):
            sign = -1.0 if definition.direction is Direction.HIGHER_IS_BETTER else 1.0
            keyed = [(sign * v, code) for code in children if (v := values[code][i][0]) is not None]
            ordered = sorted(key for key, _ in keyed)
            for key, code in keyed:
                ranks[code][i] = (bisect.bisect_left(ordered, key) + 1, len(keyed))
    return ranks
