"""The demo province: deterministic, shaped on An Giang's facts, streamed, and its command line."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from digitransform.cli import demo as demo_cli
from digitransform.cli import main
from digitransform.demo import (
    FILES,
    HOUSEHOLDS_PER_VILLAGE,
    PROVINCE_CODE,
    PROVINCE_NAME,
    demo_service_reports,
    demo_teams,
    demo_units,
    generate_demo,
    iter_demo_households,
    plan_demo,
)
from digitransform.domain import AdminLevel, AdminTree, AdminUnit, check_team
from digitransform.formats import (
    iter_households_jsonl,
    load_tree,
    read_service_reports_csv,
    read_teams_csv,
    read_units_csv,
)

FULL = plan_demo(1_300_000, seed=1)  # planning is cheap: no household is generated
"""The whole province, planned but not generated."""


def digests(folder: Path) -> dict[str, str]:
    return {name: hashlib.sha256((folder / name).read_bytes()).hexdigest() for name in FILES}


def commune(units: list[AdminUnit], name: str) -> str:
    return next(u.code for u in units if u.name == name)


# --- determinism ----------------------------------------------------------------------------------------


def test_same_seed_gives_byte_identical_files(tmp_path: Path) -> None:
    """Two runs with the same households and seed write byte-identical files."""
    generate_demo(tmp_path / "a", households=2_500, seed=42)
    generate_demo(tmp_path / "b", households=2_500, seed=42)
    assert digests(tmp_path / "a") == digests(tmp_path / "b")


def test_another_seed_gives_other_households_but_the_same_places(tmp_path: Path) -> None:
    """A different seed changes the people, not the names and codes of the places."""
    generate_demo(tmp_path / "a", households=2_500, seed=1)
    generate_demo(tmp_path / "b", households=2_500, seed=2)
    a, b = digests(tmp_path / "a"), digests(tmp_path / "b")
    assert a["households.jsonl"] != b["households.jsonl"]
    assert [(u.code, u.name) for u in read_units_csv(tmp_path / "a" / "units.csv")] == [
        (u.code, u.name) for u in read_units_csv(tmp_path / "b" / "units.csv")
    ]


def test_the_files_hold_the_in_memory_pieces(tmp_path: Path) -> None:
    """What generate_demo writes is exactly what demo_units, iter_demo_households, demo_teams and
    demo_service_reports give for the same households and seed."""
    summary = generate_demo(tmp_path, households=3_000, seed=5)
    tree = load_tree(tmp_path / "units.csv")
    assert read_units_csv(tmp_path / "units.csv") == demo_units(3_000, seed=5)
    assert list(iter_households_jsonl(tmp_path / "households.jsonl", tree=tree)) == list(
        iter_demo_households(3_000, seed=5)
    )
    assert read_teams_csv(tmp_path / "teams.csv", tree) == demo_teams(3_000, seed=5)
    assert read_service_reports_csv(tmp_path / "service_reports.csv", tree) == demo_service_reports(
        3_000, seed=5
    )
    assert summary.households == 3_000
    assert [(p.name, size) for p, size in summary.files] == [
        (n, (tmp_path / n).stat().st_size) for n in FILES
    ]
    assert not list(tmp_path.glob("*.part"))


# --- the province's shape ---------------------------------------------------------------------------------


def test_the_full_province_keeps_the_articles_numbers() -> None:
    """At 1.3 million households: 102 communes, 1,035 villages and teams (U Minh Thượng 26, An Minh 18)."""
    units = FULL.units()
    assert units[0].code == PROVINCE_CODE and units[0].name == PROVINCE_NAME
    levels = Counter(u.level for u in units)
    assert levels[AdminLevel.COMMUNE] == 102 and levels[AdminLevel.VILLAGE] == 1_035
    assert len(FULL.teams()) == 1_035 and 7_000 <= sum(t.members for t in FULL.teams()) <= 9_000  # ~8,000
    teams = Counter(t.commune for t in FULL.teams())
    assert teams[commune(units, "Xã U Minh Thượng")] == 26
    assert teams[commune(units, "Xã An Minh")] == 18
    names = {u.name for u in units}
    assert {"Xã Vân Khánh", "Ấp Kim Quy A", "Đặc khu Phú Quốc", "Phường Long Xuyên", "Xã Hòn Đất"} <= names
    assert sum(v.households for v in FULL.villages) == 1_300_000


def test_an_minh_centre_matches_the_article() -> None:
    """An Minh's centre: ~2,000 applications a working day, ~15 % online, ~97 % on time (sums, not means)."""
    an_minh = commune(FULL.units(), "Xã An Minh")
    reports = [r for r in FULL.service_reports() if r.unit == an_minh]
    assert len(reports) == 6  # July–December 2025, since the new communes began
    received = sum(r.received_total for r in reports)
    working_days = 23 + 21 + 22 + 23 + 20 + 23
    assert 1_800 <= received / working_days <= 2_200
    assert 0.13 <= sum(r.received_online for r in reports) / received <= 0.17
    assert 0.95 <= sum(r.resolved_on_time for r in reports) / sum(r.resolved_total for r in reports) <= 0.99


