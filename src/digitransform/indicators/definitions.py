"""What an indicator is, as data: its population, its counts, its targets and its parameters.

Every indicator is ``factor × Σ numerator ÷ Σ denominator`` over a population someone can name. A
definition says who is counted (:mod:`~digitransform.indicators.conditions`), from which input
(households, teams, service-centre reports, tickets), whether it is a stock or a flow, which way is
better, and which official targets apply. Nothing here reads a file or counts anything; the
:mod:`~digitransform.indicators.plan` compiles definitions into one counting pass.

A project defines its own indicator exactly like the catalogue does: build an
:class:`IndicatorDefinition` with a :class:`PersonShare` or :class:`HouseholdShare` (or a
:class:`ReportRatio`) and pass it to the engine next to the catalogue's.
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from digitransform.domain import AdminLevel, Label
from digitransform.indicators.conditions import ALWAYS, Choose, Condition, ParamValue

__all__ = [
    "REPORT_FIELDS",
    "Counting",
    "Direction",
    "HouseholdShare",
    "IndicatorDefinition",
    "Kind",
    "Operator",
    "Parameter",
    "PersonShare",
    "ReportRatio",
    "ReportSum",
    "Source",
    "Target",
    "TeamMembersPerHouseholds",
    "TeamVillageCoverage",
    "TicketResolution",
    "UnitOfAnalysis",
]

REPORT_FIELDS = (
    "received_total",
    "received_online",
    "resolved_total",
    "resolved_on_time",
    "resolved_fully_online",
    "late_pending",
    "carried_over",
)
"""The counts of a :class:`~digitransform.domain.ServiceReport` a report indicator may sum."""


class UnitOfAnalysis(enum.Enum):
    """What one unit of the numerator and denominator is."""

    PERSON = "person"
    HOUSEHOLD = "household"
    VILLAGE = "village"
    CENTRE_REPORT = "centre_report"
    TEAM = "team"
    TICKET = "ticket"


class Kind(enum.Enum):
    """Stocks describe a moment (people with a smartphone); flows add up over a period (applications)."""

    STOCK = "stock"
    FLOW = "flow"


class Direction(enum.Enum):
    """Which way is better, for ranking units."""

    HIGHER_IS_BETTER = "higher"
    LOWER_IS_BETTER = "lower"


class Source(enum.Enum):
    """The input an indicator is counted from."""

    HOUSEHOLDS = "households"
    TEAMS = "teams"
    SERVICE_REPORTS = "service_reports"
    TICKETS = "tickets"


class Operator(enum.Enum):
    """How a target is stated: "reach 80 %" is ``>=``, "more than 50 %" is ``>``. Keep it as written."""

    AT_LEAST = ">="
    ABOVE = ">"
    AT_MOST = "<="
    BELOW = "<"

    def holds(self, value: float, target: float) -> bool:
        """Whether ``value`` meets ``target`` under this operator."""
        if self is Operator.AT_LEAST:
            return value >= target
        if self is Operator.ABOVE:
            return value > target
        if self is Operator.AT_MOST:
            return value <= target
        return value < target


@attrs.frozen(slots=True)
class Target:
    """An official target: ``value`` (in the indicator's unit) by ``year``, from ``source``.

    ``year`` is ``None`` for a standing goal ("one team per village").
    """

    value: float
    operator: Operator
    year: int | None
    source: str

    def met_by(self, value: float) -> bool:
        """Whether ``value`` meets this target."""
        return self.operator.holds(value, self.value)


@attrs.frozen(slots=True)
class Parameter:
    """A named parameter of an indicator, with its default ("adult age", 18).

    ``choices`` lists the allowed values of a named variant; ``always_shown`` makes reports state the
    value even when it is the default (the two on-time rates give different numbers from one data set).
    """

    name: str
    default: ParamValue
    description: str
    choices: tuple[str, ...] = ()
    always_shown: bool = False

    def check(self, value: object) -> ParamValue:
        """``value`` if it suits this parameter, else ``ValueError`` saying what is allowed."""
        if self.choices:
            if value not in self.choices:
                raise ValueError(f"{self.name} must be one of {', '.join(self.choices)}, got {value!r}")
            return str(value)
        expected = type(self.default)
        if expected is float and type(value) is int:
            return float(value)
        if type(value) is not expected:
            raise ValueError(f"{self.name} must be a {expected.__name__}, got {value!r}")
        if type(value) is float and not math.isfinite(value):
            raise ValueError(f"{self.name} must be a finite number, got {value!r}")
        return value


class Counting:
    """How an indicator's numerator and denominator are counted: one of the classes below."""

    source: Source

    def resolve(self, params: Mapping[str, ParamValue]) -> Counting:
        """This counting with parameters substituted."""
        return self


@attrs.frozen(slots=True)
class PersonShare(Counting):
    """Residents satisfying ``denominator``; the numerator counts those of them satisfying ``numerator``."""

    numerator: Condition
    denominator: Condition = ALWAYS
    source = Source.HOUSEHOLDS

    def resolve(self, params: Mapping[str, ParamValue]) -> PersonShare:
        return PersonShare(self.numerator.resolve(params), self.denominator.resolve(params))


@attrs.frozen(slots=True)
class HouseholdShare(Counting):
    """Households satisfying ``denominator``; the numerator counts those of them satisfying ``numerator``.

    Household conditions may use :class:`~digitransform.indicators.conditions.AnyMember`.
    """

    numerator: Condition
    denominator: Condition = ALWAYS
    source = Source.HOUSEHOLDS

    def resolve(self, params: Mapping[str, ParamValue]) -> HouseholdShare:
        return HouseholdShare(self.numerator.resolve(params), self.denominator.resolve(params))


def _terms(value: Mapping[str, int] | tuple[tuple[str, int], ...]) -> tuple[tuple[str, int], ...]:
    items = tuple(value.items()) if isinstance(value, Mapping) else tuple(value)
    for name, weight in items:
        if name not in REPORT_FIELDS:
            raise ValueError(f"unknown service-report field {name!r}; known: {', '.join(REPORT_FIELDS)}")
        if type(weight) is not int:
            raise ValueError(f"the weight of {name} must be an integer, got {weight!r}")
    return items


@attrs.frozen(slots=True)
class ReportSum:
    """A signed sum of service-report counts: ``ReportSum({"received_total": 1, "late_pending": -1})``."""

    terms: tuple[tuple[str, int], ...] = attrs.field(converter=_terms)

    @classmethod
    def of(cls, field: str) -> ReportSum:
        """One report count on its own."""
        return cls({field: 1})

    def evaluate(self, counts: Mapping[str, int]) -> int:
        """The sum over ``counts`` (a report's or a unit's summed counts, by field name)."""
        return sum(weight * counts[name] for name, weight in self.terms)

    def describe(self) -> str:
        """Readable form: ``received_total + carried_over - late_pending``."""
        text = ""
        for i, (name, weight) in enumerate(self.terms):
            sign = "-" if weight < 0 else ("+" if i else "")
            factor = f"{abs(weight)}×" if abs(weight) != 1 else ""
            text += f" {sign} {factor}{name}" if i else f"{sign}{factor}{name}"
        return text


ReportSumOrChoice = ReportSum | Choose[ReportSum]


def _pick_sum(value: ReportSumOrChoice, params: Mapping[str, ParamValue]) -> ReportSum:
    return value.pick(params) if isinstance(value, Choose) else value


@attrs.frozen(slots=True)
class ReportRatio(Counting):
    """A flow from service-centre reports: Σ ``numerator`` ÷ Σ ``denominator`` over reports in the period."""

    numerator: ReportSumOrChoice
    denominator: ReportSumOrChoice
    source = Source.SERVICE_REPORTS

    def resolve(self, params: Mapping[str, ParamValue]) -> ReportRatio:
        return ReportRatio(_pick_sum(self.numerator, params), _pick_sum(self.denominator, params))


@attrs.frozen(slots=True)
class TeamVillageCoverage(Counting):
    """Villages served by at least one team active in the period, over all villages."""

    source = Source.TEAMS


@attrs.frozen(slots=True)
class TeamMembersPerHouseholds(Counting):
    """Members of teams active in the period over households (a team's members count in its commune)."""

    source = Source.TEAMS


@attrs.frozen(slots=True)
class TicketResolution(Counting):
    """Difficulty tickets resolved in the period over tickets opened in it or carried into it."""

    source = Source.TICKETS


def _targets(value: Iterable[Target]) -> tuple[Target, ...]:
    return tuple(value)


def _parameters(value: Iterable[Parameter]) -> tuple[Parameter, ...]:
    return tuple(value)


_CODE = re.compile(r"[a-z][a-z0-9_]*\Z")


def _arguments(value: Mapping[str, ParamValue] | tuple[tuple[str, ParamValue], ...]) -> Any:
    items = value.items() if isinstance(value, Mapping) else value
    return tuple(sorted(items))


@attrs.frozen(slots=True)
class IndicatorDefinition:
    """An indicator: ``factor × Σ numerator ÷ Σ denominator``, with everything needed to read it.

    Attributes:
        code: Stable public identifier (``adult_smartphone_rate``); a report's rows carry it.
        name: Vietnamese and English names.
        numerator: Who or what the numerator counts, in words.
        denominator: The population, in words.
        counting: How the counts are made (a :class:`PersonShare`, :class:`HouseholdShare`, ...).
        unit: The unit of analysis: what one count is.
        kind: Stock (value at the period end) or flow (summed over the period).
        factor: 100 for a percentage or "per 100 households", 1 for a plain ratio.
        direction: Which way is better, for ranking.
        targets: Official targets, each with operator, year and source document.
        parameters: Named parameters with their defaults.
        arguments: Values given for parameters, overriding their defaults.
        bounded: A proportion (the numerator is part of the denominator); a value above ``factor``
            can only come from mixed sources and is flagged, never clipped.
        lowest_level: The lowest admin level with a meaningful value (team members are known per
            commune, so that indicator starts at the commune).
        reference: A figure to compare with that is not a target (from the article, for instance).
    """

    code: str = attrs.field()
    name: Label
    numerator: Label
    denominator: Label
    counting: Counting
    unit: UnitOfAnalysis
    kind: Kind = Kind.STOCK
    factor: int = 100
    direction: Direction = Direction.HIGHER_IS_BETTER
    targets: tuple[Target, ...] = attrs.field(default=(), converter=_targets)
    parameters: tuple[Parameter, ...] = attrs.field(default=(), converter=_parameters)
    arguments: tuple[tuple[str, ParamValue], ...] = attrs.field(default=(), converter=_arguments)
    bounded: bool = True
    lowest_level: AdminLevel = AdminLevel.VILLAGE
    reference: str = ""

    @code.validator
    def _check_code(self, _attribute: object, value: str) -> None:
        if not _CODE.match(value):
            raise ValueError(f"indicator code must be lower_snake_case, got {value!r}")

    def __attrs_post_init__(self) -> None:
        names = [p.name for p in self.parameters]
        if len(set(names)) != len(names):
            raise ValueError(f"{self.code}: a parameter is declared twice")
        for name, value in self.arguments:
            self._parameter(name).check(value)
        if self.factor <= 0:
            raise ValueError(f"{self.code}: factor must be positive")
        try:  # fails early on a bad choice, parameter or comparison value
            self.counting.resolve(self.parameter_values)
        except ValueError as error:
            raise ValueError(f"{self.code}: {error}") from None

    def _parameter(self, name: str) -> Parameter:
        for parameter in self.parameters:
            if parameter.name == name:
                return parameter
        known = ", ".join(p.name for p in self.parameters) or "none"
        raise ValueError(f"{self.code} has no parameter {name!r} (parameters: {known})")

    @property
    def parameter_values(self) -> dict[str, ParamValue]:
        """Every parameter's value: the given argument, else the default."""
        values = {p.name: p.default for p in self.parameters}
        values.update(self.arguments)
        return values

    def with_parameters(self, **values: Any) -> IndicatorDefinition:
        """The same indicator with some parameters set: ``definition.with_parameters(adult_age=21)``."""
        checked = {name: self._parameter(name).check(value) for name, value in values.items()}
        merged = dict(self.arguments)
        merged.update(checked)
        defaults = {p.name: p.default for p in self.parameters}
        kept = {k: v for k, v in merged.items() if defaults[k] != v or type(defaults[k]) is not type(v)}
        return attrs.evolve(self, arguments=kept)

    @property
    def variant(self) -> str | None:
        """Which variant this is, for reports: non-default parameters and those always shown.

        ``None`` for the plain default of an indicator whose parameters need no mention.
        """
        values = self.parameter_values
        shown = [
            f"{p.name}={values[p.name]}"
            for p in self.parameters
            if p.always_shown or values[p.name] != p.default
        ]
        return ",".join(shown) or None

    @property
    def key(self) -> tuple[str, str | None]:
        """The identity of this indicator in a report: its code and variant."""
        return (self.code, self.variant)

    @property
    def source(self) -> Source:
        """The input this indicator is counted from."""
        return self.counting.source

    def resolved_counting(self) -> Counting:
        """The counting with this definition's parameter values substituted."""
        return self.counting.resolve(self.parameter_values)

    def target_for(self, year: int | None) -> Target | None:
        """The target in force in ``year``: the nearest one due in or after it, else the latest overdue one.

        A standing goal (no year) applies when no dated target does. ``year=None`` gives the earliest.
        """
        dated = sorted((t for t in self.targets if t.year is not None), key=lambda t: t.year or 0)
        standing = [t for t in self.targets if t.year is None]
        if year is None:
            return dated[0] if dated else (standing[0] if standing else None)
        upcoming = [t for t in dated if (t.year or 0) >= year]
        if upcoming:
            return upcoming[0]
        if standing:
            return standing[0]
        return dated[-1] if dated else None
