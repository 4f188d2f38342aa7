"""Strategies for difficulty tickets, transitions and valid ticket histories."""

from __future__ import annotations

import datetime as dt
import string
from collections.abc import Mapping, Sequence

import attrs
from hypothesis import strategies as st

from digitransform.domain import (
    LOCAL_TZ,
    AdminLevel,
    AdminTree,
    AdminUnit,
    Barrier,
    DigitalService,
    ResolutionType,
    Ticket,
    TicketAction,
    TicketEvent,
    TicketHistory,
    TicketState,
    TicketStatus,
    Transition,
    allowed_actions,
    apply_transition,
    is_blank,
    local_midnight,
)
from digitransform.testing._time import ZONES, moments

__all__ = ["ticket_histories", "ticket_ids", "tickets", "transitions"]

_ID_ALPHABET = string.ascii_lowercase + string.digits
_DESCRIPTIONS = (
    "Bà cụ 78 tuổi không biết cài ứng dụng VNeID, sợ bấm nhầm.",
    "Hộ không có điện thoại thông minh, chỉ có điện thoại 'cục gạch'.",
    "Cổng dịch vụ công báo lỗi khi nộp hồ sơ khai sinh trực tuyến.",
    "Sóng 4G yếu ở cuối ấp, không tải được mã QR.",
    "Người dân lo bị lừa đảo khi thanh toán bằng mã QR.",
    "Đồng bào Khmer cần hướng dẫn bằng tiếng Khmer.",
)
_REASONS = ("Đã được hỗ trợ ở phiếu khác", "Không thuộc phạm vi của tổ", "Người dân không còn nhu cầu")
_NOTES = ("Đã gọi lại", "Hẹn quay lại thứ Bảy", "escalated to the carrier")


def _prefixed(prefix: str, max_size: int) -> st.SearchStrategy[str]:
    return st.text(_ID_ALPHABET, min_size=1, max_size=max_size).map(lambda s: prefix + s)


# Strategies built once and reused: building them on every draw dominated the generation time.
_TICKET_IDS = _prefixed("tk-", 12)
_TEAM_REFS = st.none() | _prefixed("t-", 8)
_HOUSEHOLD_REFS = st.none() | _prefixed("h-", 8)
_DESCRIPTION = st.one_of(
    st.sampled_from(_DESCRIPTIONS), st.text(min_size=1, max_size=200).filter(lambda s: not is_blank(s))
)
_CATEGORIES = st.frozensets(st.sampled_from(Barrier), min_size=1, max_size=4)
_SERVICES = st.sampled_from(DigitalService)
_PEOPLE = st.integers(1, 50)
_MOMENTS = moments()
_NOTE = st.none() | st.sampled_from(_NOTES)
_EXTERNAL_REF = st.none() | st.just("VNPT-2025-0042")
_RESOLUTIONS = st.sampled_from(ResolutionType)
_REASON = st.sampled_from(_REASONS)
_ACTIONS = {
    status: st.sampled_from(sorted(allowed_actions(status), key=lambda a: a.value)) for status in TicketStatus
}
_ANY_TRANSITION = st.builds(
    Transition,
    action=st.sampled_from(TicketAction),
    resolution=st.none() | _RESOLUTIONS,
    reason=st.none() | st.sampled_from(("", "   ", *_REASONS)),
    duplicate_of=st.none() | st.just("") | _TICKET_IDS,
    external_ref=_EXTERNAL_REF,
    note=_NOTE,
)
_REJECT_WITH = st.sampled_from(("reason", "duplicate", "both"))
_STEP_KIND = st.sampled_from(("seconds", "days", "midnight", "before_midnight"))
_SIMULTANEOUS_STEP_KIND = st.sampled_from(("same", "seconds", "days", "midnight", "before_midnight"))
_SECONDS = st.integers(1, 3_600)
_DAYS = st.integers(1, 60)
_ZONE = st.sampled_from(ZONES)
_OCCURRENCE = st.integers(0, 3)
_ADDED = st.integers(1, 20)


def ticket_ids() -> st.SearchStrategy[str]:
    """A client-minted ticket id such as ``tk-7f3a``."""
    return _TICKET_IDS


def tickets(tree: AdminTree) -> st.SearchStrategy[Ticket]:
    """A ticket in a village of ``tree`` (its commune set to match), with 1–4 barriers and a service.

    ``observed_at`` comes from :func:`~digitransform.testing.moments`, so it is often near local
    midnight and written in a zone other than Vietnam's.
    """
    villages = tree.at_level(AdminLevel.VILLAGE)
    if not villages:
        raise ValueError(f"tickets: the tree under {tree.root.code} has no village")
    return _tickets(tree, st.sampled_from(villages), _Choices())


@attrs.frozen
class _Choices:
    """What a ticket may be drawn from; each ``None`` means the strategy's own wide default."""

    observed: st.SearchStrategy[dt.datetime] | None = None
    categories: Sequence[Barrier] | None = None
    services: Sequence[DigitalService] | None = None
    teams: Mapping[str, Sequence[str | None]] | None = None

    def team(self, draw: st.DrawFn, commune: str) -> str | None:
        if self.teams is None:
            return draw(_TEAM_REFS)
        return draw(st.sampled_from(self.teams[commune]))