def test_one_team_per_village_in_its_own_commune() -> None:
    """Every village has exactly one team, and every team passes check_team against the tree."""
    tree = FULL.tree()
    teams = FULL.teams()
    served = Counter(v for t in teams for v in t.villages)
    assert set(served) == {u.code for u in tree.at_level(AdminLevel.VILLAGE)}
    assert set(served.values()) == {1}
    assert all(check_team(t, tree) == [] for t in teams)
    assert all(sum(t.roles.values()) == t.members for t in teams)
    assert 6.5 <= sum(t.members for t in teams) / len(teams) <= 8.5  # the province: ~8,000 in 1,035 teams


@pytest.mark.parametrize("households", [1, 7, 1_000, 5_000])
def test_small_provinces_still_have_three_communes(households: int) -> None:
    """Even one household makes a province of at least three communes, each with a village."""
    tree = AdminTree.from_units(demo_units(households, seed=3))
    communes = tree.at_level(AdminLevel.COMMUNE)
    assert len(communes) >= 3
    assert all(tree.children(c.code) for c in communes)
    assert sum(1 for _ in iter_demo_households(households, seed=3)) == households


def test_the_article_communes_come_first_and_keep_their_villages_from_69000_households() -> None:
    """From ~69,000 households U Minh Thượng has its 26 villages and An Minh its 18."""
    units = demo_units(69_000, seed=1)
    tree = AdminTree.from_units(units)
    assert [c.name for c in tree.at_level(AdminLevel.COMMUNE)[:3]] == [
        "Xã U Minh Thượng",
        "Xã An Minh",
        "Xã Vân Khánh",
    ]
    assert len(tree.children(commune(units, "Xã U Minh Thượng"))) == 26
    assert len(tree.children(commune(units, "Xã An Minh"))) == 18


def test_households_people_and_smartphones_are_plausible() -> None:
    """~3.5 persons a household; Kim Quy A over 90 % smartphone use from 15; the elderly far lower."""
    province = plan_demo(40_000, seed=9)
    kim_quy = next(v.code for v in province.villages if v.name == "Ấp Kim Quy A")
    households = residents = 0
    kim_quy_15 = kim_quy_phones = working = working_phones = elderly = elderly_phones = 0
    for household in province.iter_households():
        households += 1
        residents += len(household.members)
        for r in household.members:
            if household.village == kim_quy and r.age >= 15:
                kim_quy_15 += 1
                kim_quy_phones += r.smartphone
            if 15 <= r.age < 60:
                working += 1
                working_phones += r.smartphone
            elif r.age >= 70:
                elderly += 1
                elderly_phones += r.smartphone
    assert 3.3 <= residents / households <= 3.8
    assert kim_quy_phones / kim_quy_15 > 0.90
    assert elderly_phones / elderly < 0.6 * working_phones / working


def test_vneid_levels_are_consistent_with_ages() -> None:
    """Level 2 needs age ≥ 6 and a chip card; under 6 at most level 1; chip cards for most from 14."""
    holders = over14 = 0
    for household in iter_demo_households(8_000, seed=4):
        for r in household.members:
            if r.vneid_level == 2:
                assert r.age >= 6 and r.id_card
            if r.age < 6:
                assert r.vneid_level <= 1
            if r.age >= 14:
                over14 += 1
                holders += r.id_card
            assert not (r.digital_signature and r.age < 18)
    assert holders / over14 > 0.9


def test_the_internet_mix_has_every_kind() -> None:
    """Households have fibre, mobile, fixed and no internet, fibre the most common."""
    counts = Counter(h.internet.value for h in iter_demo_households(5_000, seed=8))
    assert set(counts) == {"none", "mobile", "fixed", "fibre"}
    assert counts.most_common(1)[0][0] == "fibre"


