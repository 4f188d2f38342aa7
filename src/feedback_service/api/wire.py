"""Between the wire and the store: checking requests against the tree and the clock, shaping responses.

Checks that need more than the body alone live here: the village must exist and lie in the team's
commune, ``observed_at`` must not be in the future, a household reference needs consent and must not
look like a phone or ID number. Every failure names its field by JSON path.
"""

from __future__ import annotations

import datetime as dt

from digitransform.domain import (
    LOCAL_TZ,
    AdminLevel,
    AdminTree,
    Transition,
    household_ref_problem,
    is_blank,
)
from feedback_service.api.problems import FieldProblem, ProblemError, validation_error
from feedback_service.api.schemas import (
    HistoryEntryOut,
    OccurrenceIn,
    OccurrenceOut,
    TicketIn,
    TicketOut,
    TransitionIn,
)
from feedback_service.auth.principal import Principal
from feedback_service.store.records import (
    HistoryEntry,
    NewOccurrence,
    NewTicket,
    StoredOccurrence,
    StoredTicket,
)

__all__ = [
    "BLANK",
    "CONSENT_NEEDED",
    "EARLIEST",
    "IN_FUTURE",
    "TOO_EARLY",
    "entry_out",
    "etag",
    "new_occurrence",
    "new_ticket",
    "occurrence_out",
    "parse_if_match",
    "ticket_out",
    "transition_of",
]

EARLIEST = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
"""No difficulty is recorded as observed before this: an earlier date is a phone with a reset clock."""
CONSENT_NEEDED = "a household reference needs consent ({consent} is false)"
IN_FUTURE = "is in the future (more than {seconds} s ahead of the server)"
TOO_EARLY = "is before {earliest}; check the device's clock"
BLANK = "is blank"


def _moment(value: dt.datetime, path: str, now: dt.datetime, skew: dt.timedelta) -> list[FieldProblem]:
    if value > now + skew:
        return [FieldProblem(path, IN_FUTURE.format(seconds=int(skew.total_seconds())))]
    if value < EARLIEST:
        return [FieldProblem(path, TOO_EARLY.format(earliest=EARLIEST.date().isoformat()))]
    return []


def _household(ref: str | None, consent: bool, path: str, consent_path: str | None) -> list[FieldProblem]:
    if ref is None:
        return []
    problem = household_ref_problem(ref)
    if problem is not None:
        return [FieldProblem(path, problem)]
    if consent_path is not None and not consent:
        return [FieldProblem(path, CONSENT_NEEDED.format(consent=consent_path))]
    return []


def new_ticket(
    data: TicketIn,
    principal: Principal,
    tree: AdminTree,
    now: dt.datetime,
    skew: dt.timedelta,
    root: str = "$",
) -> NewTicket:
    """The ticket to store, or a 422 problem listing every field that breaks a rule."""
    if principal.team is None or principal.commune is None:
        raise ProblemError(403, "forbidden", "only team tokens may report tickets")
    errors: list[FieldProblem] = []
    unit = tree.get(data.village)
    if unit is None or unit.level is not AdminLevel.VILLAGE:
        errors.append(FieldProblem(f"{root}.village", f"unknown village {data.village!r}"))
    elif unit.parent_code != principal.commune:
        errors.append(
            FieldProblem(
                f"{root}.village",
                f"village {data.village} is in commune {unit.parent_code}, not in this team's commune "
                f"{principal.commune}",
            )
        )
    if is_blank(data.description):
        errors.append(FieldProblem(f"{root}.description", BLANK))
    errors += _moment(data.observed_at, f"{root}.observed_at", now, skew)
    errors += _household(data.household_ref, data.consent, f"{root}.household_ref", f"{root}.consent")
    if errors:
        raise validation_error(errors)
    return NewTicket(
        id=str(data.id),
        team=principal.team,
        commune=principal.commune,
        village=data.village,
        categories=frozenset(data.categories),
        service=data.service,
        description=data.description,
        people_affected=data.people_affected,
        household_ref=data.household_ref,
        consent=data.consent,
        observed_at=data.observed_at,
    )


