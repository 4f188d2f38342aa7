"""Opening what a caller hands us (a path, a text file, a binary file) and reading CSV rows with lines.

Every reader and writer accepts the same three kinds of source, so this is where that is decided once.
Input may start with a UTF-8 byte order mark (spreadsheet programs write one); output never does.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import IO, Any, TypeAlias, cast

import attrs

from digitransform.formats.errors import INPUT, FormatError, FormatErrors

__all__ = [
    "BOM",
    "MAX_REPORTED",
    "Problems",
    "Sink",
    "Source",
    "Table",
    "csv_rows",
    "int_cell",
    "numbered_lines",
    "open_binary_lines",
    "open_byte_sink",
    "open_text",
    "open_text_sink",
    "source_name",
    "write_csv",
]

Source: TypeAlias = str | os.PathLike[str] | IO[str] | IO[bytes]
"""A file path, or a file opened in text or binary mode."""

Sink: TypeAlias = str | os.PathLike[str] | IO[str] | IO[bytes]
"""A file path (created or replaced), or a file opened for writing in text or binary mode."""

BOM = "\ufeff"

MAX_REPORTED = 100
"""A reader that collects problems stops after this many: the file is clearly not what was meant."""


def source_name(src: Source) -> str:
    """The file name (without directories) to put in messages, ``<input>`` if there is none."""
    if isinstance(src, str | os.PathLike):
        return os.path.basename(os.fspath(src))
    name = getattr(src, "name", None)
    return os.path.basename(name) if isinstance(name, str) and name else INPUT


def _is_binary(f: IO[Any]) -> bool:
    if isinstance(f, io.TextIOBase):
        return False
    if isinstance(f, io.RawIOBase | io.BufferedIOBase):
        return True
    return "b" in getattr(f, "mode", "")


@contextmanager
def open_text(src: Source) -> Iterator[IO[str]]:
    """``src`` as text for reading (UTF-8, a leading BOM removed from paths and binary files)."""
    if isinstance(src, str | os.PathLike):
        with open(src, encoding="utf-8-sig", newline="") as f:
            yield f
    elif _is_binary(src):
        wrapper = io.TextIOWrapper(cast(IO[bytes], src), encoding="utf-8-sig", newline="")
        try:
            yield wrapper
        finally:
            wrapper.detach()
    else:
        yield cast(IO[str], src)


@contextmanager
def open_binary_lines(src: Source) -> Iterator[Iterable[bytes | str]]:
    """``src`` as an iterable of lines, bytes where possible (JSON decoders prefer them)."""
    if isinstance(src, str | os.PathLike):
        with open(src, "rb") as f:
            yield f
    else:
        yield src


def numbered_lines(src: Source) -> Iterator[tuple[int, bytes | str]]:
    """The non-blank lines of a JSON Lines source with their 1-based numbers, a leading BOM removed.

    A line that is not UTF-8 in a text file is a :class:`FormatError` on its line.
    """
    source = source_name(src)
    number = 0
    with open_binary_lines(src) as lines:
        iterator = iter(lines)
        while True:
            try:
                line = next(iterator)
            except StopIteration:
                return
            except UnicodeDecodeError as exc:
                raise FormatError(f"not UTF-8 text: {exc.reason}", source=source, line=number + 1) from None
            number += 1
            if number == 1:
                line = line.removeprefix(BOM) if isinstance(line, str) else line.removeprefix(BOM.encode())
            if line.strip():
                yield number, line


@contextmanager
def open_byte_sink(dst: Sink) -> Iterator[Callable[[bytes], object]]:
    """A function that writes UTF-8 bytes to ``dst`` (decoding them for a text file)."""
    if isinstance(dst, str | os.PathLike):
        with open(dst, "wb") as f:
            yield f.write
    elif _is_binary(dst):
        yield cast(IO[bytes], dst).write
    else:
        text = cast(IO[str], dst)
        yield lambda data: text.write(data.decode("utf-8"))


@contextmanager
def open_text_sink(dst: Sink) -> Iterator[IO[str]]:
    """``dst`` as UTF-8 text for writing, without newline translation (CSV writes its own)."""
    if isinstance(dst, str | os.PathLike):
        with open(dst, "w", encoding="utf-8", newline="") as f:
            yield f
    elif _is_binary(dst):
        wrapper = io.TextIOWrapper(cast(IO[bytes], dst), encoding="utf-8", newline="")
        try:
            yield wrapper
        finally:
            wrapper.flush()
            wrapper.detach()
    else:
        yield cast(IO[str], dst)


class Problems:
    """The problems a reader found so far, so that one run of a file reports all of them."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.errors: list[FormatError] = []

    def add(self, error: FormatError) -> bool:
        """Keep ``error`` (each one of a :class:`FormatErrors`); ``True`` when it is time to stop."""
        self.errors.extend(error.errors if isinstance(error, FormatErrors) else (error,))
        if len(self.errors) >= MAX_REPORTED:
            self.errors.append(FormatError(f"stopped after {MAX_REPORTED} problems", source=self.source))
            return True
        return False

    def raise_any(self) -> None:
        """Raise what was found: one :class:`FormatError`, or :class:`FormatErrors` for several."""
        if len(self.errors) == 1:
            raise self.errors[0]
        if self.errors:
            raise FormatErrors(self.errors)


