"""The ticket lifecycle as a state machine, ticket histories, and the difficulty vocabulary."""

from __future__ import annotations

import datetime as dt
import itertools

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule

from digitransform.domain import (
    CALENDAR_END,
    CALENDAR_START,
    AdminLevel,
    AdminTree,
    AdminUnit,
    Barrier,
    DigitalService,
    Lifecycle,
    LifecycleError,
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
    calendar_problem,
    change_moment,
    household_ref_problem,
    is_blank,
    label_of,
    transition_lifecycle,
)
from digitransform.testing import admin_trees, moments, ticket_histories, tickets, transitions

A, S = TicketAction, TicketStatus
UTC = dt.UTC

# The lifecycle, written out independently of the implementation: status → {action: next status}.
LIFECYCLE: dict[TicketStatus, dict[TicketAction, TicketStatus]] = {
    S.OPEN: {
        A.ACKNOWLEDGE: S.ACKNOWLEDGED,
        A.START: S.IN_PROGRESS,
        A.RESOLVE: S.RESOLVED,
        A.REJECT: S.REJECTED,
    },
    S.ACKNOWLEDGED: {A.START: S.IN_PROGRESS, A.RESOLVE: S.RESOLVED, A.REJECT: S.REJECTED},
    S.IN_PROGRESS: {A.RESOLVE: S.RESOLVED, A.REJECT: S.REJECTED},
    S.RESOLVED: {A.REOPEN: S.OPEN},
    S.REJECTED: {A.REOPEN: S.OPEN},
}
UNRESOLVED = {S.OPEN, S.ACKNOWLEDGED, S.IN_PROGRESS}

TREE = AdminTree.from_units(
    [
        AdminUnit("91", "Tỉnh An Giang", AdminLevel.PROVINCE),
        AdminUnit("30280", "Xã An Minh", AdminLevel.COMMUNE, "91"),
        AdminUnit("30280001", "Ấp Minh Hòa", AdminLevel.VILLAGE, "30280"),
        AdminUnit("30280002", "Ấp Kim Quy A", AdminLevel.VILLAGE, "30280"),
    ]
)
T0 = dt.datetime(2025, 7, 1, 9, 0, tzinfo=UTC)


def blank(text: str | None) -> bool:
    return not (text and text.strip())


def refusals(status: TicketStatus, transition: Transition, ticket_id: str) -> set[str]:
    """Every reason the lifecycle has to refuse ``transition`` from ``status`` (empty: it must pass)."""
    action = transition.action
    reasons = set()
    if action not in LIFECYCLE[status]:
        reasons.add("forbidden")
    if action is not A.RESOLVE and transition.resolution is not None:
        reasons.add("unexpected_field")
    if action is not A.REJECT and transition.duplicate_of is not None:
        reasons.add("unexpected_field")
    if action is A.RESOLVE and transition.resolution is None:
        reasons.add("resolution_required")
    if action is A.REJECT and blank(transition.reason) and not transition.duplicate_of:
        reasons.add("reason_required")
    if action is A.REJECT and transition.duplicate_of == ticket_id:
        reasons.add("self_duplicate")
    return reasons


def a_ticket(ticket_id: str = "tk-1", at: dt.datetime = T0) -> Ticket:
    return Ticket(
        id=ticket_id,
        commune="30280",
        village="30280002",
        categories=[Barrier.AGE_FEAR_LOW_CONFIDENCE, Barrier.NO_DEVICE],
        service=DigitalService.VNEID,
        observed_at=at,
        people_affected=2,
        description="Bà cụ 78 tuổi không biết cài VNeID",
    )


