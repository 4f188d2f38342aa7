"""The examples in docs/trends.md run and their assertions hold."""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "trends.md"


def test_every_python_block_in_the_trends_doc_runs() -> None:
    """Each fenced Python block of docs/trends.md executes without error (tracebacks give the doc's lines)."""
    text = DOC.read_text(encoding="utf-8")
    blocks = list(re.finditer(r"```python\n(.*?)```", text, flags=re.DOTALL))
    assert blocks
    for block in blocks:
        padding = "\n" * text.count("\n", 0, block.start(1))
        exec(compile(padding + block[1], str(DOC), "exec"), {})
