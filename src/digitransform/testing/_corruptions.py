"""Strategies that break valid input on purpose and say what the error must be about."""

from __future__ import annotations

import copy
from typing import Any

import attrs
from hypothesis import strategies as st

from digitransform.domain import AdminLevel, AdminUnit
from digitransform.testing._households import household_dicts
from digitransform.testing._units import admin_tree_units, vietnamese_names

__all__ = [
    "TREE_PROBLEM_KINDS",
    "corrupted_unit_lists",
    "invalid_household_dicts",
    "multiply_corrupted_unit_lists",
]

TREE_PROBLEM_KINDS = ("duplicate_code", "missing_parent", "wrong_parent_level", "cycle", "root_count")
"""The ``TreeProblem.kind`` of each corruption: duplicate code, orphan, wrong parent level, cycle, roots."""


class _Corrupter:
    """Applies corruptions to a unit list, each to units no earlier corruption touched.

    Keeping them apart guarantees each one still shows (an orphan made by removing a commune could
    otherwise hide a wrong-parent-level made on one of its villages).
    """

    def __init__(self, draw: st.DrawFn, units: list[AdminUnit]) -> None:
        self.draw = draw
        self.units = units
        self.touched: set[str] = set()
        self.fresh = 0

    def _fresh_code(self) -> str:
        self.fresh += 1
        return f"X{self.fresh:03d}"  # letters never occur in generated codes

    def _pick(self, *levels: AdminLevel) -> AdminUnit:
        candidates = [u for u in self.units if u.level in levels and u.code not in self.touched]
        unit = self.draw(st.sampled_from(candidates))
        self.touched.add(unit.code)
        return unit

    def _add(self, unit: AdminUnit) -> None:
        self.touched.add(unit.code)  # a unit made by one corruption is never undone by another
        self.units.append(unit)

    def _replace(self, unit: AdminUnit, parent_code: str) -> None:
        self.units[self.units.index(unit)] = attrs.evolve(unit, parent_code=parent_code)

    def apply(self, kind: str, *, alone: bool) -> None:
        getattr(self, kind)(alone)

    def duplicate_code(self, _alone: bool) -> None:
        unit = self._pick(AdminLevel.COMMUNE, AdminLevel.VILLAGE)
        twin = attrs.evolve(unit, name=self.draw(vietnamese_names(unit.level)))
        self._add(twin)

    def missing_parent(self, _alone: bool) -> None:
        if self.draw(st.booleans()):
            village = self._pick(AdminLevel.VILLAGE)
            self._replace(village, self._fresh_code())
            return
        commune = self._pick(AdminLevel.COMMUNE)  # remove it: its villages become orphans
        for village in [u for u in self.units if u.parent_code == commune.code]:
            self.touched.add(village.code)
        self.units.remove(commune)
        # at least one orphan even when the commune had no village
        self._add(AdminUnit(self._fresh_code(), "Ấp Mồ Côi", AdminLevel.VILLAGE, commune.code))

    def wrong_parent_level(self, _alone: bool) -> None:
        root = next(u for u in self.units if u.level is AdminLevel.PROVINCE)
        if self.draw(st.booleans()):
            village = self._pick(AdminLevel.VILLAGE)
            self._replace(village, root.code)  # a village straight under the province
            return
        commune = self._pick(AdminLevel.COMMUNE)
        self._add(AdminUnit(self._fresh_code(), "Xã Lạc Chỗ", AdminLevel.COMMUNE, commune.code))

    def cycle(self, _alone: bool) -> None:
        length = self.draw(st.integers(1, 3))
        members = [self._pick(AdminLevel.VILLAGE) for _ in range(length)]
        for unit, parent in zip(members, [*members[1:], members[0]], strict=True):
            self._replace(next(u for u in self.units if u.code == unit.code), parent.code)

    def root_count(self, alone: bool) -> None:
        root = next(u for u in self.units if u.level is AdminLevel.PROVINCE)
        if alone and self.draw(st.booleans()):
            self.units.remove(root)  # no province at all; its communes become orphans too
            return
        name = self.draw(vietnamese_names(AdminLevel.PROVINCE))
        self._add(AdminUnit(self._fresh_code(), name, AdminLevel.PROVINCE))


