"""The indicator catalogue and the streaming, mergeable engine that rolls counts up the admin tree.

Typical use::

    from digitransform.indicators import Accumulator, build_report, count_households_file

    accumulator = Accumulator(tree, period=Period.parse("2025-Q3"))
    count_households_file("households.jsonl", accumulator, workers=2)
    accumulator.add_teams(teams)
    accumulator.add_service_reports(reports)
    report = build_report(accumulator)
    report.row("AG", "adult_smartphone_rate").value

Every value is ``factor × Σ numerator ÷ Σ denominator`` over the unit's subtree; rates are never
averaged. See ``docs/indicators.md`` for each indicator and for defining your own.
"""

from __future__ import annotations

from digitransform.indicators.accumulator import Accumulator
from digitransform.indicators.catalogue import (
    CATALOGUE,
    DEFAULT_REPORT,
    ON_TIME_LATE_INCLUSIVE,
    ON_TIME_RESOLVED,
    get,
)
from digitransform.indicators.conditions import (
    ALWAYS,
    All,
    Always,
    AnyMember,
    AnyOf,
    Choose,
    Compare,
    Condition,
    Flag,
    Not,
    Param,
)
from digitransform.indicators.definitions import (
    REPORT_FIELDS,
    Direction,
    HouseholdShare,
    IndicatorDefinition,
    Kind,
    Operator,
    Parameter,
    PersonShare,
    ReportRatio,
    ReportSum,
    Source,
    Target,
    TeamMembersPerHouseholds,
    TeamVillageCoverage,
    TicketResolution,
    UnitOfAnalysis,
)
from digitransform.indicators.plan import Plan, compile_plan
from digitransform.indicators.render import (
    EarlierReportError,
    read_earlier_json,
    report_records,
    report_to_json,
    to_csv,
    to_table,
)
from digitransform.indicators.report import Report, ReportRow, RowKey, build_report
from digitransform.indicators.rollup import ABOVE_FACTOR, BELOW_ZERO, IndicatorValue, roll_up, value_of
from digitransform.indicators.scan import (
    HouseholdLine,
    byte_ranges,
    count_households_file,
    count_households_lines,
)

__all__ = [
    "ABOVE_FACTOR",
    "ALWAYS",
    "BELOW_ZERO",
    "CATALOGUE",
    "DEFAULT_REPORT",
    "ON_TIME_LATE_INCLUSIVE",
    "ON_TIME_RESOLVED",
    "REPORT_FIELDS",
    "Accumulator",
    "All",
    "Always",
    "AnyMember",
    "AnyOf",
    "Choose",
    "Compare",
    "Condition",
    "Direction",
    "EarlierReportError",
    "Flag",
    "HouseholdLine",
    "HouseholdShare",
    "IndicatorDefinition",
    "IndicatorValue",
    "Kind",
    "Not",
    "Operator",
    "Param",
    "Parameter",
    "PersonShare",
    "Plan",
    "Report",
    "ReportRatio",
    "ReportRow",
    "ReportSum",
    "RowKey",
    "Source",
    "Target",
    "TeamMembersPerHouseholds",
    "TeamVillageCoverage",
    "TicketResolution",
    "UnitOfAnalysis",
    "build_report",
    "byte_ranges",
    "compile_plan",
    "count_households_file",
    "count_households_lines",
    "get",
    "read_earlier_json",
    "report_records",
    "report_to_json",
    "roll_up",
    "to_csv",
    "to_table",
    "value_of",
]