@settings(max_examples=25)
@given(st.integers(1, 2_000_000), st.integers(0, 2**32))
def test_any_plan_places_every_household_in_a_valid_tree(households: int, seed: int) -> None:
    """For any size and seed, the plan's tree is valid and its villages hold exactly the households."""
    province = plan_demo(households, seed)
    tree = province.tree()
    assert len(tree.at_level(AdminLevel.COMMUNE)) >= 3
    assert sum(v.households for v in province.villages) == households
    assert abs(len(province.villages) - households / HOUSEHOLDS_PER_VILLAGE) <= max(
        3, households / HOUSEHOLDS_PER_VILLAGE * 0.01
    )


def test_bad_household_counts_are_refused() -> None:
    """Zero or negative households are a ValueError, not an empty province."""
    with pytest.raises(ValueError, match="at least 1"):
        plan_demo(0)


# --- streaming ---------------------------------------------------------------------------------------------


_PEAK_MEMORY = """
import resource, sys
from digitransform.demo import generate_demo
generate_demo(sys.argv[1], households=int(sys.argv[2]), seed=1)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def peak_memory_kib(folder: Path, households: int) -> int:
    """The peak resident memory of a fresh process generating ``households`` households."""
    run = subprocess.run(
        [sys.executable, "-c", _PEAK_MEMORY, str(folder), str(households)],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(run.stdout.split()[-1])


def test_memory_does_not_grow_with_the_number_of_households(tmp_path: Path) -> None:
    """Eight times the households need about the same peak memory: households stream to disk.

    Holding 40,000 generated households would add about 6 MiB; streaming adds well under 4.
    """
    small = peak_memory_kib(tmp_path / "small", 5_000)
    large = peak_memory_kib(tmp_path / "large", 40_000)
    assert large < small + 4 * 1024


def test_progress_reports_every_household(tmp_path: Path) -> None:
    """The progress callback is told about every household written, no more."""
    seen: list[int] = []
    generate_demo(tmp_path, households=4_321, seed=1, progress=seen.append)
    assert sum(seen) == 4_321 and all(n > 0 for n in seen)


# --- the command line ---------------------------------------------------------------------------------------


def test_demo_command_writes_the_files_and_a_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`digitransform demo` writes the four files and prints units, households, files and headline counts."""
    status = main(["demo", "--households", "3000", "--seed", "7", "--out", str(tmp_path / "out")])
    assert status == 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(FILES)
    out = capsys.readouterr().out
    assert "3,000 households" in out and "An Giang (AG)" in out
    assert "3 communes" in out
    assert "adults (18+) with a smartphone" in out and "households.jsonl" in out


@pytest.mark.parametrize("households", ["0", "-5", "20000001"])
def test_demo_command_refuses_bad_household_counts(
    households: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An impossible --households ends with status 2 and a one-line message, writing nothing."""
    assert main(["demo", "--households", households, "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --households must be between 1 and") and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_demo_command_refuses_a_non_number(capsys: pytest.CaptureFixture[str]) -> None:
    """A non-numeric --households is an argparse usage error: status 2, no traceback."""
    with pytest.raises(SystemExit) as caught:
        main(["demo", "--households", "many"])
    assert caught.value.code == 2
    assert "invalid int value: 'many'" in capsys.readouterr().err


def test_demo_command_refuses_an_output_that_is_a_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--out naming an existing file ends with status 2 and says why."""
    target = tmp_path / "units.csv"
    target.write_text("not a folder")
    assert main(["demo", "--households", "10", "--out", str(target)]) == 2
    assert "is not a folder" in capsys.readouterr().err


def test_demo_command_reports_an_unwritable_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An output folder that cannot be created ends with status 2 and the reason."""
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["demo", "--households", "10", "--out", str(blocker / "sub")]) == 2
    assert capsys.readouterr().err.startswith("error: cannot write")


def test_progress_bar_shows_on_a_terminal_for_large_runs() -> None:
    """Large runs on a terminal get a progress bar that counts households; small or piped runs none."""
    terminal = Console(force_terminal=True, record=True, width=100)
    with demo_cli.progress_bar(demo_cli.PROGRESS_FROM, terminal) as advance:
        assert advance is not None
        advance(demo_cli.PROGRESS_FROM)
    assert "writing households" in terminal.export_text()
    with demo_cli.progress_bar(demo_cli.PROGRESS_FROM - 1, terminal) as advance:
        assert advance is None
    with demo_cli.progress_bar(10**6, Console(force_terminal=False)) as advance:
        assert advance is None
