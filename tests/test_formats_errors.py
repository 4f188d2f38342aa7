"""Bad input is refused with a clear error naming the file, the line and the field: named examples."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from digitransform.domain import AdminTree, Household, Resident, Team
from digitransform.formats import (
    FormatError,
    FormatErrors,
    from_json,
    iter_households_jsonl,
    iter_json_lines,
    load_tree,
    read_service_reports_csv,
    read_teams_csv,
    read_units_csv,
    structure,
)
from digitransform.formats._io import MAX_REPORTED

UNITS = """code,name,level,parent_code
AG,An Giang,province,
AG001,Xã U Minh Thượng,commune,AG
AG001-01,Ấp Minh Thượng,village,AG001
AG002,Xã An Minh,commune,AG
AG002-01,Ấp Xẻo Nhàu,village,AG002
AG003,Xã Vân Khánh,commune,AG
AG003-01,Ấp Kim Quy A,village,AG003
"""
TEAMS_HEADER = "id,commune,villages,members,founded,last_active,roles\n"
REPORTS_HEADER = (
    "unit,period_start,period_end,received_total,received_online,resolved_total,"
    "resolved_on_time,resolved_fully_online,late_pending,carried_over\n"
)
GOOD_MEMBER = {
    "age": 34,
    "smartphone": True,
    "internet_user": True,
    "vneid_level": 2,
    "id_card": True,
    "payment_account": True,
    "digital_signature": False,
    "digital_skills": True,
}


@pytest.fixture
def tree() -> AdminTree:
    return load_tree(io.StringIO(UNITS))


def household_line(**changes: Any) -> str:
    record: dict[str, Any] = {
        "id": "h-1",
        "village": "AG003-01",
        "internet": "fibre",
        "other_smart_devices": 0,
        "members": [GOOD_MEMBER, GOOD_MEMBER],
    }
    record.update(changes)
    return json.dumps(record, ensure_ascii=False)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def error_of(read: Any, *args: Any, **kwargs: Any) -> FormatError:
    with pytest.raises(FormatError) as caught:
        result = read(*args, **kwargs)
        if not isinstance(result, list):
            list(result)
    return caught.value


# --- households.jsonl ----------------------------------------------------------------------------------


def test_negative_age(tmp_path: Path) -> None:
    """A negative age is refused with the file, the line, the member's path and the allowed range."""
    lines = [household_line(id=f"h-{i}") for i in range(11)]
    lines.append(household_line(id="h-12", members=[GOOD_MEMBER, GOOD_MEMBER, {**GOOD_MEMBER, "age": -1}]))
    path = write(tmp_path, "households.jsonl", "\n".join(lines) + "\n")
    error = error_of(iter_households_jsonl, path)
    assert str(error) == "households.jsonl:12: $.members[2].age: must be between 0 and 130, got -1"
    assert (error.source, error.line, error.path) == ("households.jsonl", 12, "$.members[2].age")


def test_vneid_level_3(tmp_path: Path) -> None:
    """VNeID level 3 does not exist: the error names the member and lists the levels allowed."""
    path = write(
        tmp_path, "households.jsonl", household_line(members=[{**GOOD_MEMBER, "vneid_level": 3}]) + "\n"
    )
    assert str(error_of(iter_households_jsonl, path)) == (
        "households.jsonl:1: $.members[0].vneid_level: must be 0, 1 or 2, got 3"
    )


def test_malformed_jsonl_line(tmp_path: Path) -> None:
    """A line that is not JSON is reported with its number, not with a decoder traceback."""
    path = write(tmp_path, "households.jsonl", household_line() + "\n" + '{"id": "h-2", "village": \n')
    error = error_of(iter_households_jsonl, path)
    assert error.line == 2 and error.message.startswith("not valid JSON")
    assert str(error).startswith("households.jsonl:2: not valid JSON")


def test_unknown_internet_access_value() -> None:
    """An unknown enum value lists the values allowed."""
    error = error_of(iter_households_jsonl, io.StringIO(household_line(internet="wifi")))
    assert str(error) == "<input>:1: $.internet: must be one of none, mobile, fixed, fibre; got 'wifi'"