@attrs.frozen
class Table:
    """The columns of a CSV format: those every file must have, and those it may have."""

    required: tuple[str, ...]
    optional: tuple[str, ...] = ()

    @property
    def header(self) -> str:
        return ",".join(self.required)


def csv_rows(f: IO[str], table: Table, source: str) -> Iterator[tuple[int, dict[str, str]]]:
    """Each data row of a CSV file as ``(line, {column: text})``, after checking the header.

    Columns beyond the table's are ignored (newer files may add some); a missing column, a repeated
    one, or a row with the wrong number of fields is a :class:`FormatError`. Blank lines are skipped.
    """
    reader = csv.reader(f, strict=True)
    next_line = 1
    try:
        header = next(reader, None)
        if header is None:
            raise FormatError(f"the file is empty; expected the header {table.header}", source=source, line=1)
        if header and header[0].startswith(BOM):
            header[0] = header[0][1:]
        _check_header(header, table, source)
        next_line = reader.line_num + 1
        for row in reader:
            line = next_line
            next_line = reader.line_num + 1
            if not row or row == [""]:
                continue
            if len(row) != len(header):
                raise FormatError(
                    f"expected {len(header)} fields as in the header, got {len(row)}",
                    source=source,
                    line=line,
                )
            yield line, dict(zip(header, row, strict=True))
    except csv.Error as exc:
        raise FormatError(f"not valid CSV: {exc}", source=source, line=next_line) from None
    except UnicodeDecodeError as exc:
        raise FormatError(f"not UTF-8 text: {exc.reason}", source=source, line=next_line) from None


def _check_header(header: list[str], table: Table, source: str) -> None:
    names = [name.strip() for name in header]
    repeated = sorted({n for n in names if names.count(n) > 1})
    missing = [n for n in table.required if n not in names]
    if repeated or missing or names != header:
        problems = []
        if missing:
            problems.append(f"missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}")
        if repeated:
            problems.append(f"repeated column{'s' if len(repeated) > 1 else ''} {', '.join(repeated)}")
        if names != header:
            problems.append("column names must not have surrounding spaces")
        raise FormatError(
            f"wrong header ({'; '.join(problems)}): expected {table.header}"
            + (f" (optional: {','.join(table.optional)})" if table.optional else "")
            + f", got {','.join(header)}",
            source=source,
            line=1,
        )


_INTEGER = re.compile(r"\s*-?[0-9]+\s*")


def int_cell(text: str) -> int | str:
    """A CSV cell as an integer when it is one, else the text itself (for the converter to refuse)."""
    return int(text) if _INTEGER.fullmatch(text) else text


def write_csv(
    items: Iterable[Any], dst: Sink, header: Sequence[str], row: Callable[[Any], Sequence[object]]
) -> int:
    """Write a header and one row per item; returns how many rows were written."""
    count = 0
    with open_text_sink(dst) as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        for item in items:
            writer.writerow(row(item))
            count += 1
    return count
