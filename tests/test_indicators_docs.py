"""The examples in docs/indicators.md run as written, in order, sharing one namespace."""

from __future__ import annotations

import re
from pathlib import Path

from digitransform.indicators import CATALOGUE

DOC = Path(__file__).resolve().parents[1] / "docs" / "indicators.md"
TEXT = DOC.read_text(encoding="utf-8")
BLOCKS = re.findall(r"```python\n(.*?)```", TEXT, flags=re.DOTALL)


def test_every_indicator_has_a_section_with_a_worked_example() -> None:
    """Each catalogue code has its own section, and that section carries a runnable example."""
    for code in CATALOGUE:
        heading = f"### `{code}`"
        assert heading in TEXT, code
        section = TEXT.split(heading, 1)[1].split("\n### ", 1)[0]
        assert "```python" in section, code
        for part in (
            "**Definition",
            "**Formula**",
            "**Population",
            "**Source and target**",
            "**Worked example**",
        ):
            assert part in section, (code, part)


def test_examples_run_in_order() -> None:
    """The page's Python examples run one after the other without error (their asserts hold)."""
    namespace: dict[str, object] = {"__name__": "docs_example"}
    for i, block in enumerate(BLOCKS):
        exec(compile(block, f"{DOC}:block{i}", "exec"), namespace)
