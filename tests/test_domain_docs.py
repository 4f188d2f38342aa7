"""The examples in docs/domain-model.md run as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[1] / "docs" / "domain-model.md"
BLOCKS = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.DOTALL)


def test_the_document_has_examples() -> None:
    """The domain-model document carries runnable examples, the strategies' included."""
    assert len(BLOCKS) >= 4
    assert any("digitransform.testing" in block for block in BLOCKS)


@pytest.mark.parametrize("block", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_example_runs(block: str) -> None:
    """Each Python example of the document runs without error."""
    exec(compile(block, str(DOC), "exec"), {"__name__": "docs_example"})
