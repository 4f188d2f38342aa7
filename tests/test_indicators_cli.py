"""The ``digitransform indicators`` command: the JSON shape, CSV for Excel, tables, and clear errors."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from digitransform.cli import main
from digitransform.domain import (
    AdminLevel,
    AdminUnit,
    Household,
    InternetAccess,
    Resident,
    ServiceReport,
    Team,
)
from digitransform.formats import (
    write_households_jsonl,
    write_service_reports_csv,
    write_teams_csv,
    write_units_csv,
)

UNITS = [
    AdminUnit("AG", "An Giang", AdminLevel.PROVINCE),
    AdminUnit("C1", "Xã Vân Khánh", AdminLevel.COMMUNE, "AG"),
    AdminUnit("A", "Ấp Kim Quy A", AdminLevel.VILLAGE, "C1"),
    AdminUnit("B", "Ấp Kim Quy B", AdminLevel.VILLAGE, "C1"),
    AdminUnit("C2", "Xã An Minh", AdminLevel.COMMUNE, "AG"),
    AdminUnit("D", "Ấp Bảy Xã", AdminLevel.VILLAGE, "C2"),
]


def households(smartphones_in_a: int = 9) -> list[Household]:
    out = [
        Household(
            f"a-{i}", "A", InternetAccess.FIBRE, members=[Resident(30, smartphone=i < smartphones_in_a)]
        )
        for i in range(10)
    ]
    out += [Household(f"b-{i}", "B", members=[Resident(40, smartphone=i < 1)]) for i in range(90)]
    return out


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    paths = {name: tmp_path / name for name in ("units.csv", "households.jsonl", "teams.csv", "reports.csv")}
    write_units_csv(UNITS, paths["units.csv"])
    write_households_jsonl(households(), paths["households.jsonl"])
    write_teams_csv(
        [Team("t1", "C1", ("A",), members=5, founded=dt.date(2024, 1, 1), last_active=dt.date(2025, 8, 1))],
        paths["teams.csv"],
    )
    write_service_reports_csv(
        [
            ServiceReport(
                "C2",
                dt.date(2025, 7, 1),
                dt.date(2025, 9, 30),
                received_total=2000,
                received_online=300,
                resolved_total=1000,
                resolved_on_time=970,
            )
        ],
        paths["reports.csv"],
    )
    return paths


def run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    status = main(["indicators", *map(str, args)])
    out, err = capsys.readouterr()
    return status, out, err


def base(files: dict[str, Path]) -> list[str | Path]:
    return ["--units", files["units.csv"], "--households", files["households.jsonl"]]


def results(text: str) -> list[dict[str, Any]]:
    document = json.loads(text)
    rows: list[dict[str, Any]] = document["results"]
    return rows


def find(rows: list[dict[str, Any]], unit: str, indicator: str) -> dict[str, Any]:
    return next(r for r in rows if r["unit"] == unit and r["indicator"] == indicator)


def test_json_has_the_fixed_shape(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    """JSON output has the period and one result per unit and indicator with the agreed keys."""
    status, out, _ = run(capsys, *base(files), "--period", "2025-Q3", "--format", "json")
    assert status == 0
    document = json.loads(out)
    assert document["period"] == "2025-Q3"
    required = {
        "unit",
        "level",
        "indicator",
        "numerator",
        "denominator",
        "value",
        "target",
        "target_operator",
        "gap",
        "met",
    }
    assert all(required <= set(row) for row in document["results"])
    commune = find(document["results"], "C1", "adult_smartphone_rate")
    assert commune == commune | {
        "unit": "C1",
        "level": "commune",
        "indicator": "adult_smartphone_rate",
        "numerator": 10,
        "denominator": 100,
        "value": 10.0,
        "target": 80.0,
        "target_operator": ">=",
        "gap": -70.0,
        "met": False,
    }
    empty = find(document["results"], "D", "adult_smartphone_rate")
    assert (empty["value"], empty["gap"], empty["met"], empty["target"]) == (None, None, None, 80.0)
    no_target = find(document["results"], "AG", "resident_smartphone_rate")
    assert (no_target["target"], no_target["target_operator"], no_target["gap"], no_target["met"]) == (
        None,
        None,
        None,
        None,
    )


def test_indicators_follow_the_files_given(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """Team and service indicators appear only with their files; on_time_rate comes in both definitions."""
    _, out, _ = run(capsys, *base(files), "--format", "json")
    codes = {r["indicator"] for r in results(out)}
    assert "adult_smartphone_rate" in codes and "on_time_rate" not in codes
    assert "team_village_coverage_rate" not in codes
    _, out, _ = run(
        capsys,
        *base(files),
        "--teams",
        files["teams.csv"],
        "--service-reports",
        files["reports.csv"],
        "--period",
        "2025-Q3",
        "--format",
        "json",
    )
    rows = results(out)
    assert find(rows, "AG", "team_village_coverage_rate")["value"] == pytest.approx(33.33)
    on_time = [r for r in rows if r["unit"] == "C2" and r["indicator"] == "on_time_rate"]
    assert {r["variant"]: r["value"] for r in on_time} == {
        "method=resolved_on_time": 97.0,
        "method=late_inclusive": 98.5,  # 1 − 30 late ÷ 2000 received
    }
    assert "difficulty_resolution_rate" not in {r["indicator"] for r in rows}


def test_level_limits_output_to_that_level_and_above(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """--level commune shows the province and communes, no village."""
    _, out, _ = run(capsys, *base(files), "--level", "commune", "--format", "json")
    assert {r["level"] for r in results(out)} == {"province", "commune"}


def test_csv_is_utf8_with_bom(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """CSV starts with a byte-order mark so Excel shows Vietnamese names correctly."""
    output = tmp_path / "report.csv"
    status, _, _ = run(capsys, *base(files), "--format", "csv", "--output", output)
    assert status == 0
    data = output.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    header = text.splitlines()[0].split(",")
    assert header[:4] == ["unit", "name", "level", "indicator"]
    assert "Ấp Kim Quy A" in text


def test_csv_to_stdout(files: dict[str, Path], capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    """CSV written to standard output is UTF-8 with a BOM too."""
    status = main(["indicators", *map(str, base(files)), "--format", "csv", "--level", "province"])
    out = capsysbinary.readouterr().out
    assert status == 0 and out.startswith(b"\xef\xbb\xbf")


def test_table_shows_names_and_values(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    """The table shows Vietnamese names, counts and values."""
    status, out, _ = run(capsys, *base(files), "--indicator", "adult_smartphone_rate")
    assert status == 0
    assert "Xã Vân Khánh" in out and "10.00" in out and "adult_smartphone_rate" in out


def test_workers_give_the_same_report(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    """Two worker processes give the same JSON as one."""
    _, one, _ = run(capsys, *base(files), "--format", "json", "--period", "2025")
    _, two, _ = run(capsys, *base(files), "--format", "json", "--period", "2025", "--workers", "2")
    assert one == two


def test_compare_adds_the_change(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """--compare with an earlier JSON report adds each row's earlier value and the change."""
    earlier = tmp_path / "earlier.json"
    write_households_jsonl(households(smartphones_in_a=5), files["households.jsonl"])
    run(capsys, *base(files), "--period", "2025-Q2", "--format", "json", "--output", earlier)
    write_households_jsonl(households(smartphones_in_a=9), files["households.jsonl"])
    _, out, _ = run(capsys, *base(files), "--period", "2025-Q3", "--format", "json", "--compare", earlier)
    document = json.loads(out)
    assert document["earlier_period"] == "2025-Q2"
    row = find(document["results"], "A", "adult_smartphone_rate")
    assert (row["previous_value"], row["value"], row["change"]) == (50.0, 90.0, 40.0)


