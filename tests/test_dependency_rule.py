"""The dependency rule, read from the source with ``ast``: each layer imports nothing it must not.

The rule is stated once, as the tables in ``docs/architecture.md`` ("The dependency rule, and why",
for the library and for the service); this module reads them and checks every module of
``digitransform`` and ``feedback_service`` against them. Nothing in
``digitransform`` imports ``feedback_service``, a web framework or a database driver (the packages in
:data:`FORBIDDEN`).

Every import counts, including those inside functions and under ``if TYPE_CHECKING:``, and
``importlib.import_module("...")`` / ``__import__("...")`` with a literal name.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "digitransform"

FORBIDDEN = frozenset(
    {
        "feedback_service",
        "litestar",
        "starlette",
        "fastapi",
        "flask",
        "django",
        "aiohttp",
        "uvicorn",
        "sqlalchemy",
        "asyncpg",
        "aiosqlite",
        "psycopg",
        "psycopg2",
        "sqlite3",
        "alembic",
    }
)
"""Top-level packages no module of ``digitransform`` may import."""

ARCHITECTURE = SRC.parent / "docs" / "architecture.md"
TABLE_HEADER = "| module | may import (of ours) |"


def stated_rule(page: str) -> dict[str, tuple[str, ...]]:
    """For each layer the tables name, the parts of its own package it may import (itself included).

    Every table under the header ``| module | may import (of ours) |`` counts. A row whose first cell
    names ``digitransform.x`` or ``feedback_service.x`` modules lists what they may import of their own
    package as short names (`` `domain` ``) or says ``nothing``; a row whose second cell begins with
    "any" leaves the layer free within its package; other rows are prose here.
    """
    rule: dict[str, tuple[str, ...]] = {}
    in_table = False
    for line in page.splitlines():
        if line.strip() == TABLE_HEADER:
            in_table = True
            continue
        if not line.startswith("|"):
            in_table = False
        if not in_table:
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        layers = re.findall(r"`((?:digitransform|feedback_service)\.[a-z_]+)`", cells[0])
        if not layers or cells[1].startswith("any"):
            continue
        names = re.findall(r"`([a-z_]+)`", cells[1])
        for layer in layers:
            package = layer.partition(".")[0]
            rule[layer] = (*(f"{package}.{name}" for name in names), layer)
    return rule


ALLOWED_OWN = stated_rule(ARCHITECTURE.read_text(encoding="utf-8"))
"""For each layer, the parts of its own package it may import (itself included), as the docs state."""


def module_name(path: Path) -> tuple[str, bool]:
    """The dotted name of a source file under ``src/``, and whether it is a package ``__init__``."""
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    is_package = parts[-1] == "__init__"
    if is_package:
        parts.pop()
    return ".".join(parts), is_package


def imported_names(source: str, module: str, is_package: bool) -> Iterator[tuple[int, str]]:
    """Every module name ``source`` imports, absolute, with its line number."""
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                prefix = ".".join(base)
                target = f"{prefix}.{node.module}" if node.module else prefix
            else:
                target = node.module or ""
            yield node.lineno, target
            for alias in node.names:  # `from digitransform import formats` imports a module too
                yield node.lineno, f"{target}.{alias.name}"
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in ("import_module", "__import__") and isinstance(node.args[0].value, str):
                yield node.lineno, node.args[0].value


def _within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def violations(source: str, module: str, *, is_package: bool = False) -> list[str]:
    """Every import in ``source`` (the text of ``module``) that breaks the dependency rule.

    Within its own package a layer may import what its row allows; ``digitransform`` never imports
    :data:`FORBIDDEN`; ``feedback_service`` may import any part of ``digitransform``.
    """
    layer = next((layer for layer in ALLOWED_OWN if _within(module, layer)), None)
    package = module.partition(".")[0]
    found = []
    for line, name in imported_names(source, module, is_package):
        top = name.split(".")[0]
        if package == "digitransform" and top in FORBIDDEN:
            found.append(f"{module}:{line}: imports {name}, which no module of digitransform may import")
        elif layer is not None and top == package:
            allowed = ALLOWED_OWN[layer]
            # `from digitransform import x` yields "digitransform" and "digitransform.x": judge the latter.
            if name != package and not any(_within(name, a) for a in allowed):
                found.append(f"{module}:{line}: {layer} may import only {', '.join(allowed)}, not {name}")
    return found


SERVICE = SRC / "feedback_service"


def source_files() -> list[Path]:
    return sorted([*PACKAGE.rglob("*.py"), *SERVICE.rglob("*.py")])


def test_the_stated_rule_is_read_from_the_docs() -> None:
    """The table in docs/architecture.md gives the layers the checker holds the code to."""
    assert ALLOWED_OWN["digitransform.domain"] == ("digitransform.domain",)
    assert ALLOWED_OWN["digitransform.formats"] == ("digitransform.domain", "digitransform.formats")
    assert ALLOWED_OWN["digitransform.trends"] == (
        "digitransform.domain",
        "digitransform.formats",
        "digitransform.trends",
    )
    assert "digitransform.indicators" in ALLOWED_OWN and "digitransform.interop" in ALLOWED_OWN
    assert "digitransform.cli" not in ALLOWED_OWN  # "any part of the library"


@pytest.mark.parametrize("root", [PACKAGE, SERVICE], ids=lambda p: p.name)
def test_every_part_is_in_a_table(root: Path) -> None:
    """Each subpackage and top-level module of both packages has a row, so none escapes the rule."""
    page = ARCHITECTURE.read_text(encoding="utf-8")
    parts = {p.stem for p in root.iterdir() if p.suffix == ".py" and p.stem != "__init__"}
    parts |= {p.name for p in root.iterdir() if (p / "__init__.py").exists()}
    rows = [line.split("|")[1] for line in page.splitlines() if line.startswith("| `")]
    stated = {name for row in rows for name in re.findall(rf"`{root.name}\.([a-z_]+)`", row)}
    assert parts - stated == set()


def test_the_service_layers_point_down() -> None:
    """The store and the use cases import nothing of the edges above them."""
    for lower in ("feedback_service.store", "feedback_service.services", "feedback_service.auth"):
        assert not {"feedback_service.api", "feedback_service.dashboard"} & set(ALLOWED_OWN[lower])


def test_a_table_row_reads_as_written() -> None:
    """Short names become modules, 'nothing' allows only the layer itself, and 'any' frees a layer."""
    page = "\n".join(
        [
            "intro",
            TABLE_HEADER,
            "|---|---|",
            "| `digitransform.a` | nothing |",
            "| `digitransform.b`, `digitransform.c` (note) | `a`, `domain` |",
            "| `digitransform.d` | any part of the library |",
            "| `feedback_service` | anything in `digitransform` |",
            "",
            "text between tables",
            TABLE_HEADER,
            "|---|---|",
            "| `feedback_service.store` | `metrics` |",
            "",
            "| `digitransform.e` | `a` |",
        ]
    )
    assert stated_rule(page) == {
        "digitransform.a": ("digitransform.a",),
        "digitransform.b": ("digitransform.a", "digitransform.domain", "digitransform.b"),
        "digitransform.c": ("digitransform.a", "digitransform.domain", "digitransform.c"),
        "feedback_service.store": ("feedback_service.metrics", "feedback_service.store"),
    }


def test_the_package_has_the_layers_the_rule_is_about() -> None:
    """The checker finds the domain's modules, so an empty scan cannot pass by accident."""
    names = {module_name(p)[0] for p in source_files()}
    assert "digitransform.domain.units" in names
    assert "digitransform.domain.tickets" in names
    assert len(names) >= 10


