"""DHIS2 exports: periods in DHIS2's names, codes through the mapping, golden files, and the schema check.

The golden files under ``tests/golden/dhis2/`` are the documents a DHIS2 administrator would import;
regenerate them with ``DIGITRANSFORM_UPDATE_GOLDEN=1`` after a deliberate change, and read the diff.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from digitransform.cli import main
from digitransform.domain import (
    AdminLevel,
    AdminTree,
    AdminUnit,
    Household,
    InternetAccess,
    Period,
    PeriodKind,
    Resident,
    Team,
)
from digitransform.formats import FormatError, write_households_jsonl, write_units_csv
from digitransform.indicators import DEFAULT_REPORT, Accumulator, Report, build_report, get
from digitransform.interop import (
    ADX_NAMESPACE,
    MappingError,
    adx_period,
    check_adx,
    check_data_value_set,
    dhis2_period,
    mapping_template,
    read_mapping,
    to_adx,
    to_data_value_set,
)

GOLDEN = Path(__file__).parent / "golden" / "dhis2"
UPDATE = os.environ.get("DIGITRANSFORM_UPDATE_GOLDEN") == "1"
EXPORTED = dt.datetime(2025, 10, 5, 8, 30, tzinfo=dt.UTC)

UNITS = [
    AdminUnit("AG", "An Giang", AdminLevel.PROVINCE),
    AdminUnit("VK", "Xã Vân Khánh", AdminLevel.COMMUNE, "AG"),
    AdminUnit("KQA", "Ấp Kim Quy A", AdminLevel.VILLAGE, "VK"),
    AdminUnit("KQB", "Ấp Kim Quy B", AdminLevel.VILLAGE, "VK"),
]
TREE = AdminTree.from_units(UNITS)
INDICATORS = [
    get("adult_smartphone_rate"),
    get("household_fibre_rate"),
    get("team_members_per_100_households"),
]
HOUSEHOLDS = [
    Household("h-1", "KQA", InternetAccess.FIBRE, members=[Resident(40, smartphone=True), Resident(70)]),
    Household("h-2", "KQA", members=[Resident(30, smartphone=True)]),
    Household("h-3", "KQB", InternetAccess.MOBILE, members=[Resident(17, smartphone=True), Resident(50)]),
]
MAPPING = {
    "dataSet": "DS_DIGITAL",
    "categoryOptionCombo": None,
    "attributeOptionCombo": None,
    "orgUnits": {
        "AG": {"code": "OU_AG"},
        "VK": {"code": "OU_AG_VANKHANH"},
        "KQA": {"code": "OU_AG_VK_KQA", "name": "Ấp Kim Quy A"},
        "KQB": {"code": None},
    },
    "dataElements": {
        "adult_smartphone_rate": {"numerator": "DT_ADULT_SP_N", "denominator": "DT_ADULTS"},
        "household_fibre_rate": None,
        "team_members_per_100_households": {"numerator": "DT_TEAM_MEMBERS", "denominator": "DT_HOUSEHOLDS"},
    },
}


def report(period: str = "2025-Q3") -> Report:
    accumulator = Accumulator(TREE, INDICATORS, Period.parse(period))
    accumulator.add_households(HOUSEHOLDS)
    team = Team("t1", "VK", ("KQA",), members=4, founded=dt.date(2024, 1, 1), last_active=dt.date(2025, 8, 1))
    accumulator.add_teams([team])
    return build_report(accumulator)


def mapping(**changes: Any) -> Any:
    return read_mapping(json.dumps({**MAPPING, **changes}).encode(), "mapping.json")


def golden(name: str, data: bytes) -> bytes:
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return path.read_bytes()


# --- periods --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "dhis2", "adx"),
    [
        ("2025-Q3", "2025Q3", "2025-07-01/P3M"),
        ("2025-07", "202507", "2025-07-01/P1M"),
        ("2025-W07", "2025W7", "2025-02-10/P7D"),
        ("2025-07-14", "20250714", "2025-07-14/P1D"),
        ("2025", "2025", "2025-01-01/P1Y"),
        ("2026-W01", "2026W1", "2025-12-29/P7D"),
    ],
)
def test_periods_in_dhis2_and_adx_form(text: str, dhis2: str, adx: str) -> None:
    """Each calendar period gets DHIS2's name (ISO weeks without a leading zero) and ADX's start/duration."""
    period = Period.parse(text)
    assert (dhis2_period(period), adx_period(period)) == (dhis2, adx)


def test_a_date_range_has_no_dhis2_period() -> None:
    """A range that is no calendar period is refused with the kinds DHIS2 knows."""
    period = Period(dt.date(2025, 7, 1), dt.date(2025, 8, 15), PeriodKind.RANGE)
    with pytest.raises(ValueError, match="day, week, month, quarter or year"):
        dhis2_period(period)
    with pytest.raises(ValueError, match="no period type"):
        adx_period(period)


# --- the documents --------------------------------------------------------------------------------


def test_data_value_set_matches_its_golden_file_and_passes_the_check() -> None:
    """The dataValueSets document is the golden one, byte for byte, and the schema check finds nothing."""
    data = to_data_value_set(report(), mapping())
    assert data == golden("report.datavalueset.json", data)
    assert check_data_value_set(data) == []


def test_adx_matches_its_golden_file_and_passes_the_check() -> None:
    """The ADX message is the golden one, byte for byte, and the schema check finds nothing."""
    data = to_adx(report(), mapping(), EXPORTED)
    assert data == golden("report.adx.xml", data)
    assert check_adx(data) == []


def test_numerator_and_denominator_go_up_as_two_data_elements() -> None:
    """Each mapped row gives its numerator and denominator; what is unmapped or below its level, none."""
    document = json.loads(to_data_value_set(report(), mapping()))
    values = {(v["orgUnit"], v["dataElement"]): v["value"] for v in document["dataValues"]}
    rows = report()
    adults = rows.row("KQA", "adult_smartphone_rate")
    assert values[("OU_AG_VK_KQA", "DT_ADULT_SP_N")] == str(adults.numerator) == "2"
    assert values[("OU_AG_VK_KQA", "DT_ADULTS")] == str(adults.denominator) == "3"
    assert values[("OU_AG", "DT_ADULTS")] == str(rows.row("AG", "adult_smartphone_rate").denominator) == "4"
    assert values[("OU_AG_VANKHANH", "DT_TEAM_MEMBERS")] == "4"
    assert not any(code == "DT_TEAM_MEMBERS" for unit, code in values if unit == "OU_AG_VK_KQA")
    assert {v["period"] for v in document["dataValues"]} == {"2025Q3"}
    assert len(values) == len(document["dataValues"]) == 2 * 3 + 2 * 2  # KQB and fibre left out


def test_adx_groups_by_org_unit() -> None:
    """ADX holds one group per org unit, each naming the data set and the period."""
    root = ET.fromstring(to_adx(report("2025-07"), mapping(), EXPORTED))
    groups = root.findall(f"{{{ADX_NAMESPACE}}}group")
    assert [g.get("orgUnit") for g in groups] == ["OU_AG", "OU_AG_VANKHANH", "OU_AG_VK_KQA"]
    assert {(g.get("period"), g.get("dataSet")) for g in groups} == {("2025-07-01/P1M", "DS_DIGITAL")}


def test_option_combos_are_written_when_given() -> None:
    """Category and attribute option combos from the mapping appear on every value."""
    document = json.loads(
        to_data_value_set(report(), mapping(categoryOptionCombo="COC", attributeOptionCombo="AOC"))
    )
    assert document["attributeOptionCombo"] == "AOC"
    assert {v["categoryOptionCombo"] for v in document["dataValues"]} == {"COC"}
    assert check_data_value_set(json.dumps(document)) == []


# --- the mapping ----------------------------------------------------------------------------------


def test_a_unit_or_indicator_missing_from_the_mapping_is_an_error() -> None:
    """A unit or indicator the mapping does not mention is named; null is the way to leave one out."""
    units = {k: v for k, v in MAPPING["orgUnits"].items() if k != "VK"}  # type: ignore[attr-defined]
    with pytest.raises(MappingError, match=r"unit VK \(Xã Vân Khánh\) is not in the mapping's orgUnits"):
        to_data_value_set(report(), mapping(orgUnits=units))
    elements = {"adult_smartphone_rate": {"numerator": "A", "denominator": "B"}}
    with pytest.raises(MappingError, match="indicator household_fibre_rate is not in the mapping"):
        to_data_value_set(report(), mapping(dataElements=elements))


def test_adx_needs_a_data_set_and_a_period() -> None:
    """ADX without a data set, or a report without a period, is refused with the reason."""
    with pytest.raises(MappingError, match="ADX needs the data set"):
        to_adx(report(), mapping(dataSet=None), EXPORTED)
    accumulator = Accumulator(TREE, INDICATORS)
    with pytest.raises(MappingError, match="needs a reporting period"):
        to_data_value_set(build_report(accumulator), mapping())


@pytest.mark.parametrize(
    ("changes", "path", "message"),
    [
        ({"dataSets": "x"}, "$", "unknown field `dataSets`"),
        ({"dataSet": " DS"}, "$.dataSet", "no surrounding spaces"),
        ({"orgUnits": {"AG": {"code": ""}}}, "$.orgUnits.AG.code", "expected a code or null"),
        ({"orgUnits": {"AG": {"code": "x" * 51}}}, "$.orgUnits.AG.code", "1 to 50 characters"),
        (
            {"dataElements": {"adult_smartphone_rate": {"numerator": "X", "denominator": "X"}}},
            "$.dataElements.adult_smartphone_rate",
            "must be two data elements",
        ),
        (
            {"dataElements": {"adult_smartphone_rate": {"numerator": "X", "denominator": None}}},
            "$.dataElements.adult_smartphone_rate.denominator",
            "expected a code (",
        ),
    ],
)
def test_a_bad_mapping_file_names_the_field(changes: dict[str, Any], path: str, message: str) -> None:
    """A mapping file with a wrong field or code is refused, naming the file and the field."""
    with pytest.raises(FormatError) as caught:
        mapping(**changes)
    assert (caught.value.source, caught.value.path) == ("mapping.json", path)
    assert message in caught.value.message


def test_the_template_maps_every_unit_and_indicator_to_distinct_codes() -> None:
    """The template reads back as a mapping: our unit codes, and two distinct codes per indicator."""
    template = read_mapping(mapping_template(TREE, DEFAULT_REPORT))
    assert template.org_units == {u.code: u.code for u in UNITS}
    assert len(template.data_elements) == len(DEFAULT_REPORT)
    codes = [
        c for pair in template.data_elements.values() if pair for c in (pair.numerator, pair.denominator)
    ]
    assert len(set(codes)) == len(codes) == 2 * len(DEFAULT_REPORT)
    assert "on_time_rate[method=late_inclusive]" in template.data_elements


# --- the schema check can fail --------------------------------------------------------------------

VALUE = {"dataElement": "DE", "period": "2025Q3", "orgUnit": "OU", "value": "3"}


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        (
            {"dataValues": [{**VALUE, "period": "2025-Q3"}]},
            "$.dataValues[0].period: '2025-Q3' is not a DHIS2",
        ),
        ({"dataValues": [{**VALUE, "period": "2025W53"}]}, "not a real day, week or month"),
        ({"dataValues": [{**VALUE, "period": "202513"}]}, "not a real day, week or month"),
        ({"dataValues": [{**VALUE, "value": "three"}]}, "$.dataValues[0].value: 'three' is not a number"),
        ({"dataValues": [VALUE, VALUE]}, "$.dataValues[1]: the same data value as $.dataValues[0]"),
        ({"dataValues": [{**VALUE, "orgUnit": None}]}, "$.dataValues[0].orgUnit: missing"),
        ({"dataValues": [{**VALUE, "dataelement": "x"}]}, "unknown field `dataelement`"),
        ({"dataValues": [{**VALUE, "dataElement": ""}]}, "$.dataValues[0].dataElement"),
        ({}, "missing required field `dataValues`"),
    ],
)
def test_the_data_value_set_check_finds_each_problem(document: dict[str, Any], problem: str) -> None:
    """Each kind of mistake DHIS2 would reject is found and placed."""
    problems = check_data_value_set(json.dumps(document))
    assert any(problem in p for p in problems), problems


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        (lambda x: x.replace(b' dataSet="DS_DIGITAL"', b"", 1), "group[1]: missing dataSet"),
        (lambda x: x.replace(b"2025-07-01/P3M", b"2025Q3", 1), "is not a start date and a duration"),
        (lambda x: x.replace(b'value="2"', b'value="two"', 1), "value 'two' is not a number"),
        (lambda x: x.replace(b"urn:ihe:qrph:adx:2015", b"urn:other", 1), "not adx in namespace"),
        (lambda x: x.replace(b' exported="2025-10-05T08:30:00Z"', b"", 1), "exported must be a timestamp"),
        (lambda x: x[:-20], "not well-formed XML"),
    ],
)
def test_the_adx_check_finds_each_problem(edit: Any, problem: str) -> None:
    """A broken ADX message is caught: missing data set, a DHIS2 period name, a word as a value, ..."""
    data = edit(to_adx(report(), mapping(), EXPORTED))
    problems = check_adx(data)
    assert any(problem in p for p in problems), problems


# --- the command line -----------------------------------------------------------------------------


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    paths = {"units": tmp_path / "units.csv", "households": tmp_path / "households.jsonl"}
    write_units_csv(UNITS, paths["units"])
    write_households_jsonl(HOUSEHOLDS, paths["households"])
    paths["mapping"] = tmp_path / "mapping.json"
    assert main(["dhis2-template", "--units", str(paths["units"]), "--output", str(paths["mapping"])]) == 0
    return paths


def indicators(files: dict[str, Path], *extra: str) -> list[str]:
    return ["indicators", "--units", str(files["units"]), "--households", str(files["households"]), *extra]


def test_cli_exports_a_checked_data_value_set(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """dhis2-template, then indicators --format dhis2: a document the check accepts, with our codes."""
    args = indicators(
        files, "--period", "2025-W07", "--format", "dhis2", "--dhis2-mapping", str(files["mapping"])
    )
    assert main(args) == 0
    out = capsys.readouterr().out
    assert check_data_value_set(out) == []
    values = json.loads(out)["dataValues"]
    assert {v["period"] for v in values} == {"2025W7"}
    assert {
        "dataElement": "DT_ADULT_SMARTPHONE_RATE_D",
        "period": "2025W7",
        "orgUnit": "AG",
        "value": "4",
    } in values


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--format", "dhis2"], "--format dhis2 needs --dhis2-mapping"),
        (["--format", "dhis2", "--dhis2-mapping", "{mapping}"], "--format dhis2 needs --period"),
        (
            ["--format", "adx", "--dhis2-mapping", "{mapping}", "--period", "2025"],
            "needs dataSet in mapping.json",
        ),
    ],
)
def test_cli_refuses_an_export_it_cannot_make(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    """Without a mapping, a period or (for ADX) a data set, the command stops with status 2 and says why."""
    extra = [e.format(mapping=files["mapping"]) for e in extra]
    assert main(indicators(files, *extra)) == 2
    assert message in capsys.readouterr().err


def test_dhis2_template_of_a_missing_or_broken_units_file_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """dhis2-template stops with status 2 naming the file, for a missing file and a broken tree."""
    assert main(["dhis2-template", "--units", str(tmp_path / "nope.csv")]) == 2
    assert "nope.csv: No such file" in capsys.readouterr().err
    broken = tmp_path / "units.csv"
    broken.write_text(
        "code,name,level,parent_code\nAG,An Giang,province,\nC1,Xã,commune,XX\n", encoding="utf-8"
    )
    assert main(["dhis2-template", "--units", str(broken)]) == 2
    assert "XX" in capsys.readouterr().err