class TicketLifecycle(RuleBasedStateMachine):
    """Many tickets, arbitrary (often invalid) actions, and a backlog kept by hand alongside."""

    ids = Bundle("ids")

    def __init__(self) -> None:
        super().__init__()
        self.tickets: dict[str, Ticket] = {}
        self.states: dict[str, TicketState] = {}
        self.events: dict[str, list[TicketEvent]] = {}
        self.people: dict[str, int] = {}
        self.backlog = 0  # unresolved tickets, updated on each transition
        self.closed = 0  # resolved or rejected tickets, likewise
        self.clock = T0

    @rule(target=ids, ticket=tickets(TREE))
    def report(self, ticket: Ticket) -> str:
        ticket = attrs.evolve(ticket, id=f"tk-{len(self.tickets)}", observed_at=self.clock)
        self.tickets[ticket.id] = ticket
        self.states[ticket.id] = TicketState()
        self.events[ticket.id] = []
        self.people[ticket.id] = ticket.people_affected
        self.backlog += 1
        return ticket.id

    @rule(step=st.sampled_from([dt.timedelta(microseconds=1), dt.timedelta(hours=7), dt.timedelta(days=3)]))
    def wait(self, step: dt.timedelta) -> None:
        self.clock += step

    @rule(ticket_id=ids, transition=transitions())
    def act(self, ticket_id: str, transition: Transition) -> None:
        self._act(ticket_id, transition)

    @rule(ticket_id=ids, other=ids, reason=st.none() | st.just("  ") | st.just("trùng phiếu"))
    def reject_as_duplicate(self, ticket_id: str, other: str, reason: str | None) -> None:
        self._act(ticket_id, Transition(A.REJECT, reason=reason, duplicate_of=other))

    @rule(ticket_id=ids, resolution=st.sampled_from(ResolutionType))
    def resolve(self, ticket_id: str, resolution: ResolutionType) -> None:
        self._act(ticket_id, Transition(A.RESOLVE, resolution=resolution))

    @rule(ticket_id=ids)
    def reopen(self, ticket_id: str) -> None:
        self._act(ticket_id, Transition(A.REOPEN))

    @rule(ticket_id=ids, added=st.integers(1, 30))
    def me_too(self, ticket_id: str, added: int) -> None:
        self.events[ticket_id].append(TicketEvent(self.clock, people_added=added))
        self.people[ticket_id] += added

    def _act(self, ticket_id: str, transition: Transition) -> None:
        before = self.states[ticket_id]
        expected = refusals(before.status, transition, ticket_id)
        if expected:
            with pytest.raises(LifecycleError) as caught:
                apply_transition(before, transition, ticket_id=ticket_id)
            assert caught.value.reason in expected
            return
        after = apply_transition(before, transition, ticket_id=ticket_id)
        assert after.status is LIFECYCLE[before.status][transition.action]
        if after.status is S.RESOLVED:
            assert after.resolution is transition.resolution
        if after.status is S.REJECTED:
            assert after.duplicate_of == transition.duplicate_of
            if not blank(transition.reason):
                assert after.rejection_reason == transition.reason
        if before.status in UNRESOLVED and after.status not in UNRESOLVED:
            self.backlog, self.closed = self.backlog - 1, self.closed + 1
        elif before.status not in UNRESOLVED and after.status in UNRESOLVED:
            self.backlog, self.closed = self.backlog + 1, self.closed - 1
        self.states[ticket_id] = after
        self.events[ticket_id].append(TicketEvent(self.clock, transition=transition))

    @invariant()
    def states_are_possible(self) -> None:
        for state in self.states.values():
            assert (state.resolution is not None) == (state.status is S.RESOLVED)
            assert (state.rejection_reason is not None) == (state.status is S.REJECTED)
            assert state.duplicate_of is None or state.status is S.REJECTED
            if state.rejection_reason is not None:
                assert state.rejection_reason.strip(), "a rejection must keep a non-blank reason"
            assert state.status.is_unresolved == (state.status in UNRESOLVED)
            assert allowed_actions(state.status) == set(LIFECYCLE[state.status])

    @invariant()
    def backlog_is_consistent(self) -> None:
        unresolved = sum(s.status.is_unresolved for s in self.states.values())
        assert self.backlog == unresolved
        assert self.closed == len(self.states) - unresolved

    @invariant()
    def histories_replay_to_the_same_state(self) -> None:
        for ticket_id, ticket in self.tickets.items():
            history = TicketHistory(ticket, self.events[ticket_id])
            assert history.state == self.states[ticket_id]
            assert history.people_at(self.clock) == self.people[ticket_id]


TicketLifecycle.TestCase.settings = settings(settings.default, stateful_step_count=25)
TestTicketLifecycle = TicketLifecycle.TestCase


# --- named lifecycle rules -------------------------------------------------------------------------


