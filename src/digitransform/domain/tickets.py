"""Difficulty tickets and their lifecycle, as a pure state machine.

A team reports a difficulty it could not solve on the spot; officials acknowledge it, start work,
resolve it (saying how) or reject it (saying why, for instance as a duplicate of another ticket), and
may reopen it. The service persists tickets; the rules of what may follow what live here only.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import unicodedata
from collections.abc import Iterable

import attrs

from digitransform.domain.difficulties import Barrier, DigitalService, ResolutionType
from digitransform.domain.households import MAX_CODE

__all__ = [
    "MAX_DESCRIPTION",
    "MAX_HOUSEHOLD_REF",
    "Lifecycle",
    "LifecycleError",
    "Ticket",
    "TicketAction",
    "TicketEvent",
    "TicketHistory",
    "TicketState",
    "TicketStatus",
    "Transition",
    "allowed_actions",
    "apply_transition",
    "change_moment",
    "household_ref_problem",
    "is_blank",
    "transition_lifecycle",
]

MAX_DESCRIPTION = 2000
"""The longest description a ticket may carry, in characters."""
MAX_HOUSEHOLD_REF = 64
"""The longest household reference a ticket may carry."""

HOUSEHOLD_REF_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._:/-]*"
"""What a whole household reference matches (apps check it before sending, with the same pattern)."""
# Nine digits or more, whatever single separators stand between them: 0912345678, 0912.345.678,
# 0912-345-678 and 079/123/456/789 are all a phone or an ID number.
ID_LIKE_PATTERN = r"[0-9](?:[._:/-]?[0-9]){8,}"
ID_LIKE_MESSAGE = "looks like a phone or ID number; use the team's own pseudonymous reference"
_HOUSEHOLD_REF = re.compile(HOUSEHOLD_REF_PATTERN)
_ID_LIKE = re.compile(ID_LIKE_PATTERN)
# Letters and symbols that render as nothing, beside the whitespace, control and format characters
# (zero-width space, joiners, BOM) that is_blank knows by their category.
_INVISIBLE = frozenset("\u115f\u1160\u2800\u3164\uffa0")


def is_blank(text: str) -> bool:
    """Whether ``text`` shows nothing: only whitespace, control or format characters (zero-width
    spaces, joiners, a BOM) and the few letters that render as blank space."""
    return all(
        c.isspace() or c in _INVISIBLE or unicodedata.category(c) in ("Cc", "Cf", "Zs", "Zl", "Zp")
        for c in text
    )


def household_ref_problem(ref: str) -> str | None:
    """What is wrong with a household reference, or ``None`` if it may be stored.

    A reference is the team's own pseudonym for a household: 1 to 64 of ``A-Z a-z 0-9 . _ : / -``,
    starting with a letter or digit, and never a phone or ID number (nine or more digits in a row,
    even with single separators between them, as in ``0912.345.678``). The whole text must match:
    a final newline is not allowed to slip past the pattern.
    """
    if not 1 <= len(ref) <= MAX_HOUSEHOLD_REF or _HOUSEHOLD_REF.fullmatch(ref) is None:
        return (
            f"must be 1–{MAX_HOUSEHOLD_REF} of A–Z a–z 0–9 . _ : / - (starting with a letter or digit), "
            f"got {ref!r}"
        )
    if _ID_LIKE.search(ref):
        return ID_LIKE_MESSAGE
    return None


class TicketStatus(enum.Enum):
    """Where a ticket stands."""

    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    REJECTED = "rejected"

    @property
    def is_unresolved(self) -> bool:
        """Open, acknowledged or in progress: still part of the backlog."""
        return self in _UNRESOLVED


_UNRESOLVED = frozenset({TicketStatus.OPEN, TicketStatus.ACKNOWLEDGED, TicketStatus.IN_PROGRESS})


class TicketAction(enum.Enum):
    """What an official can do to a ticket."""

    ACKNOWLEDGE = "acknowledge"
    START = "start"
    RESOLVE = "resolve"
    REJECT = "reject"
    REOPEN = "reopen"


_RULES: dict[TicketAction, tuple[frozenset[TicketStatus], TicketStatus]] = {
    TicketAction.ACKNOWLEDGE: (frozenset({TicketStatus.OPEN}), TicketStatus.ACKNOWLEDGED),
    TicketAction.START: (
        frozenset({TicketStatus.OPEN, TicketStatus.ACKNOWLEDGED}),
        TicketStatus.IN_PROGRESS,
    ),
    TicketAction.RESOLVE: (_UNRESOLVED, TicketStatus.RESOLVED),
    TicketAction.REJECT: (_UNRESOLVED, TicketStatus.REJECTED),
    TicketAction.REOPEN: (
        frozenset({TicketStatus.RESOLVED, TicketStatus.REJECTED}),
        TicketStatus.OPEN,
    ),
}


def allowed_actions(status: TicketStatus) -> frozenset[TicketAction]:
    """The actions the lifecycle allows from ``status``."""
    return frozenset(a for a, (sources, _) in _RULES.items() if status in sources)


class LifecycleError(ValueError):
    """A transition the lifecycle forbids or that lacks what it needs.

    ``reason`` is a stable code: ``forbidden``, ``resolution_required``, ``reason_required``,
    ``self_duplicate`` or ``unexpected_field``.
    """

    def __init__(self, reason: str, message: str) -> None:
        self.reason = reason
        super().__init__(message)


@attrs.frozen(slots=True)
class Transition:
    """An official's action on a ticket, with what that action needs.

    ``resolve`` needs a ``resolution``; ``reject`` needs a ``reason`` or a ``duplicate_of``;
    ``external_ref`` names the case at an outside body (a carrier, the portal operator, the police)
    when a ticket is escalated; ``note`` is free text for the history.
    """

    action: TicketAction
    resolution: ResolutionType | None = None
    reason: str | None = None
    duplicate_of: str | None = None
    external_ref: str | None = None
    note: str | None = None


@attrs.frozen(slots=True)
class TicketState:
    """The lifecycle part of a ticket: its status and the outcome that goes with it."""

    status: TicketStatus = TicketStatus.OPEN
    resolution: ResolutionType | None = None
    rejection_reason: str | None = None
    duplicate_of: str | None = None


def apply_transition(
    state: TicketState, transition: Transition, *, ticket_id: str | None = None
) -> TicketState:
    """The state after ``transition``, or :class:`LifecycleError` if the lifecycle forbids it.

    Pure: the caller decides what to persist. ``ticket_id`` lets a ticket refuse to be its own
    duplicate.
    """
    action = transition.action
    sources, target = _RULES[action]
    if state.status not in sources:
        allowed = ", ".join(sorted(a.value for a in allowed_actions(state.status))) or "none"
        raise LifecycleError(
            "forbidden",
            f"cannot {action.value} a ticket that is {state.status.value} (allowed: {allowed})",
        )
    if action is not TicketAction.RESOLVE and transition.resolution is not None:
        raise LifecycleError("unexpected_field", "only resolve takes a resolution")
    if action is not TicketAction.REJECT and transition.duplicate_of is not None:
        raise LifecycleError("unexpected_field", "only reject takes duplicate_of")
    if action is TicketAction.RESOLVE:
        if transition.resolution is None:
            raise LifecycleError("resolution_required", "resolve needs a resolution type")
        return TicketState(TicketStatus.RESOLVED, resolution=transition.resolution)
    if action is TicketAction.REJECT:
        has_reason = bool(transition.reason and not is_blank(transition.reason))
        if not has_reason and not transition.duplicate_of:
            raise LifecycleError("reason_required", "reject needs a reason (or duplicate_of another ticket)")
        if ticket_id is not None and transition.duplicate_of == ticket_id:
            raise LifecycleError("self_duplicate", "a ticket cannot be a duplicate of itself")
        # A blank reason next to duplicate_of must not leave a blank reason in the state.
        reason = (
            transition.reason
            if has_reason and transition.reason
            else f"duplicate of {transition.duplicate_of}"
        )
        return TicketState(
            TicketStatus.REJECTED, rejection_reason=reason, duplicate_of=transition.duplicate_of
        )
    return TicketState(target)


@attrs.frozen(slots=True)
class Lifecycle:
    """A ticket's lifecycle as kept between changes: its state, when it last changed, when it was
    resolved (while it stays resolved), and the reference an outside body gave it."""

    state: TicketState
    changed_at: dt.datetime
    resolved_at: dt.datetime | None = None
    external_ref: str | None = None


def change_moment(changed_at: dt.datetime, moment: dt.datetime) -> dt.datetime:
    """When a change wanted at ``moment`` is dated: then, but never before the ticket's last change
    (``changed_at``), so a ticket's history stays in time order whatever the clocks said."""
    return max(moment, changed_at)


