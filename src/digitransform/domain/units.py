"""Administrative units (province → commune → village) and the validated tree they form.

Since 1 July 2025 Vietnam has two levels of local government, province and commune; villages
(ấp / thôn / khu phố) sit below a commune. They are not a level of government, but they are where
teams work, so the tree has three levels.
"""

from __future__ import annotations

import enum
import unicodedata
from collections.abc import Iterable, Iterator, Mapping

import attrs

__all__ = [
    "AdminLevel",
    "AdminTree",
    "AdminTreeError",
    "AdminUnit",
    "TreeProblem",
    "ascii_fold",
]


class AdminLevel(enum.Enum):
    """A level of the administrative tree, from the top down."""

    PROVINCE = "province"
    COMMUNE = "commune"
    VILLAGE = "village"

    @property
    def depth(self) -> int:
        """0 for a province, 1 for a commune, 2 for a village."""
        return _DEPTH[self]

    @property
    def parent_level(self) -> AdminLevel | None:
        """The level a unit of this level hangs from, ``None`` for a province."""
        return None if self is AdminLevel.PROVINCE else _LEVELS[self.depth - 1]


_LEVELS = (AdminLevel.PROVINCE, AdminLevel.COMMUNE, AdminLevel.VILLAGE)
_DEPTH = {level: i for i, level in enumerate(_LEVELS)}

_SPECIAL_FOLDS = str.maketrans({"đ": "d", "Đ": "D"})