def test_resolve_needs_a_resolution() -> None:
    """Resolving without saying how is refused; with a resolution type it is recorded."""
    with pytest.raises(LifecycleError, match="resolve needs a resolution type") as caught:
        apply_transition(TicketState(), Transition(A.RESOLVE))
    assert caught.value.reason == "resolution_required"
    state = apply_transition(TicketState(), Transition(A.RESOLVE, resolution=ResolutionType.ESCALATED))
    assert state == TicketState(S.RESOLVED, resolution=ResolutionType.ESCALATED)


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_reject_needs_a_reason_or_a_duplicate(reason: str | None) -> None:
    """A rejection without a (non-blank) reason or a duplicate_of is refused."""
    with pytest.raises(LifecycleError) as caught:
        apply_transition(TicketState(), Transition(A.REJECT, reason=reason))
    assert caught.value.reason == "reason_required"


def test_reject_as_duplicate_records_the_original() -> None:
    """A ticket rejected as a duplicate names the original and says so in its reason."""
    state = apply_transition(TicketState(), Transition(A.REJECT, duplicate_of="tk-9"), ticket_id="tk-1")
    assert state == TicketState(S.REJECTED, rejection_reason="duplicate of tk-9", duplicate_of="tk-9")


def test_blank_reason_with_duplicate_still_gives_a_reason() -> None:
    """A blank reason next to duplicate_of does not leave a blank rejection reason behind."""
    state = apply_transition(TicketState(), Transition(A.REJECT, reason="  ", duplicate_of="tk-9"))
    assert state.rejection_reason == "duplicate of tk-9"


def test_a_ticket_cannot_duplicate_itself() -> None:
    """Rejecting a ticket as a duplicate of itself is refused."""
    with pytest.raises(LifecycleError, match="duplicate of itself") as caught:
        apply_transition(TicketState(), Transition(A.REJECT, duplicate_of="tk-1"), ticket_id="tk-1")
    assert caught.value.reason == "self_duplicate"


@pytest.mark.parametrize("status", [S.OPEN, S.ACKNOWLEDGED, S.IN_PROGRESS])
def test_reopen_only_from_resolved_or_rejected(status: TicketStatus) -> None:
    """An unresolved ticket cannot be reopened, and the error lists what is allowed."""
    with pytest.raises(LifecycleError, match=f"cannot reopen a ticket that is {status.value}") as caught:
        apply_transition(TicketState(status), Transition(A.REOPEN))
    assert caught.value.reason == "forbidden"
    assert "allowed: " in str(caught.value)


@pytest.mark.parametrize(
    "closed",
    [
        TicketState(S.RESOLVED, resolution=ResolutionType.ON_THE_SPOT),
        TicketState(S.REJECTED, rejection_reason="trùng", duplicate_of="tk-2"),
    ],
)
def test_reopen_clears_the_outcome(closed: TicketState) -> None:
    """Reopening brings a closed ticket back to open with no resolution or rejection left."""
    assert apply_transition(closed, Transition(A.REOPEN)) == TicketState()


@pytest.mark.parametrize(
    "transition",
    [
        Transition(A.ACKNOWLEDGE, resolution=ResolutionType.ON_THE_SPOT),
        Transition(A.START, duplicate_of="tk-2"),
        Transition(A.REJECT, reason="x", resolution=ResolutionType.SYSTEMIC),
    ],
)
def test_stray_fields_are_refused(transition: Transition) -> None:
    """A resolution on anything but resolve, or duplicate_of on anything but reject, is refused."""
    with pytest.raises(LifecycleError) as caught:
        apply_transition(TicketState(), transition)
    assert caught.value.reason == "unexpected_field"


def test_nothing_follows_a_closed_ticket_but_reopen() -> None:
    """From resolved or rejected the only allowed action is reopen."""
    assert allowed_actions(S.RESOLVED) == allowed_actions(S.REJECTED) == {A.REOPEN}
    with pytest.raises(LifecycleError, match=r"\(allowed: reopen\)"):
        apply_transition(TicketState(S.RESOLVED, resolution=ResolutionType.FOLLOW_UP), Transition(A.START))


# --- what a stored ticket keeps: moments, resolved_at, external_ref ------------------------------

FOLLOW_UP = Transition(A.RESOLVE, resolution=ResolutionType.FOLLOW_UP)


def test_a_change_is_dated_now_but_never_before_the_last_change() -> None:
    """A clock behind the ticket's last change dates the change at that change, not before it."""
    assert change_moment(T0, T0 + dt.timedelta(hours=1)) == T0 + dt.timedelta(hours=1)
    assert change_moment(T0, T0 - dt.timedelta(hours=1)) == T0
    behind = transition_lifecycle(
        Lifecycle(TicketState(), T0), Transition(A.ACKNOWLEDGE), T0 - dt.timedelta(1)
    )
    assert behind == Lifecycle(TicketState(S.ACKNOWLEDGED), T0)


