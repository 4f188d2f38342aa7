"""Named examples for the indicator engine: the averaging trap, age boundaries, empty households,
targets and gaps, the two on-time rates, team coverage, and defining an indicator of one's own."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from digitransform.domain import (
    AdminLevel,
    AdminTree,
    AdminUnit,
    Household,
    InternetAccess,
    Label,
    Period,
    Resident,
    ServiceReport,
    Team,
)
from digitransform.indicators import (
    ABOVE_FACTOR,
    BELOW_ZERO,
    CATALOGUE,
    DEFAULT_REPORT,
    ON_TIME_LATE_INCLUSIVE,
    ON_TIME_RESOLVED,
    Accumulator,
    All,
    AnyMember,
    AnyOf,
    Compare,
    Flag,
    HouseholdShare,
    IndicatorDefinition,
    Not,
    Operator,
    Param,
    Parameter,
    PersonShare,
    Report,
    Target,
    UnitOfAnalysis,
    build_report,
    get,
)

BRIEF_CODES = (
    "adult_smartphone_rate",
    "resident_smartphone_rate",
    "household_digital_core_rate",
    "household_smartphone_rate",
    "household_no_smart_device_rate",
    "household_internet_rate",
    "household_fibre_rate",
    "internet_user_rate",
    "vneid_level2_rate",
    "payment_account_rate",
    "digital_signature_rate",
    "basic_digital_skills_rate",
    "online_application_share",
    "fully_online_dossier_rate",
    "on_time_rate",
    "team_village_coverage_rate",
    "team_members_per_100_households",
    "difficulty_resolution_rate",
)


def small_tree() -> AdminTree:
    return AdminTree.from_units(
        [
            AdminUnit("AG", "An Giang", AdminLevel.PROVINCE),
            AdminUnit("C1", "Xã Vân Khánh", AdminLevel.COMMUNE, "AG"),
            AdminUnit("A", "Ấp Kim Quy A", AdminLevel.VILLAGE, "C1"),
            AdminUnit("B", "Ấp Kim Quy B", AdminLevel.VILLAGE, "C1"),
            AdminUnit("C2", "Xã An Minh", AdminLevel.COMMUNE, "AG"),
            AdminUnit("D", "Ấp Bảy Xã", AdminLevel.VILLAGE, "C2"),
        ]
    )


def adults(village: str, n: int, with_smartphone: int, start: int = 0) -> list[Household]:
    return [
        Household(f"h-{village}-{start + i}", village, members=[Resident(40, smartphone=i < with_smartphone)])
        for i in range(n)
    ]


def report_of(households: list[Household], *indicators: IndicatorDefinition, **kwargs: object) -> Report:
    accumulator = Accumulator(small_tree(), indicators or DEFAULT_REPORT)
    accumulator.add_households(households)
    return build_report(accumulator, year=2025)


def test_catalogue_has_exactly_the_brief_codes() -> None:
    """The catalogue offers every indicator of the brief, with exactly its code, in the brief's order."""
    assert tuple(CATALOGUE) == BRIEF_CODES


def test_on_time_rate_offers_both_named_definitions() -> None:
    """on_time_rate has a default and a late-inclusive definition, and reports always say which."""
    assert get("on_time_rate") is ON_TIME_RESOLVED
    assert ON_TIME_RESOLVED.variant == "method=resolved_on_time"
    assert ON_TIME_LATE_INCLUSIVE.code == "on_time_rate"
    assert ON_TIME_LATE_INCLUSIVE.variant == "method=late_inclusive"
    assert [d.key for d in DEFAULT_REPORT if d.code == "on_time_rate"] == [
        ("on_time_rate", "method=resolved_on_time"),
        ("on_time_rate", "method=late_inclusive"),
    ]


def test_unknown_code_names_the_known_ones() -> None:
    """Asking for an unknown indicator says which codes exist."""
    with pytest.raises(KeyError, match="adult_smartphone_rate"):
        get("smartphone_rate")


def test_averaging_trap() -> None:
    """Village A 9/10 and village B 1/90 make the commune 10 %, not the 50 % an average would give."""
    report = report_of(adults("A", 10, 9) + adults("B", 90, 1), get("adult_smartphone_rate"))
    assert report.row("A", "adult_smartphone_rate").value == pytest.approx(90.0)
    assert report.row("B", "adult_smartphone_rate").value == pytest.approx(100 / 90)
    commune = report.row("C1", "adult_smartphone_rate")
    assert (commune.numerator, commune.denominator) == (10, 100)
    assert commune.value == pytest.approx(10.0)


