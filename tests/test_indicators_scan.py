"""The households file scanner: same counts as domain objects, byte ranges, workers, and bad lines."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from digitransform.domain import AdminLevel, AdminTree, AdminUnit, Household, Resident
from digitransform.formats import FormatError, write_households_jsonl
from digitransform.indicators import (
    DEFAULT_REPORT,
    Accumulator,
    byte_ranges,
    count_households_file,
    count_households_lines,
    scan,
)
from digitransform.testing import admin_trees, households_in

TREE = AdminTree.from_units(
    [
        AdminUnit("AG", "An Giang", AdminLevel.PROVINCE),
        AdminUnit("C1", "Xã Vân Khánh", AdminLevel.COMMUNE, "AG"),
        AdminUnit("A", "Ấp Kim Quy A", AdminLevel.VILLAGE, "C1"),
        AdminUnit("B", "Ấp Kim Quy B", AdminLevel.VILLAGE, "C1"),
    ]
)


def write(path: Path, households: list[Household]) -> Path:
    buffer = io.BytesIO()
    write_households_jsonl(households, buffer)
    path.write_bytes(buffer.getvalue())
    return path


def sample(n: int) -> list[Household]:
    return [
        Household(
            f"h-{i}",
            "A" if i % 3 else "B",
            other_smart_devices=i % 2,
            members=[Resident(10 + 7 * (i % 9), smartphone=i % 4 == 0, digital_skills=i % 5 == 0)] * (i % 4),
        )
        for i in range(n)
    ]


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.data())
def test_file_counts_equal_domain_counts(tmp_path: Path, data: st.DataObject) -> None:
    """Counting the JSON Lines file gives exactly the counts of adding the same households as objects."""
    tree = data.draw(admin_trees(max_communes=2, max_villages=3))
    households = data.draw(st.lists(households_in(tree), max_size=30))
    path = write(tmp_path / "households.jsonl", households)
    from_file = Accumulator(tree, DEFAULT_REPORT)
    assert count_households_file(path, from_file) == len(households)
    from_objects = Accumulator(tree, DEFAULT_REPORT)
    from_objects.add_households(households)
    assert from_file.counts == from_objects.counts


@given(st.lists(st.binary(max_size=30).map(lambda b: b.replace(b"\n", b"")), max_size=30), st.integers(1, 8))
def test_byte_ranges_cover_the_file_at_line_starts(
    tmp_path_factory: pytest.TempPathFactory, lines: list[bytes], parts: int
) -> None:
    """Byte ranges are contiguous, cover the whole file, and each starts at a line start."""
    content = b"\n".join(lines)
    path = tmp_path_factory.mktemp("ranges") / "f.jsonl"
    path.write_bytes(content)
    ranges = byte_ranges(path, parts)
    assert len(ranges) <= parts
    position = 0
    for start, end in ranges:
        assert start == position and end > start
        assert start == 0 or content[start - 1 : start] == b"\n"
        position = end
    assert position == len(content)


def test_small_chunks_and_many_ranges_change_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks shorter than a line and ranges of a few bytes give the same counts."""
    households = sample(200)
    path = write(tmp_path / "households.jsonl", households)
    expected = Accumulator(TREE)
    expected.add_households(households)
    monkeypatch.setattr(scan, "CHUNK_BYTES", 50)
    monkeypatch.setattr(scan, "_MIN_PART_BYTES", 1)
    for workers in (1, 2):
        accumulator = Accumulator(TREE)
        assert count_households_file(path, accumulator, workers=workers) == 200
        assert accumulator.counts == expected.counts, workers


