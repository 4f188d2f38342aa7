"""``crosswalk.csv`` and ``unit_history.csv``: how unit codes changed, and when each unit was valid.

A crosswalk row says that from ``effective`` on, ``old_code`` is (part of) ``new_code``::

    old_code,new_code,effective,share,partial,old_name,new_name
    30736,30742,2025-07-01,,,Phường Vĩnh Quang,Phường Rạch Giá
    30316,30301,2025-07-01,0.6,true,Xã A,Phường B

Lines starting with ``#`` before the header describe the file (its source, licence and date) and
are skipped. ``unit_history.csv`` is ``units.csv`` with two optional columns, ``valid_from`` and
``valid_to`` (inclusive ISO dates, empty for an open end). See ``docs/data-formats.md``.
"""

from __future__ import annotations

import datetime as dt
import io

from digitransform.domain import AdminUnit
from digitransform.domain.mergers import Crosswalk, CrosswalkEntry, DatedUnit, UnitHistory
from digitransform.formats._io import Problems, Source, Table, csv_rows, open_text, source_name
from digitransform.formats.converter import structure
from digitransform.formats.errors import FormatError

__all__ = ["CROSSWALK_TABLE", "UNIT_HISTORY_TABLE", "read_crosswalk_csv", "read_unit_history_csv"]

CROSSWALK_TABLE = Table(("old_code", "new_code", "effective"), ("share", "partial", "old_name", "new_name"))
UNIT_HISTORY_TABLE = Table(("code", "name", "level", "parent_code"), ("valid_from", "valid_to"))

_TRUE = {"true", "yes", "1"}
_FALSE = {"false", "no", "0", ""}


def _without_preamble(src: Source) -> tuple[str, io.StringIO, int]:
    """The text after the leading ``#`` lines, and how many lines were skipped."""
    with open_text(src) as f:
        text = f.read()
    lines = text.splitlines(keepends=True)
    skipped = 0
    while skipped < len(lines) and lines[skipped].lstrip("\ufeff").startswith("#"):
        skipped += 1
    return source_name(src), io.StringIO("".join(lines[skipped:])), skipped


def _date(text: str, column: str, source: str, line: int, *, optional: bool) -> dt.date | None:
    if not text and optional:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise FormatError(
            f"expected a date such as 2025-07-01{' or nothing' if optional else ''}, got {text!r}",
            source=source,
            line=line,
            path=f"$.{column}",
        ) from None


def read_crosswalk_csv(src: Source) -> Crosswalk:
    """The crosswalk of a ``crosswalk.csv``; every bad row named by line and column, all at once."""
    source, text, skipped = _without_preamble(src)
    problems = Problems(source)
    entries: list[CrosswalkEntry] = []
    for line, row in csv_rows(text, CROSSWALK_TABLE, source):
        line += skipped
        try:
            entries.append(_entry(row, source, line))
        except FormatError as exc:
            if problems.add(exc):
                break
    problems.raise_any()
    try:
        return Crosswalk(entries)
    except ValueError as exc:
        message, at = str(exc), None
        if message.startswith("line "):
            number, _, message = message[5:].partition(": ")
            at = int(number)
        raise FormatError(message, source=source, line=at) from None


def _entry(row: dict[str, str], source: str, line: int) -> CrosswalkEntry:
    for column in ("old_code", "new_code"):
        if not row[column] or row[column] != row[column].strip():
            raise FormatError(
                f"expected a unit code without surrounding spaces, got {row[column]!r}",
                source=source,
                line=line,
                path=f"$.{column}",
            )
    effective = _date(row["effective"], "effective", source, line, optional=False)
    assert effective is not None
    share_text = row.get("share", "").strip()
    share = None
    if share_text:
        try:
            share = float(share_text)
        except ValueError:
            share = -1.0
        if not 0 < share <= 1:
            raise FormatError(
                f"expected a share above 0 and at most 1 (such as 0.4), or nothing; got {share_text!r}",
                source=source,
                line=line,
                path="$.share",
            )
    partial_text = row.get("partial", "").strip().lower()
    if partial_text not in _TRUE | _FALSE:
        raise FormatError(
            f"expected true, false or nothing, got {row.get('partial')!r}",
            source=source,
            line=line,
            path="$.partial",
        )
    return CrosswalkEntry(
        old_code=row["old_code"],
        new_code=row["new_code"],
        effective=effective,
        share=share,
        partial=partial_text in _TRUE or (share is not None and share < 1),
        old_name=row.get("old_name", ""),
        new_name=row.get("new_name", ""),
        line=line,
    )


def read_unit_history_csv(src: Source) -> UnitHistory:
    """Units with validity dates; ``units.csv`` itself reads as units valid at all times."""
    source, text, skipped = _without_preamble(src)
    problems = Problems(source)
    dated: list[DatedUnit] = []
    for line, row in csv_rows(text, UNIT_HISTORY_TABLE, source):
        line += skipped
        plain = {
            "code": row["code"],
            "name": row["name"],
            "level": row["level"],
            "parent_code": row["parent_code"] or None,
        }
        try:
            unit = structure(plain, AdminUnit, source=source, line=line)
            start = _date(row.get("valid_from", ""), "valid_from", source, line, optional=True)
            end = _date(row.get("valid_to", ""), "valid_to", source, line, optional=True)
            if start and end and end < start:
                raise FormatError(f"valid_to {end} precedes valid_from {start}", source=source, line=line)
            dated.append(DatedUnit(unit, start, end))
        except FormatError as exc:
            if problems.add(exc):
                break
    problems.raise_any()
    try:
        return UnitHistory(dated)
    except ValueError as exc:
        raise FormatError(str(exc), source=source) from None
