"""The wire: msgspec Structs for every request and response body of ``/api/v1``.

Field names are public contract (see ``docs/service.md``). Requests forbid unknown fields, so a
typo in a field name is a 422 that names it rather than a value silently dropped. Moments are
ISO 8601 with an offset; responses give them in Vietnam's local time (``+07:00``).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from digitransform.domain import (
    MAX_DESCRIPTION,
    MAX_HOUSEHOLD_REF,
    Barrier,
    DigitalService,
    ResolutionType,
    TicketAction,
    TicketStatus,
)
from digitransform.domain.tickets import HOUSEHOLD_REF_PATTERN as _REF_PATTERN
from feedback_service.api.problems import Problem
from feedback_service.store.tables import UNIT

__all__ = [
    "HOUSEHOLD_REF_PATTERN",
    "MAX_PEOPLE",
    "BatchIn",
    "BatchItemResult",
    "BatchOut",
    "HistoryEntryOut",
    "HistoryOut",
    "OccurrenceIn",
    "OccurrenceOut",
    "TicketIn",
    "TicketList",
    "TicketOut",
    "TransitionIn",
]

MAX_PEOPLE = 10_000
"""More people than any one report plausibly covers; also keeps counts far from integer limits."""
HOUSEHOLD_REF_PATTERN = f"^{_REF_PATTERN}$"

Id = Annotated[
    uuid.UUID,
    Meta(description="A UUID minted by the client.", examples=["0b7e4a52-2f0c-4c39-9d54-5b8f0e7a2c11"]),
]
UnitCode = Annotated[str, Meta(min_length=1, max_length=UNIT, examples=["AG001-01"])]
"""A unit code as the store's columns hold it (the units file is held to the same length at start)."""
HouseholdRef = Annotated[
    str,
    Meta(
        min_length=1,
        max_length=MAX_HOUSEHOLD_REF,
        pattern=HOUSEHOLD_REF_PATTERN,
        description="The team's own pseudonymous reference for the household (never a name, phone or ID "
        "number: 9 or more digits in a row are refused). Needs consent.",
        examples=["hh-42"],
    ),
]
Moment = Annotated[dt.datetime, Meta(tz=True, examples=["2026-03-01T09:30:00+07:00"])]
People = Annotated[int, Meta(ge=1, le=MAX_PEOPLE, examples=[1])]
Text = Annotated[str, Meta(min_length=1, max_length=MAX_DESCRIPTION)]


class TicketIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A difficulty a team could not solve on the spot. The commune and team come from the token."""

    id: Id
    village: UnitCode
    categories: Annotated[
        list[Barrier],
        Meta(min_length=1, max_length=len(Barrier), examples=[["no_device", "age_fear_low_confidence"]]),
    ]
    service: Annotated[DigitalService, Meta(examples=["vneid"])]
    description: Annotated[
        Text, Meta(examples=["Cụ bà 78 tuổi chưa có điện thoại thông minh để kích hoạt VNeID"])
    ]
    consent: Annotated[
        bool,
        Meta(description="The citizen agreed to the difficulty being relayed with a household reference."),
    ]
    observed_at: Annotated[
        Moment, Meta(description="When the team met the difficulty; with an offset, not in the future.")
    ]
    people_affected: People = 1
    household_ref: HouseholdRef | None = None


class TicketOut(msgspec.Struct, kw_only=True):
    """A ticket as stored now."""

    id: str
    commune: str
    village: str
    team: str
    categories: list[Barrier]
    service: DigitalService
    description: str
    people_affected: int
    """The report's people plus every "me too" occurrence."""
    people_reported: int
    """The people of the original report."""
    household_ref: str | None
    consent: bool
    observed_at: dt.datetime
    status: TicketStatus
    resolution: ResolutionType | None
    rejection_reason: str | None
    duplicate_of: str | None
    external_ref: str | None
    version: int
    received_at: dt.datetime
    updated_at: dt.datetime
    resolved_at: dt.datetime | None


class BatchIn(msgspec.Struct, forbid_unknown_fields=True):
    """Tickets collected offline. Each item is checked and stored on its own."""

    tickets: Annotated[
        list[msgspec.Raw],
        Meta(description="Up to 500 tickets, each exactly as the body of POST /api/v1/tickets."),
    ]


class BatchItemResult(msgspec.Struct, kw_only=True, omit_defaults=True):
    """What happened to one ticket of a batch, in input order."""

    id: str | None
    outcome: Literal["created", "replayed", "rejected"]
    version: int | None = None
    location: str | None = None
    problem: Problem | None = None


class BatchOut(msgspec.Struct):
    """One result per input ticket, in input order."""

    results: list[BatchItemResult]


class TicketList(msgspec.Struct):
    """A page of tickets; pass ``next_cursor`` back as ``cursor`` for the next (``null`` at the end)."""

    items: list[TicketOut]
    next_cursor: str | None


class TransitionIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """An official's action on a ticket; send the ticket's ETag in ``If-Match``."""

    action: Annotated[TicketAction, Meta(examples=["resolve"])]
    resolution: ResolutionType | None = None
    reason: Text | None = None
    duplicate_of: Id | None = None
    external_ref: Annotated[str, Meta(min_length=1, max_length=200, examples=["VNPT-2026-00172"])] | None = (
        None
    )
    note: Text | None = None


class OccurrenceIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Another household with the same difficulty ("me too"): adds its people to the ticket."""

    id: Id
    observed_at: Moment
    people_affected: People = 1
    household_ref: HouseholdRef | None = None


class OccurrenceOut(msgspec.Struct, kw_only=True):
    """An occurrence as stored, and its ticket as it is now."""

    id: str
    ticket_id: str
    household_ref: str | None
    people_affected: int
    observed_at: dt.datetime
    received_at: dt.datetime
    ticket: TicketOut


class HistoryEntryOut(msgspec.Struct, kw_only=True):
    """One change: when, who (a token and its role, never a person's name), what and why."""

    seq: int
    at: dt.datetime
    """When the change counts: the observation for ``create``, the action's time otherwise."""
    recorded_at: dt.datetime
    actor_token: str
    actor_role: str
    actor_team: str | None
    action: str
    """``create``, ``occurrence``, or a transition (``acknowledge``, ``start``, ``resolve``, ...)."""
    status_before: TicketStatus | None
    status_after: TicketStatus
    resolution: ResolutionType | None
    reason: str | None
    duplicate_of: str | None
    external_ref: str | None
    note: str | None
    people_added: int
    people_after: int
    occurrence_id: str | None


class HistoryOut(msgspec.Struct):
    """Every change to a ticket, oldest first."""

    ticket_id: str
    entries: list[HistoryEntryOut]
