"""The README's library example runs as written."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_python_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The Python block in the README computes a report for a demo province without error."""
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)
    assert blocks, "the README shows a Python example"
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {}
    exec(compile(blocks[0], str(README), "exec"), namespace)
    row: Any = namespace["row"]
    assert row.denominator > 0
    assert 0 <= row.value <= 100


def test_readme_quick_start_has_exactly_two_command_lines() -> None:
    """The Quick start shows one command for the service demo and one for the tests."""
    text = README.read_text(encoding="utf-8")
    quick = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = [
        line
        for block in re.findall(r"```sh\n(.*?)```", quick, flags=re.S)
        for line in block.splitlines()
        if line and not line.startswith("#")
    ]
    assert len(commands) == 2
    assert commands[0].endswith("feedback-service demo")
    assert commands[1].endswith("pytest")
    ci = (README.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[1] in ci, ".ci/run runs the README's test command"
