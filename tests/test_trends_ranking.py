"""The communes ranked by backlog per 1,000 households: properties and named examples."""

from __future__ import annotations

import datetime as dt
import itertools

from hypothesis import given
from hypothesis import strategies as st

import trend_strategies
from digitransform.domain import AdminLevel, AdminTree, AdminUnit, TicketHistory
from digitransform.trends import (
    GroupBy,
    TicketFilter,
    backlog_ageing,
    commune_backlog_ranking,
    per_thousand,
    rank_communes,
)
from trend_strategies import TREE, histories

HISTORIES = histories({"c1": (None, "t1"), "c2": ("t2",)}, max_events=6, duplicates=True, simultaneous=True)
FIVE = AdminTree.from_units(
    [
        AdminUnit("p", "Tỉnh", AdminLevel.PROVINCE),
        *(AdminUnit(f"c{i}", f"Xã {i}", AdminLevel.COMMUNE, "p") for i in range(1, 6)),
    ]
)
CODES = [u.code for u in FIVE.at_level(AdminLevel.COMMUNE)]
BACKLOGS = st.dictionaries(st.sampled_from(CODES), st.tuples(st.integers(0, 500), st.integers(0, 2000)))
HOUSEHOLDS = st.dictionaries(st.sampled_from(CODES), st.integers(0, 5000))


@given(BACKLOGS, HOUSEHOLDS, st.none() | st.frozensets(st.sampled_from(CODES)))
def test_every_commune_once_highest_rate_first_without_households_last(
    backlog: dict[str, tuple[int, int]], households: dict[str, int], communes: frozenset[str] | None
) -> None:
    """Each listed commune once, with its own counts; rates never rise down the list, ties by code,
    and a commune without households (missing or zero) has no rate and comes after every rate."""
    ranked = rank_communes(FIVE, backlog, households, communes)
    assert sorted(c.commune for c in ranked) == sorted(communes if communes is not None else CODES)
    for c in ranked:
        assert (c.unresolved, c.people_affected) == backlog.get(c.commune, (0, 0))
        assert c.households == households.get(c.commune)
        assert c.name == FIVE[c.commune].name
        assert (c.per_1000_households is None) == (not households.get(c.commune))
    rated = [c for c in ranked if c.per_1000_households is not None]
    assert list(ranked[: len(rated)]) == rated
    for a, b in itertools.pairwise(rated):
        assert a.per_1000_households is not None and b.per_1000_households is not None
        assert (-a.per_1000_households, a.commune) < (-b.per_1000_households, b.commune)
    unrated = [c.commune for c in ranked[len(rated) :]]
    assert unrated == sorted(unrated)


@given(trend_strategies.ticket_sets(HISTORIES, 10), st.dates(dt.date(2025, 12, 1), dt.date(2026, 4, 1)))
def test_the_reference_ranks_the_backlog_by_commune(tickets: list[TicketHistory], day: dt.date) -> None:
    """The reference's counts are the ageing's backlog by commune at the end of the day."""
    households = {"c1": 300, "c2": 40}
    ranked = commune_backlog_ranking(tickets, day, TREE, households)
    ageing = backlog_ageing(tickets, day, GroupBy.COMMUNE)
    expected = {g.group: (g.tickets, g.people) for g in ageing.groups}
    assert {c.commune: (c.unresolved, c.people_affected) for c in ranked} == {
        code: expected.get(code, (0, 0)) for code in ("c1", "c2")
    }
    assert sum(c.unresolved for c in ranked) == ageing.total.tickets


def test_a_rate_compares_like_with_like() -> None:
    """A big commune with more tickets can rank below a small one: 30 in 10,000 households is 3 per
    1,000, 4 in 500 is 8."""
    ranked = rank_communes(FIVE, {"c1": (30, 40), "c2": (4, 4)}, {"c1": 10_000, "c2": 500})
    assert [(c.commune, c.per_1000_households) for c in ranked[:2]] == [("c2", 8.0), ("c1", 3.0)]


def test_a_commune_without_households_has_no_rate_and_comes_last() -> None:
    """No division by zero: a commune with no (or zero) households is listed after every rated one."""
    ranked = rank_communes(
        FIVE, {"c1": (9, 9), "c3": (1, 1)}, {"c1": 0, "c2": 1000, "c3": 1000, "c4": 1000, "c5": 1000}
    )
    assert [c.commune for c in ranked] == ["c3", "c2", "c4", "c5", "c1"]
    assert ranked[-1].per_1000_households is None and ranked[-1].unresolved == 9
    assert per_thousand(9, 0) is None and per_thousand(9, None) is None and per_thousand(3, 1500) == 2.0


def test_a_scope_lists_its_communes_only_even_without_tickets() -> None:
    """The communes a filter names are listed, those with no backlog at zero; others are left out."""
    ranked = commune_backlog_ranking(
        (), dt.date(2026, 3, 1), FIVE, {}, where=TicketFilter(communes={"c2", "c4"})
    )
    assert [(c.commune, c.unresolved, c.per_1000_households) for c in ranked] == [
        ("c2", 0, None),
        ("c4", 0, None),
    ]


def test_the_wire_rounds_the_rate() -> None:
    """to_dict() rounds the rate to three decimals and keeps the counts."""
    (first, *_) = rank_communes(FIVE, {"c1": (1, 2)}, {"c1": 3})
    assert first.to_dict() == {
        "commune": "c1",
        "name": "Xã 1",
        "unresolved": 1,
        "people_affected": 2,
        "households": 3,
        "per_1000_households": 333.333,
    }
