"""Community digital technology teams (Tổ công nghệ số cộng đồng).

Official Letter 793/BTTTT-THH (2022): the commune chair sets them up, one per village or hamlet, with
the village head, a commune official, Youth Union and Women's Union members, police and telecom
staff. A team serves villages of its own commune only.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Mapping

import attrs

from digitransform.domain.units import AdminLevel, AdminTree

__all__ = ["Team", "TeamRole", "check_team"]


class TeamRole(enum.Enum):
    """The role a member plays in a team."""

    LEADER = "leader"
    YOUTH_UNION = "youth_union"
    WOMENS_UNION = "womens_union"
    POLICE = "police"
    VILLAGE_HEAD = "village_head"
    TELECOM_STAFF = "telecom_staff"
    VOLUNTEER = "volunteer"


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
    # Not hashed: a dict cannot be, and teams must still go into sets and dict keys.
    roles: Mapping[TeamRole, int] = attrs.field(factory=dict, validator=_roles_fit, hash=False)

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