def test_adult_age_boundary() -> None:
    """A 17-year-old is not an adult and an 18-year-old is; the parameter moves the boundary."""
    household = Household("h-1", "A", members=[Resident(17, smartphone=True), Resident(18, smartphone=False)])
    row = report_of([household], get("adult_smartphone_rate")).row("A", "adult_smartphone_rate")
    assert (row.numerator, row.denominator) == (0, 1)
    at_17 = get("adult_smartphone_rate").with_parameters(adult_age=17)
    row = report_of([household], at_17).row("A", "adult_smartphone_rate")
    assert (row.numerator, row.denominator) == (1, 2)
    assert row.indicator.variant == "adult_age=17"


def test_vneid_age_boundary_and_variants() -> None:
    """For VNeID a 13-year-old is not eligible and a 14-year-old with a chip card is; variants widen it."""
    household = Household(
        "h-1",
        "A",
        members=[
            Resident(13, vneid_level=2, id_card=True),
            Resident(14, vneid_level=2, id_card=True),
            Resident(14, vneid_level=1, id_card=False),
            Resident(6, vneid_level=0),
            Resident(5, vneid_level=1),
        ],
    )
    vneid = get("vneid_level2_rate")
    expected = {"chip_card_14": (1, 1), "all_14": (1, 2), "all_6": (2, 4)}
    for eligibility, counts in expected.items():
        row = report_of([household], vneid.with_parameters(eligibility=eligibility)).row("A", vneid.code)
        assert (row.numerator, row.denominator) == counts, eligibility


def test_household_with_no_members() -> None:
    """A household with no members counts in household denominators and in no numerator."""
    empty = Household("h-0", "A", internet=InternetAccess.NONE)
    report = report_of([empty])
    assert report.row("A", "household_smartphone_rate").denominator == 1
    assert report.row("A", "household_smartphone_rate").value == 0.0
    assert report.row("A", "household_digital_core_rate").value == 0.0
    assert report.row("A", "household_no_smart_device_rate").value == 100.0
    adult = report.row("A", "adult_smartphone_rate")
    assert adult.value is None and adult.reason is not None and "empty denominator" in adult.reason


def test_digital_core_needs_one_member_with_everything() -> None:
    """A household's digital core is one member aged ≥ 15 with a smartphone and skills, not two halves."""
    split = Household("h-1", "A", members=[Resident(30, smartphone=True), Resident(20, digital_skills=True)])
    child = Household("h-2", "A", members=[Resident(14, smartphone=True, digital_skills=True)])
    core = Household("h-3", "A", members=[Resident(15, smartphone=True, digital_skills=True)])
    row = report_of([split, child, core], get("household_digital_core_rate")).row(
        "A", "household_digital_core_rate"
    )
    assert (row.numerator, row.denominator) == (1, 3)


def test_no_smart_device_counts_tablets_and_computers() -> None:
    """A household without a smartphone but with a computer has a smart device."""
    computer = Household("h-1", "A", other_smart_devices=1, members=[Resident(50)])
    nothing = Household("h-2", "A", members=[Resident(50)])
    row = report_of([computer, nothing], get("household_no_smart_device_rate")).row(
        "A", "household_no_smart_device_rate"
    )
    assert (row.numerator, row.denominator) == (1, 2)


def test_working_age_band_is_inclusive() -> None:
    """Working age is 15 to 60 inclusive: 14 and 61 are outside."""
    household = Household("h-1", "A", members=[Resident(a, digital_skills=True) for a in (14, 15, 60, 61)])
    row = report_of([household], get("basic_digital_skills_rate")).row("A", "basic_digital_skills_rate")
    assert (row.numerator, row.denominator) == (2, 2)


def test_empty_village_has_no_value_and_no_rank() -> None:
    """A village without households has no value, a reason, and no rank; its commune still has one."""
    report = report_of(adults("A", 4, 1), get("adult_smartphone_rate"))
    b = report.row("B", "adult_smartphone_rate")
    assert b.value is None and b.rank is None and b.gap is None and b.met is None
    assert b.reason == "empty denominator: no adults (age ≥ adult_age)"
    assert report.row("A", "adult_smartphone_rate").rank == 1
    assert report.row("C1", "adult_smartphone_rate").value == 25.0
    assert report.row("C2", "adult_smartphone_rate").value is None


def test_gap_and_met_use_the_target_in_force() -> None:
    """In 2025 adults are measured against 80 %; in 2026 against the 95 % due in 2030."""
    accumulator = Accumulator(small_tree(), [get("adult_smartphone_rate")])
    accumulator.add_households(adults("A", 10, 9))
    row = build_report(accumulator, year=2025).row("A", "adult_smartphone_rate")
    assert row.target == Target(80.0, Operator.AT_LEAST, 2025, row.target.source if row.target else "")
    assert row.gap == pytest.approx(10.0) and row.met is True
    row = build_report(accumulator, year=2026).row("A", "adult_smartphone_rate")
    assert row.target is not None and row.target.value == 95.0
    assert row.gap == pytest.approx(-5.0) and row.met is False


