"""Ticket use cases: report, replay a known history, act on a ticket, add a "me too", read its file.

The API's handlers (:mod:`feedback_service.api.tickets`, :mod:`~feedback_service.api.transitions`,
:mod:`~feedback_service.api.occurrences`, :mod:`~feedback_service.api.batch`), the dashboard's ticket
pages and the demo all call these functions, so the lifecycle is applied in one way whoever asks:
the domain (:func:`~digitransform.domain.apply_transition`) decides what may follow what, the store
(:mod:`feedback_service.store.mutations`) writes it in one transaction with its history.

Refusals are the store's and the domain's exceptions, each translated by the edge that called:
:class:`~feedback_service.store.errors.TicketNotFound` (outside the scope, or no such ticket),
:class:`~feedback_service.store.errors.VersionMismatch` (someone changed it meanwhile),
:class:`~feedback_service.store.errors.UnknownDuplicate`,
:class:`~feedback_service.store.errors.IdConflict` and :class:`~digitransform.domain.LifecycleError`.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence

import attrs
from prometheus_client import Counter

from digitransform.domain import (
    LifecycleError,
    TicketAction,
    TicketHistory,
    Transition,
    allowed_actions,
)
from feedback_service.metrics import TICKETS, TRANSITIONS
from feedback_service.store import mutations
from feedback_service.store.database import Database
from feedback_service.store.errors import IdConflict, StoreError, TicketNotFound, VersionMismatch
from feedback_service.store.queries import load_ticket, ticket_history, ticket_occurrences, token_labels
from feedback_service.store.records import (
    Actor,
    HistoryEntry,
    NewOccurrence,
    NewTicket,
    Outcome,
    Scope,
    StoredOccurrence,
    StoredTicket,
)

__all__ = [
    "ActOutcome",
    "TicketFile",
    "act_on_many",
    "add_occurrence",
    "create",
    "create_many",
    "read_file",
    "replay",
    "transition",
]


async def create(
    db: Database, new: NewTicket, actor: Actor, now: dt.datetime
) -> tuple[Outcome, StoredTicket]:
    """Report one difficulty; a retry with the same content returns what is stored (``REPLAYED``)."""
    try:
        outcome, stored = await mutations.create_ticket(db, new, actor, now)
    except IdConflict:
        _single("conflict").inc()
        raise
    _single(outcome.value).inc()
    return outcome, stored


@functools.cache
def _single(outcome: str) -> Counter:
    """The counter of single reports with this outcome (a labels look-up takes a lock and builds a
    key on every call; the child is the same each time)."""
    return TICKETS.labels(via="single", outcome=outcome)


async def create_many(
    db: Database, items: Sequence[NewTicket], actor: Actor, now: dt.datetime
) -> list[tuple[Outcome, StoredTicket] | IdConflict]:
    """Report a batch (an offline phone catching up): each ticket atomic on its own, results in order."""
    results = await mutations.create_tickets(db, items, actor, now)
    for result in results:
        outcome = "conflict" if isinstance(result, IdConflict) else result[0].value
        TICKETS.labels(via="batch", outcome=outcome).inc()
    return results


async def transition(
    db: Database,
    scope: Scope,
    ticket_id: str,
    change: Transition,
    *,
    expected_version: int,
    actor: Actor,
    now: dt.datetime,
) -> StoredTicket:
    """An official's action on a ticket read at ``expected_version``; refused if it changed since."""
    outcome = "applied"
    try:
        return await mutations.transition_ticket(
            db, scope, ticket_id, change, expected_version=expected_version, actor=actor, now=now
        )
    except VersionMismatch:
        outcome = "changed"
        raise
    except TicketNotFound:
        outcome = "not_found"
        raise
    except (LifecycleError, StoreError):
        outcome = "not_allowed"
        raise
    finally:
        TRANSITIONS.labels(action=change.action.value, outcome=outcome).inc()