def test_progress_reports_every_byte(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The progress callback adds up to the file's size, with one worker or two."""
    path = write(tmp_path / "households.jsonl", sample(300))
    monkeypatch.setattr(scan, "_MIN_PART_BYTES", 1)
    for workers in (1, 2):
        seen: list[int] = []
        count_households_file(path, Accumulator(TREE), workers=workers, on_progress=seen.append)
        assert sum(seen) == path.stat().st_size


def test_blank_lines_a_bom_and_no_final_newline(tmp_path: Path) -> None:
    """A byte-order mark, blank lines and a missing final newline are all fine."""
    path = tmp_path / "households.jsonl"
    path.write_bytes(
        "\ufeff".encode()
        + b'{"id": "h-1", "village": "A", "members": [{"age": 30, "smartphone": true}]}\n\n  \n'
        + b'{"id": "h-2", "village": "B"}'
    )
    accumulator = Accumulator(TREE)
    assert count_households_file(path, accumulator) == 2
    assert accumulator.households == 2


@pytest.mark.parametrize(
    ("line", "path", "message"),
    [
        (b'{"id": "h-9", "village": "A", "members": [{"age": -1}]}', "$.members[0].age", "between 0 and 130"),
        (
            b'{"id": "h-9", "village": "A", "members": [{"age": 40, "vneid_level": 3}]}',
            "$.members[0].vneid_level",
            "3",
        ),
        (b'{"id": "h-9", "village": "A", "internet": "dialup"}', "$.internet", "dialup"),
        (b'{"id": "h-9", "village": "ZZ"}', "$.village", "'ZZ' is not a unit of AG"),
        (b'{"id": "h-9", "village": "C1"}', "$.village", "'C1' is a commune, not a village of AG"),
        (b'{"id": "h-9", "village": "A", "members": [{"smartphone": true}]}', "$.members[0].age", "required"),
    ],
)
def test_bad_line_names_file_line_and_field(tmp_path: Path, line: bytes, path: str, message: str) -> None:
    """A bad household is an error naming the file, the line and the field."""
    good = b'{"id": "h-1", "village": "A"}\n'
    file = tmp_path / "households.jsonl"
    file.write_bytes(good + b"\n" + good + line + b"\n" + good)
    with pytest.raises(FormatError) as caught:
        count_households_file(file, Accumulator(TREE))
    error = caught.value
    assert (error.source, error.line, error.path) == ("households.jsonl", 4, path)
    assert message in error.message


def test_invalid_json_is_named(tmp_path: Path) -> None:
    """A line that is not JSON is an error on that line."""
    file = tmp_path / "households.jsonl"
    file.write_bytes(b'{"id": "h-1", "village": "A"}\n{"id": "h-2", \n')
    with pytest.raises(FormatError, match=r"households.jsonl:2: .*JSON"):
        count_households_file(file, Accumulator(TREE))


def test_bad_line_far_into_the_file_with_workers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With workers, the error names the line of the whole file, and the first bad one."""
    monkeypatch.setattr(scan, "_MIN_PART_BYTES", 1)
    lines = [b'{"id": "h-%d", "village": "A"}' % i for i in range(1000)]
    lines[700] = b'{"id": "h-700", "village": "A", "other_smart_devices": -2}'
    lines[900] = b'{"id": "h-900", "village": "nowhere"}'
    file = tmp_path / "households.jsonl"
    file.write_bytes(b"\n".join(lines) + b"\n")
    with pytest.raises(FormatError) as caught:
        count_households_file(file, Accumulator(TREE), workers=2)
    assert (caught.value.line, caught.value.path) == (701, "$.other_smart_devices")


def test_lines_in_memory_count_like_the_file(tmp_path: Path) -> None:
    """Lines held in memory (a Dask or Spark partition) count exactly like the file they came from."""
    path = write(tmp_path / "households.jsonl", sample(500))
    from_file = Accumulator(TREE)
    count_households_file(path, from_file)
    lines = path.read_text(encoding="utf-8").splitlines()
    halves = Accumulator(TREE), Accumulator(TREE)
    assert count_households_lines(lines[:200], halves[0]) == 200
    assert count_households_lines([line.encode() for line in lines[200:]], halves[1]) == 300
    assert halves[0].merge(halves[1]).counts == from_file.counts


def test_bad_line_in_memory_names_its_position() -> None:
    """A bad line among lines in memory is named by its position and the source given."""
    lines = ['{"id": "h-1", "village": "A"}', "", '{"id": "h-2", "village": "A", "members": [{"age": 131}]}']
    with pytest.raises(FormatError, match=r"part-7:3: \$\.members\[0\]\.age"):
        count_households_lines(lines, Accumulator(TREE), source="part-7")
