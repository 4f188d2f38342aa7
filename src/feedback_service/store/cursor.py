"""Opaque page cursors: where the previous page ended, in the list's stable order.

A cursor is URL-safe base64 of ``[order, moment, id]``. It is opaque to clients (they pass it back
unchanged) but not secret: it carries nothing the client could not see on the page it came from.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt

import attrs
import msgspec

from digitransform.domain import calendar_problem

__all__ = ["Cursor", "CursorError"]


class CursorError(ValueError):
    """A cursor this service did not make, or made for another order."""


@attrs.frozen
class Cursor:
    """The last item of a page: its ordering moment and id, and which order the list was in."""

    order: str
    moment: dt.datetime
    id: str

    def encode(self) -> str:
        raw = msgspec.json.encode([self.order, self.moment.astimezone(dt.UTC).isoformat(), self.id])
        return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")

    @classmethod
    def decode(cls, text: str) -> Cursor:
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            order, moment, item_id = msgspec.json.decode(raw, type=tuple[str, dt.datetime, str])
        except (binascii.Error, ValueError, msgspec.DecodeError):
            raise CursorError(
                "cursor: not a cursor this service made; pass next_cursor back unchanged"
            ) from None
        # A moment outside the calendar would overflow on its way to UTC; a NUL no store can compare.
        if moment.utcoffset() is None or calendar_problem(moment) is not None or "\x00" in item_id:
            raise CursorError("cursor: not a cursor this service made; pass next_cursor back unchanged")
        return cls(order, moment, item_id)