def transition_lifecycle(
    current: Lifecycle, transition: Transition, now: dt.datetime, *, ticket_id: str | None = None
) -> Lifecycle:
    """The lifecycle after ``transition``, acted on at ``now``; :class:`LifecycleError` if forbidden.

    The state is :func:`apply_transition`'s; the change is dated by :func:`change_moment`. A resolve
    sets ``resolved_at`` to that moment, a reject or a reopen clears it, any other action keeps it.
    The external reference changes only when the transition gives one.
    """
    after = apply_transition(current.state, transition, ticket_id=ticket_id)
    at = change_moment(current.changed_at, now)
    if after.status is TicketStatus.RESOLVED:
        resolved_at: dt.datetime | None = at
    elif after.status is TicketStatus.REJECTED or transition.action is TicketAction.REOPEN:
        resolved_at = None
    else:
        resolved_at = current.resolved_at
    external_ref = current.external_ref if transition.external_ref is None else transition.external_ref
    return Lifecycle(after, at, resolved_at, external_ref)


def _aware(_instance: object, attribute: attrs.Attribute[dt.datetime], value: dt.datetime) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{attribute.name} must be timezone-aware, got {value.isoformat()}")


def _barriers(value: Iterable[Barrier]) -> frozenset[Barrier]:
    # Typed converters: ``converter=frozenset`` / ``tuple`` leave mypy --strict callers stuck.
    return frozenset(value)