def test_strict_target_is_not_met_at_equality() -> None:
    """ "More than 50 %" is not met by exactly 50 %."""
    households = [
        Household("h-1", "A", members=[Resident(30, digital_signature=True)]),
        Household("h-2", "A", members=[Resident(30)]),
    ]
    row = report_of(households, get("digital_signature_rate")).row("A", "digital_signature_rate")
    assert row.value == 50.0 and row.target is not None and row.target.operator is Operator.ABOVE
    assert row.met is False and row.gap == 0.0


def test_rank_among_siblings_shares_ties_and_follows_direction() -> None:
    """Siblings are ranked best first, ties share a rank; lower-is-better indicators rank the lowest first."""
    households = adults("A", 4, 2) + adults("B", 2, 1) + [Household("h-x", "B", other_smart_devices=0)]
    report = report_of(households, get("adult_smartphone_rate"), get("household_no_smart_device_rate"))
    assert (report.row("A", "adult_smartphone_rate").rank, report.row("B", "adult_smartphone_rate").rank) == (
        1,
        1,
    )
    a = report.row("A", "household_no_smart_device_rate")  # 2 of 4
    b = report.row("B", "household_no_smart_device_rate")  # 2 of 3
    assert (a.rank, b.rank, a.ranked) == (1, 2, 2)
    assert report.row("C1", "adult_smartphone_rate").rank == 1
    assert report.row("AG", "adult_smartphone_rate").rank is None


def reports_tree_accumulator(*reports: ServiceReport, period: Period | None = None) -> Accumulator:
    accumulator = Accumulator(small_tree(), DEFAULT_REPORT, period)
    accumulator.add_service_reports(reports)
    return accumulator


def test_on_time_definitions_differ_and_are_named() -> None:
    """Resolved-on-time ÷ resolved and the late-inclusive rate give different numbers from one report."""
    report = ServiceReport(
        "C1",
        dt.date(2025, 7, 1),
        dt.date(2025, 7, 31),
        received_total=2000,
        received_online=300,
        resolved_total=1800,
        resolved_on_time=1746,
        late_pending=40,
        carried_over=100,
    )
    built = build_report(reports_tree_accumulator(report), year=2025)
    default = built.row("C1", "on_time_rate", "method=resolved_on_time")
    late = built.row("C1", "on_time_rate", "method=late_inclusive")
    assert default.value == pytest.approx(97.0)
    # 1 − (40 late pending + 54 late resolved) ÷ (2000 received + 100 carried over)
    assert (late.numerator, late.denominator) == (2100 - 94, 2100)
    assert late.value == pytest.approx(100 * (1 - 94 / 2100))
    assert built.row("C1", "online_application_share").value == pytest.approx(15.0)
    assert built.row("A", "online_application_share").value is None


def test_reports_count_only_inside_the_period() -> None:
    """A flow sums the reports lying in the period; one straddling its edge is skipped and counted."""
    inside = ServiceReport(
        "C1", dt.date(2025, 7, 1), dt.date(2025, 7, 31), received_total=10, received_online=5
    )
    also = ServiceReport(
        "C1", dt.date(2025, 9, 1), dt.date(2025, 9, 30), received_total=10, received_online=1
    )
    straddling = ServiceReport("C1", dt.date(2025, 6, 15), dt.date(2025, 7, 15), received_total=10)
    outside = ServiceReport("C1", dt.date(2025, 10, 1), dt.date(2025, 10, 31), received_total=10)
    accumulator = reports_tree_accumulator(inside, also, straddling, outside, period=Period.parse("2025-Q3"))
    row = build_report(accumulator).row("AG", "online_application_share")
    assert (row.numerator, row.denominator) == (6, 20)
    assert accumulator.skipped_reports == 1


