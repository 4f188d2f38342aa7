"""What the store reads and writes, as plain values: tickets, occurrences, history entries, scopes.

The lifecycle part of a stored ticket is the domain's own :class:`~digitransform.domain.TicketState`,
and :meth:`StoredTicket.domain` gives the domain's :class:`~digitransform.domain.Ticket`, so the rules
stay in the library and the store only remembers.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import hashlib
from collections.abc import Iterable

import attrs
import msgspec

from digitransform.domain import Barrier, DigitalService, ResolutionType, Ticket, TicketState, TicketStatus

__all__ = [
    "Actor",
    "HistoryEntry",
    "NewOccurrence",
    "NewTicket",
    "Outcome",
    "Scope",
    "StoredOccurrence",
    "StoredTicket",
    "category_order",
    "content_hash",
]


class Outcome(enum.Enum):
    """What a client-identified write did: stored something new, or recognised a retry."""

    CREATED = "created"
    REPLAYED = "replayed"


@attrs.frozen
class Actor:
    """Who makes a change, as the history records it: the token (never a person's name) and its role."""

    token_id: str
    role: str
    team: str | None = None


@attrs.frozen
class Scope:
    """Which tickets a caller may see and touch: one team's, some communes', or all (``None``).

    A plain value the queries turn into SQL; :func:`feedback_service.auth.scope.ticket_scope` makes it
    from a caller, and that module answers every other scope question from it.
    """

    team: str | None = None
    communes: frozenset[str] | None = None

    @classmethod
    def everything(cls) -> Scope:
        """The province: every ticket."""
        return cls()


def content_hash(fields: Iterable[object]) -> str:
    """SHA-256 of a canonical JSON array: equal content, equal hash, whatever the wire formatting was."""
    return hashlib.sha256(
        msgspec.json.encode(fields if isinstance(fields, tuple) else list(fields))
    ).hexdigest()


@functools.lru_cache(maxsize=1024)
def category_order(categories: frozenset[Barrier]) -> tuple[tuple[Barrier, ...], tuple[str, ...]]:
    """A ticket's categories sorted by code, and their codes: a few sets recur in every ticket, so
    each is sorted once (an enum's ``value`` is a descriptor call)."""
    ordered = tuple(sorted(categories, key=lambda c: c.value))
    return ordered, tuple(c.value for c in ordered)


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat()


@attrs.frozen
class NewTicket:
    """A ticket as a team submits it, with the commune and team taken from its token."""

    id: str
    team: str
    commune: str
    village: str
    categories: frozenset[Barrier]
    service: DigitalService
    description: str
    people_affected: int
    household_ref: str | None
    consent: bool
    observed_at: dt.datetime

    def content_hash(self) -> str:
        """The digest a retry must match: the same moment in another offset is the same content."""
        return content_hash(
            (
                self.id,
                self.team,
                self.commune,
                self.village,
                category_order(self.categories)[1],
                self.service.value,
                self.description,
                self.people_affected,
                self.household_ref,
                self.consent,
                _utc(self.observed_at),
            )
        )

    def domain(self) -> Ticket:
        """The domain ticket (its constructor checks the domain's invariants)."""
        return Ticket(
            id=self.id,
            commune=self.commune,
            village=self.village,
            categories=self.categories,
            service=self.service,
            observed_at=self.observed_at,
            people_affected=self.people_affected,
            description=self.description,
            team=self.team,
            household_ref=self.household_ref,
        )


@attrs.frozen
class StoredTicket:
    """A ticket as stored now: what was reported, its lifecycle state, and its bookkeeping."""

    id: str
    team: str
    commune: str
    village: str
    categories: tuple[Barrier, ...]
    service: DigitalService
    description: str
    people_reported: int
    people_affected: int
    """The report's people plus every "me too" occurrence since."""
    household_ref: str | None
    consent: bool
    observed_at: dt.datetime
    received_at: dt.datetime
    updated_at: dt.datetime
    changed_at: dt.datetime
    """The domain time of the latest change (observation, transition or occurrence); the next change
    is never dated before it, so the stored history always replays under the lifecycle."""
    state: TicketState
    external_ref: str | None
    resolved_at: dt.datetime | None
    version: int
    content_hash: str

    @property
    def status(self) -> TicketStatus:
        return self.state.status

    @property
    def resolution(self) -> ResolutionType | None:
        return self.state.resolution

    def domain(self) -> Ticket:
        """The domain ticket as reported (``people_affected`` is the report's, before occurrences)."""
        return Ticket(
            id=self.id,
            commune=self.commune,
            village=self.village,
            categories=self.categories,
            service=self.service,
            observed_at=self.observed_at,
            people_affected=self.people_reported,
            description=self.description,
            team=self.team,
            household_ref=self.household_ref,
        )


@attrs.frozen
class NewOccurrence:
    """Another household with the same difficulty ("me too"), identified by the client's own id."""

    id: str
    ticket_id: str
    team: str
    household_ref: str | None
    people_affected: int
    observed_at: dt.datetime

    def content_hash(self) -> str:
        return content_hash(
            (
                self.id,
                self.ticket_id,
                self.team,
                self.household_ref,
                self.people_affected,
                _utc(self.observed_at),
            )
        )


@attrs.frozen
class StoredOccurrence:
    """An occurrence as stored."""

    id: str
    ticket_id: str
    team: str
    household_ref: str | None
    people_affected: int
    observed_at: dt.datetime
    received_at: dt.datetime
    content_hash: str


@attrs.frozen
class HistoryEntry:
    """One change to a ticket: when (domain time and recording time), who, what, and why."""

    ticket_id: str
    at: dt.datetime
    recorded_at: dt.datetime
    actor: Actor
    action: str
    """``create``, ``occurrence``, or a :class:`~digitransform.domain.TicketAction` value."""
    status_before: TicketStatus | None
    status_after: TicketStatus
    people_added: int
    people_after: int
    resolution: ResolutionType | None = None
    reason: str | None = None
    duplicate_of: str | None = None
    external_ref: str | None = None
    note: str | None = None
    occurrence_id: str | None = None
    id: int | None = None
    """The entry's sequence number once stored (``None`` before)."""