@st.composite
def _tickets(
    draw: st.DrawFn, tree: AdminTree, villages: st.SearchStrategy[AdminUnit], choices: _Choices
) -> Ticket:
    village = draw(villages)
    commune = tree.commune_of(village.code).code
    categories = (
        _CATEGORIES
        if choices.categories is None
        else st.frozensets(st.sampled_from(choices.categories), min_size=1, max_size=4)
    )
    return Ticket(
        id=draw(_TICKET_IDS),
        commune=commune,
        village=village.code,
        categories=draw(categories),
        service=draw(_SERVICES if choices.services is None else st.sampled_from(choices.services)),
        observed_at=draw(_MOMENTS if choices.observed is None else choices.observed),
        people_affected=draw(_PEOPLE),
        description=draw(_DESCRIPTION),
        team=choices.team(draw, commune),
        household_ref=draw(_HOUSEHOLD_REFS),
    )


def transitions() -> st.SearchStrategy[Transition]:
    """Any transition, valid or not: missing or stray resolutions, blank reasons, empty duplicate ids.

    For testing that the lifecycle (or a service in front of it) refuses what it must.
    """
    return _ANY_TRANSITION


def _valid_transition(
    draw: st.DrawFn, status: TicketStatus, ticket_id: str, duplicates: bool = True
) -> Transition:
    action = draw(_ACTIONS[status])
    note = draw(_NOTE)
    if action is TicketAction.RESOLVE:
        resolution = draw(_RESOLUTIONS)
        external = draw(_EXTERNAL_REF) if resolution is ResolutionType.ESCALATED else None
        return Transition(action, resolution=resolution, external_ref=external, note=note)
    if action is TicketAction.REJECT:
        with_ = draw(_REJECT_WITH) if duplicates else "reason"
        reason = draw(_REASON) if with_ != "duplicate" else None
        duplicate_of = None
        if with_ != "reason":
            duplicate_of = draw(_TICKET_IDS)
            if duplicate_of == ticket_id:
                duplicate_of += "-0"  # another ticket, never itself
        return Transition(action, reason=reason, duplicate_of=duplicate_of, note=note)
    return Transition(action, note=note)


def _later(draw: st.DrawFn, previous: dt.datetime, simultaneous: bool = False) -> dt.datetime:
    """A moment after ``previous``: a small or large step, or right at or before the next local midnight.

    With ``simultaneous``, sometimes the same instant (written in another zone, perhaps).
    """
    kind = draw(_SIMULTANEOUS_STEP_KIND if simultaneous else _STEP_KIND)
    if kind == "same":
        return previous.astimezone(draw(_ZONE))
    if kind == "seconds":
        step = dt.timedelta(seconds=draw(_SECONDS))
    elif kind == "days":
        step = dt.timedelta(days=draw(_DAYS))
    else:
        local = previous.astimezone(LOCAL_TZ)
        next_midnight = local_midnight(local.date() + dt.timedelta(days=1))
        step = next_midnight - previous
        if kind == "before_midnight":
            step -= dt.timedelta(microseconds=1)
    step = max(step, dt.timedelta(microseconds=1))
    return (previous + step).astimezone(draw(_ZONE))


def ticket_histories(
    tree: AdminTree,
    *,
    max_events: int = 12,
    observed: st.SearchStrategy[dt.datetime] | None = None,
    categories: Sequence[Barrier] | None = None,
    services: Sequence[DigitalService] | None = None,
    teams: Mapping[str, Sequence[str | None]] | None = None,
    duplicates: bool = True,
    simultaneous: bool = False,
) -> st.SearchStrategy[TicketHistory]:
    """A ticket and a valid sequence of events: lifecycle transitions and "me too" occurrences.

    Each event is strictly later than the one before, often exactly at local midnight or a
    microsecond before it; transitions carry what they need (a resolution; a reason or a
    ``duplicate_of`` naming another ticket). Reopening after a resolution or rejection appears.

    The options narrow the draw for a test that filters or windows the tickets: ``observed``, when
    tickets are met (default: :func:`~digitransform.testing.moments`); ``categories`` and
    ``services`` to draw from; ``teams``, each commune's teams by commune code (``None`` among them
    for a ticket without a team; default: a random team reference or none). ``duplicates=False``
    rejects with a reason only, for a store that requires the named duplicate to exist;
    ``simultaneous=True`` lets an event share the moment of the one before.
    """
    villages = tree.at_level(AdminLevel.VILLAGE)
    if not villages:
        raise ValueError(f"ticket_histories: the tree under {tree.root.code} has no village")
    choices = _Choices(observed, categories, services, teams)
    return _ticket_histories(
        _tickets(tree, st.sampled_from(villages), choices), max_events, duplicates, simultaneous
    )


@st.composite
def _ticket_histories(
    draw: st.DrawFn,
    ticket_strategy: st.SearchStrategy[Ticket],
    max_events: int,
    duplicates: bool,
    simultaneous: bool,
) -> TicketHistory:
    ticket = draw(ticket_strategy)
    events: list[TicketEvent] = []
    state = TicketState()
    at = ticket.observed_at
    for _ in range(draw(st.integers(0, max_events))):
        at = _later(draw, at, simultaneous)
        if draw(_OCCURRENCE) == 0:
            events.append(TicketEvent(at, people_added=draw(_ADDED)))
            continue
        transition = _valid_transition(draw, state.status, ticket.id, duplicates)
        state = apply_transition(state, transition, ticket_id=ticket.id)
        events.append(TicketEvent(at, transition=transition))
    return TicketHistory(ticket, events)
