"""The effect of an intervention (difference in differences): properties and named examples."""

from __future__ import annotations

import datetime as dt
import statistics

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import trend_strategies
from digitransform.domain import (
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
    Transition,
)
from digitransform.trends import (
    Comparison,
    EffectDesign,
    SideFigures,
    difference_in_differences,
    summary,
)
from digitransform.trends.effect import (
    MIN_BASELINE_COMMUNES,
    intervention_effect,
    median_days,
    side_figures,
    sides_of,
)
from trend_strategies import BARRIERS, TREE, histories

FIGURES = st.none() | st.floats(-1e6, 1e6, allow_nan=False)
COUNTS = st.integers(0, 1000)
WAITS = st.lists(st.timedeltas(dt.timedelta(0), dt.timedelta(days=400)), max_size=8).map(tuple)
SIDE_FIGURES = st.builds(SideFigures, COUNTS, COUNTS, COUNTS, COUNTS, WAITS, WAITS)
UNITS = ("c1", "c2", "v11", "v12", "v21")
HISTORIES = histories({"c1": (None, "t1"), "c2": ("t2",)}, max_events=6, duplicates=True, simultaneous=True)


@st.composite
def designs(draw: st.DrawFn) -> EffectDesign:
    """An intervention somewhere in the small province, on some of its barriers, around the tickets."""
    units = draw(st.lists(st.sampled_from(("p", "c1", "c2", "v11", "v12", "v21")), min_size=1, unique=True))
    categories = draw(st.lists(st.sampled_from(BARRIERS), min_size=1, unique=True))
    start = draw(st.dates(dt.date(2025, 12, 20), dt.date(2026, 3, 20)))
    households = draw(
        st.dictionaries(st.sampled_from(("c1", "c2", "v11", "v12", "v21")), st.integers(0, 900))
    )
    return EffectDesign.of(TREE, households, units, categories, start, draw(st.integers(1, 3)))


@given(FIGURES, FIGURES, FIGURES, FIGURES)
def test_the_difference_is_the_targets_change_minus_the_baselines(
    tb: float | None, ta: float | None, bb: float | None, ba: float | None
) -> None:
    """Any missing figure gives no difference; otherwise the target's change minus the baseline's,
    which swapping the sides negates and which is zero when both sides move alike."""
    got = difference_in_differences(tb, ta, bb, ba)
    if tb is None or ta is None or bb is None or ba is None:
        assert got is None
        return
    assert got == (ta - tb) - (ba - bb)
    swapped = difference_in_differences(bb, ba, tb, ta)
    assert swapped is not None and swapped == pytest.approx(-got)
    assert difference_in_differences(tb, ta, tb, ta) == 0


@given(FIGURES, FIGURES, FIGURES, FIGURES)
def test_a_comparison_says_each_sides_change_and_the_difference_rounded(
    tb: float | None, ta: float | None, bb: float | None, ba: float | None
) -> None:
    """to_dict() gives before, after and change per side, and the difference, to three decimals."""
    shown = Comparison(tb, ta, bb, ba).to_dict()
    for side, (before, after) in (("target", (tb, ta)), ("baseline", (bb, ba))):
        assert shown[side]["before"] == (None if before is None else round(before, 3))
        assert shown[side]["after"] == (None if after is None else round(after, 3))
        change = None if before is None or after is None else round(after - before, 3)
        assert shown[side]["change"] == change
    difference = difference_in_differences(tb, ta, bb, ba)
    assert shown["difference_in_differences"] == (None if difference is None else round(difference, 3))


@given(SIDE_FIGURES, SIDE_FIGURES, SIDE_FIGURES)
def test_side_figures_add_like_counts(a: SideFigures, b: SideFigures, c: SideFigures) -> None:
    """Adding sides is associative with SideFigures() as nothing, and adds every count."""
    assert (a + b) + c == a + (b + c)
    assert a + SideFigures() == a == SideFigures() + a
    total = (a + b).counts(7)
    for key, value in a.counts(7).items():
        assert total[key] == (7 if key == "households" else value + b.counts(7)[key])


@given(WAITS)
def test_the_median_is_the_middle_wait_in_days(waits: tuple[dt.timedelta, ...]) -> None:
    """The median in days is the statistics module's median of the waits (none without waits)."""
    got = median_days(waits)
    if not waits:
        assert got is None
        return
    assert got == pytest.approx(statistics.median(w.total_seconds() for w in waits) / 86400)


