"""The examples in docs/interop.md run as written, and its sample documents agree with the golden files."""

from __future__ import annotations

import re
from pathlib import Path

DOCS = Path(__file__).resolve().parents[1] / "docs"
TEXT = (DOCS / "interop.md").read_text(encoding="utf-8")
GOLDEN = Path(__file__).parent / "golden" / "dhis2"


def test_examples_run_in_order() -> None:
    """The page's Python examples run one after the other without error (their asserts hold)."""
    blocks = re.findall(r"```python\n(.*?)```", TEXT, flags=re.DOTALL)
    assert blocks
    namespace: dict[str, object] = {"__name__": "docs_example"}
    for i, block in enumerate(blocks):
        exec(compile(block, f"interop.md:block{i}", "exec"), namespace)


def test_the_adx_sample_is_the_start_of_the_golden_file() -> None:
    """The ADX shown on the page is the golden file's first group, as the exporter writes it."""
    sample = re.search(r"```xml\n(.*?)```", TEXT, flags=re.DOTALL)
    assert sample is not None
    golden = (GOLDEN / "report.adx.xml").read_text(encoding="utf-8")
    shown = sample[1].splitlines()
    # The declaration, the root, the group and its first two values, exactly; the page then cuts.
    assert shown[:5] == golden.splitlines()[:5]
