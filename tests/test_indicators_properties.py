"""Properties of the indicator engine, and a differential test against a deliberately naive reference.

The reference below is written from the brief's definitions alone: for every unit it collects the
households, teams, reports and tickets that lie within it and counts each indicator with a plain
comprehension. It shares nothing with the engine but the domain classes.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

import attrs
from hypothesis import assume, given
from hypothesis import strategies as st

from digitransform.domain import (
    AdminLevel,
    AdminTree,
    AdminUnit,
    Household,
    InternetAccess,
    Period,
    PeriodKind,
    Resident,
    ServiceReport,
    Team,
    TicketAction,
    TicketHistory,
)
from digitransform.indicators import DEFAULT_REPORT, Accumulator, Report, build_report, get
from digitransform.testing import (
    admin_trees,
    households_in,
    periods,
    service_reports,
    teams,
    ticket_histories,
)

HOUSEHOLD_PROPORTIONS = [d for d in DEFAULT_REPORT if d.source.value == "households" and d.bounded]


@attrs.frozen
class Scenario:
    tree: AdminTree
    households: list[Household]
    teams: list[Team]
    reports: list[ServiceReport]
    tickets: list[TicketHistory]
    period: Period | None


@st.composite
def scenarios(draw: st.DrawFn, max_households: int = 25) -> Scenario:
    tree = draw(admin_trees(max_communes=3, max_villages=3))
    households = draw(st.lists(households_in(tree), max_size=max_households))
    period = draw(st.none() | periods([PeriodKind.MONTH, PeriodKind.QUARTER, PeriodKind.YEAR]))
    return Scenario(
        tree=tree,
        households=households,
        teams=draw(st.lists(teams(tree), max_size=4, unique_by=lambda t: t.id)),
        reports=draw(st.lists(service_reports(tree), max_size=6)),
        tickets=draw(
            st.lists(ticket_histories(tree, max_events=6), max_size=5, unique_by=lambda h: h.ticket.id)
        ),
        period=period,
    )


def accumulate(s: Scenario, households: Sequence[Household] | None = None) -> Accumulator:
    accumulator = Accumulator(s.tree, DEFAULT_REPORT, s.period)
    accumulator.add_households(s.households if households is None else households)
    accumulator.add_teams(s.teams)
    accumulator.add_service_reports(s.reports)
    accumulator.add_tickets(s.tickets)
    return accumulator


def counts(report: Report) -> dict[tuple[str, str, str | None], tuple[int, int, float | None]]:
    return {row.key: (row.numerator, row.denominator, row.value) for row in report.rows}


# --- the naive reference ----------------------------------------------------------------------


def naive(s: Scenario) -> dict[tuple[str, str, str | None], tuple[int, int] | None]:
    """(numerator, denominator) per (unit, code, variant), or None where the engine gives no value."""
    tree = s.tree
    out: dict[tuple[str, str, str | None], tuple[int, int] | None] = {}
    for unit in tree:

        def within(code: str, unit_code: str = unit.code) -> bool:
            return tree.is_within(code, unit_code)

        hs = [h for h in s.households if within(h.village)]
        people = [m for h in hs for m in h.members]
        adults = [p for p in people if p.age >= 18]
        over_15 = [p for p in people if p.age >= 15]
        eligible = [p for p in people if p.age >= 14 and p.id_card]
        working = [p for p in people if 15 <= p.age <= 60]

        def core(h: Household) -> bool:
            return any(m.age >= 15 and m.smartphone and m.digital_skills for m in h.members)

        def smartphone(h: Household) -> bool:
            return any(m.smartphone for m in h.members)

        rows: dict[tuple[str, str | None], tuple[int, int]] = {
            ("adult_smartphone_rate", None): (sum(p.smartphone for p in adults), len(adults)),
            ("resident_smartphone_rate", None): (sum(p.smartphone for p in over_15), len(over_15)),
            ("household_digital_core_rate", None): (sum(core(h) for h in hs), len(hs)),
            ("household_smartphone_rate", None): (sum(smartphone(h) for h in hs), len(hs)),
            ("household_no_smart_device_rate", None): (
                sum(not smartphone(h) and h.other_smart_devices == 0 for h in hs),
                len(hs),
            ),
            ("household_internet_rate", None): (
                sum(h.internet is not InternetAccess.NONE for h in hs),
                len(hs),
            ),
            ("household_fibre_rate", None): (sum(h.internet is InternetAccess.FIBRE for h in hs), len(hs)),
            ("internet_user_rate", None): (sum(p.internet_user for p in over_15), len(over_15)),
            ("vneid_level2_rate", None): (sum(p.vneid_level == 2 for p in eligible), len(eligible)),
            ("payment_account_rate", None): (sum(p.payment_account for p in over_15), len(over_15)),
            ("digital_signature_rate", None): (sum(p.digital_signature for p in adults), len(adults)),
            ("basic_digital_skills_rate", None): (sum(p.digital_skills for p in working), len(working)),
        }
        rows.update(naive_reports(s, within))
        rows.update(naive_teams(s, unit.code, len(hs), within))
        rows[("difficulty_resolution_rate", None)] = naive_tickets(s, within)
        for (code, variant), (numerator, denominator) in rows.items():
            key = (unit.code, code, variant)
            no_value = denominator == 0 or (
                code == "team_members_per_100_households" and unit.level is AdminLevel.VILLAGE
            )
            out[key] = None if no_value else (numerator, denominator)
    return out


def naive_reports(s: Scenario, within: object) -> dict[tuple[str, str | None], tuple[int, int]]:
    assert callable(within)
    period = s.period
    reports = [
        r
        for r in s.reports
        if within(r.unit)
        and (period is None or (period.start <= r.period_start and r.period_end <= period.end))
    ]
    received = sum(r.received_total for r in reports)
    carried = sum(r.carried_over for r in reports)
    late = sum(r.late_pending + r.resolved_total - r.resolved_on_time for r in reports)
    return {
        ("online_application_share", None): (sum(r.received_online for r in reports), received),
        ("fully_online_dossier_rate", None): (
            sum(r.resolved_fully_online for r in reports),
            sum(r.resolved_total for r in reports),
        ),
        ("on_time_rate", "method=resolved_on_time"): (
            sum(r.resolved_on_time for r in reports),
            sum(r.resolved_total for r in reports),
        ),
        ("on_time_rate", "method=late_inclusive"): (received + carried - late, received + carried),
    }


def naive_teams(
    s: Scenario, unit_code: str, households: int, within: object
) -> dict[tuple[str, str | None], tuple[int, int]]:
    assert callable(within)
    period = s.period

    def active(team: Team) -> bool:
        if team.last_active is None:
            return False
        return period is None or (team.founded <= period.end and team.last_active >= period.start)

    villages = [u.code for u in s.tree.at_level(AdminLevel.VILLAGE) if within(u.code)]
    covered = [v for v in villages if any(active(t) and v in t.villages for t in s.teams)]
    members = sum(t.members for t in s.teams if active(t) and within(t.commune))
    return {
        ("team_village_coverage_rate", None): (len(covered), len(villages)),
        ("team_members_per_100_households", None): (members, households),
    }


def naive_tickets(s: Scenario, within: object) -> tuple[int, int]:
    """Replays each ticket's actions by hand: which status it had when."""
    assert callable(within)
    after = {
        TicketAction.ACKNOWLEDGE: "acknowledged",
        TicketAction.START: "in_progress",
        TicketAction.RESOLVE: "resolved",
        TicketAction.REJECT: "rejected",
        TicketAction.REOPEN: "open",
    }
    numerator = denominator = 0
    for history in s.tickets:
        ticket = history.ticket
        if not within(ticket.village):
            continue
        timeline = [(ticket.observed_at, "open")]
        timeline += [(e.at, after[e.transition.action]) for e in history.events if e.transition is not None]
        if s.period is None:
            denominator += 1
            numerator += timeline[-1][1] == "resolved"
            continue
        start, end = s.period.start_moment, s.period.end_moment
        if ticket.observed_at >= end:
            continue
        before_start = [status for at, status in timeline if at < start]
        if before_start and before_start[-1] not in ("open", "acknowledged", "in_progress"):
            continue
        denominator += 1
        last_at, last = [(at, status) for at, status in timeline if at < end][-1]
        numerator += last == "resolved" and last_at >= start
    return numerator, denominator