def test_resolve_sets_resolved_at_and_reject_or_reopen_clear_it() -> None:
    """``resolved_at`` is the resolve's moment while the ticket stays resolved."""
    t1, t2, t3 = (T0 + dt.timedelta(hours=h) for h in (1, 2, 3))
    resolved = transition_lifecycle(Lifecycle(TicketState(), T0), FOLLOW_UP, t1)
    assert (resolved.state.status, resolved.changed_at, resolved.resolved_at) == (S.RESOLVED, t1, t1)
    reopened = transition_lifecycle(resolved, Transition(A.REOPEN), t2)
    assert (reopened.state.status, reopened.changed_at, reopened.resolved_at) == (S.OPEN, t2, None)
    rejected = transition_lifecycle(reopened, Transition(A.REJECT, reason="ngoài phạm vi"), t3)
    assert (rejected.state.status, rejected.resolved_at) == (S.REJECTED, None)
    kept = Lifecycle(TicketState(S.ACKNOWLEDGED), T0, resolved_at=T0)  # as a store may hold it
    assert transition_lifecycle(kept, Transition(A.START), t1).resolved_at == T0


def test_the_external_reference_changes_only_when_a_transition_brings_one() -> None:
    first = transition_lifecycle(
        Lifecycle(TicketState(), T0), Transition(A.START, external_ref="VNEID-1"), T0
    )
    assert first.external_ref == "VNEID-1"
    assert transition_lifecycle(first, FOLLOW_UP, T0).external_ref == "VNEID-1"
    assert transition_lifecycle(
        first, Transition(A.REJECT, reason="x", external_ref="VNEID-2"), T0
    ).external_ref == ("VNEID-2")


def test_a_forbidden_transition_changes_no_lifecycle() -> None:
    with pytest.raises(LifecycleError, match="cannot reopen"):
        transition_lifecycle(Lifecycle(TicketState(), T0), Transition(A.REOPEN), T0)


@given(admin_trees().flatmap(ticket_histories))
def test_a_history_folded_through_the_lifecycle_keeps_its_moments(history: TicketHistory) -> None:
    """Replayed through ``transition_lifecycle``, a history ends in its own state, each change at
    its event's moment, and ``resolved_at`` is the last resolve's moment exactly while resolved."""
    lifecycle = Lifecycle(TicketState(), history.ticket.observed_at)
    last_resolve = None
    for event in history.events:
        if event.transition is None:
            continue
        lifecycle = transition_lifecycle(lifecycle, event.transition, event.at, ticket_id=history.ticket.id)
        assert lifecycle.changed_at == event.at
        if event.transition.action is A.RESOLVE:
            last_resolve = event.at
    assert lifecycle.state == history.state
    expected = last_resolve if history.state.status is S.RESOLVED else None
    assert lifecycle.resolved_at == expected


# --- histories -------------------------------------------------------------------------------------


@given(admin_trees().flatmap(ticket_histories))
def test_generated_histories_replay(history: TicketHistory) -> None:
    """A generated history has strictly increasing events and replays to a possible state."""
    moments_ = [history.ticket.observed_at, *(e.at for e in history.events)]
    assert all(a < b for a, b in itertools.pairwise(moments_))
    states = list(history.states())
    assert states[0] == (history.ticket.observed_at, TicketState())
    assert history.state == states[-1][1]
    assert len(states) == 1 + sum(e.transition is not None for e in history.events)
    before = history.ticket.observed_at - dt.timedelta(microseconds=1)
    assert history.state_at(before) is None
    assert history.people_at(before) == history.ticket.people_affected
    for at, state in states:
        assert history.state_at(at) == state
    total = history.ticket.people_affected + sum(e.people_added for e in history.events)
    assert history.people_at(moments_[-1]) == total