def _base_units() -> st.SearchStrategy[list[AdminUnit]]:
    # Enough untouched units for up to five corruptions: 3 communes of ≥ 3 villages.
    return admin_tree_units(3, 4, 4, min_villages=3, shuffle=False)


@st.composite
def corrupted_unit_lists(
    draw: st.DrawFn, kinds: tuple[str, ...] = TREE_PROBLEM_KINDS
) -> tuple[list[AdminUnit], str]:
    """A unit list with exactly one kind of corruption, and that kind (a ``TreeProblem.kind``).

    The corruptions: a code used twice; an orphan (a parent code that does not exist, or a removed
    commune); a village under the province or a commune under a commune; a cycle of 1–3 units; no
    root or two provinces. Other problems may follow from the one made (a cycle of villages also
    has villages under villages), but the named kind is always among those the tree must report.
    """
    kind = draw(st.sampled_from(kinds))
    corrupter = _Corrupter(draw, draw(_base_units()))
    corrupter.apply(kind, alone=True)
    return list(draw(st.permutations(corrupter.units))), kind


@st.composite
def multiply_corrupted_unit_lists(
    draw: st.DrawFn, min_kinds: int = 2, max_kinds: int = len(TREE_PROBLEM_KINDS)
) -> tuple[list[AdminUnit], frozenset[str]]:
    """A unit list with several kinds of corruption at once, and the set of kinds made.

    For testing that every problem is reported together, not only the first one found.
    """
    kinds = draw(
        st.lists(st.sampled_from(TREE_PROBLEM_KINDS), min_size=min_kinds, max_size=max_kinds, unique=True)
    )
    corrupter = _Corrupter(draw, draw(_base_units()))
    for kind in kinds:
        corrupter.apply(kind, alone=False)
    return list(draw(st.permutations(corrupter.units))), frozenset(kinds)


_MEMBER_FIELDS = {
    "age": (-1, -40, 131, 1000, "ba mươi", None, 2.5),
    "vneid_level": (3, 4, -1, "2a", None),
    "smartphone": ("có", 2, None),
}
_HOUSEHOLD_FIELDS: dict[str, tuple[Any, ...]] = {
    "other_smart_devices": (-1, -7, "hai", None),
    "internet": ("wifi", "4G", "", 3, None),
    "id": ("", " h-1", "h-1 ", "h" * 65, 12, None),
    "village": ("", " V01", None, 7),
    "members": ("Nguyễn Văn A", 3, {"age": 30}),
}


@st.composite
def invalid_household_dicts(draw: st.DrawFn) -> tuple[dict[str, Any], str]:
    """A ``households.jsonl`` record with exactly one bad field, and that field's JSON path.

    Bad values include negative ages and ages over 130, VNeID level 3 or 4, an unknown internet
    access value, a blank or padded id, a negative device count, a number where text belongs, or
    a missing field, e.g. ``({... "members": [{"age": -1, ...}]}, "$.members[0].age")``.
    """
    record = copy.deepcopy(draw(household_dicts()))
    member_fields = list(_MEMBER_FIELDS)
    targets = [("household", f) for f in _HOUSEHOLD_FIELDS]
    if record["members"]:
        targets += [("member", f) for f in member_fields]
    where, field = draw(st.sampled_from(targets))
    delete = draw(st.integers(0, 9)) == 0 and field in ("village", "id", "age")
    if where == "household":
        path = f"$.{field}"
        target = record
        bad = draw(st.sampled_from(_HOUSEHOLD_FIELDS[field]))
    else:
        index = draw(st.integers(0, len(record["members"]) - 1))
        path = f"$.members[{index}].{field}"
        target = record["members"][index]
        bad = draw(st.sampled_from(_MEMBER_FIELDS[field]))
    if delete:
        del target[field]
    else:
        target[field] = bad
    return record, path