def new_occurrence(
    data: OccurrenceIn, ticket_id: str, principal: Principal, now: dt.datetime, skew: dt.timedelta
) -> NewOccurrence:
    """The occurrence to store, or a 422 problem."""
    if principal.team is None:
        raise ProblemError(403, "forbidden", "only team tokens may record occurrences")
    errors = _moment(data.observed_at, "$.observed_at", now, skew)
    errors += _household(data.household_ref, True, "$.household_ref", None)
    if errors:
        raise validation_error(errors)
    return NewOccurrence(
        id=str(data.id),
        ticket_id=ticket_id,
        team=principal.team,
        household_ref=data.household_ref,
        people_affected=data.people_affected,
        observed_at=data.observed_at,
    )


def transition_of(data: TransitionIn) -> Transition:
    """The domain transition; the lifecycle itself is checked by the domain when it is applied."""
    if data.reason is not None and is_blank(data.reason) and data.duplicate_of is None:
        raise validation_error([FieldProblem("$.reason", "is blank")])
    return Transition(
        action=data.action,
        resolution=data.resolution,
        reason=data.reason,
        duplicate_of=None if data.duplicate_of is None else str(data.duplicate_of),
        external_ref=data.external_ref,
        note=data.note,
    )


def _local(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(LOCAL_TZ)


def _local_or_none(moment: dt.datetime | None) -> dt.datetime | None:
    return None if moment is None else moment.astimezone(LOCAL_TZ)


def ticket_out(ticket: StoredTicket) -> TicketOut:
    """The response body of a ticket."""
    state = ticket.state
    return TicketOut(
        id=ticket.id,
        commune=ticket.commune,
        village=ticket.village,
        team=ticket.team,
        categories=list(ticket.categories),
        service=ticket.service,
        description=ticket.description,
        people_affected=ticket.people_affected,
        people_reported=ticket.people_reported,
        household_ref=ticket.household_ref,
        consent=ticket.consent,
        observed_at=_local(ticket.observed_at),
        status=state.status,
        resolution=state.resolution,
        rejection_reason=state.rejection_reason,
        duplicate_of=state.duplicate_of,
        external_ref=ticket.external_ref,
        version=ticket.version,
        received_at=_local(ticket.received_at),
        updated_at=_local(ticket.updated_at),
        resolved_at=_local_or_none(ticket.resolved_at),
    )


def occurrence_out(occurrence: StoredOccurrence, ticket: StoredTicket) -> OccurrenceOut:
    """The response body of an occurrence, with its ticket."""
    return OccurrenceOut(
        id=occurrence.id,
        ticket_id=occurrence.ticket_id,
        household_ref=occurrence.household_ref,
        people_affected=occurrence.people_affected,
        observed_at=_local(occurrence.observed_at),
        received_at=_local(occurrence.received_at),
        ticket=ticket_out(ticket),
    )


def entry_out(entry: HistoryEntry) -> HistoryEntryOut:
    """One history entry on the wire."""
    return HistoryEntryOut(
        seq=entry.id or 0,
        at=_local(entry.at),
        recorded_at=_local(entry.recorded_at),
        actor_token=entry.actor.token_id,
        actor_role=entry.actor.role,
        actor_team=entry.actor.team,
        action=entry.action,
        status_before=entry.status_before,
        status_after=entry.status_after,
        resolution=entry.resolution,
        reason=entry.reason,
        duplicate_of=entry.duplicate_of,
        external_ref=entry.external_ref,
        note=entry.note,
        people_added=entry.people_added,
        people_after=entry.people_after,
        occurrence_id=entry.occurrence_id,
    )


def etag(ticket: StoredTicket) -> str:
    """The ticket's ETag: its version, quoted (a strong validator)."""
    return f'"{ticket.version}"'


def parse_if_match(header: str | None) -> int:
    """The version an ``If-Match`` header names: 428 without one, 412 if it names none we could hold."""
    if header is None or not header.strip():
        raise ProblemError(
            428, "precondition-required", "send If-Match with the ticket's ETag (GET the ticket to read it)"
        )
    for tag in header.split(","):
        tag = tag.strip()
        if tag.startswith("W/"):
            continue  # If-Match compares strongly: a weak tag never matches
        digits = tag.strip('"')
        # ASCII digits only ("²".isdigit() is true, and int() refuses it), and no more than a version
        # can have: int() refuses 5,000 digits, and no ticket changes 10**18 times.
        if digits.isascii() and digits.isdigit() and len(digits) <= 18:
            return int(digits)
    raise ProblemError(412, "precondition-failed", f"If-Match {header!r} names no version of this ticket")
