"""The pure domain model: no I/O, no framework, no other part of the project.

Every class enforces its own invariants at construction, so a value that exists is valid.
"""

from __future__ import annotations

from digitransform.domain.difficulties import (
    Barrier,
    DigitalService,
    Label,
    ResolutionType,
    label_of,
)
from digitransform.domain.households import (
    HOUSEHOLD_FIELDS,
    MAX_AGE,
    MAX_CODE,
    RESIDENT_FIELDS,
    VNEID_LEVELS,
    Household,
    InternetAccess,
    Resident,
)
from digitransform.domain.mergers import (
    CodeMapper,
    CodeMapping,
    Crosswalk,
    CrosswalkEntry,
    DatedUnit,
    UnitHistory,
    UnmappedCodeError,
)
from digitransform.domain.periods import (
    CALENDAR_END,
    CALENDAR_START,
    LOCAL_TZ,
    Period,
    PeriodKind,
    calendar_problem,
    local_date,
    periods_between,
)
from digitransform.domain.service_reports import ServiceReport
from digitransform.domain.teams import RoleCounts, Team, TeamRole, check_team
from digitransform.domain.tickets import (
    MAX_DESCRIPTION,
    LifecycleError,
    Ticket,
    TicketAction,
    TicketEvent,
    TicketHistory,
    TicketState,
    TicketStatus,
    Transition,
    allowed_actions,
    apply_transition,
    household_ref_problem,
    is_blank,
)
from digitransform.domain.units import (
    AdminLevel,
    AdminTree,
    AdminTreeError,
    AdminUnit,
    TreeProblem,
    ascii_fold,
)

__all__ = [
    "CALENDAR_END",
    "CALENDAR_START",
    "HOUSEHOLD_FIELDS",
    "LOCAL_TZ",
    "MAX_AGE",
    "MAX_CODE",
    "MAX_DESCRIPTION",
    "RESIDENT_FIELDS",
    "VNEID_LEVELS",
    "AdminLevel",
    "AdminTree",
    "AdminTreeError",
    "AdminUnit",
    "Barrier",
    "CodeMapper",
    "CodeMapping",
    "Crosswalk",
    "CrosswalkEntry",
    "DatedUnit",
    "DigitalService",
    "Household",
    "InternetAccess",
    "Label",
    "LifecycleError",
    "Period",
    "PeriodKind",
    "Resident",
    "ResolutionType",
    "RoleCounts",
    "ServiceReport",
    "Team",
    "TeamRole",
    "Ticket",
    "TicketAction",
    "TicketEvent",
    "TicketHistory",
    "TicketState",
    "TicketStatus",
    "Transition",
    "TreeProblem",
    "UnitHistory",
    "UnmappedCodeError",
    "allowed_actions",
    "apply_transition",
    "ascii_fold",
    "calendar_problem",
    "check_team",
    "household_ref_problem",
    "is_blank",
    "label_of",
    "local_date",
    "periods_between",
]