@given(st.lists(st.sampled_from(UNITS), min_size=1, unique=True))
def test_the_baseline_is_the_rest_of_the_province_at_the_targets_level(units: list[str]) -> None:
    """Target and baseline never share a unit and together are every unit of one level: communes
    when only communes are targeted, villages otherwise (a commune standing for its villages)."""
    households = {"c1": 10, "c2": 20, "v11": 1, "v12": 2, "v21": 4}
    target, baseline = sides_of(TREE, units, households)
    level = (
        AdminLevel.COMMUNE if all(TREE[u].level is AdminLevel.COMMUNE for u in units) else AdminLevel.VILLAGE
    )
    everything = {u.code for u in TREE.at_level(level)}
    rest = set() if baseline is None else set(baseline.units)
    assert not set(target.units) & rest
    assert set(target.units) | rest == everything
    assert target.households == sum(households[u] for u in target.units)
    if baseline is not None:
        assert baseline.households == sum(households[u] for u in baseline.units)


@given(trend_strategies.ticket_sets(HISTORIES, 10), designs())
def test_the_windows_figures_are_the_trends(tickets: list[TicketHistory], design: EffectDesign) -> None:
    """A side's counts are the headline summary's over each window when one category is targeted:
    opened in the window, the backlog at its end, the resolutions in it."""
    category = design.categories[0]
    single = attrs.evolve(design, categories=(category,))
    figures = side_figures(tickets, single, single.target)[category]
    narrowed = attrs.evolve(single.target.where, category=category)
    before = summary(tickets, *single.before, where=narrowed)
    after = summary(tickets, *single.after, where=narrowed)
    assert (figures.opened_before, figures.opened_after) == (before.opened, after.opened)
    assert (figures.backlog_before, figures.backlog_after) == (
        before.unresolved_at_end,
        after.unresolved_at_end,
    )
    assert (len(figures.resolved_before), len(figures.resolved_after)) == (before.resolved, after.resolved)


@given(trend_strategies.ticket_sets(HISTORIES, 10), designs())
def test_the_whole_is_the_sum_of_its_categories(tickets: list[TicketHistory], design: EffectDesign) -> None:
    """The document's counts over the targeted categories are the sums of each category's counts."""
    document = intervention_effect(tickets, design, {"id": "i"})
    assert [c["category"] for c in document["categories"]] == [b.value for b in design.categories]
    for side in ("target", "baseline"):
        whole = document["counts"][side]
        if whole is None:
            assert design.baseline is None and side == "baseline"
            continue
        for key, value in whole.items():
            parts = [c["counts"][side][key] for c in document["categories"]]
            assert value == (parts[0] if key == "households" else sum(parts))


# Named examples: a province of two communes, C1 with 1,000 households and C2 with 2,000.
TWO = AdminTree.from_units(
    [
        AdminUnit("P", "Tỉnh Thử", AdminLevel.PROVINCE),
        AdminUnit("C1", "Xã Một", AdminLevel.COMMUNE, "P"),
        AdminUnit("C1-01", "Ấp Một A", AdminLevel.VILLAGE, "C1"),
        AdminUnit("C2", "Xã Hai", AdminLevel.COMMUNE, "P"),
        AdminUnit("C2-01", "Ấp Hai A", AdminLevel.VILLAGE, "C2"),
    ]
)
HOUSEHOLDS = {"C1": 1000, "C2": 2000}


def _ticket(
    n: int, village: str, day: str, *, category: Barrier = Barrier.NO_DEVICE, resolved: str = ""
) -> TicketHistory:
    t = Ticket(
        id=f"tk-{n}",
        commune=village.split("-")[0],
        village=village,
        categories=frozenset({category}),
        service=DigitalService.VNEID,
        observed_at=dt.datetime.fromisoformat(day).replace(hour=2, tzinfo=dt.UTC),
    )
    resolve = Transition(TicketAction.RESOLVE, resolution=ResolutionType.FOLLOW_UP)
    when = dt.datetime.fromisoformat(resolved or "2000-01-01").replace(hour=2, tzinfo=dt.UTC)
    return TicketHistory(t, (TicketEvent(when, resolve),) if resolved else ())


