"""The streaming, mergeable accumulator: integer counters per unit, never per household.

One pass adds households, teams, service reports and tickets to the counters of the units they
belong to. Memory grows with the number of units (a province has about a thousand villages), not
with the number of households. Counters only ever add, so accumulators over disjoint inputs merge
into the accumulator of their union: split a province across processes or a nation across machines,
count each part, and :meth:`Accumulator.merge` the results.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, MutableSequence
from typing import Any

from digitransform.domain import (
    AdminLevel,
    AdminTree,
    Household,
    Period,
    ServiceReport,
    Team,
    TicketHistory,
    TicketStatus,
)
from digitransform.indicators.catalogue import DEFAULT_REPORT
from digitransform.indicators.definitions import REPORT_FIELDS, IndicatorDefinition, Source
from digitransform.indicators.plan import Plan, compile_plan

__all__ = ["Accumulator"]

_BEFORE = dt.timedelta(microseconds=1)
_BATCH = 4096


class Accumulator:
    """Counts for a set of indicators over an admin tree and an optional period.

    Households describe the snapshot they are given. Service reports are flows: only reports whose
    whole span lies in the period are summed (others are counted in :attr:`skipped_reports`). A team
    is active in the period if it was founded by its end and last active on or after its start
    (:meth:`~digitransform.domain.Team.active_in`). Without a period every report counts and a team
    is active if it was ever active.

    Args:
        tree: The province, its communes and villages.
        indicators: The indicators to count (default: the full report).
        period: The reporting period, or ``None``.
    """

    def __init__(
        self,
        tree: AdminTree,
        indicators: Iterable[IndicatorDefinition] = DEFAULT_REPORT,
        period: Period | None = None,
    ) -> None:
        self.tree = tree
        self.period = period
        self.plan: Plan = compile_plan(tuple(indicators))
        width = self.plan.width
        self.counts: dict[str, list[int]] = {code: [0] * width for code in tree.units}
        self._villages: dict[str, MutableSequence[int]] = {
            u.code: self.counts[u.code] for u in tree.units.values() if u.level is AdminLevel.VILLAGE
        }
        self.sources: set[Source] = set()
        self.skipped_reports = 0

    @property
    def indicators(self) -> tuple[IndicatorDefinition, ...]:
        """The indicators counted, in report order."""
        return self.plan.definitions

    @property
    def households(self) -> int:
        """How many households were added."""
        return sum(c[0] for c in self._villages.values())

    def village_counters(self) -> dict[str, MutableSequence[int]]:
        """The village counters by code, for a fast reader that calls ``plan.count_households`` itself."""
        self.sources.add(Source.HOUSEHOLDS)
        return self._villages

    def add_households(self, households: Iterable[Household]) -> None:
        """Count households; ``ValueError`` naming the household if its village is not in the tree.

        Streams: an iterator of any length is counted in batches, never held in memory.
        """
        self.sources.add(Source.HOUSEHOLDS)
        iterator = iter(households)
        while batch := list(itertools.islice(iterator, _BATCH)):
            try:
                self.plan.count_households(batch, self._villages)
            except KeyError:
                bad = next(h for h in batch if h.village not in self._villages)
                raise ValueError(
                    f"household {bad.id}: {bad.village!r} is not a village of {self.tree.root.code}"
                ) from None

    def add_teams(self, teams: Iterable[Team]) -> None:
        """Count teams active in the period; ``ValueError`` for a team outside the tree."""
        self.sources.add(Source.TEAMS)
        serving, members = self.plan.team_serving_slot, self.plan.team_members_slot
        for team in teams:
            commune = self.tree.get(team.commune)
            if commune is None or commune.level is not AdminLevel.COMMUNE:
                raise ValueError(
                    f"team {team.id}: {team.commune!r} is not a commune of {self.tree.root.code}"
                )
            unknown = [v for v in team.villages if v not in self._villages]
            if unknown:
                raise ValueError(f"team {team.id}: {unknown[0]!r} is not a village of {self.tree.root.code}")
            if not self._active(team):
                continue
            self.counts[team.commune][members] += team.members
            for village in team.villages:
                self.counts[village][serving] += 1

    def _active(self, team: Team) -> bool:
        if self.period is None:
            return team.last_active is not None
        return team.active_in(self.period.start, self.period.end)

    def add_service_reports(self, reports: Iterable[ServiceReport]) -> None:
        """Sum reports that fall in the period into their unit; ``ValueError`` for an unknown unit."""
        self.sources.add(Source.SERVICE_REPORTS)
        first = self.plan.report_slot
        for report in reports:
            counts = self.counts.get(report.unit)
            if counts is None:
                raise ValueError(f"service report: unit {report.unit!r} is not in {self.tree.root.code}")
            period = self.period
            if period is not None and not (
                period.start <= report.period_start and report.period_end <= period.end
            ):
                if report.period_start <= period.end and report.period_end >= period.start:
                    self.skipped_reports += 1  # overlaps the period without lying inside it
                continue
            for i, name in enumerate(REPORT_FIELDS):
                counts[first + i] += getattr(report, name)

    def add_tickets(self, histories: Iterable[TicketHistory]) -> None:
        """Count difficulty tickets at their village (or commune, if the village is unknown).

        The denominator counts tickets opened in the period or still unresolved at its start; the
        numerator, those of them resolved during the period and still resolved at its end. Without a
        period: every ticket, and those resolved now.
        """
        self.sources.add(Source.TICKETS)
        slot = self.plan.tickets_slot
        for history in histories:
            ticket = history.ticket
            code = ticket.village if ticket.village in self.counts else ticket.commune
            if code not in self.counts:
                raise ValueError(
                    f"ticket {ticket.id}: neither {ticket.village!r} nor {ticket.commune!r} is a unit"
                )
            counted, resolved = _ticket_counts(history, self.period)
            self.counts[code][slot] += counted
            self.counts[code][slot + 1] += resolved

    def merge(self, other: Accumulator) -> Accumulator:
        """A new accumulator of both inputs together (the inputs must be disjoint)."""
        merged = Accumulator(self.tree, self.plan.definitions, self.period)
        merged.absorb(self)
        merged.absorb(other)
        return merged

    def absorb(self, other: Accumulator) -> None:
        """Add ``other``'s counts to this accumulator, in place (the inputs must be disjoint)."""
        if other.plan.definitions != self.plan.definitions:
            raise ValueError("cannot merge accumulators of different indicators")
        if other.period != self.period:
            raise ValueError(f"cannot merge accumulators of periods {self.period} and {other.period}")
        if other.counts.keys() != self.counts.keys():
            raise ValueError("cannot merge accumulators of different admin trees")
        for code, counts in self.counts.items():
            counts[:] = [a + b for a, b in zip(counts, other.counts[code], strict=True)]
        self.sources |= other.sources
        self.skipped_reports += other.skipped_reports

    def base_counts(self) -> dict[str, list[tuple[int, int]]]:
        """Each unit's own (numerator, denominator) per indicator, before rolling up the tree."""
        readings = self.plan.readings
        out: dict[str, list[tuple[int, int]]] = {}
        units = self.tree.units
        for code, counts in self.counts.items():
            level = units[code].level
            out[code] = [reading.read(counts, level) for reading in readings]
        return out

    def __getstate__(self) -> dict[str, Any]:
        # The compiled plan holds generated code, so a worker sends the definitions and recompiles.
        return {
            "tree": self.tree,
            "period": self.period,
            "definitions": self.plan.definitions,
            "counts": self.counts,
            "sources": self.sources,
            "skipped_reports": self.skipped_reports,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["tree"], state["definitions"], state["period"])  # type: ignore[misc]
        for code, counts in state["counts"].items():
            self.counts[code][:] = counts
        self.sources = state["sources"]
        self.skipped_reports = state["skipped_reports"]


def _ticket_counts(history: TicketHistory, period: Period | None) -> tuple[int, int]:
    states = list(history.states())
    if period is None:
        return 1, int(states[-1][1].status is TicketStatus.RESOLVED)
    start, end = period.start_moment, period.end_moment
    opened = history.ticket.observed_at
    if opened >= end:
        return 0, 0
    if opened < start:
        before = history.state_at(start - _BEFORE)
        if before is None or not before.status.is_unresolved:
            return 0, 0
    in_period = [(at, s) for at, s in states if at < end]
    last_at, last = in_period[-1]
    resolved = last.status is TicketStatus.RESOLVED and last_at >= start
    return 1, int(resolved)
