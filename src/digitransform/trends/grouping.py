"""How tickets are grouped and filtered for the trends: by barrier, service, commune, village or team.

A ticket has one service, one commune, one village and at most one team, but several barrier
categories; grouping by category puts it in each of its categories' groups, while the ``total``
counts it once. A category filter picks one barrier, so that "tickets with this barrier" is still
counted once per ticket whatever the grouping.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable

import attrs

from digitransform.domain import Barrier, DigitalService, PeriodKind, Ticket

__all__ = [
    "TOTAL",
    "TREND_KINDS",
    "GroupBy",
    "GroupKey",
    "TicketFilter",
    "group_keys",
    "keys_for",
    "parse_group_by",
    "parse_kind",
    "sort_key",
]

GroupKey = str | None
"""A group's name: a code (barrier, service, unit, team), or ``None`` for tickets without a team."""

TOTAL = "total"
"""The name of the series that counts every ticket once."""

TREND_KINDS = frozenset(
    {PeriodKind.DAY, PeriodKind.WEEK, PeriodKind.MONTH, PeriodKind.QUARTER, PeriodKind.YEAR}
)
"""Calendar periods a trend can be cut into (a free ``range`` has no successor)."""


class GroupBy(enum.Enum):
    """What a trend's series are split by."""

    CATEGORY = "category"
    SERVICE = "service"
    COMMUNE = "commune"
    VILLAGE = "village"
    TEAM = "team"


def parse_group_by(value: GroupBy | str | None) -> GroupBy | None:
    """``value`` as a :class:`GroupBy`; a string is its code; ``None`` or ``""`` means no grouping."""
    if value is None or isinstance(value, GroupBy):
        return value
    if value == "":
        return None
    try:
        return GroupBy(value)
    except ValueError:
        allowed = ", ".join(g.value for g in GroupBy)
        raise ValueError(f"group_by: unknown grouping {value!r} (allowed: {allowed})") from None


def parse_kind(value: PeriodKind | str) -> PeriodKind:
    """``value`` as a calendar :class:`PeriodKind` a trend can use."""
    try:
        kind = value if isinstance(value, PeriodKind) else PeriodKind(value)
    except ValueError:
        kind = None
    if kind not in TREND_KINDS:
        allowed = ", ".join(sorted(k.value for k in TREND_KINDS))
        shown = value.value if isinstance(value, PeriodKind) else value
        raise ValueError(f"period: {shown!r} cannot cut a trend (allowed: {allowed})")
    assert kind is not None
    return kind


def _codes(value: str | Iterable[str] | None) -> frozenset[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return frozenset({value})
    return frozenset(value)


def _services(
    value: DigitalService | Iterable[DigitalService] | None,
) -> frozenset[DigitalService] | None:
    if value is None:
        return None
    if isinstance(value, DigitalService):
        return frozenset({value})
    return frozenset(value)


@attrs.frozen(slots=True)
class TicketFilter:
    """Which tickets a trend looks at; ``None`` in a field means "any".

    Units, teams and services are sets (an official's scope may be several communes). The category
    is a single barrier: a ticket with several barriers must still be counted once, which a set of
    categories could not promise without the ticket's whole category set at hand.
    """

    communes: frozenset[str] | None = attrs.field(default=None, converter=_codes)
    villages: frozenset[str] | None = attrs.field(default=None, converter=_codes)
    teams: frozenset[str] | None = attrs.field(default=None, converter=_codes)
    services: frozenset[DigitalService] | None = attrs.field(default=None, converter=_services)
    category: Barrier | None = None

    def matches(self, ticket: Ticket) -> bool:
        """Whether ``ticket`` is in scope."""
        return (
            (self.communes is None or ticket.commune in self.communes)
            and (self.villages is None or ticket.village in self.villages)
            and (self.teams is None or (ticket.team is not None and ticket.team in self.teams))
            and (self.services is None or ticket.service in self.services)
            and (self.category is None or self.category in ticket.categories)
        )


def group_keys(ticket: Ticket, group_by: GroupBy | None, where: TicketFilter) -> tuple[GroupKey, ...]:
    """The groups ``ticket`` counts in: several only when grouping by category without a category filter."""
    return keys_for(
        group_by,
        where,
        categories=(c.value for c in ticket.categories),
        service=ticket.service.value,
        commune=ticket.commune,
        village=ticket.village,
        team=ticket.team,
    )


def keys_for(
    group_by: GroupBy | None,
    where: TicketFilter,
    *,
    categories: Iterable[str],
    service: str,
    commune: str,
    village: str,
    team: str | None,
) -> tuple[GroupKey, ...]:
    """:func:`group_keys` of a ticket given by its codes (a stored row, say): the one rule either way."""
    if group_by is None:
        return (TOTAL,)
    if group_by is GroupBy.CATEGORY:
        if where.category is not None:
            return (where.category.value,)
        return tuple(sorted(categories))
    if group_by is GroupBy.SERVICE:
        return (service,)
    if group_by is GroupBy.COMMUNE:
        return (commune,)
    if group_by is GroupBy.VILLAGE:
        return (village,)
    return (team,)


def sort_key(group: GroupKey) -> tuple[bool, str]:
    """Series order: by code, "no team" last."""
    return (group is None, group or "")