async def add_occurrence(
    db: Database, scope: Scope, new: NewOccurrence, actor: Actor, now: dt.datetime
) -> tuple[Outcome, StoredTicket, StoredOccurrence]:
    """Another household with the same difficulty ("me too"): its people join the ticket's."""
    return await mutations.add_occurrence(db, scope, new, actor, now)


async def replay(
    db: Database, history: TicketHistory, *, team: Actor, official: Actor, consent: bool = True
) -> StoredTicket:
    """Write a domain history into the store as if it happened then: the report, then each action.

    Every change is dated at its own moment (the report is received when it was observed), so the
    stored ticket, its history and the trend aggregate are what live use would have produced. For
    the demo and for tests that compare the service with the library's reference functions.
    """
    t = history.ticket
    if t.team is None:
        raise ValueError(f"ticket {t.id}: a replayed ticket needs its team")
    new = NewTicket(
        id=t.id,
        team=t.team,
        commune=t.commune,
        village=t.village,
        categories=frozenset(t.categories),
        service=t.service,
        description=t.description,
        people_affected=t.people_affected,
        household_ref=t.household_ref,
        consent=consent,
        observed_at=t.observed_at,
    )
    _, stored = await create(db, new, team, t.observed_at)
    for event in history.events:
        if event.transition is None:
            continue
        stored = await transition(
            db,
            Scope.everything(),
            t.id,
            event.transition,
            expected_version=stored.version,
            actor=official,
            now=event.at,
        )
    return stored


@attrs.frozen
class TicketFile:
    """One ticket as an official reads it before acting: the ticket, its history, its occurrences."""

    ticket: StoredTicket
    history: tuple[HistoryEntry, ...]
    occurrences: tuple[StoredOccurrence, ...]
    labels: dict[str, str | None] = attrs.field(factory=dict)
    """Each acting token's label, by token id."""

    @property
    def allowed(self) -> frozenset[TicketAction]:
        """What the lifecycle allows from the ticket's status now (the domain's rule)."""
        return allowed_actions(self.ticket.status)


async def read_file(db: Database, scope: Scope, ticket_id: str) -> TicketFile | None:
    """The ticket's file, or ``None`` when it is not in ``scope`` (the same as no such ticket)."""
    async with db.reading() as conn:
        ticket = await load_ticket(conn, ticket_id, scope)
        if ticket is None:
            return None
        history = await ticket_history(conn, ticket_id, scope) or []
        occurrences = await ticket_occurrences(conn, ticket_id)
        labels = await token_labels(conn, {e.actor.token_id for e in history})
    return TicketFile(ticket, tuple(history), tuple(occurrences), labels)


@attrs.frozen
class ActOutcome:
    """What became of one ticket of a bulk action: ``done``, or the refusal that kept it as it was.

    ``refusal`` is ``None`` when done, else ``changed`` (someone acted meanwhile), ``not_allowed``
    (the lifecycle forbids it from the status it is in) or ``not_found``.
    """

    ticket_id: str
    refusal: str | None
    ticket: StoredTicket | None = None


async def act_on_many(
    db: Database,
    scope: Scope,
    items: Sequence[tuple[str, int]],
    change: Transition,
    *,
    actor: Actor,
    now: dt.datetime,
) -> list[ActOutcome]:
    """The same action on several tickets, each ``(id, version read)`` on its own: one refusal stops none."""
    out = []
    for ticket_id, version in items:
        try:
            done = await transition(
                db, scope, ticket_id, change, expected_version=version, actor=actor, now=now
            )
        except VersionMismatch:
            out.append(ActOutcome(ticket_id, "changed"))
        except TicketNotFound:
            out.append(ActOutcome(ticket_id, "not_found"))
        except (LifecycleError, StoreError):
            out.append(ActOutcome(ticket_id, "not_allowed"))
        else:
            out.append(ActOutcome(ticket_id, None, done))
    return out
