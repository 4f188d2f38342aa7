"""The interchange formats on demo data: round trips, the wire conventions, sources and sinks."""

from __future__ import annotations

import datetime as dt
import io
import json
import pickle
from pathlib import Path

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from digitransform.demo import plan_demo
from digitransform.domain import (
    HOUSEHOLD_FIELDS,
    RESIDENT_FIELDS,
    AdminLevel,
    Barrier,
    DigitalService,
    Household,
    InternetAccess,
    Resident,
    ServiceReport,
    Team,
    TeamRole,
    Ticket,
)
from digitransform.formats import (
    FormatError,
    FormatErrors,
    HouseholdRecord,
    ResidentRecord,
    converter,
    format_roles,
    from_json,
    iter_households_jsonl,
    iter_json_lines,
    load_tree,
    parse_roles,
    read_service_reports_csv,
    read_teams_csv,
    read_units_csv,
    structure,
    to_json,
    unstructure,
    write_households_jsonl,
    write_json_lines,
    write_service_reports_csv,
    write_teams_csv,
    write_units_csv,
)
from digitransform.indicators.scan import HouseholdLine
from digitransform.testing import households

PROVINCE = plan_demo(3_000, seed=11)
HOUSEHOLDS = list(PROVINCE.iter_households())


# --- round trips of each file on demo data -----------------------------------------------------------


def test_units_csv_round_trip_on_demo_data(tmp_path: Path) -> None:
    """The demo's units written to units.csv read back equal, in order, and form the same tree."""
    units = PROVINCE.units()
    path = tmp_path / "units.csv"
    assert write_units_csv(units, path) == len(units)
    assert read_units_csv(path) == units
    tree = load_tree(path)
    assert [u.code for u in tree] == [u.code for u in PROVINCE.tree()]


def test_households_jsonl_round_trip_on_demo_data(tmp_path: Path) -> None:
    """The demo's households written as JSON Lines read back equal, one a line, in order."""
    path = tmp_path / "households.jsonl"
    assert write_households_jsonl(HOUSEHOLDS, path) == len(HOUSEHOLDS)
    assert path.read_bytes().count(b"\n") == len(HOUSEHOLDS)
    assert list(iter_households_jsonl(path, tree=PROVINCE.tree())) == HOUSEHOLDS


def test_teams_csv_round_trip_on_demo_data(tmp_path: Path) -> None:
    """The demo's teams written to teams.csv read back equal, roles included, checked against the tree."""
    teams = PROVINCE.teams()
    path = tmp_path / "teams.csv"
    assert write_teams_csv(teams, path) == len(teams)
    assert read_teams_csv(path, PROVINCE.tree()) == teams
    assert [t.roles for t in read_teams_csv(path)] == [t.roles for t in teams]


def test_service_reports_csv_round_trip_on_demo_data(tmp_path: Path) -> None:
    """The demo's service reports written to CSV read back equal."""
    reports = PROVINCE.service_reports()
    path = tmp_path / "service_reports.csv"
    assert write_service_reports_csv(reports, path) == len(reports)
    assert read_service_reports_csv(path, PROVINCE.tree()) == reports


def test_json_lines_round_trip_for_any_domain_type() -> None:
    """Teams and reports also travel as generic JSON Lines and come back equal."""
    for values, cls in ((PROVINCE.teams(), Team), (PROVINCE.service_reports(), ServiceReport)):
        buffer = io.BytesIO()
        assert write_json_lines(values, buffer) == len(values)
        assert list(iter_json_lines(io.BytesIO(buffer.getvalue()), cls)) == values


# --- the wire conventions --------------------------------------------------------------------------


def test_household_json_has_the_contract_fields_in_contract_order() -> None:
    """A household's JSON line has exactly the contract's fields, in the contract's order."""
    line = to_json(HOUSEHOLDS[0])
    record = json.loads(line)
    assert list(record) == ["id", "village", "internet", "other_smart_devices", "members"]
    assert list(record["members"][0]) == [
        "age",
        "smartphone",
        "internet_user",
        "vneid_level",
        "id_card",
        "payment_account",
        "digital_signature",
        "digital_skills",
    ]


def test_the_fast_writer_and_the_converter_write_the_same_line() -> None:
    """write_households_jsonl (msgspec records) writes exactly what to_json (the converter) writes."""
    buffer = io.BytesIO()
    write_households_jsonl(HOUSEHOLDS[:50], buffer)
    assert buffer.getvalue() == b"".join(to_json(h) + b"\n" for h in HOUSEHOLDS[:50])


def test_records_and_domain_objects_convert_both_ways() -> None:
    """HouseholdRecord and ResidentRecord convert to domain objects and back without loss."""
    for household in HOUSEHOLDS[:50]:
        assert HouseholdRecord.from_household(household).to_household() == household
        for member in household.members:
            assert ResidentRecord.from_resident(member).to_resident() == member


