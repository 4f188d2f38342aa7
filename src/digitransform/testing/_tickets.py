"""Strategies for difficulty tickets, transitions and valid ticket histories."""

from __future__ import annotations

import datetime as dt
import string

from hypothesis import strategies as st

from digitransform.domain import (
    LOCAL_TZ,
    AdminLevel,
    AdminTree,
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


def ticket_ids() -> st.SearchStrategy[str]:
    """A client-minted ticket id such as ``tk-7f3a``."""
    return st.text(_ID_ALPHABET, min_size=1, max_size=12).map(lambda s: f"tk-{s}")


def _descriptions() -> st.SearchStrategy[str]:
    free_text = st.text(min_size=1, max_size=200).filter(lambda s: bool(s.strip()))
    return st.one_of(st.sampled_from(_DESCRIPTIONS), free_text)


def tickets(tree: AdminTree) -> st.SearchStrategy[Ticket]:
    """A ticket in a village of ``tree`` (its commune set to match), with 1–4 barriers and a service.

    ``observed_at`` comes from :func:`~digitransform.testing.moments`, so it is often near local
    midnight and written in a zone other than Vietnam's.
    """
    if not tree.at_level(AdminLevel.VILLAGE):
        raise ValueError(f"tickets: the tree under {tree.root.code} has no village")
    return _tickets(tree)


@st.composite
def _tickets(draw: st.DrawFn, tree: AdminTree) -> Ticket:
    village = draw(st.sampled_from(tree.at_level(AdminLevel.VILLAGE)))
    return Ticket(
        id=draw(ticket_ids()),
        commune=tree.commune_of(village.code).code,
        village=village.code,
        categories=draw(st.frozensets(st.sampled_from(Barrier), min_size=1, max_size=4)),
        service=draw(st.sampled_from(DigitalService)),
        observed_at=draw(moments()),
        people_affected=draw(st.integers(1, 50)),
        description=draw(_descriptions()),
        team=draw(st.none() | st.text(_ID_ALPHABET, min_size=1, max_size=8).map(lambda s: f"t-{s}")),
        household_ref=draw(st.none() | st.text(_ID_ALPHABET, min_size=1, max_size=8).map(lambda s: f"h-{s}")),
    )


@st.composite
def transitions(draw: st.DrawFn) -> Transition:
    """Any transition, valid or not: missing or stray resolutions, blank reasons, empty duplicate ids.

    For testing that the lifecycle (or a service in front of it) refuses what it must.
    """
    return Transition(
        action=draw(st.sampled_from(TicketAction)),
        resolution=draw(st.none() | st.sampled_from(ResolutionType)),
        reason=draw(st.none() | st.sampled_from(("", "   ", *_REASONS))),
        duplicate_of=draw(st.none() | st.just("") | ticket_ids()),
        external_ref=draw(st.none() | st.just("VNPT-2025-0042")),
        note=draw(st.none() | st.sampled_from(_NOTES)),
    )


@st.composite
def _valid_transition(draw: st.DrawFn, status: TicketStatus, ticket_id: str) -> Transition:
    action = draw(st.sampled_from(sorted(allowed_actions(status), key=lambda a: a.value)))
    note = draw(st.none() | st.sampled_from(_NOTES))
    if action is TicketAction.RESOLVE:
        resolution = draw(st.sampled_from(ResolutionType))
        external = (
            draw(st.none() | st.just("VNPT-2025-0042")) if resolution is ResolutionType.ESCALATED else None
        )
        return Transition(action, resolution=resolution, external_ref=external, note=note)
    if action is TicketAction.REJECT:
        other = ticket_ids().filter(lambda other_id: other_id != ticket_id)
        reason, duplicate_of = draw(
            st.one_of(
                st.tuples(st.sampled_from(_REASONS), st.none()),
                st.tuples(st.none(), other),
                st.tuples(st.sampled_from(_REASONS), other),
            )
        )
        return Transition(action, reason=reason, duplicate_of=duplicate_of, note=note)
    return Transition(action, note=note)


@st.composite
def _later(draw: st.DrawFn, previous: dt.datetime) -> dt.datetime:
    """A moment after ``previous``: a small or large step, or right at or before the next local midnight."""
    local = previous.astimezone(LOCAL_TZ)
    next_midnight = dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(), LOCAL_TZ)
    step = draw(
        st.one_of(
            st.integers(1, 3_600).map(lambda s: dt.timedelta(seconds=s)),
            st.integers(1, 60).map(lambda d: dt.timedelta(days=d)),
            st.just(next_midnight - previous),
            st.just(next_midnight - previous - dt.timedelta(microseconds=1)),
        )
    )
    if step <= dt.timedelta(0):
        step = dt.timedelta(microseconds=1)
    return (previous + step).astimezone(draw(st.sampled_from(ZONES)))


def ticket_histories(tree: AdminTree, *, max_events: int = 12) -> st.SearchStrategy[TicketHistory]:
    """A ticket and a valid sequence of events: lifecycle transitions and "me too" occurrences.

    Each event is strictly later than the one before, often exactly at local midnight or a
    microsecond before it; transitions carry what they need (a resolution; a reason or a
    ``duplicate_of`` naming another ticket). Reopening after a resolution or rejection appears.
    """
    return _ticket_histories(tickets(tree), max_events)


@st.composite
def _ticket_histories(
    draw: st.DrawFn, ticket_strategy: st.SearchStrategy[Ticket], max_events: int
) -> TicketHistory:
    ticket = draw(ticket_strategy)
    events: list[TicketEvent] = []
    state = TicketState()
    at = ticket.observed_at
    for _ in range(draw(st.integers(0, max_events))):
        at = draw(_later(at))
        if draw(st.integers(0, 3)) == 0:
            events.append(TicketEvent(at, people_added=draw(st.integers(1, 20))))
            continue
        transition = draw(_valid_transition(state.status, ticket.id))
        state = apply_transition(state, transition, ticket_id=ticket.id)
        events.append(TicketEvent(at, transition=transition))
    return TicketHistory(ticket, events)