def test_history_replay_example() -> None:
    """A ticket acknowledged, resolved, reopened and joined by a neighbour replays step by step."""
    t = a_ticket()
    events = [
        TicketEvent(T0 + dt.timedelta(hours=1), transition=Transition(A.ACKNOWLEDGE)),
        TicketEvent(T0 + dt.timedelta(hours=2), people_added=3),
        TicketEvent(
            T0 + dt.timedelta(days=1),
            transition=Transition(A.RESOLVE, resolution=ResolutionType.FOLLOW_UP),
        ),
        TicketEvent(T0 + dt.timedelta(days=2), transition=Transition(A.REOPEN, note="vẫn chưa được")),
    ]
    history = TicketHistory(t, events)
    assert [s.status for _, s in history.states()] == [S.OPEN, S.ACKNOWLEDGED, S.RESOLVED, S.OPEN]
    assert history.state_at(T0 + dt.timedelta(days=1)) == TicketState(S.RESOLVED, ResolutionType.FOLLOW_UP)
    assert history.state_at(T0 + dt.timedelta(hours=1, seconds=-1)) == TicketState()
    assert history.people_at(T0 + dt.timedelta(hours=2)) == 5
    assert history.people_at(T0 + dt.timedelta(hours=1)) == 2
    assert history.state == TicketState()


def test_history_refuses_an_impossible_sequence() -> None:
    """A history whose events break the lifecycle cannot be built."""
    events = [TicketEvent(T0, transition=Transition(A.REOPEN))]
    with pytest.raises(LifecycleError, match="cannot reopen a ticket that is open"):
        TicketHistory(a_ticket(), events)


def test_history_refuses_events_out_of_order() -> None:
    """An event earlier than the one before it, or than the report, is refused with its index."""
    events = [
        TicketEvent(T0 + dt.timedelta(hours=2), people_added=1),
        TicketEvent(T0 + dt.timedelta(hours=1), people_added=1),
    ]
    with pytest.raises(ValueError, match=r"event 1 at .* precedes the one before it"):
        TicketHistory(a_ticket(), events)
    with pytest.raises(ValueError, match="event 0"):
        TicketHistory(a_ticket(), [TicketEvent(T0 - dt.timedelta(seconds=1), people_added=1)])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "either a transition or an occurrence"),
        ({"transition": Transition(A.START), "people_added": 2}, "either a transition or an occurrence"),
        ({"people_added": -1}, "people_added must be ≥ 0"),
    ],
)
def test_an_event_is_a_transition_or_an_occurrence(kwargs: dict[str, object], message: str) -> None:
    """An event must be exactly one of: a transition, or people added."""
    with pytest.raises(ValueError, match=message):
        TicketEvent(T0, **kwargs)  # type: ignore[arg-type]


# --- tickets ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"categories": []}, "at least one category"),
        ({"people_affected": 0}, "people_affected must be ≥ 1"),
        ({"description": "   "}, "not blank"),
        ({"description": "x" * 2001}, "1–2000 characters"),
        ({"observed_at": dt.datetime(2025, 7, 1, 9, 0)}, "observed_at must be timezone-aware"),
    ],
)
def test_invalid_tickets_are_refused(changes: dict[str, object], message: str) -> None:
    """A ticket without a category, affected person or description, or with a naive time, is refused."""
    with pytest.raises(ValueError, match=message):
        attrs.evolve(a_ticket(), **changes)


def test_naive_event_time_is_refused() -> None:
    """Event times must be aware, like observation times."""
    with pytest.raises(ValueError, match="at must be timezone-aware"):
        TicketEvent(dt.datetime(2025, 7, 1), people_added=1)


@pytest.mark.parametrize("field", ["id", "commune", "village"])
@pytest.mark.parametrize("value", ["", " ", " tk-1", "tk-1 ", "\ttk-1", "x" * 65])
def test_a_ticket_code_must_be_short_and_unpadded(field: str, value: str) -> None:
    """An empty, blank, padded or over-64-character id, commune or village is refused, naming the field."""
    with pytest.raises(ValueError, match=f"^{field} must be 1–64 characters without surrounding spaces"):
        attrs.evolve(a_ticket(), **{field: value})


@pytest.mark.parametrize("field", ["id", "commune", "village"])
def test_a_ticket_code_of_64_characters_is_kept(field: str) -> None:
    """Sixty-four characters is the limit, not one past it; inner spaces are not padding."""
    assert getattr(attrs.evolve(a_ticket(), **{field: "x" * 64}), field) == "x" * 64
    assert getattr(attrs.evolve(a_ticket(), **{field: "Ấp 1"}), field) == "Ấp 1"


def test_a_naive_event_smuggled_into_a_history_is_a_value_error() -> None:
    """An event whose time lost its zone (built around TicketEvent's check) is refused as a ValueError."""
    event = TicketEvent(T0 + dt.timedelta(hours=1), people_added=1)
    object.__setattr__(event, "at", dt.datetime(2025, 7, 1, 10, 0))
    with pytest.raises(ValueError, match=r"event 0 .* must be timezone-aware"):
        TicketHistory(a_ticket(), [event])