@pytest.mark.parametrize("path", source_files(), ids=lambda p: str(p.relative_to(SRC)))
def test_module_follows_the_dependency_rule(path: Path) -> None:
    """No module of digitransform imports what its layer may not."""
    module, is_package = module_name(path)
    assert violations(path.read_text(encoding="utf-8"), module, is_package=is_package) == []


# --- the checker can fail -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("module", "source", "is_package"),
    [
        ("digitransform.domain.bad", "import sqlalchemy\n", False),
        ("digitransform.domain.bad", "from digitransform.formats import converter\n", False),
        ("digitransform.domain.bad", "from ..indicators import engine\n", False),
        ("digitransform.domain", "from ..formats import converter\n", True),
        ("digitransform.domain.bad", "from digitransform import formats\n", False),
        ("digitransform.domain.bad", "def f():\n    import digitransform.trends\n", False),
        ("digitransform.indicators.bad", "from digitransform.trends import backlog\n", False),
        ("digitransform.formats.bad", "from digitransform.indicators import x\n", False),
        ("digitransform.cli.bad", "from feedback_service.api import app\n", False),
        ("digitransform.testing.bad", "import litestar.app\n", False),
        ("digitransform.demo", "from sqlite3 import connect\n", False),
        ("feedback_service.store.bad", "from feedback_service.api import app\n", False),
        ("feedback_service.services.bad", "from feedback_service.dashboard import pages\n", False),
        (
            "digitransform.domain.bad",
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import asyncpg\n",
            False,
        ),
        ("digitransform.domain.bad", "import importlib\nimportlib.import_module('psycopg')\n", False),
        ("digitransform.domain.bad", "__import__('digitransform.indicators')\n", False),
    ],
)
def test_the_checker_flags_a_bad_module(module: str, source: str, is_package: bool) -> None:
    """A synthetic module that breaks the rule is flagged, with its line."""
    found = violations(source, module, is_package=is_package)
    assert found, source
    assert all(f.startswith(f"{module}:") for f in found)


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("digitransform.domain.good", "from digitransform.domain.units import AdminTree\nimport attrs\n"),
        ("digitransform.domain.good", "from .units import AdminTree\nfrom . import periods\n"),
        ("digitransform.indicators.good", "from digitransform.formats import converter\nimport msgspec\n"),
        ("digitransform.indicators.good", "from digitransform import domain\n"),
        ("digitransform.cli.good", "from digitransform.indicators import engine\nimport rich\n"),
        ("feedback_service.store.good", "from digitransform.trends import deltas\nimport sqlalchemy\n"),
        ("feedback_service.api.good", "from feedback_service.services import tickets\n"),
    ],
)
def test_the_checker_passes_a_good_module(module: str, source: str) -> None:
    """Imports the rule allows are not flagged."""
    assert violations(source, module) == []


def test_relative_imports_resolve_from_the_package() -> None:
    """A relative import is judged by the absolute module it names."""
    names = [
        n for _, n in imported_names("from ..formats import converter\n", "digitransform.domain.x", False)
    ]
    assert names[0] == "digitransform.formats"
    names = [n for _, n in imported_names("from . import units\n", "digitransform.domain", True)]
    assert names == ["digitransform.domain", "digitransform.domain.units"]
