"""Households, residents, teams and service reports: valid values build, bad input is refused clearly."""

from __future__ import annotations

import datetime as dt
import pickle

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from digitransform.domain import (
    AdminLevel,
    AdminTree,
    AdminUnit,
    Household,
    InternetAccess,
    Resident,
    RoleCounts,
    ServiceReport,
    Team,
    TeamRole,
    check_team,
)
from digitransform.testing import (
    admin_trees,
    household_dicts,
    households,
    households_in,
    invalid_household_dicts,
    residents,
    service_reports,
    teams,
    tickets,
)

D = dt.date
P, C, V = AdminLevel.PROVINCE, AdminLevel.COMMUNE, AdminLevel.VILLAGE
TREE = AdminTree.from_units(
    [
        AdminUnit("91", "Tỉnh An Giang", P),
        AdminUnit("30280", "Xã U Minh Thượng", C, "91"),
        AdminUnit("30283", "Xã Vân Khánh", C, "91"),
        AdminUnit("30280001", "Ấp Minh Hòa", V, "30280"),
        AdminUnit("30283001", "Ấp Kim Quy A", V, "30283"),
    ]
)


# --- residents and households ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"age": -1}, "must be between 0 and 130, got -1"),
        ({"age": 131}, "must be between 0 and 130, got 131"),
        ({"age": 40, "vneid_level": 3}, "must be 0, 1 or 2, got 3"),
        ({"age": 40, "vneid_level": -1}, "must be 0, 1 or 2, got -1"),
    ],
)
def test_bad_residents_are_refused(kwargs: dict[str, int], message: str) -> None:
    """A negative or impossible age, or a VNeID level other than 0, 1, 2, is refused with the value."""
    with pytest.raises(ValueError, match=message):
        Resident(**kwargs)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"id": "", "village": "V01"}, "must be 1–64 characters"),
        ({"id": " h-1", "village": "V01"}, "without surrounding spaces"),
        ({"id": "h" * 65, "village": "V01"}, "must be 1–64 characters"),
        ({"id": "h-1", "village": ""}, "must be 1–64 characters"),
        ({"id": "h-1", "village": "V01", "other_smart_devices": -1}, "must be ≥ 0, got -1"),
    ],
)
def test_bad_households_are_refused(kwargs: dict[str, object], message: str) -> None:
    """A blank, padded or over-long id or village, or a negative device count, is refused."""
    with pytest.raises(ValueError, match=message):
        Household(**kwargs)  # type: ignore[arg-type]


def test_households_have_no_identifying_fields() -> None:
    """Neither a household nor a resident has a field for a name, phone number or national ID."""
    assert [f.name for f in attrs.fields(Household)] == [
        "id",
        "village",
        "internet",
        "other_smart_devices",
        "members",
    ]
    assert [f.name for f in attrs.fields(Resident)] == [
        "age", "smartphone", "internet_user", "vneid_level", "id_card",
        "payment_account", "digital_signature", "digital_skills",
    ]  # fmt: skip


@given(households())
def test_device_facts_follow_the_members(household: Household) -> None:
    """A household has a smartphone iff a member owns one, and a smart device iff it has one or others."""
    assert household.has_smartphone == any(m.smartphone for m in household.members)
    assert household.has_smart_device == (household.has_smartphone or household.other_smart_devices > 0)
    assert isinstance(household.members, tuple)


def test_internet_access_values() -> None:
    """Only 'none' is not an internet access service."""
    assert [a.value for a in InternetAccess if a.has_internet] == ["mobile", "fixed", "fibre"]


@given(admin_trees().flatmap(lambda tree: st.tuples(st.just(tree), households_in(tree))))
def test_generated_households_live_in_villages_of_the_tree(case: tuple[AdminTree, Household]) -> None:
    """A household generated for a tree lives in one of its villages."""
    tree, household = case
    assert tree[household.village].level is V


@given(residents())
def test_generated_residents_are_within_bounds(resident: Resident) -> None:
    """Generated residents respect the age and VNeID bounds."""
    assert 0 <= resident.age <= 130 and resident.vneid_level in (0, 1, 2)