@given(admin_trees().flatmap(tickets))
def test_generated_tickets_sit_in_their_commune(ticket: Ticket) -> None:
    """A generated ticket's village belongs to its commune."""
    assert ticket.categories
    assert ticket.observed_at.utcoffset() is not None


@given(moments())
def test_generated_moments_are_aware(moment: dt.datetime) -> None:
    """Every generated moment is timezone-aware."""
    assert moment.utcoffset() is not None


# --- vocabulary -----------------------------------------------------------------------------------


@pytest.mark.parametrize("vocabulary", [Barrier, DigitalService, ResolutionType])
def test_every_code_has_both_labels(
    vocabulary: type[Barrier] | type[DigitalService] | type[ResolutionType],
) -> None:
    """Every barrier, service and resolution code has a Vietnamese and an English label."""
    for code in vocabulary:
        label = label_of(code)
        assert label.vi.strip() and label.en.strip()
        assert code.value == code.value.lower() and " " not in code.value
    assert len({c.label.en for c in vocabulary}) == len(vocabulary)


def test_barrier_codes_are_the_brief_taxonomy() -> None:
    """The barrier codes are exactly the fifteen of the domain brief (stable public contract)."""
    assert {b.value for b in Barrier} == {
        "no_device", "device_cost", "service_cost", "poor_coverage", "lack_of_skills",
        "age_fear_low_confidence", "fraud_scam_fear", "privacy_concern", "disability",
        "language_ethnic_minority", "low_literacy", "not_interested", "account_identity_problem",
        "service_or_app_fault", "other",
    }  # fmt: skip


@pytest.mark.parametrize("text", ["", " ", "\u200b", "\u200b\ufeff\u2060", "\t\n", "\u3164", "\x00"])
def test_invisible_text_is_blank(text: str) -> None:
    """Only whitespace, control, format and blank-rendering characters: nothing shows."""
    assert is_blank(text)


@pytest.mark.parametrize("text", ["a", "\u200ba", "Cụ bà", "٣"])
def test_text_with_something_to_show_is_not_blank(text: str) -> None:
    """One visible character is enough."""
    assert not is_blank(text)


def test_a_ticket_whose_description_is_zero_width_spaces_cannot_exist() -> None:
    """The domain refuses it, whoever builds the ticket."""
    with pytest.raises(ValueError, match="not blank"):
        Ticket("t1", "C1", "C1-01", {Barrier.NO_DEVICE}, DigitalService.VNEID, T0, description="\u200b\u200b")


@pytest.mark.parametrize(
    "ref",
    [
        "hh-1\n",
        "hh 1",
        "-hh",
        "",
        "x" * 65,
        "0912.345.678",
        "0912345678",
        "079/123/456/789",
        "1_2_3_4_5_6_7_8_9",
    ],
)
def test_household_references_that_may_not_be_stored(ref: str) -> None:
    """A final newline, a space, a phone number behind separators: each is refused by the domain."""
    assert household_ref_problem(ref) is not None
    with pytest.raises(ValueError, match="household_ref"):
        Ticket("t1", "C1", "C1-01", {Barrier.NO_DEVICE}, DigitalService.VNEID, T0, household_ref=ref)


@pytest.mark.parametrize("ref", ["hh-42", "h:2026/11/20", "A.B_C-1", "12345678", "hh-2026-11-20"])
def test_household_references_that_may_be_stored(ref: str) -> None:
    """Up to eight digits, even across single separators: a pseudonym, not a phone."""
    assert household_ref_problem(ref) is None


@pytest.mark.parametrize(
    "value",
    [
        dt.date(1999, 12, 31),
        dt.date(2100, 1, 1),
        dt.date.max,
        dt.datetime(1, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=1))),
    ],
)
def test_dates_outside_the_calendar_are_named(value: dt.date) -> None:
    """A date or a moment (on its own offset, never converted) outside 2000..2099 has a problem."""
    assert calendar_problem(value) is not None


def test_dates_inside_the_calendar_have_no_problem() -> None:
    """The calendar's first and last days are inside it."""
    assert calendar_problem(CALENDAR_START) is None
    assert calendar_problem(CALENDAR_END) is None
