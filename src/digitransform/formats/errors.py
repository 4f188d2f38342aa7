"""Errors a person can act on: which file, which line, which field, and what is allowed.

``str(error)`` reads like a compiler message, ``households.jsonl:12: $.members[2].age: must be
between 0 and 130, got -1``, so a command line can print it as it is.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

__all__ = ["INPUT", "FormatError", "FormatErrors", "unreadable_json"]

INPUT = "<input>"
"""The source name used when the input has no file name (a string, a ``StringIO``)."""


class FormatError(ValueError):
    """One problem in interchange data.

    Attributes:
        source: the file name (without its directory), or ``"<input>"``.
        line: the 1-based line of the file, or ``None`` when the input has no lines.
        path: where in the record: a JSON path such as ``$.members[2].age``, a CSV column such as
            ``$.parent_code``, or ``""`` for the record or file as a whole.
        message: what is wrong and what is allowed.
    """

    def __init__(self, message: str, *, source: str = INPUT, line: int | None = None, path: str = "") -> None:
        self.message = message
        self.source = source
        self.line = line
        self.path = path
        super().__init__(self._render())

    def _render(self) -> str:
        where = self.source if self.line is None else f"{self.source}:{self.line}"
        field = f"{self.path}: " if self.path else ""
        return f"{where}: {field}{self.message}"

    def __str__(self) -> str:
        return self._render()

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only arguments do not survive the default exception pickling (worker processes).
        return (_rebuild, (self.message, self.source, self.line, self.path))


def _rebuild(message: str, source: str, line: int | None, path: str) -> FormatError:
    return FormatError(message, source=source, line=line, path=path)


class FormatErrors(FormatError):
    """Several problems found together, such as every broken row of a CSV file.

    A subclass of :class:`FormatError`, so ``except FormatError`` catches both; its own ``source``,
    ``line``, ``path`` and ``message`` are those of the first problem, and ``str()`` lists them all,
    one a line.
    """

    def __init__(self, errors: Iterable[FormatError]) -> None:
        self.errors: tuple[FormatError, ...] = tuple(errors)
        if not self.errors:
            raise ValueError("FormatErrors needs at least one error")
        first = self.errors[0]
        super().__init__(first.message, source=first.source, line=first.line, path=first.path)

    def __str__(self) -> str:
        count = len(self.errors)
        head = f"{count} problem{'' if count == 1 else 's'} in {self.errors[0].source}:"
        return "\n".join([head, *(f"  {error}" for error in self.errors)])

    def __reduce__(self) -> tuple[Any, ...]:
        return (FormatErrors, (self.errors,))


def unreadable_json(data: bytes | str) -> str:
    """Why ``data``, which a JSON decoder refused, is not a JSON document: in this project's words.

    The decoder's own message changes between its releases (msgspec 0.23 reports bad UTF-8 as
    malformed JSON), so what a person reads is worked out here: first whether the bytes are UTF-8 at
    all, then where the JSON syntax breaks (the standard library names the column).
    """
    if isinstance(data, bytes | bytearray | memoryview):
        raw = bytes(data)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            byte = raw[exc.start]
            return (
                f"not UTF-8 text: byte {exc.start + 1} (0x{byte:02x}) does not start or continue a character"
            )
    else:
        text = data
    try:
        json.loads(text.rstrip("\r\n"))  # a line's own break is not part of what it holds
    except RecursionError:
        return "not valid JSON: nested too deeply"
    except ValueError as exc:
        if isinstance(exc, json.JSONDecodeError):
            return f"not valid JSON: {exc.msg.lower()} at column {exc.colno}"
        return "not valid JSON"
    return "not valid JSON: a value out of the supported range (a number too large, NaN or Infinity)"