@given(household_dicts(["V01"]))
def test_household_dicts_follow_the_contract(record: dict[str, object]) -> None:
    """A generated JSONL record has exactly the contract's fields and builds a household by hand."""
    assert list(record) == ["id", "village", "internet", "other_smart_devices", "members"]
    members = record["members"]
    assert isinstance(members, list)
    Household(
        id=str(record["id"]),
        village=str(record["village"]),
        internet=InternetAccess(record["internet"]),
        other_smart_devices=int(str(record["other_smart_devices"])),
        members=[Resident(**m) for m in members],
    )


@given(invalid_household_dicts())
def test_invalid_household_dicts_point_at_a_field_that_exists_or_is_missing(
    case: tuple[dict[str, object], str],
) -> None:
    """The path returned with a bad record names a top-level field or a member field of that record."""
    record, path = case
    assert path.startswith("$.")
    if path.startswith("$.members["):
        index = int(path.split("[")[1].split("]")[0])
        members = record["members"]
        assert isinstance(members, list) and index < len(members)
    else:
        assert path[2:] in ("id", "village", "internet", "other_smart_devices", "members")


def test_strategies_for_a_tree_without_units_below_say_why() -> None:
    """Asking for households, teams or tickets of a bare province says why instead of generating nothing."""
    bare = AdminTree.from_units([AdminUnit("91", "Tỉnh An Giang", P)])
    with pytest.raises(ValueError, match="has no village"):
        households_in(bare)
    with pytest.raises(ValueError, match="village_codes is empty"):
        households([])
    with pytest.raises(ValueError, match="has no commune"):
        teams(bare)
    with pytest.raises(ValueError, match="has no village"):
        tickets(bare)


# --- teams -----------------------------------------------------------------------------------------


def a_team(**changes: object) -> Team:
    team = Team(
        id="t-1",
        commune="30283",
        villages=["30283001"],
        members=8,
        founded=D(2023, 3, 1),
        last_active=D(2025, 6, 30),
        roles={TeamRole.LEADER: 1, TeamRole.POLICE: 1, TeamRole.VOLUNTEER: 4},
    )
    return attrs.evolve(team, **changes) if changes else team


def test_a_team_serving_a_village_of_another_commune_is_reported() -> None:
    """check_team names the village, the commune it belongs to and the team's own commune."""
    team = a_team(villages=["30283001", "30280001"])
    assert check_team(team, TREE) == [
        "team t-1: village 30280001 belongs to commune 30280, not to the team's commune 30283"
    ]


def test_check_team_reports_unknown_communes_and_non_villages() -> None:
    """A team of an unknown commune, or serving a unit that is not a village, is reported."""
    assert check_team(a_team(commune="99999"), TREE) == ["team t-1: '99999' is not a commune of 91"]
    assert check_team(a_team(commune="30280001"), TREE) == ["team t-1: '30280001' is not a commune of 91"]
    assert check_team(a_team(villages=["30283", "nowhere"]), TREE) == [
        "team t-1: '30283' is not a village",
        "team t-1: 'nowhere' is not a village",
    ]
    assert check_team(a_team(), TREE) == []


@given(admin_trees().flatmap(lambda tree: st.tuples(st.just(tree), teams(tree))))
def test_generated_teams_pass_check_team(case: tuple[AdminTree, Team]) -> None:
    """A team generated for a tree serves only villages of its own commune."""
    tree, team = case
    assert check_team(team, tree) == []
    assert sum(team.roles.values()) <= team.members


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"roles": {TeamRole.LEADER: 5, TeamRole.VOLUNTEER: 5}}, "add up to 10, more than the 8 members"),
        ({"roles": {TeamRole.LEADER: -1}}, "role counts must be ≥ 0"),
        ({"villages": ["30283001", "30283001"]}, "a village is listed twice"),
        ({"last_active": D(2023, 2, 28)}, "team t-1: last_active 2023-02-28 precedes founded 2023-03-01"),
        ({"members": -1}, "must be ≥ 0, got -1"),
        ({"id": ""}, "must be non-empty"),
        ({"commune": " 30283"}, "without surrounding spaces"),
    ],
)
def test_bad_teams_are_refused(changes: dict[str, object], message: str) -> None:
    """Roles beyond the member count, a village twice, activity before founding, ... are refused."""
    with pytest.raises(ValueError, match=message):
        a_team(**changes)