def test_inconsistent_sources_are_flagged_not_clipped() -> None:
    """More dossiers resolved on time than late-inclusive allows gives a flagged value, never clipped."""
    odd = ServiceReport(
        "C1", dt.date(2025, 7, 1), dt.date(2025, 7, 2), received_total=10, late_pending=30, carried_over=0
    )
    row = build_report(reports_tree_accumulator(odd), year=2025).row(
        "C1", "on_time_rate", "method=late_inclusive"
    )
    assert row.value == pytest.approx(-200.0) and row.flags == (BELOW_ZERO,)
    team = Team(
        "t1", "C1", ("A", "B"), members=5, founded=dt.date(2025, 1, 1), last_active=dt.date(2025, 8, 1)
    )
    over = IndicatorDefinition(
        code="team_members_per_household",
        name=Label("Thành viên trên hộ", "Members per household"),
        numerator=Label("thành viên", "members"),
        denominator=Label("hộ", "households"),
        counting=get("team_members_per_100_households").counting,
        unit=UnitOfAnalysis.TEAM,
        lowest_level=AdminLevel.COMMUNE,
    )
    accumulator = Accumulator(small_tree(), [over])
    accumulator.add_teams([team])
    accumulator.add_households(adults("A", 2, 0))
    row = build_report(accumulator).row("C1", "team_members_per_household")
    assert row.value == pytest.approx(250.0) and row.flags == (ABOVE_FACTOR,)


def test_team_coverage_and_members_per_100_households() -> None:
    """A village counts as covered if a team active in the period serves it; members count per commune."""
    period = Period.parse("2025-Q3")
    active = Team(
        "t1", "C1", ("A",), members=6, founded=dt.date(2024, 1, 1), last_active=dt.date(2025, 9, 30)
    )
    later = Team("t2", "C1", ("B",), members=4, founded=dt.date(2024, 1, 1), last_active=dt.date(2025, 12, 1))
    stale = Team("t3", "C2", ("D",), members=9, founded=dt.date(2024, 1, 1), last_active=dt.date(2025, 6, 30))
    accumulator = Accumulator(small_tree(), DEFAULT_REPORT, period)
    accumulator.add_teams([active, later, stale])
    accumulator.add_households(adults("A", 100, 50) + adults("B", 100, 50, start=100) + adults("D", 50, 0))
    report = build_report(accumulator)
    assert report.row("A", "team_village_coverage_rate").value == 100.0
    assert report.row("D", "team_village_coverage_rate").value == 0.0
    province = report.row("AG", "team_village_coverage_rate")
    assert (province.numerator, province.denominator) == (2, 3)
    c1 = report.row("C1", "team_members_per_100_households")
    assert (c1.numerator, c1.denominator, c1.value) == (10, 200, 5.0)
    village = report.row("A", "team_members_per_100_households")
    assert village.value is None and village.reason is not None and "commune" in village.reason
    assert report.row("AG", "team_members_per_100_households").value == pytest.approx(4.0)


def test_team_outside_the_tree_is_an_error() -> None:
    """A team serving a village that is not in the tree is refused with its id."""
    team = Team("t9", "C1", ("ZZ",), members=3, founded=dt.date(2024, 1, 1))
    with pytest.raises(ValueError, match=r"t9.*ZZ"):
        Accumulator(small_tree()).add_teams([team])


def test_household_in_unknown_village_is_an_error() -> None:
    """A household whose village is not in the tree is refused with its id and village."""
    with pytest.raises(ValueError, match=r"h-7.*'C1'"):
        Accumulator(small_tree()).add_households([Household("h-7", "C1")])


def test_report_against_an_earlier_one_shows_the_change() -> None:
    """Setting a report against an earlier one gives each row the earlier value and the change."""
    before = report_of(adults("A", 10, 5), get("adult_smartphone_rate"))
    after = report_of(adults("A", 10, 8), get("adult_smartphone_rate")).against(before)
    row = after.row("A", "adult_smartphone_rate")
    assert row.previous_value == 50.0 and row.change == pytest.approx(30.0)
    assert after.row("B", "adult_smartphone_rate").change is None


def test_down_to_keeps_levels_above() -> None:
    """A report down to communes has the province and the communes, no villages."""
    report = report_of(adults("A", 3, 1), get("adult_smartphone_rate"))
    levels = {row.unit.level for row in report.down_to(AdminLevel.COMMUNE).rows}
    assert levels == {AdminLevel.PROVINCE, AdminLevel.COMMUNE}


