"""How many households each unit has: the denominator of "backlog per 1,000 households".

Tickets say nothing about households, so the counts come with the units: for the demo province
(``FEEDBACK_UNITS=demo``) from the demo's plan (:func:`digitransform.demo.plan_demo` with
``FEEDBACK_DEMO_HOUSEHOLDS`` and ``FEEDBACK_DEMO_SEED``); for a ``units.csv`` from an optional extra
column ``households`` (filled for villages, communes or both; a commune without its own figure gets
the sum of its villages'). Units without a figure have no rate (``None``), never a rate over zero.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from pathlib import Path

from digitransform.demo import plan_demo
from digitransform.domain import AdminLevel, AdminTree
from feedback_service.settings import DEMO_UNITS, Settings

__all__ = [
    "HouseholdsError",
    "cached_households",
    "households_from_csv",
    "households_of_units",
    "roll_up_households",
]


class HouseholdsError(ValueError):
    """A ``households`` value that is not a whole number ≥ 0; the message names the file and line."""


def roll_up_households(tree: AdminTree, given: Mapping[str, int]) -> dict[str, int]:
    """Counts for every unit that has one, communes and the province summed from below when not given."""
    out = dict(given)
    for level in (AdminLevel.COMMUNE, AdminLevel.PROVINCE):
        for unit in tree.at_level(level):
            if unit.code in out:
                continue
            children = [out[c.code] for c in tree.children(unit.code) if c.code in out]
            if children:
                out[unit.code] = sum(children)
    return out


def households_from_csv(path: str | Path) -> dict[str, int]:
    """The ``households`` column of a units CSV by unit code (absent column: no counts)."""
    counts: dict[str, int] = {}
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        if reader.fieldnames is None or "households" not in reader.fieldnames:
            return counts
        for line, row in enumerate(reader, start=2):
            raw = (row.get("households") or "").strip()
            if not raw:
                continue
            try:
                value = int(raw)
            except ValueError:
                value = -1
            if value < 0:
                raise HouseholdsError(f"{path}:{line}: households: expected a whole number ≥ 0, got {raw!r}")
            counts[row["code"].strip()] = value
    return counts


def households_of_units(settings: Settings, tree: AdminTree) -> dict[str, int]:
    """Household counts for the units the service runs with, rolled up the tree."""
    if settings.units == DEMO_UNITS:
        plan = plan_demo(settings.demo_households, settings.demo_seed)
        return roll_up_households(tree, {v.code: v.households for v in plan.villages})
    return roll_up_households(tree, households_from_csv(settings.units))


_CACHE: dict[tuple[Settings, int], dict[str, int]] = {}


def cached_households(settings: Settings, tree: AdminTree) -> dict[str, int]:
    """:func:`households_of_units`, computed once per process (the demo's plan takes a while)."""
    key = (settings, id(tree))
    found = _CACHE.get(key)
    if found is None:
        found = _CACHE[key] = households_of_units(settings, tree)
    return found