def test_wrong_types_are_refused_not_coerced() -> None:
    """'30' is not an age and 1 is not true: wrong types are errors, not silent conversions."""
    error = error_of(
        iter_households_jsonl, io.StringIO(household_line(members=[{**GOOD_MEMBER, "age": "30"}]))
    )
    assert (error.path, error.message) == ("$.members[0].age", "expected an integer, got '30'")
    error = error_of(
        iter_households_jsonl, io.StringIO(household_line(members=[{**GOOD_MEMBER, "smartphone": 1}]))
    )
    assert (error.path, error.message) == ("$.members[0].smartphone", "expected true or false, got 1")
    error = error_of(iter_households_jsonl, io.StringIO(household_line(members={"age": 3})))
    assert (error.path, error.message) == ("$.members", "expected a list, got an object")


def test_missing_required_field() -> None:
    """A member without an age is reported at the age's path."""
    member = {k: v for k, v in GOOD_MEMBER.items() if k != "age"}
    error = error_of(iter_households_jsonl, io.StringIO(household_line(members=[GOOD_MEMBER, member])))
    assert (error.path, error.message) == ("$.members[1].age", "required field is missing")


def test_padded_household_id() -> None:
    """An id with surrounding spaces is refused with the domain's rule."""
    error = error_of(iter_households_jsonl, io.StringIO(household_line(id=" h-1")))
    assert error.path == "$.id" and "without surrounding spaces" in error.message


def test_household_in_a_village_outside_the_tree(tree: AdminTree) -> None:
    """With a tree, a household whose village is a commune or unknown is refused at $.village."""
    error = error_of(iter_households_jsonl, io.StringIO(household_line(village="AG003")), tree=tree)
    assert str(error) == "<input>:1: $.village: 'AG003' is a commune, not a village of AG"
    error = error_of(iter_households_jsonl, io.StringIO(household_line(village="X9")), tree=tree)
    assert error.message == "'X9' is not a unit of AG"


def test_a_line_that_is_not_an_object() -> None:
    """A JSON array where a household belongs is named as such."""
    error = error_of(iter_households_jsonl, io.StringIO(household_line() + "\n[1, 2]\n"))
    assert (error.line, error.path, error.message) == (2, "$", "expected an object, got a list")


def test_bytes_that_are_not_utf8(tmp_path: Path) -> None:
    """A line in another encoding is refused as not UTF-8, with its number."""
    path = tmp_path / "households.jsonl"
    path.write_bytes(household_line().encode() + b"\n" + '{"id": "h-2", "village": "Hòa"}'.encode("latin-1"))
    error = error_of(iter_households_jsonl, path)
    assert (error.line, error.message) == (
        2,
        "not UTF-8 text: byte 28 (0xf2) does not start or continue a character",
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'{"id": "h-1",', "not valid JSON: expecting property name enclosed in double quotes at column 14"),
        (b'{"id": "h-1"} x', "not valid JSON: extra data at column 15"),
        (
            '{"id": "Hòa"'.encode("latin-1"),
            "not UTF-8 text: byte 10 (0xf2) does not start or continue a character",
        ),
        (b"[" * 5000 + b"]" * 5000, "not valid JSON: nested too deeply"),
        (b"", "not valid JSON: expecting value at column 1"),
    ],
)
def test_unreadable_json_is_said_in_the_projects_words(data: bytes, message: str) -> None:
    """The message for JSON the decoder refuses is the project's own, whatever msgspec's release says."""
    with pytest.raises(FormatError) as caught:
        from_json(data, Household)
    assert caught.value.message == message
    if data:  # and the same on a line of a file (where blank lines are skipped)
        with pytest.raises(FormatError) as caught:
            list(iter_households_jsonl(io.BytesIO(household_line().encode() + b"\n" + data + b"\n")))
        assert (caught.value.line, caught.value.message) == (2, message)


