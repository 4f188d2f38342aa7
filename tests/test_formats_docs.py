"""The examples in docs/data-formats.md run as written, and its sample files read."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from digitransform.domain import Household, InternetAccess
from digitransform.formats import from_json, load_tree, read_service_reports_csv, read_teams_csv

DOC = Path(__file__).resolve().parents[1] / "docs" / "data-formats.md"
TEXT = DOC.read_text(encoding="utf-8")
BLOCKS = re.findall(r"```python\n(.*?)```", TEXT, flags=re.DOTALL)
CSV = re.findall(r"```csv\n(.*?)```", TEXT, flags=re.DOTALL)


def test_the_document_has_examples() -> None:
    """The data-formats document carries a runnable Python example and a sample of each CSV file."""
    assert BLOCKS
    assert [block.splitlines()[0].split(",")[0] for block in CSV] == ["code", "id", "unit"]


@pytest.mark.parametrize("block", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_example_runs(block: str) -> None:
    """Each Python example of the document runs without error."""
    exec(compile(block, str(DOC), "exec"), {"__name__": "docs_example"})


def test_the_sample_files_read() -> None:
    """The document's sample units, reports and the first sample team read with the library."""
    units, teams, reports = CSV
    tree = load_tree(io.StringIO(units))
    assert len(tree) == 5
    first_team = "\n".join(teams.splitlines()[:2]) + "\n"
    assert read_teams_csv(io.StringIO(first_team), tree)[0].members == 8
    assert read_service_reports_csv(io.StringIO(reports), tree)[0].received_online == 6900


def test_the_sample_household_reads() -> None:
    """The document's sample household is a valid household."""
    (sample,) = re.findall(r"```json\n(.*?)```", TEXT, flags=re.DOTALL)
    household = from_json(sample, Household)
    assert household.internet is InternetAccess.FIBRE and [m.age for m in household.members] == [34, 71]
