"""The one scope rule (``feedback_service.auth.scope``) on a small tree, and the dashboard's
in-memory figures asking it rather than filtering on their own."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from service_api import small_tree

from digitransform.trends import TicketFilter
from feedback_service.auth.principal import Principal, Role
from feedback_service.auth.scope import (
    NOTHING,
    may_record_in,
    sees_intervention,
    sees_unit,
    ticket_scope,
    units_seen,
    within,
)
from feedback_service.dashboard import HistoryFigures, InterventionMark
from feedback_service.store.records import Scope

TREE = small_tree()
TEAM = Principal("tok_t", Role.TEAM, team="T1", commune="C1")
C1 = Principal("tok_c1", Role.OFFICIAL, scope="C1")
C2 = Principal("tok_c2", Role.OFFICIAL, scope="C2")
PROVINCE = Principal("tok_p", Role.OFFICIAL, scope="P")
ADMIN = Principal("tok_a", Role.ADMIN)


def test_each_role_gets_its_scope() -> None:
    assert ticket_scope(TEAM, TREE) == Scope(team="T1", communes=frozenset({"C1"}))
    assert ticket_scope(C1, TREE) == Scope(communes=frozenset({"C1"}))
    assert ticket_scope(PROVINCE, TREE) == Scope.everything()
    assert ticket_scope(ADMIN, TREE) == NOTHING


@pytest.mark.parametrize(
    ("who", "seen"),
    [
        (C1, {"C1", "C1-01", "C1-02"}),
        (C2, {"C2", "C2-01"}),
        (TEAM, {"C1", "C1-01", "C1-02"}),
        (PROVINCE, {"P", "C1", "C1-01", "C1-02", "C2", "C2-01"}),
        (ADMIN, set()),
    ],
)
def test_units_within_a_scope(who: Principal, seen: set[str]) -> None:
    scope = ticket_scope(who, TREE)
    codes = [*TREE.units, "nowhere"]
    assert {c for c in codes if sees_unit(scope, TREE, c)} == seen


def test_an_intervention_is_seen_where_it_touches_and_counted_only_there() -> None:
    c1 = ticket_scope(C1, TREE)
    assert units_seen(c1, TREE, ["C1", "C2"]) == ("C1",)
    assert units_seen(c1, TREE, ["C2-01", "C1-02"]) == ("C1-02",)
    assert units_seen(c1, TREE, ["P"]) == ("C1",)
    assert units_seen(Scope.everything(), TREE, ["P"]) == ("P",)
    assert sees_intervention(c1, TREE, ["C1-01"])
    assert sees_intervention(c1, TREE, ["P"])
    assert not sees_intervention(c1, TREE, ["C2", "C2-01"])
    assert not sees_intervention(NOTHING, TREE, [])


def test_recording_stays_within_the_officials_own_unit() -> None:
    assert may_record_in(C1, TREE, "C1-01") and not may_record_in(C1, TREE, "C2")
    assert not may_record_in(C1, TREE, "P")
    assert may_record_in(PROVINCE, TREE, "C2-01") and may_record_in(PROVINCE, TREE, "P")
    assert not may_record_in(TEAM, TREE, "C1") and not may_record_in(ADMIN, TREE, "C1")


def test_a_filter_never_widens_the_scope() -> None:
    c1 = ticket_scope(C1, TREE)
    assert within(c1, TicketFilter(communes=frozenset({"C2"}))).communes == frozenset()
    assert within(c1).communes == frozenset({"C1"})
    assert within(ticket_scope(TEAM, TREE)).teams == frozenset({"T1"})


def test_the_dashboard_double_marks_what_the_service_lists() -> None:
    """A village's and the province's interventions show on a commune official's axis, as the
    service's own query lists them (the double used to compare codes with communes and miss both)."""
    day = dt.date(2026, 3, 2)
    marks = [
        InterventionMark("v", "village", day, frozenset({"C1-01"})),
        InterventionMark("p", "province", day, frozenset({"P"})),
        InterventionMark("o", "other", day, frozenset({"C2"})),
    ]
    figures = HistoryFigures((), TREE, {}, marks)
    found = asyncio.run(figures.interventions(ticket_scope(C1, TREE), day, day))
    assert [m.id for m in found] == ["v", "p"]
