"""The examples in docs/service.md run and their assertions hold."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "service.md"


def test_every_python_block_in_the_service_doc_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each fenced Python block of docs/service.md runs without error (tracebacks give the doc's lines)."""
    for name in ("FEEDBACK_UNITS", "FEEDBACK_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    text = DOC.read_text(encoding="utf-8")
    blocks = list(re.finditer(r"```python\n(.*?)```", text, flags=re.DOTALL))
    assert blocks
    for block in blocks:
        padding = "\n" * text.count("\n", 0, block.start(1))
        exec(compile(padding + block[1], str(DOC), "exec"), {})


def test_every_problem_code_is_documented() -> None:
    """Each problem code the API can answer with has a row in the doc's table of errors."""
    from feedback_service.api.problems import TITLES

    text = DOC.read_text(encoding="utf-8")
    missing = [code for code in TITLES if f"`{code}`" not in text and code != "unsupported-media-type"]
    assert missing == []


def test_every_setting_is_documented() -> None:
    """Each FEEDBACK_* variable the settings read has a row in the doc's table of settings."""
    from feedback_service.settings import Settings

    text = DOC.read_text(encoding="utf-8")
    assert [name for name in Settings().to_env() if f"`{name}`" not in text] == []
