"""The counting plan: a set of indicators compiled into counter slots and one household loop.

Every unit of the tree gets a short list of integer counters ("slots"). Households add to their
village's slots, service reports and tickets to their unit's, teams to their villages' and
commune's. Each indicator then reads its numerator and denominator from the slots
(:class:`Reading`). Identical populations share a slot: "adults" is counted once for the smartphone
and the digital-signature rates.

Why generate code: Python spends most of a province's time per resident. Conditions are data, so
the plan writes one loop that tests every indicator's conditions inline, nested under shared
denominators, and compiles it once per set of indicators, the way attrs writes ``__init__``. The
loop reads attributes only (``village``, ``internet``, ``other_smart_devices``, ``members`` and the
resident fields), so the same function counts domain :class:`~digitransform.domain.Household`
objects and the typed records the file scanner decodes.
"""

from __future__ import annotations

import abc
import collections
import functools
import hashlib
import linecache
from collections.abc import Callable, Iterable, MutableSequence, Sequence
from typing import Any

import attrs

from digitransform.domain import AdminLevel
from digitransform.indicators.conditions import (
    HOUSEHOLD_CONDITION_FIELDS,
    PERSON_CONDITION_FIELDS,
    Always,
    Condition,
    Constants,
    member_flag_key,
)
from digitransform.indicators.definitions import (
    REPORT_FIELDS,
    Counting,
    HouseholdShare,
    IndicatorDefinition,
    PersonShare,
    ReportRatio,
    ReportSum,
    TeamMembersPerHouseholds,
    TeamVillageCoverage,
    TicketResolution,
)

__all__ = [
    "CountHouseholds",
    "CoverageReading",
    "Plan",
    "Reading",
    "ReportReading",
    "SlotReading",
    "compile_plan",
]

CountHouseholds = Callable[[Iterable[Any], dict[str, MutableSequence[int]]], None]
"""Adds households to the counters of their villages; ``KeyError`` for a village not in the map."""

HOUSEHOLDS_SLOT = 0


class Reading(abc.ABC):
    """How an indicator reads its own-unit numerator and denominator from a unit's slots."""

    @abc.abstractmethod
    def read(self, counts: Sequence[int], level: AdminLevel) -> tuple[int, int]:
        """(numerator, denominator) contributed by one unit itself, before rolling up."""


@attrs.frozen(slots=True)
class SlotReading(Reading):
    """Numerator and denominator are two slots."""

    numerator: int
    denominator: int

    def read(self, counts: Sequence[int], level: AdminLevel) -> tuple[int, int]:
        return counts[self.numerator], counts[self.denominator]


@attrs.frozen(slots=True)
class ReportReading(Reading):
    """Numerator and denominator are signed sums of the summed service-report counts."""

    numerator: ReportSum
    denominator: ReportSum
    first_slot: int

    def read(self, counts: Sequence[int], level: AdminLevel) -> tuple[int, int]:
        sums = {name: counts[self.first_slot + i] for i, name in enumerate(REPORT_FIELDS)}
        return self.numerator.evaluate(sums), self.denominator.evaluate(sums)


@attrs.frozen(slots=True)
class CoverageReading(Reading):
    """A village counts once in the denominator, and once in the numerator if any active team serves it.

    The slot holds how many active teams serve the village (additive, so accumulators merge); the
    yes/no is taken only here, at the village, before rolling up.
    """

    serving_slot: int

    def read(self, counts: Sequence[int], level: AdminLevel) -> tuple[int, int]:
        if level is not AdminLevel.VILLAGE:
            return 0, 0
        return (1 if counts[self.serving_slot] > 0 else 0), 1


@attrs.frozen(slots=True)
class _PersonGroup:
    denominator: Condition
    slot: int
    numerators: list[tuple[Condition, int]]


@attrs.frozen(eq=False)
class Plan:
    """Counter slots for a set of indicators, the readings, and the compiled household loop.

    Attributes:
        definitions: The indicators, in report order.
        width: How many counter slots each unit has.
        readings: One per definition.
        count_households: The compiled loop over households.
        source: The generated source of that loop, for the curious and for debugging.
        report_slot: First of the summed service-report counts (in ``REPORT_FIELDS`` order).
        team_serving_slot: Active teams serving a village.
        team_members_slot: Members of active teams, at their commune.
        tickets_slot: Tickets opened in or carried into the period; the next slot, those resolved.
    """

    definitions: tuple[IndicatorDefinition, ...]
    width: int
    readings: tuple[Reading, ...]
    count_households: CountHouseholds
    source: str
    report_slot: int
    team_serving_slot: int
    team_members_slot: int
    tickets_slot: int


class _Slots:
    def __init__(self) -> None:
        self.names: dict[str, int] = {"households": HOUSEHOLDS_SLOT}

    def slot(self, name: str) -> int:
        if name not in self.names:
            self.names[name] = len(self.names)
        return self.names[name]