def _events(value: Iterable[TicketEvent]) -> tuple[TicketEvent, ...]:
    return tuple(value)


def _categories(_instance: object, _attribute: object, value: frozenset[Barrier]) -> None:
    if not value:
        raise ValueError("a ticket needs at least one category")


def _positive(_instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if value < 1:
        raise ValueError(f"{attribute.name} must be ≥ 1, got {value}")


def _code(_instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    # An empty or padded id, commune or village would pass every reader and count under no unit.
    if not value or value != value.strip() or len(value) > MAX_CODE:
        raise ValueError(
            f"{attribute.name} must be 1–{MAX_CODE} characters without surrounding spaces, got {value!r}"
        )


def _description(_instance: object, _attribute: object, value: str) -> None:
    if not 1 <= len(value) <= MAX_DESCRIPTION or is_blank(value):
        raise ValueError(f"description must be 1–{MAX_DESCRIPTION} characters, not blank")


def _household_ref(_instance: object, _attribute: object, value: str | None) -> None:
    problem = None if value is None else household_ref_problem(value)
    if problem is not None:
        raise ValueError(f"household_ref {problem}")


@attrs.frozen(slots=True)
class Ticket:
    """A citizen's difficulty as reported by a team: where, which barriers, which service, how many.

    ``household_ref`` is the team's own pseudonymous reference (never a name or an ID number).
    """

    id: str = attrs.field(validator=_code)
    commune: str = attrs.field(validator=_code)
    village: str = attrs.field(validator=_code)
    categories: frozenset[Barrier] = attrs.field(converter=_barriers, validator=_categories)
    service: DigitalService
    observed_at: dt.datetime = attrs.field(validator=_aware)
    people_affected: int = attrs.field(default=1, validator=_positive)
    description: str = attrs.field(default="(no description)", validator=_description)
    team: str | None = None
    household_ref: str | None = attrs.field(default=None, validator=_household_ref)


@attrs.frozen(slots=True)
class TicketEvent:
    """Something that happened to a ticket at a moment: a transition, or more people affected.

    An event with ``transition`` set changes the lifecycle; one with ``people_added`` records a
    "me too" occurrence: another household with the same difficulty.
    """

    at: dt.datetime = attrs.field(validator=_aware)
    transition: Transition | None = None
    people_added: int = 0

    def __attrs_post_init__(self) -> None:
        if (self.transition is None) == (self.people_added == 0):
            raise ValueError("an event is either a transition or an occurrence (people_added ≥ 1)")
        if self.people_added < 0:
            raise ValueError("people_added must be ≥ 0")


@attrs.frozen(slots=True)
class TicketHistory:
    """A ticket and everything that happened to it, in time order, valid under the lifecycle.

    Construction replays the events, so a history that breaks the lifecycle cannot exist.
    """

    ticket: Ticket
    events: tuple[TicketEvent, ...] = attrs.field(default=(), converter=_events)

    def __attrs_post_init__(self) -> None:
        previous = self.ticket.observed_at
        state = TicketState()
        for i, event in enumerate(self.events):
            if event.at.utcoffset() is None:
                # Only an event built around its own validator gets here; comparing it would raise TypeError.
                raise ValueError(f"event {i} at {event.at.isoformat()} must be timezone-aware")
            if event.at < previous:
                raise ValueError(f"event {i} at {event.at.isoformat()} precedes the one before it")
            previous = event.at
            if event.transition is not None:
                state = apply_transition(state, event.transition, ticket_id=self.ticket.id)

    def states(self) -> Iterable[tuple[dt.datetime, TicketState]]:
        """Each lifecycle state with the moment it began, starting with ``open`` at observation."""
        state = TicketState()
        yield self.ticket.observed_at, state
        for event in self.events:
            if event.transition is not None:
                state = apply_transition(state, event.transition, ticket_id=self.ticket.id)
                yield event.at, state

    def state_at(self, moment: dt.datetime) -> TicketState | None:
        """The state at ``moment`` (events at exactly that moment included), ``None`` before it existed."""
        current: TicketState | None = None
        for at, state in self.states():
            if at > moment:
                break
            current = state
        return current

    def people_at(self, moment: dt.datetime) -> int:
        """People affected as known at ``moment``: the report plus occurrences so far."""
        return self.ticket.people_affected + sum(e.people_added for e in self.events if e.at <= moment)

    @property
    def state(self) -> TicketState:
        """The current state, after every event."""
        *_, (_, last) = self.states()
        return last
