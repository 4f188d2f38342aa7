"""``units.csv``: the administrative tree as a flat list, ``code,name,level,parent_code``.

Rows may come in any order (a village before its commune); the tree is checked as a whole by
:func:`load_tree`, and each of its problems is reported on the line of the unit concerned.
"""

from __future__ import annotations

from collections.abc import Iterable

from digitransform.domain import AdminTree, AdminTreeError, AdminUnit
from digitransform.formats._io import (
    Problems,
    Sink,
    Source,
    Table,
    csv_rows,
    open_text,
    source_name,
    write_csv,
)
from digitransform.formats.converter import structure
from digitransform.formats.errors import FormatError, FormatErrors

__all__ = ["UNITS_TABLE", "load_tree", "read_units_csv", "write_units_csv"]

UNITS_TABLE = Table(("code", "name", "level", "parent_code"))

# Which column a tree problem is about, by TreeProblem.kind.
_PROBLEM_COLUMNS = {
    "duplicate_code": "$.code",
    "missing_parent": "$.parent_code",
    "wrong_parent_level": "$.parent_code",
    "cycle": "$.parent_code",
    "root_count": "$.parent_code",
}


def _read(src: Source) -> tuple[str, list[tuple[int, AdminUnit]]]:
    source = source_name(src)
    problems = Problems(source)
    units: list[tuple[int, AdminUnit]] = []
    with open_text(src) as f:
        for line, row in csv_rows(f, UNITS_TABLE, source):
            plain = {
                "code": row["code"],
                "name": row["name"],
                "level": row["level"],
                "parent_code": row["parent_code"] or None,
            }
            try:
                units.append((line, structure(plain, AdminUnit, source=source, line=line)))
            except FormatError as exc:
                if problems.add(_whole_row(exc)):
                    break
    problems.raise_any()
    return source, units


def _whole_row(error: FormatError) -> FormatError:
    # A cross-field rule with no single column reads better without "$:".
    if isinstance(error, FormatErrors):
        return FormatErrors(_whole_row(e) for e in error.errors)
    if error.path == "$":
        return FormatError(error.message, source=error.source, line=error.line)
    return error


def read_units_csv(src: Source) -> list[AdminUnit]:
    """Every unit of a ``units.csv``, in file order, each one valid on its own.

    Raises :class:`FormatError` (or :class:`FormatErrors` for several) naming the line and column of
    every bad row. Whether the units form a tree is :func:`load_tree`'s job.
    """
    _, units = _read(src)
    return [unit for _, unit in units]


def load_tree(units_csv: Source, *, max_code_length: int | None = None) -> AdminTree:
    """The validated tree of a ``units.csv``.

    Every problem of the tree (a duplicate code, a missing parent, a parent of the wrong level, a
    cycle, not exactly one province) becomes a :class:`FormatError` on the line of the unit concerned,
    all raised together as :class:`FormatErrors`. ``max_code_length`` is the longest code the caller
    can keep (a database column, say): a longer one is an error on its line, before anything is built.
    """
    source, units = _read(units_csv)
    if max_code_length is not None:
        too_long = [
            FormatError(
                f"{len(unit.code)} characters; codes of at most {max_code_length} are accepted",
                source=source,
                line=line,
                path="$.code",
            )
            for line, unit in units
            if len(unit.code) > max_code_length
        ]
        if too_long:
            raise FormatErrors(too_long)
    try:
        return AdminTree.from_units(unit for _, unit in units)
    except AdminTreeError as exc:
        lines: dict[str, list[int]] = {}
        for at, unit in units:
            lines.setdefault(unit.code, []).append(at)
        duplicates_seen: dict[str, int] = {}
        errors = []
        for problem in exc.problems:
            found = lines.get(problem.code, [])
            line: int | None
            if problem.kind == "duplicate_code":
                # The tree reports each repeat of a code once, in file order: the first use is fine.
                nth = duplicates_seen.get(problem.code, 0) + 1
                duplicates_seen[problem.code] = nth
                line = found[nth] if nth < len(found) else None
            else:
                line = found[0] if found else None
            errors.append(
                FormatError(
                    problem.message, source=source, line=line, path=_PROBLEM_COLUMNS.get(problem.kind, "")
                )
            )
        raise FormatErrors(errors) from None


def _row(unit: AdminUnit) -> tuple[str, str, str, str]:
    return unit.code, unit.name, unit.level.value, unit.parent_code or ""


def write_units_csv(units: Iterable[AdminUnit], dst: Sink) -> int:
    """Write ``units`` as ``units.csv`` (UTF-8, no BOM); returns how many rows were written."""
    return write_csv(units, dst, UNITS_TABLE.required, _row)