@functools.lru_cache(maxsize=32)
def compile_plan(definitions: tuple[IndicatorDefinition, ...]) -> Plan:
    """The plan for these indicators (cached: worker processes compile each set once)."""
    builder = _PlanBuilder()
    readings = tuple(builder.reading(definition) for definition in definitions)
    source = _generate(
        list(builder.person_groups.values()),
        list(builder.household_groups.values()),
        builder.member_flags,
        builder.constants,
    )
    return Plan(
        definitions=definitions,
        width=len(builder.slots.names),
        readings=readings,
        count_households=_load(source, builder.constants, definitions),
        source=source,
        report_slot=builder.report_slot,
        team_serving_slot=builder.team_serving_slot,
        team_members_slot=builder.team_members_slot,
        tickets_slot=builder.tickets_slot,
    )


def _load(source: str, constants: Constants, definitions: tuple[IndicatorDefinition, ...]) -> CountHouseholds:
    """Compiles the loop under a readable file name registered in ``linecache``, as attrs does.

    A traceback or pdb stepping through the loop then shows its lines; the name says which
    indicators it counts and a digest of the source keeps two different plans apart.
    """
    digest = hashlib.sha1(source.encode(), usedforsecurity=False).hexdigest()[:8]
    codes = ",".join(sorted({d.code for d in definitions})) or "no indicators"
    if len(codes) > 80:
        codes = codes[:77] + "..."
    filename = f"<digitransform indicator plan {digest}: {codes}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(keepends=True), filename)
    namespace: dict[str, Any] = dict(constants.values)
    exec(compile(source, filename, "exec"), namespace)
    count_households: CountHouseholds = namespace["count_households"]
    return count_households


class _PlanBuilder:
    """Gathers slots, counting groups and readings definition by definition, by kind of counting."""

    def __init__(self) -> None:
        self.slots = _Slots()
        self.constants = Constants()
        self.person_groups: dict[str, _PersonGroup] = {}
        self.household_groups: dict[str, _PersonGroup] = {}
        self.member_flags: dict[str, Condition] = {}
        self.report_slot = self.slots.slot("report:" + REPORT_FIELDS[0])
        for name in REPORT_FIELDS[1:]:
            self.slots.slot("report:" + name)
        self.team_serving_slot = self.slots.slot("teams:serving")
        self.team_members_slot = self.slots.slot("teams:members")
        self.tickets_slot = self.slots.slot("tickets:denominator")
        self.slots.slot("tickets:resolved")

    def reading(self, definition: IndicatorDefinition) -> Reading:
        """The reading of one indicator, adding the slots and loop conditions it needs."""
        counting = definition.resolved_counting()
        for kind in type(counting).__mro__:
            read = _READERS.get(kind)
            if read is not None:
                return read(self, definition, counting)
        raise TypeError(f"{definition.code}: unknown kind of counting {type(counting).__name__}")

    def person_share(self, definition: IndicatorDefinition, counting: Counting) -> Reading:
        assert isinstance(counting, PersonShare)
        _check_fields(definition, counting.numerator, counting.denominator, person=True)
        return self._share(counting.numerator, counting.denominator, person=True)

    def household_share(self, definition: IndicatorDefinition, counting: Counting) -> Reading:
        assert isinstance(counting, HouseholdShare)
        _check_fields(definition, counting.numerator, counting.denominator, person=False)
        reading = self._share(counting.numerator, counting.denominator, person=False)
        for condition in (counting.numerator, counting.denominator):
            for member in condition.member_conditions():
                self.member_flags[member_flag_key(member, self.constants)] = member
        return reading

    def _share(self, numerator: Condition, denominator: Condition, *, person: bool) -> Reading:
        field = _member_field if person else _household_field_names
        groups = self.person_groups if person else self.household_groups
        prefix = "person" if person else "household"
        den_source = denominator.source(field, self.constants)
        num_source = numerator.source(field, self.constants)
        if isinstance(denominator, Always) and not person:
            den_slot = HOUSEHOLDS_SLOT
        else:
            den_slot = self.slots.slot(f"{prefix}:{den_source}")
        group = groups.setdefault(den_source, _PersonGroup(denominator, den_slot, []))
        num_slot = self.slots.slot(f"{prefix}:{den_source}:{num_source}")
        if all(slot != num_slot for _, slot in group.numerators):
            group.numerators.append((numerator, num_slot))
        return SlotReading(num_slot, den_slot)

    def report_ratio(self, definition: IndicatorDefinition, counting: Counting) -> Reading:
        assert isinstance(counting, ReportRatio)
        assert isinstance(counting.numerator, ReportSum) and isinstance(counting.denominator, ReportSum)
        return ReportReading(counting.numerator, counting.denominator, self.report_slot)

    def team_village_coverage(self, definition: IndicatorDefinition, counting: Counting) -> Reading:
        return CoverageReading(self.team_serving_slot)

    def team_members(self, definition: IndicatorDefinition, counting: Counting) -> Reading:
        return SlotReading(self.team_members_slot, HOUSEHOLDS_SLOT)

    def ticket_resolution(self, definition: IndicatorDefinition, counting: Counting) -> Reading:
        return SlotReading(self.tickets_slot + 1, self.tickets_slot)