# --- properties -------------------------------------------------------------------------------


@given(scenarios())
def test_every_indicator_equals_the_naive_reference(s: Scenario) -> None:
    """On generated data, every indicator at every unit equals the naive count from first principles."""
    report = build_report(accumulate(s))
    expected = naive(s)
    for row in report.rows:
        want = expected[row.key]
        if want is None:
            assert row.value is None, row.key
        else:
            assert (row.numerator, row.denominator) == want, row.key
            factor = row.indicator.factor
            assert row.value == factor * want[0] / want[1], row.key


@given(scenarios())
def test_household_proportions_lie_between_zero_and_factor(s: Scenario) -> None:
    """A proportion counted from households alone lies in [0, factor] and is never flagged."""
    accumulator = Accumulator(s.tree, HOUSEHOLD_PROPORTIONS)
    accumulator.add_households(s.households)
    for row in build_report(accumulator, year=2025).rows:
        if row.value is not None:
            assert 0 <= row.value <= row.indicator.factor
            assert row.flags == ()


@given(scenarios(), st.randoms(use_true_random=False))
def test_order_of_input_does_not_matter(s: Scenario, rng: random.Random) -> None:
    """Shuffling households, teams, reports and tickets leaves every figure unchanged."""
    shuffled = Scenario(
        s.tree,
        rng.sample(s.households, len(s.households)),
        rng.sample(s.teams, len(s.teams)),
        rng.sample(s.reports, len(s.reports)),
        rng.sample(s.tickets, len(s.tickets)),
        s.period,
    )
    assert counts(build_report(accumulate(s), year=2025)) == counts(
        build_report(accumulate(shuffled), year=2025)
    )


