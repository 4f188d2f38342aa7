"""JSON Lines for any domain type (tickets, histories, reports): one value a line, streamed.

Households have their own faster reader and writer in :mod:`digitransform.formats.households`;
these are the general ones, built on the converter.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TypeVar

import msgspec

from digitransform.formats._io import Sink, Source, numbered_lines, open_byte_sink, source_name
from digitransform.formats.converter import converter, from_json

__all__ = ["iter_json_lines", "write_json_lines"]

T = TypeVar("T")

_ENCODER = msgspec.json.Encoder()


def iter_json_lines(src: Source, cls: type[T]) -> Iterator[T]:
    """Stream the ``cls`` values of a JSON Lines file; blank lines are skipped.

    Raises :class:`FormatError` at the first bad line, naming the file, the line and the field.
    """
    source = source_name(src)
    for number, line in numbered_lines(src):
        yield from_json(line, cls, source=source, line=number)


def write_json_lines(values: Iterable[object], dst: Sink) -> int:
    """Write one value a line as JSON (through the converter); returns how many were written."""
    count = 0
    with open_byte_sink(dst) as write:
        for value in values:
            write(_ENCODER.encode(converter.unstructure(value)) + b"\n")
            count += 1
    return count