def ascii_fold(text: str) -> str:
    """The ASCII form of a Vietnamese name, for search: "U Minh Thượng" → "U Minh Thuong".

    NFD decomposition strips the tone and vowel marks; "đ" has no decomposition and is mapped by hand.
    """
    decomposed = unicodedata.normalize("NFD", text.translate(_SPECIAL_FOLDS))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _non_empty(_instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not value or value != value.strip():
        raise ValueError(f"{attribute.name} must be non-empty without surrounding spaces: {value!r}")


@attrs.frozen(slots=True)
class AdminUnit:
    """One province, commune or village, with a stable code and its Vietnamese name."""

    code: str = attrs.field(validator=_non_empty)
    name: str = attrs.field(validator=_non_empty)
    level: AdminLevel
    parent_code: str | None = None

    @property
    def ascii_name(self) -> str:
        """The name without diacritics, for search and for systems that cannot show them."""
        return ascii_fold(self.name)

    def __attrs_post_init__(self) -> None:
        if (self.level is AdminLevel.PROVINCE) != (self.parent_code is None):
            raise ValueError(f"unit {self.code}: a province has no parent and every other unit has one")


@attrs.frozen(slots=True)
class TreeProblem:
    """One thing wrong with a list of units: which unit, and what."""

    code: str
    kind: str  # duplicate_code | missing_parent | wrong_parent_level | cycle | root_count
    message: str

    def __str__(self) -> str:
        return self.message


class AdminTreeError(ValueError):
    """A list of units that does not form one valid tree; carries every problem, not only the first."""

    def __init__(self, problems: Iterable[TreeProblem]) -> None:
        self.problems: tuple[TreeProblem, ...] = tuple(problems)
        lines = "\n".join(f"  - {p.message}" for p in self.problems)
        super().__init__(f"{len(self.problems)} problem(s) in the administrative tree:\n{lines}")


class AdminTree:
    """A validated province → commune → village tree with constant-time lookups.

    Build it with :meth:`from_units`; it never exists in an invalid state.
    """

    __slots__ = ("_by_code", "_children", "_descendants", "_root")

    def __init__(self, units: Iterable[AdminUnit]) -> None:
        units = list(units)
        problems = _validate(units)
        if problems:
            raise AdminTreeError(problems)
        self._by_code: dict[str, AdminUnit] = {u.code: u for u in units}
        self._children: dict[str, list[str]] = {u.code: [] for u in units}
        for u in units:
            if u.parent_code is not None:
                self._children[u.parent_code].append(u.code)
        self._root = next(u for u in units if u.parent_code is None)
        self._descendants: dict[tuple[str, AdminLevel], tuple[AdminUnit, ...]] = {}

    @classmethod
    def from_units(cls, units: Iterable[AdminUnit]) -> AdminTree:
        """Validate ``units`` and build the tree, or raise :class:`AdminTreeError` with every problem."""
        return cls(units)

    @property
    def root(self) -> AdminUnit:
        """The province."""
        return self._root

    def __len__(self) -> int:
        return len(self._by_code)

    def __iter__(self) -> Iterator[AdminUnit]:
        """Units top-down: the province, then each commune followed by its villages."""
        stack = [self._root.code]
        while stack:
            code = stack.pop()
            yield self._by_code[code]
            stack.extend(reversed(self._children[code]))

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def __getitem__(self, code: str) -> AdminUnit:
        try:
            return self._by_code[code]
        except KeyError:
            raise KeyError(f"unknown unit code {code!r}") from None

    def get(self, code: str) -> AdminUnit | None:
        """The unit with this code, or ``None``."""
        return self._by_code.get(code)

    @property
    def units(self) -> Mapping[str, AdminUnit]:
        """Every unit by code."""
        return self._by_code

    def parent(self, code: str) -> AdminUnit | None:
        """The unit directly above, ``None`` for the province."""
        parent_code = self[code].parent_code
        return None if parent_code is None else self._by_code[parent_code]

    def ancestors(self, code: str) -> tuple[AdminUnit, ...]:
        """Units above ``code``, nearest first (a village's commune, then the province)."""
        out: list[AdminUnit] = []
        unit = self.parent(code)
        while unit is not None:
            out.append(unit)
            unit = self.parent(unit.code)
        return tuple(out)

    def children(self, code: str) -> tuple[AdminUnit, ...]:
        """Units directly below ``code``, in input order."""
        self[code]
        return tuple(self._by_code[c] for c in self._children[code])

    def descendants(self, code: str, level: AdminLevel) -> tuple[AdminUnit, ...]:
        """Units of ``level`` below ``code`` (or ``code`` itself if it is of that level)."""
        key = (code, level)
        cached = self._descendants.get(key)
        if cached is None:
            cached = tuple(u for u in self._subtree(code) if u.level is level)
            self._descendants[key] = cached
        return cached

    def at_level(self, level: AdminLevel) -> tuple[AdminUnit, ...]:
        """Every unit of ``level`` in the tree."""
        return self.descendants(self._root.code, level)

    def commune_of(self, village_code: str) -> AdminUnit:
        """The commune a village belongs to (a commune is its own commune)."""
        unit = self[village_code]
        if unit.level is AdminLevel.COMMUNE:
            return unit
        if unit.level is AdminLevel.VILLAGE and unit.parent_code is not None:
            return self._by_code[unit.parent_code]
        raise ValueError(f"{village_code} is a province, which has no commune")

    def is_within(self, code: str, scope: str) -> bool:
        """Whether ``code`` is ``scope`` or lies below it; an unknown code lies nowhere."""
        if code not in self._by_code:
            return False
        if code == scope:
            return True
        return any(a.code == scope for a in self.ancestors(code))

    def _subtree(self, code: str) -> Iterator[AdminUnit]:
        stack = [code]
        while stack:
            current = stack.pop()
            yield self[current]
            stack.extend(reversed(self._children[current]))


def _validate(units: list[AdminUnit]) -> list[TreeProblem]:
    problems: list[TreeProblem] = []
    by_code: dict[str, AdminUnit] = {}
    for u in units:
        if u.code in by_code:
            problems.append(TreeProblem(u.code, "duplicate_code", f"duplicate code {u.code!r} ({u.name})"))
        else:
            by_code[u.code] = u
    roots = [u for u in units if u.parent_code is None]
    if len(roots) != 1:
        listed = ", ".join(r.code for r in roots) or "none"
        problems.append(
            TreeProblem(
                roots[1].code if len(roots) > 1 else "",
                "root_count",
                f"the tree needs exactly one province as its root, found {len(roots)}: {listed}",
            )
        )
    for u in by_code.values():
        if u.parent_code is None:
            continue
        parent = by_code.get(u.parent_code)
        if parent is None:
            problems.append(
                TreeProblem(u.code, "missing_parent", f"{u.code}: parent {u.parent_code!r} does not exist")
            )
        elif parent.level is not u.level.parent_level:
            expected = u.level.parent_level
            problems.append(
                TreeProblem(
                    u.code,
                    "wrong_parent_level",
                    f"{u.code}: a {u.level.value} must hang from a "
                    f"{expected.value if expected else 'nothing'}, "
                    f"but {parent.code} is a {parent.level.value}",
                )
            )
    problems.extend(_cycles(by_code))
    return problems


def _cycles(by_code: Mapping[str, AdminUnit]) -> list[TreeProblem]:
    """Units whose parent chain loops back on itself (possible only in malformed input)."""
    problems: list[TreeProblem] = []
    settled: set[str] = set()
    for start in by_code:
        path: list[str] = []
        on_path: set[str] = set()
        code: str | None = start
        while code is not None and code in by_code and code not in settled:
            if code in on_path:
                loop = path[path.index(code) :]
                problems.append(TreeProblem(code, "cycle", "cycle in parents: " + " → ".join([*loop, code])))
                break
            path.append(code)
            on_path.add(code)
            code = by_code[code].parent_code
        settled.update(path)
    return problems