@given(scenarios())
def test_roll_up_of_roll_ups_equals_roll_up_of_all(s: Scenario) -> None:
    """A commune's counts are the sum of its villages' rows; the province's, the sum of its communes'."""
    report = build_report(accumulate(s), year=2025)
    by_key = {row.key: row for row in report.rows}
    tree = s.tree
    for row in report.rows:
        children = tree.children(row.unit.code)
        own_counts = row.indicator.source.value == "service_reports" or row.indicator.unit.value == "team"
        if not children or own_counts:
            continue  # a centre's reports and a team's members sit at the commune or province itself
        child_rows = [by_key[(c.code, row.indicator.code, row.indicator.variant)] for c in children]
        assert row.numerator == sum(c.numerator for c in child_rows)
        assert row.denominator == sum(c.denominator for c in child_rows)
    everything = Accumulator(tree, DEFAULT_REPORT, s.period)
    everything.add_households(s.households)
    root = build_report(everything, year=2025, down_to=AdminLevel.PROVINCE)
    for row in root.rows:
        if row.indicator.source.value == "households":
            assert (row.numerator, row.denominator) == (
                by_key[row.key].numerator,
                by_key[row.key].denominator,
            )


@given(scenarios(), st.data())
def test_merge_equals_counting_the_union(s: Scenario, data: st.DataObject) -> None:
    """Counting two disjoint parts and merging equals counting everything at once."""
    cut = data.draw(st.integers(0, len(s.households)))
    first = Accumulator(s.tree, DEFAULT_REPORT, s.period)
    first.add_households(s.households[:cut])
    first.add_teams(s.teams[:1])
    first.add_tickets(s.tickets[:2])
    second = Accumulator(s.tree, DEFAULT_REPORT, s.period)
    second.add_households(s.households[cut:])
    second.add_teams(s.teams[1:])
    second.add_service_reports(s.reports)
    second.add_tickets(s.tickets[2:])
    merged = first.merge(second)
    whole = accumulate(s)
    assert merged.counts == whole.counts
    assert counts(build_report(merged, year=2025)) == counts(build_report(whole, year=2025))


@given(scenarios(), st.data())
def test_giving_an_adult_a_smartphone_never_lowers_the_rate(s: Scenario, data: st.DataObject) -> None:
    """Giving one adult a smartphone never lowers the adult or household smartphone rate anywhere."""
    candidates = [
        (i, j)
        for i, h in enumerate(s.households)
        for j, m in enumerate(h.members)
        if m.age >= 18 and not m.smartphone
    ]
    assume(candidates)
    i, j = data.draw(st.sampled_from(candidates))
    household = s.households[i]
    members = list(household.members)
    members[j] = attrs.evolve(members[j], smartphone=True)
    changed = [*s.households[:i], attrs.evolve(household, members=members), *s.households[i + 1 :]]
    before = build_report(accumulate(s), year=2025)
    after = build_report(accumulate(s, changed), year=2025)
    codes = {"adult_smartphone_rate", "household_smartphone_rate", "resident_smartphone_rate"}
    for old, new in zip(before.rows, after.rows, strict=True):
        if old.indicator.code in codes and old.value is not None:
            assert new.value is not None and new.value >= old.value
        if old.indicator.code == "adult_smartphone_rate" and old.unit.code == household.village:
            assert new.numerator == old.numerator + 1


@given(scenarios())
def test_empty_denominators_give_no_value_with_a_reason(s: Scenario) -> None:
    """Every row with a zero denominator has no value, no gap, no rank, and says why."""
    for row in build_report(accumulate(s), year=2025).rows:
        if row.denominator == 0:
            assert row.value is None and row.gap is None and row.met is None and row.rank is None
            assert row.reason


@given(st.lists(st.integers(0, 130), max_size=30), st.integers(0, 130))
def test_adult_age_parameter_matches_a_plain_count(ages: list[int], adult_age: int) -> None:
    """With any adult age, the denominator is the number of residents at least that old."""
    tree = AdminTree.from_units(
        [
            AdminUnit("P", "Tỉnh", AdminLevel.PROVINCE),
            AdminUnit("C", "Xã", AdminLevel.COMMUNE, "P"),
            AdminUnit("V", "Ấp", AdminLevel.VILLAGE, "C"),
        ]
    )
    definition = get("adult_smartphone_rate").with_parameters(adult_age=adult_age)
    accumulator = Accumulator(tree, [definition])
    accumulator.add_households([Household("h-1", "V", members=[Resident(a) for a in ages])])
    row = build_report(accumulator, year=2025).row("V", "adult_smartphone_rate")
    assert row.denominator == sum(a >= adult_age for a in ages)