def test_several_bad_fields_on_one_line_are_all_named() -> None:
    """When one line has several bad fields, every one is reported, in field order (FormatErrors)."""
    line = household_line(internet="4G", other_smart_devices=-1, members=[{**GOOD_MEMBER, "age": 200}])
    with pytest.raises(FormatErrors) as caught:
        list(iter_households_jsonl(io.StringIO(line)))
    assert [e.path for e in caught.value.errors] == [
        "$.internet",
        "$.other_smart_devices",
        "$.members[0].age",
    ]
    assert all(e.line == 1 for e in caught.value.errors)


def test_from_json_names_the_field() -> None:
    """from_json of one value gives the same path messages as the file readers."""
    with pytest.raises(FormatError) as caught:
        from_json(household_line(members=[{**GOOD_MEMBER, "age": 131}]), Household)
    assert str(caught.value) == "<input>: $.members[0].age: must be between 0 and 130, got 131"
    with pytest.raises(FormatError, match="not valid JSON"):
        from_json(b"{", Household)


def test_generic_json_lines_name_the_line() -> None:
    """The generic JSON Lines reader names the line too."""
    text = '{"age": 3}\n\n{"age": 300}\n'
    with pytest.raises(FormatError) as caught:
        list(iter_json_lines(io.StringIO(text), Resident))
    assert (caught.value.line, caught.value.path) == (3, "$.age")


# --- units.csv -----------------------------------------------------------------------------------------


def test_units_wrong_header(tmp_path: Path) -> None:
    """A units.csv whose header lacks a column says which, and what the header must be."""
    path = write(tmp_path, "units.csv", "code,name,lvl,parent_code\nAG,An Giang,province,\n")
    assert str(error_of(read_units_csv, path)) == (
        "units.csv:1: wrong header (missing column level): expected code,name,level,parent_code, "
        "got code,name,lvl,parent_code"
    )


def test_units_unknown_level() -> None:
    """'district' is not a level since 2025: the allowed levels are listed."""
    error = error_of(read_units_csv, io.StringIO(UNITS + "X1,Huyện An Minh,district,AG\n"))
    assert (error.line, error.path) == (9, "$.level")
    assert error.message == "must be one of province, commune, village; got 'district'"


def test_units_tree_problems_name_their_lines(tmp_path: Path) -> None:
    """Every tree problem is reported at once, each on the line of the unit concerned."""
    text = UNITS + "AG002,Xã Trùng,commune,AG\nAG009-01,Ấp Mồ Côi,village,AG009\nAG004,Xã Lạc,commune,AG001\n"
    path = write(tmp_path, "units.csv", text)
    with pytest.raises(FormatErrors) as caught:
        load_tree(path)
    found = {(e.line, e.path) for e in caught.value.errors}
    assert found == {(9, "$.code"), (10, "$.parent_code"), (11, "$.parent_code")}
    assert "units.csv:10: $.parent_code: AG009-01: parent 'AG009' does not exist" in str(caught.value)


def test_units_two_provinces_and_a_cycle() -> None:
    """Two roots and a cycle are named on the lines of the units involved."""
    text = UNITS + "KG,Kiên Giang,province,\nV1,Ấp Một,village,V2\nV2,Ấp Hai,village,V1\n"
    with pytest.raises(FormatErrors) as caught:
        load_tree(io.StringIO(text))
    messages = {e.line: e.message for e in caught.value.errors}
    assert 9 in messages and "exactly one province" in messages[9]
    assert any("cycle" in m for m in messages.values())


def test_units_row_with_wrong_field_count() -> None:
    """A row with fewer fields than the header is refused on its line."""
    error = error_of(read_units_csv, io.StringIO("code,name,level,parent_code\nAG,An Giang,province\n"))
    assert str(error) == "<input>:2: expected 4 fields as in the header, got 3"


def test_empty_units_file(tmp_path: Path) -> None:
    """An empty file says so and names the header it expected."""
    path = write(tmp_path, "units.csv", "")
    assert str(error_of(read_units_csv, path)) == (
        "units.csv:1: the file is empty; expected the header code,name,level,parent_code"
    )