def test_own_indicator_defined_like_the_catalogue() -> None:
    """A project defines its own indicator with the same conditions and counts it next to the catalogue."""
    elderly_online = IndicatorDefinition(
        code="elderly_internet_rate",
        name=Label("Tỷ lệ người cao tuổi dùng Internet", "Elderly internet users"),
        numerator=Label("người cao tuổi dùng Internet", "elderly who used the internet"),
        denominator=Label("người từ đủ 60 tuổi", "persons aged ≥ elderly_age"),
        counting=PersonShare(Flag("internet_user"), Compare("age", ">=", Param("elderly_age"))),
        unit=UnitOfAnalysis.PERSON,
        parameters=(Parameter("elderly_age", 60, "age from which a person is elderly"),),
        targets=(Target(50.0, Operator.AT_LEAST, 2030, "provincial plan (example)"),),
    )
    fibre_with_skills = IndicatorDefinition(
        code="fibre_households_with_skills",
        name=Label("Hộ có cáp quang và người có kỹ năng số", "Fibre households with a skilled member"),
        numerator=Label("hộ có người có kỹ năng số", "households with a member with digital skills"),
        denominator=Label("hộ có cáp quang", "households with fibre"),
        counting=HouseholdShare(
            AnyMember(All(Flag("digital_skills"), Compare("age", ">=", 15))),
            Compare("internet", "==", InternetAccess.FIBRE),
        ),
        unit=UnitOfAnalysis.HOUSEHOLD,
    )
    households = [
        Household("h-1", "A", InternetAccess.FIBRE, members=[Resident(70, internet_user=True)]),
        Household(
            "h-2", "A", InternetAccess.FIBRE, members=[Resident(65), Resident(16, digital_skills=True)]
        ),
        Household("h-3", "A", InternetAccess.MOBILE, members=[Resident(30, digital_skills=True)]),
    ]
    report = report_of(households, elderly_online, fibre_with_skills, get("household_fibre_rate"))
    elderly = report.row("A", "elderly_internet_rate")
    assert (elderly.numerator, elderly.denominator) == (1, 2)
    assert elderly.target is not None and elderly.gap == 0.0 and elderly.met is True
    fibre = report.row("A", "fibre_households_with_skills")
    assert (fibre.numerator, fibre.denominator) == (1, 2)


def test_bad_definitions_are_refused_early() -> None:
    """Unknown parameters, bad choices and unknown fields are refused when the definition is made."""
    with pytest.raises(ValueError, match="no parameter 'adult'"):
        get("adult_smartphone_rate").with_parameters(adult=21)
    with pytest.raises(ValueError, match="must be one of"):
        get("vneid_level2_rate").with_parameters(eligibility="everyone")
    with pytest.raises(ValueError, match="must be a int"):
        get("adult_smartphone_rate").with_parameters(adult_age="18")
    typo = IndicatorDefinition(
        code="typo_rate",
        name=Label("x", "x"),
        numerator=Label("x", "x"),
        denominator=Label("x", "x"),
        counting=PersonShare(Flag("smart_phone")),
        unit=UnitOfAnalysis.PERSON,
    )
    with pytest.raises(ValueError, match="smart_phone"):
        Accumulator(small_tree(), [typo])


def test_households_stream_from_an_iterator() -> None:
    """Households from a generator longer than a batch are all counted; a bad one late on is named."""
    accumulator = Accumulator(small_tree(), [get("household_smartphone_rate")])
    accumulator.add_households(Household(f"h-{i}", "A") for i in range(10_000))
    assert accumulator.households == 10_000

    def with_a_stray() -> Iterator[Household]:
        yield from (Household(f"h-{i}", "B") for i in range(9_000))
        yield Household("h-stray", "nowhere")

    with pytest.raises(ValueError, match="h-stray"):
        accumulator.add_households(with_a_stray())


def test_conditions_read_as_they_count() -> None:
    """AnyOf, Not, 'in' and member_count count as they read, and describe themselves in words."""
    condition = AnyOf(
        Compare("internet", "in", frozenset({InternetAccess.FIBRE, InternetAccess.FIXED})),
        All(Not(AnyMember(Flag("smartphone"))), Compare("member_count", ">=", 3)),
    )
    assert condition.describe() == (
        "internet in {fibre, fixed} or (not any member with smartphone and member_count >= 3)"
    )
    definition = IndicatorDefinition(
        code="wired_or_large_offline_rate",
        name=Label("x", "Wired, or large and offline"),
        numerator=Label("x", "households wired, or of 3+ members without a smartphone"),
        denominator=Label("x", "households"),
        counting=HouseholdShare(condition),
        unit=UnitOfAnalysis.HOUSEHOLD,
    )
    households = [
        Household("h-1", "A", InternetAccess.FIXED),
        Household("h-2", "A", members=[Resident(9)] * 3),
        Household("h-3", "A", members=[Resident(9), Resident(40, smartphone=True), Resident(70)]),
        Household("h-4", "A", InternetAccess.MOBILE, members=[Resident(9)] * 2),
    ]
    row = report_of(households, definition).row("A", "wired_or_large_offline_rate")
    assert (row.numerator, row.denominator) == (2, 4)
    vneid = get("vneid_level2_rate").counting
    assert "chip_card_14: age >= 14 and id_card" in str(vneid.denominator)