def test_teams_are_hashable() -> None:
    """A frozen team can go into a set (its roles mapping is left out of the hash, not out of equality)."""
    other_roles = a_team(roles={TeamRole.LEADER: 2})
    assert len({a_team(), a_team(), other_roles}) == 2


def test_team_activity_in_a_period() -> None:
    """A team is active in a span if it existed by its end and was last active on or after its start."""
    team = a_team()
    assert team.active_in(D(2025, 6, 1), D(2025, 6, 30))
    assert not team.active_in(D(2025, 7, 1), D(2025, 7, 31))
    assert not team.active_in(D(2023, 1, 1), D(2023, 2, 28))
    assert not a_team(last_active=None).active_in(D(2020, 1, 1), D(2030, 1, 1))


# --- service reports -------------------------------------------------------------------------------


def a_report(**changes: object) -> ServiceReport:
    report = ServiceReport(
        unit="30280",
        period_start=D(2025, 7, 1),
        period_end=D(2025, 7, 1),
        received_total=2000,
        received_online=300,
        resolved_total=1900,
        resolved_on_time=1843,
        resolved_fully_online=250,
        late_pending=12,
        carried_over=40,
    )
    return attrs.evolve(report, **changes) if changes else report


def test_a_report_whose_end_precedes_its_start_is_refused() -> None:
    """The error names the unit and both dates."""
    with pytest.raises(
        ValueError, match="report for 30280: period_end 2025-06-30 precedes period_start 2025-07-01"
    ):
        a_report(period_end=D(2025, 6, 30))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"received_online": 2001}, "received_online cannot exceed received_total"),
        ({"resolved_on_time": 1901}, "resolved_on_time cannot exceed resolved_total"),
        ({"resolved_fully_online": 1901}, "resolved_fully_online cannot exceed resolved_total"),
        ({"late_pending": -1}, "late_pending must be ≥ 0, got -1"),
        ({"carried_over": -5}, "carried_over must be ≥ 0, got -5"),
        ({"unit": ""}, "unit must be a unit code without surrounding spaces, got ''"),
        ({"unit": " 30280"}, "unit must be a unit code without surrounding spaces, got ' 30280'"),
    ],
)
def test_inconsistent_reports_are_refused(changes: dict[str, object], message: str) -> None:
    """A part larger than its total, or a negative count, is refused naming the field."""
    with pytest.raises(ValueError, match=message):
        a_report(**changes)


def test_the_an_minh_day() -> None:
    """An Minh's day: 2,000 received, 300 online; late dossiers are the resolved minus the on-time ones."""
    report = a_report()
    assert report.resolved_late == 57


@given(admin_trees().flatmap(lambda tree: st.tuples(st.just(tree), service_reports(tree))))
def test_generated_reports_are_for_the_province_or_a_commune(case: tuple[AdminTree, ServiceReport]) -> None:
    """A generated report is about the tree's province or one of its communes, over a real span."""
    tree, report = case
    assert tree[report.unit].level in (P, C)
    assert report.period_start <= report.period_end
    assert 0 <= report.resolved_late <= report.resolved_total


def test_a_teams_role_counts_cannot_be_changed_in_place() -> None:
    """A frozen team stays frozen: its roles are read-only, so the members check cannot be bypassed."""
    team = Team(
        "T1", "C1", ("V1",), members=3, founded=dt.date(2024, 5, 1),
        roles={TeamRole.LEADER: 1, TeamRole.POLICE: 1},
    )  # fmt: skip
    with pytest.raises(TypeError):
        team.roles[TeamRole.VOLUNTEER] = 9  # type: ignore[index]
    assert team.roles == {TeamRole.POLICE: 1, TeamRole.LEADER: 1}
    assert isinstance(team.roles, RoleCounts)
    assert pickle.loads(pickle.dumps(team)) == team
    assert len({team, attrs.evolve(team)}) == 1  # hashable, roles included
    assert hash(RoleCounts({TeamRole.LEADER: 1})) != hash(RoleCounts({TeamRole.LEADER: 2}))
    with pytest.raises(ValueError, match="more than the 3 members"):
        attrs.evolve(team, roles={TeamRole.VOLUNTEER: 4})
