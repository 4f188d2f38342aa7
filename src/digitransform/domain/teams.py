"""Community digital technology teams (Tổ công nghệ số cộng đồng).

Official Letter 793/BTTTT-THH (2022): the commune chair sets them up, one per village or hamlet, with
the village head, a commune official, Youth Union and Women's Union members, police and telecom
staff. A team serves villages of its own commune only.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Iterator, Mapping

import attrs

from digitransform.domain.units import AdminLevel, AdminTree

__all__ = ["RoleCounts", "Team", "TeamRole", "check_team"]


class TeamRole(enum.Enum):
    """The role a member plays in a team."""

    LEADER = "leader"
    YOUTH_UNION = "youth_union"
    WOMENS_UNION = "womens_union"
    POLICE = "police"
    VILLAGE_HEAD = "village_head"
    TELECOM_STAFF = "telecom_staff"
    VOLUNTEER = "volunteer"


class RoleCounts(Mapping[TeamRole, int]):
    """How many members hold each role: a read-only mapping, so a frozen :class:`Team` stays frozen.

    A plain dict inside a frozen team could be changed in place, past the validator that keeps the
    counts within the members. Equal to any mapping with the same items (``== {...}`` works),
    hashable, and picklable.
    """

    __slots__ = ("_items",)

    def __init__(self, counts: Mapping[TeamRole, int] | Iterable[tuple[TeamRole, int]] = ()) -> None:
        items = dict(counts)
        self._items: tuple[tuple[TeamRole, int], ...] = tuple(
            sorted(items.items(), key=lambda item: list(TeamRole).index(item[0]))
        )

    def __getitem__(self, role: TeamRole) -> int:
        for known, count in self._items:
            if known is role:
                return count
        raise KeyError(role)

    def __iter__(self) -> Iterator[TeamRole]:
        return (role for role, _ in self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return hash(self._items)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, RoleCounts):
            return self._items == other._items
        return isinstance(other, Mapping) and dict(self._items) == dict(other.items())

    def __repr__(self) -> str:
        return f"RoleCounts({dict(self._items)!r})"

    def __reduce__(self) -> tuple[type[RoleCounts], tuple[tuple[tuple[TeamRole, int], ...]]]:
        return RoleCounts, (self._items,)


def _role_counts(value: Mapping[TeamRole, int] | Iterable[tuple[TeamRole, int]]) -> RoleCounts:
    return value if isinstance(value, RoleCounts) else RoleCounts(value)


def _code(_instance: object, _attribute: object, value: str) -> None:
    if not value or value != value.strip():
        raise ValueError("must be non-empty without surrounding spaces")


def _roles_fit(instance: Team, _attribute: object, value: Mapping[TeamRole, int]) -> None:
    if any(n < 0 for n in value.values()):
        raise ValueError("role counts must be ≥ 0")
    if sum(value.values()) > instance.members:
        raise ValueError(
            f"role counts add up to {sum(value.values())}, more than the {instance.members} members"
        )


def _non_negative(_instance: object, _attribute: object, value: int) -> None:
    if value < 0:
        raise ValueError(f"must be ≥ 0, got {value}")


def _village_codes(value: Iterable[str]) -> tuple[str, ...]:
    # Typed, unlike ``converter=tuple``, which mypy --strict callers cannot satisfy.
    return tuple(value)


def _villages(_instance: object, _attribute: object, value: tuple[str, ...]) -> None:
    if len(set(value)) != len(value):
        raise ValueError("a village is listed twice")


@attrs.frozen(slots=True)
class Team:
    """A team: its commune, the villages it serves, how many members (and in which roles), and dates.

    Members are counted, not named. ``roles`` says how many members hold each role where that is
    known; it may account for fewer people than ``members``.

    Whether the villages lie in the commune is a fact about the administrative tree, checked by
    :func:`check_team` with the tree at hand (a team alone cannot know it).
    """

    id: str = attrs.field(validator=_code)
    commune: str = attrs.field(validator=_code)
    villages: tuple[str, ...] = attrs.field(converter=_village_codes, validator=_villages)
    members: int = attrs.field(validator=_non_negative)
    founded: dt.date
    last_active: dt.date | None = None
    roles: Mapping[TeamRole, int] = attrs.field(
        factory=RoleCounts, converter=_role_counts, validator=_roles_fit
    )
    """Read-only (a :class:`RoleCounts`): built from any mapping of role to count."""

    def __attrs_post_init__(self) -> None:
        if self.last_active is not None and self.last_active < self.founded:
            raise ValueError(
                f"team {self.id}: last_active {self.last_active} precedes founded {self.founded}"
            )

    def active_in(self, start: dt.date, end: dt.date) -> bool:
        """Active in [start, end]: it existed by the end and was last active on or after the start."""
        return self.founded <= end and self.last_active is not None and self.last_active >= start


def check_team(team: Team, tree: AdminTree) -> list[str]:
    """Everything wrong with ``team`` against ``tree``: an unknown commune, or villages outside it."""
    commune = tree.get(team.commune)
    if commune is None or commune.level is not AdminLevel.COMMUNE:
        return [f"team {team.id}: {team.commune!r} is not a commune of {tree.root.code}"]
    problems = []
    for village in team.villages:
        unit = tree.get(village)
        if unit is None or unit.level is not AdminLevel.VILLAGE:
            problems.append(f"team {team.id}: {village!r} is not a village")
        elif unit.parent_code != team.commune:
            problems.append(
                f"team {team.id}: village {village} belongs to commune {unit.parent_code}, "
                f"not to the team's commune {team.commune}"
            )
    return problems