def test_every_household_record_has_the_domain_fields_in_its_order() -> None:
    """The wire records and the scanner's line have exactly the domain's fields, in the domain's order."""
    assert ResidentRecord.__struct_fields__ == RESIDENT_FIELDS
    assert HouseholdRecord.__struct_fields__ == HOUSEHOLD_FIELDS
    assert HouseholdLine.__struct_fields__ == HOUSEHOLD_FIELDS
    assert tuple(a.name for a in attrs.fields(Resident)) == RESIDENT_FIELDS
    assert HOUSEHOLD_FIELDS[-1] == "members"


def test_the_converter_writes_enums_dates_sets_and_roles_as_plain_data() -> None:
    """Enums by value, dates ISO, frozensets as sorted lists, tuples as lists, roles as {role: count}."""
    team = Team(
        "t-1", "C1", ("V2", "V1"), 4, dt.date(2022, 5, 1), None, {TeamRole.POLICE: 2, TeamRole.LEADER: 1}
    )
    assert unstructure(team) == {
        "id": "t-1",
        "commune": "C1",
        "villages": ["V2", "V1"],
        "members": 4,
        "founded": "2022-05-01",
        "last_active": None,
        "roles": {"leader": 1, "police": 2},
    }
    moment = dt.datetime(2025, 7, 14, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=7)))
    ticket = Ticket(
        "k-1",
        "C1",
        "V1",
        {Barrier.NO_DEVICE, Barrier.DEVICE_COST},
        DigitalService.VNEID,
        moment,
        3,
        "Không có máy",
    )
    plain = unstructure(ticket)
    assert plain["categories"] == ["device_cost", "no_device"]
    assert plain["observed_at"] == "2025-07-14T09:30:00+07:00"
    assert structure(plain, Ticket) == ticket
    assert converter is not None and from_json(to_json(ticket), Ticket) == ticket


def test_missing_optional_fields_take_the_domain_defaults() -> None:
    """A household line may leave out fields that have defaults (no internet, no devices, no members)."""
    (household,) = iter_households_jsonl(io.StringIO('{"id": "h-1", "village": "V1"}\n'))
    assert household == Household("h-1", "V1", InternetAccess.NONE, 0, ())


def test_unknown_extra_fields_are_ignored() -> None:
    """Extra optional fields are welcome: readers ignore keys and columns they do not know."""
    line = '{"id": "h-1", "village": "V1", "survey_round": 3, "members": [{"age": 30, "note": "x"}]}\n'
    (household,) = iter_households_jsonl(io.StringIO(line))
    assert household.members == (Resident(30),)
    units = "code,name,level,parent_code,population\nAG,An Giang,province,,3700000\n"
    assert read_units_csv(io.StringIO(units))[0].code == "AG"


def test_teams_csv_without_roles_column_reads_with_empty_roles() -> None:
    """The roles column is optional: without it a team's roles are unknown (empty)."""
    text = "id,commune,villages,members,founded,last_active\nt-1,C1,V1;V2,7,2022-05-01,2025-12-01\n"
    (team,) = read_teams_csv(io.StringIO(text))
    assert team.villages == ("V1", "V2") and team.members == 7 and dict(team.roles) == {}


def test_roles_text_round_trip() -> None:
    """Roles are written in TeamRole order as role:count pairs and parsed back."""
    roles = {TeamRole.VOLUNTEER: 3, TeamRole.LEADER: 1, TeamRole.POLICE: 1}
    text = format_roles(roles.items())
    assert text == "leader:1;police:1;volunteer:3"
    assert parse_roles(text) == {"leader": 1, "police": 1, "volunteer": 3}


# --- sources and sinks -------------------------------------------------------------------------------


def test_readers_accept_a_path_a_text_file_and_a_binary_file(tmp_path: Path) -> None:
    """The same units.csv reads alike from a path, a string path, a text file and a binary file."""
    path = tmp_path / "units.csv"
    write_units_csv(PROVINCE.units(), path)
    expected = PROVINCE.units()
    assert read_units_csv(str(path)) == expected
    with path.open(encoding="utf-8", newline="") as text:
        assert read_units_csv(text) == expected
    with path.open("rb") as binary:
        assert read_units_csv(binary) == expected
        assert binary.closed is False  # a file the caller opened is left open


def test_writers_accept_a_binary_file_and_a_text_file() -> None:
    """Writers write the same UTF-8 to a binary file as to a text file."""
    units = PROVINCE.units()
    binary, text = io.BytesIO(), io.StringIO()
    write_units_csv(units, binary)
    write_units_csv(units, text)
    assert binary.getvalue().decode("utf-8") == text.getvalue()
    binary, text = io.BytesIO(), io.StringIO()
    write_households_jsonl(HOUSEHOLDS[:20], binary)
    write_households_jsonl(HOUSEHOLDS[:20], text)
    assert binary.getvalue().decode("utf-8") == text.getvalue()


