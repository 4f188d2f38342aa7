"""The unresolved backlog over time, computed ticket by ticket: the reference the service is checked against.

Semantics, all in local time (Asia/Ho_Chi_Minh) by the local date of each moment:

- ``opened`` counts tickets whose ``observed_at`` falls in the period (when the citizen met the
  difficulty, not when the team synced it);
- ``resolved``, ``rejected`` and ``reopened`` count actions at the time they were taken; a ticket
  resolved, reopened and resolved again in one period counts twice in ``resolved``;
- ``unresolved_at_end`` counts tickets open, acknowledged or in progress after every event of the
  period's last local day. A reopened ticket re-enters the backlog at its reopen time; a rejected one
  leaves it and is never counted as resolved;
- ``people_affected_unresolved`` sums, over those tickets, the people affected known by the period's
  end: the report's people plus every "me too" occurrence so far, including occurrences recorded while
  the ticket was resolved (they come back with it when it is reopened).

Each ticket's end-of-day status holds until its next change, so it is added to the stock of a
range of periods at once; the cost is the number of events, not events × periods.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Iterator

from digitransform.domain import (
    PeriodKind,
    TicketAction,
    TicketHistory,
    TicketState,
    apply_transition,
    local_date,
)
from digitransform.trends.grouping import (
    GroupBy,
    GroupKey,
    TicketFilter,
    group_keys,
    parse_group_by,
    parse_kind,
)
from digitransform.trends.series import PeriodCounts, PeriodIndex, UnresolvedTrend, assemble

__all__ = ["backlog_accumulators", "end_of_day_levels", "unresolved_trend"]

_FLOW_OF_ACTION = {
    TicketAction.RESOLVE: "resolved",
    TicketAction.REJECT: "rejected",
    TicketAction.REOPEN: "reopened",
}


def unresolved_trend(
    histories: Iterable[TicketHistory],
    kind: PeriodKind | str,
    first: dt.date,
    last: dt.date,
    group_by: GroupBy | str | None = None,
    *,
    where: TicketFilter | None = None,
) -> UnresolvedTrend:
    """The backlog trend over the ``kind`` periods from the one holding ``first`` to the one holding ``last``.

    Args:
        histories: every ticket with its events; tickets outside ``where`` are skipped. Events
            before ``first`` matter: they make the backlog the window starts with.
        kind: ``day``, ``week`` (ISO, Monday first), ``month``, ``quarter`` or ``year``.
        first: a local date in the first period.
        last: a local date in the last period.
        group_by: ``category``, ``service``, ``commune``, ``village``, ``team`` or ``None``.
        where: which tickets count; by default all.
    """
    period_kind = parse_kind(kind)
    grouping = parse_group_by(group_by)
    index = PeriodIndex.between(period_kind, first, last)
    groups, total = backlog_accumulators(histories, index, grouping, where or TicketFilter())
    return assemble(period_kind, grouping, index, groups, total)


def backlog_accumulators(
    histories: Iterable[TicketHistory],
    index: PeriodIndex,
    group_by: GroupBy | None,
    where: TicketFilter,
) -> tuple[dict[GroupKey, PeriodCounts], PeriodCounts]:
    """Per-group and total accumulators over ``index``, filled ticket by ticket."""
    size = len(index)
    total = PeriodCounts(size)
    groups: dict[GroupKey, PeriodCounts] = {}
    for history in histories:
        ticket = history.ticket
        if not where.matches(ticket):
            continue
        targets = [total]
        if group_by is not None:
            for key in group_keys(ticket, group_by, where):
                if key not in groups:
                    groups[key] = PeriodCounts(size)
                targets.append(groups[key])
        _fill(history, index, targets)
    return groups, total


def _fill(history: TicketHistory, index: PeriodIndex, targets: list[PeriodCounts]) -> None:
    flows: list[tuple[str, int]] = []
    opened_in = index.containing(local_date(history.ticket.observed_at))
    if opened_in is not None:
        flows.append(("opened", opened_in))
    for event in history.events:
        if event.transition is None or event.transition.action not in _FLOW_OF_ACTION:
            continue
        i = index.containing(local_date(event.at))
        if i is not None:
            flows.append((_FLOW_OF_ACTION[event.transition.action], i))
    stocks: list[tuple[int, int, int]] = []
    levels = list(end_of_day_levels(history))
    for (day, unresolved, people), following in itertools.zip_longest(levels, levels[1:]):
        if not unresolved:
            continue
        start = index.first_ending_on_or_after(day)
        stop = len(index) if following is None else index.first_ending_on_or_after(following[0])
        stocks.append((start, stop, people))
    for target in targets:
        for name, i in flows:
            target.add_flow(name, i)
        for start, stop, people in stocks:
            target.add_stock(start, stop, 1, people)


def end_of_day_levels(history: TicketHistory) -> Iterator[tuple[dt.date, bool, int]]:
    """For each local day with a change: whether the ticket is unresolved after that day, and its people.

    Days come in increasing order, starting with the day of observation; the level holds until the
    next day listed.
    """
    state = TicketState()
    people = history.ticket.people_affected
    day = local_date(history.ticket.observed_at)
    for event in history.events:
        event_day = local_date(event.at)
        if event_day != day:
            yield day, state.status.is_unresolved, people
            day = event_day
        if event.transition is not None:
            state = apply_transition(state, event.transition, ticket_id=history.ticket.id)
        people += event.people_added
    yield day, state.status.is_unresolved, people
