"""Strict request bodies: decoded by msgspec straight from bytes, documented like any Struct.

Litestar decodes bodies leniently (``"2"`` would become ``2``) and answers every failure with the
same 400. Teams' apps deserve exact answers, so :class:`StrictBody` decodes with ``strict=True``
and lets msgspec's own errors through: malformed JSON becomes a 400 ``malformed-json`` problem,
a wrong type or an unknown field a 422 ``validation`` problem with the JSON path (see
:mod:`feedback_service.api.problems`). The OpenAPI schema is the Struct's own.

Two things JSON allows are refused here, once for every body: nesting so deep that the decoder
runs out of stack (a 400 ``malformed-json``, not a ``RecursionError``), and a NUL character
(``\u0000``) in any string, which PostgreSQL cannot store in text (a 422 naming the field; in a
batch, the item holding it is rejected and the others are stored).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import msgspec
from litestar.dto import MsgspecDTO

if TYPE_CHECKING:
    from litestar._openapi.schema_generation import SchemaCreator
    from litestar.openapi.spec import Reference, Schema
    from litestar.typing import FieldDefinition

__all__ = ["StrictBody", "decode_json", "decode_strict"]

T = TypeVar("T", bound=msgspec.Struct)
S = TypeVar("S")


def decode_json(value: bytes | msgspec.Raw) -> Any:
    """``value`` as plain JSON; a ``DecodeError`` for broken or too deeply nested JSON."""
    try:
        return msgspec.json.decode(value)
    except RecursionError:
        raise msgspec.DecodeError("JSON nested too deeply") from None


def decode_strict(value: bytes | msgspec.Raw, model: type[S]) -> S:
    """``value`` decoded as ``model``, strictly, with no NUL character in any string.

    msgspec validates while it parses, so a body that is both mistyped early and truncated later
    fails validation first; it is still malformed JSON, and that is what the client must hear.
    """
    try:
        decoded: S = _decoder(model).decode(value)
    except msgspec.ValidationError:
        decode_json(value)  # raises DecodeError if the JSON itself is broken
        raise
    except RecursionError:
        raise msgspec.DecodeError("JSON nested too deeply") from None
    # No escape, no NUL in any string: JSON text can hold one only as this escape.
    if _NUL_ESCAPE in (value if isinstance(value, bytes) else bytes(value)):
        for path in _nul_paths(decoded, "$"):
            raise msgspec.ValidationError(f"a NUL character is not allowed in text - at `{path}`")
    return decoded


_NUL_ESCAPE = b"\\u0000"
"""The only way a NUL gets into a decoded string: a raw NUL byte in JSON text is malformed (msgspec
refuses it), and ``0000`` has no letters to write in upper case. Found, it may still be an escaped
backslash followed by ``u0000`` (``\\\\u0000``, no NUL at all): the decoded strings then decide."""


_DECODERS: dict[Any, msgspec.json.Decoder[Any]] = {}


def _decoder(model: type[S]) -> msgspec.json.Decoder[S]:
    """One strict decoder per model, built once (``msgspec.json.decode(type=...)`` looks the type up
    on every call)."""
    decoder = _DECODERS.get(model)
    if decoder is None:
        decoder = _DECODERS[model] = msgspec.json.Decoder(model, strict=True)
    return decoder


def _nul_paths(value: object, path: str) -> Iterator[str]:
    """The JSON paths of the strings in ``value`` that hold a NUL character."""
    if isinstance(value, str):
        if "\x00" in value:
            yield path
    elif isinstance(value, msgspec.Struct):
        names = zip(value.__struct_fields__, value.__struct_encode_fields__, strict=True)
        for name, wire in names:
            yield from _nul_paths(getattr(value, name), f"{path}.{wire}")
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            yield from _nul_paths(item, f"{path}[{i}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _nul_paths(key, path)
            yield from _nul_paths(item, f"{path}.{key}")


class StrictBody(MsgspecDTO[T], Generic[T]):
    """Use as ``dto=StrictBody[Model], return_dto=None`` on a handler that takes ``data: Model``."""

    def decode_bytes(self, value: bytes) -> Any:
        return decode_strict(value, self.model_type)

    @classmethod
    def create_openapi_schema(
        cls, field_definition: FieldDefinition, handler_id: str, schema_creator: SchemaCreator
    ) -> Reference | Schema:
        return schema_creator.for_field_definition(field_definition)