def test_a_utf8_byte_order_mark_is_accepted_on_input(tmp_path: Path) -> None:
    """Files saved by spreadsheet programs start with a BOM; every reader skips it."""
    units = "\ufeffcode,name,level,parent_code\nAG,An Giang,province,\nC1,Xã Vân Khánh,commune,AG\n"
    for source in (io.StringIO(units), io.BytesIO(units.encode("utf-8"))):
        assert [u.name for u in read_units_csv(source)] == ["An Giang", "Xã Vân Khánh"]
    path = tmp_path / "households.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + to_json(HOUSEHOLDS[0]) + b"\n")
    assert list(iter_households_jsonl(path)) == [HOUSEHOLDS[0]]
    assert list(iter_households_jsonl(io.StringIO("\ufeff" + to_json(HOUSEHOLDS[0]).decode()))) == [
        HOUSEHOLDS[0]
    ]
    out = io.BytesIO()  # output never starts with a BOM
    write_service_reports_csv(PROVINCE.service_reports(), out)
    assert not out.getvalue().startswith(b"\xef\xbb\xbf")


def test_windows_line_endings_and_blank_lines_are_accepted() -> None:
    """CRLF line ends and blank lines between rows do not disturb reading or line numbers."""
    text = "code,name,level,parent_code\r\nAG,An Giang,province,\r\n\r\nC1,Xã An Minh,commune,AG\r\n"
    assert [u.code for u in read_units_csv(io.StringIO(text, newline=""))] == ["AG", "C1"]
    bad = "code,name,level,parent_code\r\nAG,An Giang,province,\r\n\r\nC1,Xã An Minh,district,AG\r\n"
    with pytest.raises(FormatError) as caught:
        read_units_csv(io.StringIO(bad, newline=""))
    assert caught.value.line == 4


def test_vietnamese_names_survive_every_round_trip() -> None:
    """Names with diacritics (ư, ơ, đ, tone marks) come back unchanged from CSV."""
    units = PROVINCE.units()
    buffer = io.BytesIO()
    write_units_csv(units, buffer)
    assert "Xã U Minh Thượng" in buffer.getvalue().decode("utf-8")
    assert read_units_csv(io.BytesIO(buffer.getvalue())) == units


# --- the error type ------------------------------------------------------------------------------------


def test_format_error_reads_like_a_compiler_message() -> None:
    """str(FormatError) is 'file:line: path: message', leaving out the parts it does not have."""
    assert str(FormatError("unknown unit 'X'", source="units.csv", line=12, path="$.parent_code")) == (
        "units.csv:12: $.parent_code: unknown unit 'X'"
    )
    assert str(FormatError("the file is empty", source="units.csv")) == "units.csv: the file is empty"
    assert str(FormatError("bad", path="$.age")) == "<input>: $.age: bad"


def test_format_errors_are_format_errors_and_pickle() -> None:
    """FormatErrors is caught by `except FormatError`, lists every problem, and survives pickling."""
    errors = FormatErrors(
        [FormatError("a", source="t.csv", line=2, path="$.id"), FormatError("b", source="t.csv", line=5)]
    )
    assert isinstance(errors, FormatError) and isinstance(errors, ValueError)
    assert (errors.line, errors.path, errors.message) == (2, "$.id", "a")
    assert str(errors).splitlines() == ["2 problems in t.csv:", "  t.csv:2: $.id: a", "  t.csv:5: b"]
    for error in (errors, errors.errors[0]):
        copy = pickle.loads(pickle.dumps(error))
        assert str(copy) == str(error) and type(copy) is type(error)
    with pytest.raises(ValueError, match="at least one"):
        FormatErrors([])


def test_format_errors_count_one_problem_in_the_singular() -> None:
    """A tree with a single problem still comes as FormatErrors, headed '1 problem', not '1 problems'."""
    errors = FormatErrors([FormatError("b", source="units.csv", line=5)])
    assert str(errors).splitlines() == ["1 problem in units.csv:", "  units.csv:5: b"]


# --- light properties -----------------------------------------------------------------------------------


@given(households())
def test_any_household_round_trips_through_jsonl(household: Household) -> None:
    """Any valid household written as a line reads back equal, from text and from bytes."""
    text = io.StringIO()
    write_households_jsonl([household], text)
    assert list(iter_households_jsonl(io.StringIO(text.getvalue()))) == [household]
    assert list(iter_households_jsonl(io.BytesIO(text.getvalue().encode()))) == [household]


@given(st.lists(st.sampled_from(TeamRole), unique=True), st.data())
def test_any_roles_round_trip_through_text(roles: list[TeamRole], data: st.DataObject) -> None:
    """Any role counts survive format_roles then parse_roles then the converter."""
    counts = {role: data.draw(st.integers(0, 20)) for role in roles}
    parsed = parse_roles(format_roles(counts.items()))
    team = structure(
        {"id": "t", "commune": "C", "villages": [], "members": 200, "founded": "2022-01-01", "roles": parsed},
        Team,
    )
    assert dict(team.roles) == counts


def test_units_levels_are_read_as_enums() -> None:
    """The level column becomes an AdminLevel."""
    assert {u.level for u in read_units_csv(io.StringIO(_units_text()))} == set(AdminLevel)


def _units_text() -> str:
    buffer = io.StringIO()
    write_units_csv(PROVINCE.units(), buffer)
    return buffer.getvalue()
