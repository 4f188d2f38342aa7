"""Ticket histories broken on purpose: a valid start, then one event the history must refuse."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from hypothesis import strategies as st

from digitransform.domain import (
    LOCAL_TZ,
    AdminTree,
    Ticket,
    TicketAction,
    TicketEvent,
    TicketState,
    TicketStatus,
    Transition,
    allowed_actions,
    apply_transition,
)
from digitransform.testing._tickets import (
    _ADDED,
    _NOTE,
    _OCCURRENCE,
    _REASON,
    _RESOLUTIONS,
    _TICKET_IDS,
    _later,
    _valid_transition,
    tickets,
)

__all__ = ["TICKET_HISTORY_PROBLEMS", "invalid_ticket_histories"]

TICKET_HISTORY_PROBLEMS = (
    "forbidden",
    "resolution_required",
    "reason_required",
    "self_duplicate",
    "unexpected_field",
    "out_of_order",
    "naive_datetime",
)
"""What :func:`invalid_ticket_histories` can break. The first five are the ``LifecycleError.reason``
the history raises; ``out_of_order`` (an event earlier than the one before it, or than the ticket's
``observed_at``) and ``naive_datetime`` (an event without a time zone) raise a plain ``ValueError``."""

_BACK = st.one_of(
    st.integers(1, 1_000).map(lambda n: dt.timedelta(microseconds=n)),
    st.integers(1, 3_600).map(lambda n: dt.timedelta(seconds=n)),
    st.integers(1, 60).map(lambda n: dt.timedelta(days=n)),
)
_BLANK_REASONS = st.sampled_from((None, "", "   "))
_NO_DUPLICATE = st.sampled_from((None, ""))
_ACTIONS_BY_VALUE = sorted(TicketAction, key=lambda a: a.value)


def invalid_ticket_histories(
    tree: AdminTree, kinds: Sequence[str] = TICKET_HISTORY_PROBLEMS, *, max_events: int = 8
) -> st.SearchStrategy[tuple[Ticket, list[TicketEvent], str]]:
    """A ticket, events that ``TicketHistory(ticket, events)`` must refuse, and the problem's name.

    The events start with up to ``max_events`` valid ones (transitions and "me too" occurrences, as
    in :func:`~digitransform.testing.ticket_histories`) and end with one bad event: an action the
    status forbids (``forbidden``), ``resolve`` without a resolution (``resolution_required``),
    ``reject`` with neither a reason nor ``duplicate_of`` (``reason_required``; blank reasons included),
    ``reject`` as a duplicate of itself (``self_duplicate``), a resolution or ``duplicate_of`` on an
    action that takes none (``unexpected_field``), an event earlier than the one before it
    (``out_of_order``), or an event whose moment has no time zone (``naive_datetime``, the local wall
    time with its zone dropped; such an event exists only by going around ``TicketEvent``'s own check,
    as data read without validation might). See :data:`TICKET_HISTORY_PROBLEMS`.
    """
    unknown = [k for k in kinds if k not in TICKET_HISTORY_PROBLEMS]
    if unknown or not kinds:
        raise ValueError(
            f"invalid_ticket_histories: kinds must be a non-empty selection of "
            f"{', '.join(TICKET_HISTORY_PROBLEMS)}; got {kinds!r}"
        )
    return _invalid_ticket_histories(tickets(tree), tuple(kinds), max_events)


def _bad_transition(draw: st.DrawFn, kind: str, status: TicketStatus, ticket_id: str) -> Transition:
    """A transition from ``status`` that breaks the lifecycle in the way ``kind`` names."""
    note = draw(_NOTE)
    if kind == "forbidden":
        action = draw(st.sampled_from([a for a in _ACTIONS_BY_VALUE if a not in allowed_actions(status)]))
        if action is TicketAction.RESOLVE:  # everything else it needs, so only the status is wrong
            return Transition(action, resolution=draw(_RESOLUTIONS), note=note)
        if action is TicketAction.REJECT:
            return Transition(action, reason=draw(_REASON), note=note)
        return Transition(action, note=note)
    if kind == "resolution_required":
        return Transition(TicketAction.RESOLVE, note=note)
    if kind == "reason_required":
        return Transition(
            TicketAction.REJECT, reason=draw(_BLANK_REASONS), duplicate_of=draw(_NO_DUPLICATE), note=note
        )
    if kind == "self_duplicate":
        reason = draw(st.none() | _REASON)
        return Transition(TicketAction.REJECT, reason=reason, duplicate_of=ticket_id, note=note)
    # unexpected_field: an allowed action carrying what only another action takes
    action = draw(st.sampled_from(sorted(allowed_actions(status), key=lambda a: a.value)))
    other = draw(_TICKET_IDS)
    if action is TicketAction.RESOLVE:
        return Transition(action, resolution=draw(_RESOLUTIONS), duplicate_of=other, note=note)
    if action is TicketAction.REJECT:
        return Transition(action, reason=draw(_REASON), resolution=draw(_RESOLUTIONS), note=note)
    if draw(st.booleans()):
        return Transition(action, resolution=draw(_RESOLUTIONS), note=note)
    return Transition(action, duplicate_of=other, note=note)


def _good_event(draw: st.DrawFn, at: dt.datetime, state: TicketState, ticket_id: str) -> TicketEvent:
    if draw(_OCCURRENCE) == 0:
        return TicketEvent(at, people_added=draw(_ADDED))
    return TicketEvent(at, transition=_valid_transition(draw, state.status, ticket_id))


def _reopen(state: TicketState, ticket_id: str) -> tuple[TicketState, Transition]:
    transition = Transition(TicketAction.REOPEN)
    return apply_transition(state, transition, ticket_id=ticket_id), transition


@st.composite
def _invalid_ticket_histories(
    draw: st.DrawFn, ticket_strategy: st.SearchStrategy[Ticket], kinds: tuple[str, ...], max_events: int
) -> tuple[Ticket, list[TicketEvent], str]:
    kind = draw(st.sampled_from(kinds))
    ticket = draw(ticket_strategy)
    events: list[TicketEvent] = []
    state = TicketState()
    at = ticket.observed_at
    for _ in range(draw(st.integers(0, max_events))):
        at = _later(draw, at)
        event = _good_event(draw, at, state, ticket.id)
        if event.transition is not None:
            state = apply_transition(state, event.transition, ticket_id=ticket.id)
        events.append(event)
    if kind == "out_of_order":
        events.append(_good_event(draw, at - draw(_BACK), state, ticket.id))
        return ticket, events, kind
    if kind == "naive_datetime":
        at = _later(draw, at)
        event = _good_event(draw, at, state, ticket.id)
        # Around TicketEvent's own check, as a store or a reader without validation could do.
        object.__setattr__(event, "at", at.astimezone(LOCAL_TZ).replace(tzinfo=None))
        events.append(event)
        return ticket, events, kind
    needs_unresolved = kind in ("resolution_required", "reason_required", "self_duplicate")
    if needs_unresolved and not state.status.is_unresolved:
        at = _later(draw, at)
        state, transition = _reopen(state, ticket.id)
        events.append(TicketEvent(at, transition=transition))
    at = _later(draw, at)
    events.append(TicketEvent(at, transition=_bad_transition(draw, kind, state.status, ticket.id)))
    return ticket, events, kind