# Before: 2026-02-23..03-01, after: 2026-03-02..03-08 (one week).
EXAMPLE = [
    *(_ticket(i, "C1-01", "2026-02-24", resolved="2026-03-04" if i < 2 else "") for i in range(4)),
    _ticket(4, "C1-01", "2026-03-03"),
    _ticket(5, "C1-01", "2026-03-03", category=Barrier.POOR_COVERAGE),  # another barrier: not counted
    *(_ticket(10 + i, "C2-01", "2026-02-24") for i in range(2)),
    *(_ticket(20 + i, "C2-01", "2026-03-03") for i in range(2)),
]


def test_new_tickets_fell_by_three_per_thousand_more_where_the_training_was() -> None:
    """4 → 1 new tickets per 1,000 households in C1 against a flat 1 → 1 in C2: −3; the backlog −1
    against +1: −2; nothing resolved before, so no difference in the time to resolve."""
    design = EffectDesign.of(TWO, HOUSEHOLDS, ["C1"], [Barrier.NO_DEVICE], dt.date(2026, 3, 2), 1)
    assert (design.before, design.after) == (
        (dt.date(2026, 2, 23), dt.date(2026, 3, 1)),
        (dt.date(2026, 3, 2), dt.date(2026, 3, 8)),
    )
    effect = intervention_effect(EXAMPLE, design, {"id": "i-1"})
    new = effect["measures"]["new_per_1000_households"]
    assert new == {
        "target": {"before": 4.0, "after": 1.0, "change": -3.0},
        "baseline": {"before": 1.0, "after": 1.0, "change": 0.0},
        "difference_in_differences": -3.0,
    }
    backlog = effect["measures"]["backlog_per_1000_households"]
    assert (backlog["target"]["change"], backlog["baseline"]["change"]) == (-1.0, 1.0)
    assert backlog["difference_in_differences"] == -2.0
    times = effect["measures"]["median_days_to_resolve"]
    assert (times["target"]["before"], times["target"]["after"], times["difference_in_differences"]) == (
        None,
        8.0,
        None,
    )
    assert effect["counts"]["target"]["new_tickets_before"] == 4
    assert effect["counts"]["baseline"]["households"] == 2000
    assert effect["intervention"] == {"id": "i-1"} and effect["evidence"] == "descriptive"


def test_a_commune_reader_in_a_small_province_gets_no_baseline() -> None:
    """The rest of a two-commune province is one other commune: withheld from a commune official,
    given to a reader of the whole province."""
    args = (TWO, HOUSEHOLDS, ["C1"], [Barrier.NO_DEVICE], dt.date(2026, 3, 2), 1)
    withheld = EffectDesign.of(*args, sees_province=False)
    assert withheld.baseline is None and withheld.withheld
    effect = intervention_effect(EXAMPLE, withheld, {})
    assert effect["baseline"] is None and effect["counts"]["baseline"] is None
    assert f"fewer than {MIN_BASELINE_COMMUNES}" in effect["baseline_withheld"]
    given_ = EffectDesign.of(*args)
    assert given_.baseline is not None and not given_.withheld
    assert "baseline_withheld" not in intervention_effect(EXAMPLE, given_, {})


def test_the_whole_province_has_no_rest_to_compare_with() -> None:
    """An intervention over the province has its figures but no baseline, and is not 'withheld'."""
    design = EffectDesign.of(TWO, HOUSEHOLDS, ["P"], [Barrier.NO_DEVICE], dt.date(2026, 3, 2), 1)
    assert design.target.units == ("P",) and design.baseline is None and not design.withheld
    new = intervention_effect(EXAMPLE, design, {})["measures"]["new_per_1000_households"]
    assert new["baseline"] == {"before": None, "after": None, "change": None}
    assert new["difference_in_differences"] is None


def test_weeks_start_at_one() -> None:
    """Zero weeks compares nothing: refused, naming the parameter."""
    with pytest.raises(ValueError, match="weeks"):
        EffectDesign.of(TWO, HOUSEHOLDS, ["C1"], [Barrier.NO_DEVICE], dt.date(2026, 3, 2), 0)


def test_difference_in_differences_is_the_change_minus_the_baselines_change() -> None:
    """(after − before) in the target minus the same in the baseline; missing figures give None."""
    assert difference_in_differences(4.0, 1.0, 1.0, 1.0) == -3.0
    assert difference_in_differences(2.0, 5.0, 1.0, 2.0) == 2.0
    assert difference_in_differences(None, 5.0, 1.0, 2.0) is None
    assert difference_in_differences(1.0, 1.0, 3.0, None) is None
