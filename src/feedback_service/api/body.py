"""Strict request bodies: decoded by msgspec straight from bytes, documented like any Struct.

Litestar decodes bodies leniently (``"2"`` would become ``2``) and answers every failure with the
same 400. Teams' apps deserve exact answers, so :class:`StrictBody` decodes with ``strict=True``
and lets msgspec's own errors through: malformed JSON becomes a 400 ``malformed-json`` problem,
a wrong type or an unknown field a 422 ``validation`` problem with the JSON path (see
:mod:`feedback_service.api.problems`). The OpenAPI schema is the Struct's own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Generic, TypeVar

import msgspec
from litestar.dto import MsgspecDTO

if TYPE_CHECKING:
    from litestar._openapi.schema_generation import SchemaCreator
    from litestar.openapi.spec import Reference, Schema
    from litestar.typing import FieldDefinition

__all__ = ["StrictBody", "decode_strict"]

T = TypeVar("T", bound=msgspec.Struct)
S = TypeVar("S")


def decode_strict(value: bytes, model: type[S]) -> S:
    """``value`` decoded as ``model``, strictly.

    msgspec validates while it parses, so a body that is both mistyped early and truncated later
    fails validation first; it is still malformed JSON, and that is what the client must hear.
    """
    try:
        return msgspec.json.decode(value, type=model, strict=True)
    except msgspec.ValidationError:
        msgspec.json.decode(value)  # raises DecodeError if the JSON itself is broken
        raise


class StrictBody(MsgspecDTO[T], Generic[T]):
    """Use as ``dto=StrictBody[Model], return_dto=None`` on a handler that takes ``data: Model``."""

    def decode_bytes(self, value: bytes) -> Any:
        return decode_strict(value, self.model_type)

    @classmethod
    def create_openapi_schema(
        cls, field_definition: FieldDefinition, handler_id: str, schema_creator: SchemaCreator
    ) -> Reference | Schema:
        return schema_creator.for_field_definition(field_definition)