def test_a_province_with_a_parent_is_refused_without_a_column() -> None:
    """A cross-field rule of a unit is reported on its line, without a misleading column."""
    error = error_of(read_units_csv, io.StringIO("code,name,level,parent_code\nAG,An Giang,province,VN\n"))
    assert str(error) == "<input>:2: unit AG: a province has no parent and every other unit has one"


# --- teams.csv -------------------------------------------------------------------------------------------


def test_team_serving_a_village_of_another_commune(tree: AdminTree, tmp_path: Path) -> None:
    """Loaded against a tree, a team serving another commune's village is refused at $.villages."""
    text = TEAMS_HEADER + "T-1,AG003,AG003-01;AG002-01,7,2022-05-01,2025-12-20,leader:1\n"
    path = write(tmp_path, "teams.csv", text)
    assert str(error_of(read_teams_csv, path, tree)) == (
        "teams.csv:2: $.villages: team T-1: village AG002-01 belongs to commune AG002, "
        "not to the team's commune AG003"
    )
    assert read_teams_csv(path)[0].villages == ("AG003-01", "AG002-01")  # without a tree it cannot know


def test_team_of_an_unknown_commune(tree: AdminTree) -> None:
    """A team whose commune is not a commune of the tree is refused at $.commune."""
    error = error_of(read_teams_csv, io.StringIO(TEAMS_HEADER + "T-1,AG003-01,,7,2022-05-01,,\n"), tree)
    assert error.path == "$.commune" and "is not a commune of AG" in error.message


def test_team_wrong_header() -> None:
    """teams.csv without 'members' is refused with the expected header."""
    error = error_of(read_teams_csv, io.StringIO("id,commune,villages,founded,last_active\n"))
    assert error.line == 1 and "missing column members" in error.message


def test_team_bad_rows_are_all_reported(tree: AdminTree) -> None:
    """Every bad row of teams.csv is reported in one go, each with its line and column."""
    text = TEAMS_HEADER + (
        "T-1,AG001,AG001-01,seven,2022-05-01,,\n"
        "T-2,AG001,AG001-01,3,2022-05-01,2021-01-01,\n"
        "T-3,AG001,AG001-01,3,2022-05-01,,chef:1\n"
        "T-4,AG001,AG001-01,3,2022-05-01,,leader:1;police:5\n"
        "T-5,AG001,AG001-01;;AG001-02,3,2022-05-01,,leader=1\n"
        "T-6,AG001,AG001-01,3,2022-05-01,,\n"
        "T-6,AG001,AG001-01,3,2022-05-01,,\n"
    )
    with pytest.raises(FormatErrors) as caught:
        read_teams_csv(io.StringIO(text), tree)
    assert [(e.line, e.path) for e in caught.value.errors] == [
        (2, "$.members"),
        (3, "$.last_active"),
        (4, "$.roles['chef']"),
        (5, "$.roles"),
        (6, "$.villages"),
        (6, "$.roles"),
        (8, "$.id"),
    ]
    assert caught.value.errors[3].message == "role counts add up to 6, more than the 3 members"
    assert caught.value.errors[-1].message == "team id 'T-6' is used twice (first on line 7)"


# --- service_reports.csv --------------------------------------------------------------------------------


def test_service_report_end_before_start(tmp_path: Path) -> None:
    """A report whose period ends before it starts is refused at $.period_end."""
    path = write(
        tmp_path, "service_reports.csv", REPORTS_HEADER + "AG002,2025-08-01,2025-07-31,10,1,9,9,1,0,0\n"
    )
    assert str(error_of(read_service_reports_csv, path)) == (
        "service_reports.csv:2: $.period_end: report for AG002: period_end 2025-07-31 precedes "
        "period_start 2025-08-01"
    )


