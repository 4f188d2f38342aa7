"""Rolling counts up the tree: sum numerators and denominators, then divide. Never average rates.

Village A with 9 of 10 adults owning a smartphone and village B with 1 of 90 make a commune of
10 of 100, that is 10 %, not the 50 % an average of 90 % and 1.1 % would claim. So every unit's
value is computed from the sums of its subtree's counts.

An empty denominator gives no value, with the reason, never 0 or NaN. A proportion above its factor
(over 100 %) can only come from mixing sources; it is flagged, never clipped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import attrs

from digitransform.domain import AdminLevel, AdminTree
from digitransform.indicators.definitions import IndicatorDefinition

__all__ = ["ABOVE_FACTOR", "BELOW_ZERO", "IndicatorValue", "evaluate", "roll_up", "value_of"]

ABOVE_FACTOR = "above_100_percent"
"""Flag: a proportion above 100 % (numerator larger than denominator), from inconsistent sources."""

BELOW_ZERO = "below_zero"
"""Flag: a negative value, possible only from inconsistent service reports (late-inclusive on-time rate)."""


@attrs.frozen(slots=True)
class IndicatorValue:
    """One indicator for one unit: the counts it rests on, and the value if there is one.

    Attributes:
        numerator: Σ numerator over the unit's subtree.
        denominator: Σ denominator over the unit's subtree.
        value: ``factor × numerator ÷ denominator``, or ``None``.
        reason: Why there is no value (``None`` when there is one).
        flags: Warnings about the value, such as :data:`ABOVE_FACTOR`.
    """

    numerator: int
    denominator: int
    value: float | None
    reason: str | None = None
    flags: tuple[str, ...] = ()


def roll_up(
    tree: AdminTree, base: Mapping[str, Sequence[tuple[int, int]]]
) -> dict[str, list[tuple[int, int]]]:
    """Each unit's (Σ numerator, Σ denominator) per indicator: its own counts plus its subtree's.

    ``base`` holds every unit's own counts (households at villages, a centre's reports at its
    commune), as :meth:`~digitransform.indicators.Accumulator.base_counts` gives them.
    """
    totals: dict[str, list[tuple[int, int]]] = {}
    for unit in reversed(list(tree)):  # children before parents
        own = base.get(unit.code)
        width = len(own) if own is not None else len(next(iter(base.values()), ()))
        sums = [list(pair) for pair in own] if own is not None else [[0, 0] for _ in range(width)]
        for child in tree.children(unit.code):
            for i, (numerator, denominator) in enumerate(totals[child.code]):
                sums[i][0] += numerator
                sums[i][1] += denominator
        totals[unit.code] = [(n, d) for n, d in sums]
    return totals


def value_of(
    definition: IndicatorDefinition, numerator: int, denominator: int, level: AdminLevel
) -> IndicatorValue:
    """The value of ``definition`` from summed counts at a unit of ``level``."""
    return IndicatorValue(numerator, denominator, *evaluate(definition, numerator, denominator, level))


def evaluate(
    definition: IndicatorDefinition, numerator: int, denominator: int, level: AdminLevel
) -> tuple[float | None, str | None, tuple[str, ...]]:
    """(value, reason, flags): :func:`value_of` without building an object, for whole reports."""
    if level is not definition.lowest_level and level.depth > definition.lowest_level.depth:
        return None, f"counted per {definition.lowest_level.value}; no value below that level", ()
    if denominator == 0:
        return None, f"empty denominator: no {definition.denominator.en}", ()
    if denominator < 0:
        return None, f"negative denominator ({denominator}): inconsistent reports", ()
    value = definition.factor * numerator / denominator
    if definition.bounded and numerator > denominator:
        return value, None, (ABOVE_FACTOR,)
    if value < 0:
        return value, None, (BELOW_ZERO,)
    return value, None, ()
