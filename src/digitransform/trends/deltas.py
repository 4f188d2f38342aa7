"""Per-day deltas of the backlog: the shape of the service's aggregate table, and the trend rebuilt from it.

Every change to a ticket (its creation, a transition, a "me too" occurrence) adds counts to rows keyed
by the change's local date and the ticket's commune, village, team, service and category. Summed
up to a period's end, ``opened + reopened − resolved − rejected`` is the unresolved backlog and
``people_delta`` is the people it affects, so a trend reads a few rows per day instead of every
ticket. The service keeps the table in the same transaction as the ticket change; the library's
:func:`trend_from_deltas` is the contract its SQL must match.

A ticket with several categories adds one row per category and one row under
:data:`ALL_CATEGORIES` (``"*"``), the row that counts it once: totals and every grouping other than
by category read only the ``"*"`` rows; a category filter reads only that category's rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any

import attrs

from digitransform.domain import (
    PeriodKind,
    ResolutionType,
    Ticket,
    TicketHistory,
    TicketState,
    TicketStatus,
    apply_transition,
    local_date,
)
from digitransform.trends.grouping import (
    GroupBy,
    GroupKey,
    TicketFilter,
    parse_group_by,
    parse_kind,
)
from digitransform.trends.series import PeriodCounts, PeriodIndex, UnresolvedTrend, assemble

__all__ = [
    "ALL_CATEGORIES",
    "NO_TEAM",
    "DailyDelta",
    "TicketChange",
    "change_deltas",
    "daily_deltas",
    "merge_deltas",
    "ticket_changes",
    "trend_from_deltas",
]

ALL_CATEGORIES = "*"
"""The ``category`` of the row that counts a ticket once, whatever its categories."""

NO_TEAM = ""
"""The ``team`` of rows for tickets without a team (a key column portable to SQL cannot be NULL)."""

_CLOSED = frozenset({TicketStatus.RESOLVED, TicketStatus.REJECTED})


@attrs.frozen(slots=True, order=True)
class DailyDelta:
    """What changed on one local day for one commune, village, team, service and category.

    The key is (``local_date``, ``commune``, ``village``, ``team``, ``service``, ``category``); the
    counts add up. ``service`` and ``category`` are codes (``category`` may be ``"*"``).
    """

    local_date: dt.date
    commune: str
    village: str
    team: str
    service: str
    category: str
    opened: int = 0
    """Tickets observed that day."""
    resolved: int = 0
    """Resolve actions that day."""
    rejected: int = 0
    """Reject actions that day."""
    reopened: int = 0
    """Reopen actions that day."""
    resolved_on_the_spot: int = 0
    """Resolve actions that day whose resolution is ``on_the_spot`` (a part of ``resolved``)."""
    people_delta: int = 0
    """Change in the people affected by unresolved tickets: people entering the backlog with a
    ticket (opened or reopened, with every occurrence known by then), minus people leaving it with a
    ticket (resolved or rejected), plus occurrences added to a ticket while it is unresolved."""
    people_reported: int = 0
    """People newly reported that day: a new ticket's people plus occurrences, whatever the status."""

    @property
    def key(self) -> tuple[dt.date, str, str, str, str, str]:
        """The columns that identify the row."""
        return (self.local_date, self.commune, self.village, self.team, self.service, self.category)

    @property
    def unresolved_delta(self) -> int:
        """Change in the number of unresolved tickets that day."""
        return self.opened + self.reopened - self.resolved - self.rejected

    @property
    def is_zero(self) -> bool:
        """Every count is zero: the row says nothing and need not be stored."""
        return not any(self.counts())

    def counts(self) -> tuple[int, ...]:
        """The counts, in field order."""
        return (
            self.opened,
            self.resolved,
            self.rejected,
            self.reopened,
            self.resolved_on_the_spot,
            self.people_delta,
            self.people_reported,
        )

    def plus(self, other: DailyDelta) -> DailyDelta:
        """The sum of two rows with the same key (what an SQL upsert does)."""
        if other.key != self.key:
            raise ValueError(f"cannot add rows with different keys: {self.key} and {other.key}")
        return DailyDelta(*self.key, *(a + b for a, b in zip(self.counts(), other.counts(), strict=True)))

    def to_dict(self) -> dict[str, Any]:
        """Column names and values, the date in ISO form."""
        out = attrs.asdict(self)
        out["local_date"] = self.local_date.isoformat()
        return out


@attrs.frozen(slots=True)
class TicketChange:
    """One change to a ticket: its state and people before (``None`` before it existed) and after."""

    at: dt.datetime
    before: TicketState | None
    after: TicketState
    people_before: int
    people_after: int


def ticket_changes(history: TicketHistory) -> Iterator[TicketChange]:
    """The ticket's creation, then each event, as changes of state and people."""
    ticket = history.ticket
    state = TicketState()
    people = ticket.people_affected
    yield TicketChange(ticket.observed_at, None, state, 0, people)
    for event in history.events:
        after = state
        if event.transition is not None:
            after = apply_transition(state, event.transition, ticket_id=ticket.id)
        yield TicketChange(event.at, state, after, people, people + event.people_added)
        state, people = after, people + event.people_added