_READERS: dict[type[Counting], Callable[[_PlanBuilder, IndicatorDefinition, Counting], Reading]] = {
    PersonShare: _PlanBuilder.person_share,
    HouseholdShare: _PlanBuilder.household_share,
    ReportRatio: _PlanBuilder.report_ratio,
    TeamVillageCoverage: _PlanBuilder.team_village_coverage,
    TeamMembersPerHouseholds: _PlanBuilder.team_members,
    TicketResolution: _PlanBuilder.ticket_resolution,
}
"""How each kind of counting is read; a project's own kind of counting is refused by name."""


def _check_fields(definition: IndicatorDefinition, *conditions: Condition, person: bool) -> None:
    allowed = PERSON_CONDITION_FIELDS if person else HOUSEHOLD_CONDITION_FIELDS
    for condition in conditions:
        unknown = condition.fields() - set(allowed)
        if unknown:
            raise ValueError(
                f"{definition.code}: unknown field(s) {', '.join(sorted(unknown))}; "
                f"{'a person' if person else 'a household'} condition may use {', '.join(allowed)}"
            )
        for member in condition.member_conditions():
            _check_fields(definition, member, person=True)


def _member_field(name: str) -> str:
    return f"m_{name}"


def _household_field_names(name: str) -> str:
    if name == "member_count":
        return "len(ms)"
    if name.startswith("any:"):
        return f"any:{name[4:]}"
    return f"h.{name}"


def _generate(
    person_groups: list[_PersonGroup],
    household_groups: list[_PersonGroup],
    member_flags: dict[str, Condition],
    constants: Constants,
) -> str:
    flag_names = {key: f"any{i}" for i, key in enumerate(member_flags)}

    def household_field(name: str) -> str:
        return flag_names[name] if name.startswith("any:") else _household_field_names(name)

    member_conditions = [g.denominator for g in person_groups]
    member_conditions += [c for g in person_groups for c, _ in g.numerators]
    member_conditions += list(member_flags.values())
    uses = collections.Counter(name for c in member_conditions for name in c.fields())
    # A field read by several conditions is read once per member into a local; others inline.
    local = sorted(name for name, n in uses.items() if n > 1)

    def member_field(name: str) -> str:
        return f"m_{name}" if name in local else f"m.{name}"

    used_slots = sorted(
        {HOUSEHOLDS_SLOT}
        | {g.slot for g in person_groups + household_groups}
        | {slot for g in person_groups + household_groups for _, slot in g.numerators}
    )
    zero = " = ".join(f"s{i}" for i in used_slots) + " = 0"
    flush = [f"c[{i}] += s{i}" for i in used_slots]
    # Counts go to local variables, twice as fast as list items, and reach the village's counters
    # when the village changes: files list a village's households together, so that is rare.
    lines = [
        "def count_households(households, counters):",
        "    village = None",
        "    c = None",
        f"    {zero}",
        "    for h in households:",
        "        if h.village != village:",
        "            if c is not None:",
        *(f"                {line}" for line in flush),
        f"                {zero}",
        "            c = counters[h.village]",
        "            village = h.village",
        f"        s{HOUSEHOLDS_SLOT} += 1",
        "        ms = h.members",
    ]
    if flag_names:
        lines.append("        " + " = ".join(flag_names.values()) + " = False")
    if member_conditions:
        lines.append("        for m in ms:")
        lines += [f"            m_{name} = m.{name}" for name in local]
        for group in person_groups:
            lines += _counting_block(group, member_field, constants, "            ")
        for key, condition in member_flags.items():
            lines.append(f"            if {condition.source(member_field, constants)}:")
            lines.append(f"                {flag_names[key]} = True")
    for group in household_groups:
        lines += _counting_block(group, household_field, constants, "        ")
    lines.append("    if c is not None:")
    lines += [f"        {line}" for line in flush]
    return "\n".join(lines) + "\n"


def _counting_block(
    group: _PersonGroup, field: Callable[[str], str], constants: Constants, indent: str
) -> list[str]:
    lines: list[str] = []
    inner = indent
    if not isinstance(group.denominator, Always) or group.slot != HOUSEHOLDS_SLOT:
        if isinstance(group.denominator, Always):
            lines.append(f"{indent}s{group.slot} += 1")
        else:
            lines.append(f"{indent}if {group.denominator.source(field, constants)}:")
            inner = indent + "    "
            lines.append(f"{inner}s{group.slot} += 1")
    for numerator, slot in group.numerators:
        if isinstance(numerator, Always):
            lines.append(f"{inner}s{slot} += 1")
        else:
            lines.append(f"{inner}if {numerator.source(field, constants)}:")
            lines.append(f"{inner}    s{slot} += 1")
    return lines
