"""Random and corrupted input files into the ``digitransform indicators`` command (Hypothesis).

Whatever bytes a households JSONL, units CSV, teams CSV or service-reports CSV holds, the command
either reports or ends with status 2 and a message naming the file (the corrupted one, or one whose
content the change broke), and the line (and for a bad field its JSON path) when the trouble is on
a line: never a traceback, never another status.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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
NAMES = ("units.csv", "households.jsonl", "teams.csv", "reports.csv")


def _valid(directory: Path) -> dict[str, bytes]:
    paths = {name: directory / name for name in NAMES}
    write_units_csv(UNITS, paths["units.csv"])
    write_households_jsonl(
        [
            Household(
                f"h-{i}", "AB"[i % 2], InternetAccess.FIBRE, members=[Resident(20 + i, smartphone=i % 3 == 0)]
            )
            for i in range(6)
        ],
        paths["households.jsonl"],
    )
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
    return {name: path.read_bytes() for name, path in paths.items()}


with tempfile.TemporaryDirectory() as _directory:
    VALID = _valid(Path(_directory))

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
_FIELDS = (
    "id",
    "village",
    "internet",
    "members",
    "age",
    "smartphone",
    "code",
    "name",
    "level",
    "parent_code",
)


@st.composite
def corrupted(draw: st.DrawFn, original: bytes) -> bytes:
    """``original`` with a few random edits: bytes changed, inserted or cut, lines replaced,
    duplicated or dropped, a JSON line's value swapped for any JSON."""
    data = bytearray(original)
    for _ in range(draw(st.integers(1, 4))):
        lines = bytes(data).split(b"\n")
        edit = draw(
            st.sampled_from(["byte", "insert", "cut", "line", "json", "field", "dup", "drop", "truncate"])
        )
        at = draw(st.integers(0, max(0, len(data) - 1)))
        row = draw(st.integers(0, max(0, len(lines) - 1)))
        if edit == "byte" and data:
            data[at] = draw(st.integers(0, 255))
        elif edit == "insert":
            data[at:at] = draw(
                st.binary(min_size=1, max_size=8)
                | st.sampled_from([b",", b'"', b"\n", b"{", b"\r\n", b"\x00"])
            )
        elif edit == "cut":
            del data[at : at + draw(st.integers(1, 20))]
        elif edit == "line":
            lines[row] = draw(st.text(max_size=40)).encode("utf-8", "surrogatepass")
            data = bytearray(b"\n".join(lines))
        elif edit == "json":
            import json

            lines[row] = json.dumps(draw(_JSON), ensure_ascii=draw(st.booleans())).encode()
            data = bytearray(b"\n".join(lines))
        elif edit == "field":
            field = draw(st.sampled_from(_FIELDS)).encode()
            lines[row] = lines[row].replace(
                field, draw(st.sampled_from([b"", b"x" + field, field.upper()])), 1
            )
            data = bytearray(b"\n".join(lines))
        elif edit == "dup":
            lines.insert(row, lines[row])
            data = bytearray(b"\n".join(lines))
        elif edit == "drop" and lines:
            del lines[row]
            data = bytearray(b"\n".join(lines))
        elif edit == "truncate":
            del data[at:]
    return bytes(data)


_LINE = re.compile(r":\d+\b")
_FILE_LEVEL = ("empty", "header", "column", "UTF-8", "no ", "root", "province", "byte")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_corrupted_files_end_in_a_clear_error_never_a_traceback(
    data: st.DataObject, capsys: pytest.CaptureFixture[str]
) -> None:
    name = data.draw(st.sampled_from(NAMES), label="file")
    with tempfile.TemporaryDirectory() as directory:
        paths = {n: Path(directory) / n for n in NAMES}
        for n, content in VALID.items():
            paths[n].write_bytes(content)
        paths[name].write_bytes(data.draw(corrupted(VALID[name]), label="content"))
        status = main(
            [
                "indicators",
                "--units",
                str(paths["units.csv"]),
                "--households",
                str(paths["households.jsonl"]),
                "--teams",
                str(paths["teams.csv"]),
                "--service-reports",
                str(paths["reports.csv"]),
                "--period",
                "2025-Q3",
            ]
        )
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "Traceback" not in out
    assert status in (0, 2), (status, err)
    if status == 2:
        # The corrupted file, or one its change broke (a team of a village cut from the units).
        named = [n for n in NAMES if n in err]
        assert named, f"the message names a file: {err!r}"
        listed = [line.strip() for line in err.splitlines()[1:] if line.startswith("  ")]
        assert all(line.split(":", 1)[0] in NAMES for line in listed), err
        first = min(named, key=err.index)
        named_line = _LINE.search(err.split(first, 1)[1]) is not None
        assert named_line or any(word in err for word in _FILE_LEVEL), f"no line named: {err!r}"