def test_service_report_counts_that_cannot_be(tree: AdminTree) -> None:
    """More online than total, a negative count, a non-date and an unknown unit are each named."""
    text = REPORTS_HEADER + (
        "AG002,2025-07-01,2025-07-31,10,11,9,9,1,0,0\n"
        "AG002,2025-07-01,2025-07-31,10,1,9,9,1,-2,0\n"
        "AG002,2025-07-01,31/07/2025,10,1,9,9,1,0,0\n"
        "AG404,2025-07-01,2025-07-31,10,1,9,9,1,0,0\n"
    )
    with pytest.raises(FormatErrors) as caught:
        read_service_reports_csv(io.StringIO(text), tree)
    assert [(e.line, e.path) for e in caught.value.errors] == [
        (2, "$.received_online"),
        (3, "$.late_pending"),
        (4, "$.period_end"),
        (5, "$.unit"),
    ]
    assert caught.value.errors[2].message == "expected a date as YYYY-MM-DD, got '31/07/2025'"


def test_service_reports_wrong_header() -> None:
    """A service_reports.csv with a misspelt column is refused on line 1."""
    error = error_of(
        read_service_reports_csv, io.StringIO(REPORTS_HEADER.replace("carried_over", "carry_over"))
    )
    assert error.line == 1 and "missing column carried_over" in error.message


def test_a_hopeless_file_stops_after_a_bounded_number_of_problems() -> None:
    """A file with thousands of bad rows reports the first ones and says it stopped."""
    text = REPORTS_HEADER + "AG002,2025-07-01,2025-07-31,x,1,9,9,1,0,0\n" * (3 * MAX_REPORTED)
    with pytest.raises(FormatErrors) as caught:
        read_service_reports_csv(io.StringIO(text))
    assert len(caught.value.errors) == MAX_REPORTED + 1
    assert caught.value.errors[-1].message == f"stopped after {MAX_REPORTED} problems"


def test_quoting_errors_in_csv_are_named() -> None:
    """A broken quote in a CSV row is a FormatError with a line, not a csv.Error."""
    error = error_of(read_units_csv, io.StringIO('code,name,level,parent_code\nAG,"An Giang"x,province,\n'))
    assert error.line == 2 and error.message.startswith("not valid CSV")


# --- light property ----------------------------------------------------------------------------------


@given(st.integers(min_value=-1000, max_value=-1) | st.integers(min_value=131, max_value=10**6))
def test_any_impossible_age_is_refused_at_its_path(age: int) -> None:
    """Any age outside 0–130 is refused with the member's path and the value given."""
    with pytest.raises(FormatError) as caught:
        structure({"id": "h", "village": "V", "members": [GOOD_MEMBER, {"age": age}]}, Household)
    assert caught.value.path == "$.members[1].age"
    assert caught.value.message == f"must be between 0 and 130, got {age}"


def test_team_converter_errors_are_format_errors() -> None:
    """Structuring a team with a bad date raises FormatError naming $.founded."""
    with pytest.raises(FormatError) as caught:
        structure({"id": "t", "commune": "c", "villages": [], "members": 1, "founded": "2025-02-30"}, Team)
    assert (caught.value.path, caught.value.message) == ("$.founded", "'2025-02-30' is not a calendar date")


def test_a_date_with_non_ascii_digits_is_asked_for_in_the_written_form() -> None:
    """Full-width digits in a date are asked for as YYYY-MM-DD, not called 'not a calendar date'."""
    with pytest.raises(FormatError) as caught:
        structure({"id": "t", "commune": "c", "villages": [], "members": 1, "founded": "２０25-07-01"}, Team)
    assert (caught.value.path, caught.value.message) == (
        "$.founded",
        "expected a date as YYYY-MM-DD, got '２０25-07-01'",
    )


def test_units_codes_longer_than_the_caller_keeps_are_named_on_their_lines() -> None:
    """``max_code_length``: every code too long for the caller's store is an error on its line."""
    long_village = "AG001-" + "9" * 30
    text = UNITS + f"{long_village},Ấp Dài,village,AG001\n"
    assert long_village in load_tree(io.StringIO(text))  # no limit: accepted
    with pytest.raises(FormatErrors) as caught:
        load_tree(io.StringIO(text), max_code_length=32)
    assert [(e.line, e.path) for e in caught.value.errors] == [(9, "$.code")]
    assert "36 characters; codes of at most 32 are accepted" in str(caught.value)