def test_param_sets_a_parameter(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    """--param CODE.NAME=VALUE changes one indicator's parameter, and the row says so."""
    _, out, _ = run(capsys, *base(files), "--format", "json", "--param", "adult_smartphone_rate.adult_age=35")
    row = find(results(out), "AG", "adult_smartphone_rate")
    assert (row["denominator"], row["variant"]) == (90, "adult_age=35")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--period", "2025-Q5"], "--period"),
        (["--workers", "0"], "--workers"),
        (["--indicator", "smartphone_rate"], "unknown indicator 'smartphone_rate'"),
        (["--indicator", "on_time_rate"], "on_time_rate needs --service-reports"),
        (["--param", "adult_smartphone_rate.adult=3"], "no parameter 'adult'"),
        (["--param", "adult_smartphone_rate.adult_age=old"], "'old' is not a number"),
        (["--param", "vneid_level2_rate.eligibility=all"], "must be one of"),
    ],
)
def test_bad_options_exit_2_with_a_message(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    """A bad option ends with status 2 and a one-line message, no traceback."""
    status, _, err = run(capsys, *base(files), *args)
    assert status == 2
    assert message in err and "Traceback" not in err


def test_bad_household_line_names_file_line_and_field(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """A bad household line ends with status 2 naming the file, the line and the field."""
    lines = files["households.jsonl"].read_bytes().splitlines()
    lines[4] = b'{"id": "x", "village": "A", "members": [{"age": 200}]}'
    files["households.jsonl"].write_bytes(b"\n".join(lines) + b"\n")
    status, _, err = run(capsys, *base(files), "--workers", "2")
    assert status == 2
    assert "households.jsonl:5: $.members[0].age:" in err and "130" in err


def test_bad_units_and_missing_files_exit_2(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A broken units file or a missing file ends with status 2 and says which."""
    files["units.csv"].write_text("code,name,level,parent_code\nAG,An Giang,province,\nC1,Xã,commune,XX\n")
    status, _, err = run(capsys, *base(files))
    assert status == 2 and "units.csv" in err and "XX" in err
    status, _, err = run(capsys, "--units", tmp_path / "nope.csv", "--households", files["households.jsonl"])
    assert status == 2 and "nope.csv" in err


def test_team_outside_the_tree_exits_2(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    """A team of a village that does not exist ends with status 2, naming the teams file."""
    files["teams.csv"].write_text(
        "id,commune,villages,members,founded,last_active\nt1,C1,ZZ,3,2024-01-01,2025-08-01\n",
        encoding="utf-8",
    )
    status, _, err = run(capsys, *base(files), "--teams", files["teams.csv"])
    assert status == 2 and "teams.csv" in err and "ZZ" in err


def test_earlier_report_that_is_not_a_report_exits_2(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """--compare with a file that is not a report ends with status 2."""
    bogus = tmp_path / "bogus.json"
    bogus.write_text('{"hello": 1}')
    status, _, err = run(capsys, *base(files), "--compare", bogus)
    assert status == 2 and "bogus.json" in err


def test_progress_bar_needs_a_terminal(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    """Without a terminal no progress bar is drawn, so captured output stays clean."""
    _, _, err = run(capsys, *base(files), "--format", "json")
    assert err == ""