def change_deltas(ticket: Ticket, change: TicketChange) -> tuple[DailyDelta, ...]:
    """The rows one change adds: one under ``"*"`` and one per category, or none if nothing counts.

    This is what the service adds to its aggregate, in the same transaction as the change.
    """
    before = None if change.before is None else change.before.status
    after = change.after.status
    was_unresolved = before is not None and before.is_unresolved
    resolved = was_unresolved and after is TicketStatus.RESOLVED
    people_then = change.people_before if was_unresolved else 0
    people_now = change.people_after if after.is_unresolved else 0
    counts = (
        int(before is None),
        int(resolved),
        int(was_unresolved and after is TicketStatus.REJECTED),
        int(before in _CLOSED and after.is_unresolved),
        int(resolved and change.after.resolution is ResolutionType.ON_THE_SPOT),
        people_now - people_then,
        change.people_after - change.people_before,
    )
    if not any(counts):
        return ()
    day = local_date(change.at)
    team = NO_TEAM if ticket.team is None else ticket.team
    categories = (ALL_CATEGORIES, *sorted(c.value for c in ticket.categories))
    return tuple(
        DailyDelta(day, ticket.commune, ticket.village, team, ticket.service.value, category, *counts)
        for category in categories
    )


def merge_deltas(rows: Iterable[DailyDelta]) -> tuple[DailyDelta, ...]:
    """Rows with the same key added together, all-zero rows dropped, in key order."""
    merged: dict[tuple[dt.date, str, str, str, str, str], DailyDelta] = {}
    for row in rows:
        known = merged.get(row.key)
        merged[row.key] = row if known is None else known.plus(row)
    return tuple(merged[k] for k in sorted(merged) if not merged[k].is_zero)


def daily_deltas(histories: Iterable[TicketHistory]) -> tuple[DailyDelta, ...]:
    """The whole aggregate table for these tickets, merged and in key order."""
    return merge_deltas(
        row
        for history in histories
        for change in ticket_changes(history)
        for row in change_deltas(history.ticket, change)
    )


def trend_from_deltas(
    rows: Iterable[DailyDelta],
    kind: PeriodKind | str,
    first: dt.date,
    last: dt.date,
    group_by: GroupBy | str | None = None,
    *,
    where: TicketFilter | None = None,
) -> UnresolvedTrend:
    """The same trend as :func:`~digitransform.trends.unresolved_trend`, from aggregate rows.

    Rows before the window make the backlog it starts with; rows after it are ignored.
    """
    period_kind = parse_kind(kind)
    grouping = parse_group_by(group_by)
    scope = where or TicketFilter()
    index = PeriodIndex.between(period_kind, first, last)
    size = len(index)
    total_category = ALL_CATEGORIES if scope.category is None else scope.category.value
    services = None if scope.services is None else {s.value for s in scope.services}
    total = PeriodCounts(size)
    groups: dict[GroupKey, PeriodCounts] = {}
    for row in rows:
        if not _in_scope(row, scope, services):
            continue
        targets = []
        if row.category == total_category:
            targets.append(total)
        if grouping is not None and _feeds_groups(row.category, grouping, scope):
            key = _group_of(row, grouping)
            if key not in groups:
                groups[key] = PeriodCounts(size)
            targets.append(groups[key])
        if not targets:
            continue
        i = index.containing(row.local_date)
        start = index.first_ending_on_or_after(row.local_date)
        for target in targets:
            if i is not None:
                target.add_flow("opened", i, row.opened)
                target.add_flow("resolved", i, row.resolved)
                target.add_flow("rejected", i, row.rejected)
                target.add_flow("reopened", i, row.reopened)
            target.add_stock(start, size, row.unresolved_delta, row.people_delta)
    return assemble(period_kind, grouping, index, groups, total)


def _in_scope(row: DailyDelta, scope: TicketFilter, services: set[str] | None) -> bool:
    return (
        (scope.communes is None or row.commune in scope.communes)
        and (scope.villages is None or row.village in scope.villages)
        and (scope.teams is None or (row.team != NO_TEAM and row.team in scope.teams))
        and (services is None or row.service in services)
    )


def _feeds_groups(category: str, group_by: GroupBy, scope: TicketFilter) -> bool:
    if scope.category is not None:
        return category == scope.category.value
    if group_by is GroupBy.CATEGORY:
        return category != ALL_CATEGORIES
    return category == ALL_CATEGORIES


def _group_of(row: DailyDelta, group_by: GroupBy) -> GroupKey:
    if group_by is GroupBy.CATEGORY:
        return row.category
    if group_by is GroupBy.SERVICE:
        return row.service
    if group_by is GroupBy.COMMUNE:
        return row.commune
    if group_by is GroupBy.VILLAGE:
        return row.village
    return None if row.team == NO_TEAM else row.team
