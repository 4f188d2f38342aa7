"""The one converter between domain objects and plain data (JSON-ready dicts, lists, strings, numbers).

Wire conventions: enums by their value, dates and datetimes in ISO 8601, frozensets as sorted lists,
tuples as lists, mappings such as ``Team.roles`` as ``{"leader": 1, ...}``. Structuring is strict
(``"12"`` is not an integer, ``1`` is not ``true``) because a silently coerced survey answer is a
wrong count. Every failure becomes a :class:`FormatError` whose ``path`` names the field, such as
``$.members[2].age``; the domain's own validators supply the message (``must be between 0 and 130,
got -1``), so a value is judged by one set of rules whether it comes from JSON, CSV or Python.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import types
import typing
from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar

import attrs
import cattrs
import msgspec
from cattrs.errors import (
    AttributeValidationNote,
    BaseValidationError,
    ClassValidationError,
    IterableValidationError,
    IterableValidationNote,
)
from cattrs.gen import make_dict_structure_fn

from digitransform.formats.errors import INPUT, FormatError, FormatErrors, unreadable_json

__all__ = ["converter", "from_json", "structure", "to_json", "unstructure"]

T = TypeVar("T")

converter = cattrs.Converter(detailed_validation=True, forbid_extra_keys=False)
"""Structures and unstructures every domain type. Extra keys are ignored: newer files may add fields."""


class InvalidValue(ValueError):
    """A wire value of the wrong shape or outside the allowed values; the message is for people."""


def describe(value: object) -> str:
    """A short JSON-flavoured description of a wire value for error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, str) and len(value) > 40:
        return repr(value[:40] + "…")
    return repr(value)


# --- primitives: strict, so that wrong types are reported rather than coerced ---------------------


def _structure_int(value: object, _type: object) -> int:
    if type(value) is int:
        return value
    raise InvalidValue(f"expected an integer, got {describe(value)}")


def _structure_bool(value: object, _type: object) -> bool:
    if type(value) is bool:
        return value
    raise InvalidValue(f"expected true or false, got {describe(value)}")


def _structure_str(value: object, _type: object) -> str:
    if isinstance(value, str):
        return value
    raise InvalidValue(f"expected text, got {describe(value)}")


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # not \d: it matches "２０" too


def _structure_date(value: object, _type: object) -> dt.date:
    if type(value) is dt.date:
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise InvalidValue(f"{value!r} is not a calendar date") from None
    raise InvalidValue(f"expected a date as YYYY-MM-DD, got {describe(value)}")


def _structure_datetime(value: object, _type: object) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        try:
            return dt.datetime.fromisoformat(value)
        except ValueError:
            pass
    raise InvalidValue(
        f"expected an ISO 8601 date and time such as 2025-07-14T09:30:00+07:00, got {describe(value)}"
    )


converter.register_structure_hook(int, _structure_int)
converter.register_structure_hook(bool, _structure_bool)
converter.register_structure_hook(str, _structure_str)
converter.register_structure_hook(dt.date, _structure_date)
converter.register_structure_hook(dt.datetime, _structure_datetime)
converter.register_unstructure_hook(dt.date, dt.date.isoformat)
converter.register_unstructure_hook(dt.datetime, dt.datetime.isoformat)


# --- enums: by value, with the allowed values in the message ---------------------------------------


def _is_enum(type_: Any) -> bool:
    return isinstance(type_, type) and issubclass(type_, enum.Enum)


def _enum_hook(cls: type[enum.Enum]) -> Callable[[object, object], enum.Enum]:
    by_value = {member.value: member for member in cls}
    allowed = ", ".join(str(v) for v in by_value)

    def structure_enum(value: object, _type: object) -> enum.Enum:
        if isinstance(value, cls):
            return value
        try:
            return by_value[value]
        except (KeyError, TypeError):
            raise InvalidValue(f"must be one of {allowed}; got {describe(value)}") from None

    return structure_enum


converter.register_structure_hook_factory(_is_enum, _enum_hook)


# --- collections: only lists (or objects, for mappings) are accepted ------------------------------


def _is_collection(type_: Any) -> bool:
    origin = typing.get_origin(type_)
    if origin is tuple:
        args = typing.get_args(type_)
        return len(args) == 2 and args[1] is Ellipsis
    return origin in (list, frozenset, set)


def _collection_hook(type_: Any) -> Callable[[object, object], object]:
    origin = typing.get_origin(type_)
    item_type = typing.get_args(type_)[0]
    item_hook = converter.get_structure_hook(item_type)

    def structure_collection(value: object, _type: object) -> object:
        if not isinstance(value, list | tuple):
            raise InvalidValue(f"expected a list, got {describe(value)}")
        items: list[Any] = []
        errors: list[Exception] = []
        for index, item in enumerate(value):
            try:
                items.append(item_hook(item, item_type))
            except Exception as exc:  # every failure is reported with its index
                exc.add_note(IterableValidationNote(f"Structuring {type_} @ index {index}", index, item_type))
                errors.append(exc)
        if errors:
            raise IterableValidationError(f"While structuring {type_!r}", errors, type_)
        return origin(items)

    return structure_collection


def _is_mapping(type_: Any) -> bool:
    return typing.get_origin(type_) in (dict, Mapping, typing.Mapping)


def _mapping_hook(type_: Any) -> Callable[[object, object], dict[Any, Any]]:
    key_type, value_type = typing.get_args(type_)
    key_hook = converter.get_structure_hook(key_type)
    value_hook = converter.get_structure_hook(value_type)

    def structure_mapping(value: object, _type: object) -> dict[Any, Any]:
        if not isinstance(value, Mapping):
            raise InvalidValue(f"expected an object, got {describe(value)}")
        out: dict[Any, Any] = {}
        errors: list[Exception] = []
        for key, item in value.items():
            try:
                out[key_hook(key, key_type)] = value_hook(item, value_type)
            except Exception as exc:  # every failure is reported with its key
                exc.add_note(
                    IterableValidationNote(f"Structuring {type_} @ key {key!r}", str(key), value_type)
                )
                errors.append(exc)
        if errors:
            raise IterableValidationError(f"While structuring {type_!r}", errors, type_)
        return out

    return structure_mapping


converter.register_structure_hook_factory(_is_collection, _collection_hook)
converter.register_structure_hook_factory(_is_mapping, _mapping_hook)


def _sorted_plain(items: list[Any]) -> list[Any]:
    try:
        return sorted(items)
    except TypeError:
        return sorted(items, key=repr)


def _unstructure_set_hook(_type: Any) -> Callable[[Any], list[Any]]:
    return lambda value: _sorted_plain([converter.unstructure(item) for item in value])


def _unstructure_tuple_hook(_type: Any) -> Callable[[Any], list[Any]]:
    return lambda value: [converter.unstructure(item) for item in value]


def _unstructure_mapping_hook(_type: Any) -> Callable[[Any], dict[Any, Any]]:
    def unstructure_mapping(value: Mapping[Any, Any]) -> dict[Any, Any]:
        plain = [(converter.unstructure(k), converter.unstructure(v)) for k, v in value.items()]
        return dict(_sorted_plain(plain))

    return unstructure_mapping


def _is_set(type_: Any) -> bool:
    return typing.get_origin(type_) in (frozenset, set) or type_ in (frozenset, set)


def _is_sequence(type_: Any) -> bool:
    return typing.get_origin(type_) in (tuple, list) or type_ in (tuple, list)


converter.register_unstructure_hook_factory(_is_set, _unstructure_set_hook)
converter.register_unstructure_hook_factory(_is_sequence, _unstructure_tuple_hook)
converter.register_unstructure_hook_factory(lambda t: _is_mapping(t) or t is dict, _unstructure_mapping_hook)


# --- attrs classes: field errors by cattrs, invariant errors located by re-running validators -------


def _attrs_hook(cls: type[Any]) -> Callable[[object, object], Any]:
    attrs.resolve_types(cls)
    generated = make_dict_structure_fn(cls, converter)

    def structure_attrs(value: object, _type: object) -> Any:
        if not isinstance(value, Mapping):
            raise InvalidValue(f"expected an object, got {describe(value)}")
        try:
            return generated(value, cls)
        except ClassValidationError as exc:
            # cattrs wraps the constructor's own failure in a group with no attribute note: the
            # fields had the right types, and the domain refused their values (an invariant).
            with_notes, without = exc.group_exceptions()
            if exc.cl is not cls:
                raise
            if not with_notes and len(without) == 1:
                raise _locate_invariant(cls, value, without[0]) from None
            more = _other_field_problems(cls, value, {note.name for _, note in with_notes})
            if more:
                raise ClassValidationError(
                    exc.message, _in_field_order(cls, [*exc.exceptions, *more]), cls
                ) from None
            raise

    return structure_attrs


converter.register_structure_hook_factory(attrs.has, _attrs_hook)


def _locate_invariant(cls: type[Any], value: Mapping[str, Any], exc: Exception) -> Exception:
    """Find which field broke the domain's rule, so the error can name its path.

    Each field's validator is run on its own against a stand-in holding the structured values
    (validators may read other fields, as ``Team.roles`` reads ``members``). If none fails, the rule
    was a cross-field one in ``__attrs_post_init__``: the field is the one its message names first.
    """
    message = str(exc)
    fields = attrs.fields(cls)
    try:
        values: dict[str, Any] = {}
        for field in fields:
            if field.name in value:
                item = converter.structure(value[field.name], field.type)
            elif isinstance(field.default, attrs.Factory):  # type: ignore[arg-type]
                item = field.default.factory()
            else:
                item = field.default
            if field.converter is not None and callable(field.converter):
                item = field.converter(item)
            values[field.name] = item
        stand_in = types.SimpleNamespace(**values)
        for field in fields:
            if field.validator is None:
                continue
            try:
                field.validator(stand_in, field, values[field.name])
            except (ValueError, TypeError) as field_exc:
                return _at_field(cls, field.name, str(field_exc))
    except Exception:  # fall back to the constructor's own message
        return InvalidValue(message)
    named = _first_named_field(message, [f.name for f in fields])
    return _at_field(cls, named, message) if named else InvalidValue(message)


def _other_field_problems(cls: type[Any], value: Mapping[str, Any], failed: set[str]) -> list[Exception]:
    """The domain's objections to the fields that did structure, when others did not.

    The constructor never ran, so without this a bad age would hide behind a bad enum on the same
    record. Validators that need a field that failed are skipped.
    """
    found: list[Exception] = []
    fields = [f for f in attrs.fields(cls) if f.name in value and f.name not in failed]
    values: dict[str, Any] = {}
    for field in fields:
        try:
            item = converter.structure(value[field.name], field.type)
            if field.converter is not None and callable(field.converter):
                item = field.converter(item)
        except Exception:  # reported already, or not ours to judge
            continue
        values[field.name] = item
    stand_in = types.SimpleNamespace(**values)
    for field in fields:
        if field.validator is None or field.name not in values:
            continue
        try:
            field.validator(stand_in, field, values[field.name])
        except (ValueError, TypeError) as exc:
            found.extend(_at_field(cls, field.name, str(exc)).exceptions)
        except AttributeError:  # the validator reads a field that failed
            continue
    return found


def _in_field_order(cls: type[Any], errors: list[Exception]) -> list[Exception]:
    order = {f.name: i for i, f in enumerate(attrs.fields(cls))}

    def position(error: Exception) -> int:
        for note in getattr(error, "__notes__", ()):
            if isinstance(note, AttributeValidationNote):
                return order.get(note.name, len(order))
        return len(order)

    return sorted(errors, key=position)


def _first_named_field(message: str, names: list[str]) -> str | None:
    found = [(m.start(), name) for name in names if (m := re.search(rf"\b{re.escape(name)}\b", message))]
    return min(found)[1] if found else None


def _at_field(cls: type[Any], name: str, message: str) -> ClassValidationError:
    error = InvalidValue(message)
    error.add_note(
        AttributeValidationNote(f"Structuring class {cls.__qualname__} @ attribute {name}", name, None)
    )
    return ClassValidationError(f"While structuring {cls.__name__}", [error], cls)


# --- errors as paths --------------------------------------------------------------------------------


def _message(exc: BaseException) -> str:
    if isinstance(exc, KeyError):
        return "required field is missing"
    if isinstance(exc, ValueError | TypeError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def problems(exc: BaseException, path: str = "$") -> Iterator[tuple[str, str]]:
    """Every ``(path, message)`` inside a structuring failure, in input order."""
    if isinstance(exc, IterableValidationError):
        with_notes, without = exc.group_exceptions()
        for sub, note in with_notes:
            index = note.index
            yield from problems(sub, f"{path}[{index}]" if isinstance(index, int) else f"{path}[{index!r}]")
        for sub in without:
            yield from problems(sub, path)
    elif isinstance(exc, ClassValidationError):
        attribute_notes, others = exc.group_exceptions()
        for sub, attribute_note in attribute_notes:
            yield from problems(sub, f"{path}.{attribute_note.name}")
        for sub in others:
            yield from problems(sub, path)
    else:
        yield path, _message(exc)


def as_format_error(exc: BaseException, *, source: str = INPUT, line: int | None = None) -> FormatError:
    """The :class:`FormatError` (or :class:`FormatErrors`) for a structuring failure."""
    found = [FormatError(message, source=source, line=line, path=path) for path, message in problems(exc)]
    if not found:  # pragma: no cover - every failure has at least one leaf
        return FormatError(str(exc), source=source, line=line)
    return found[0] if len(found) == 1 else FormatErrors(found)


_STRUCTURE_FAILURES = (BaseValidationError, ValueError, TypeError, KeyError)


def structure(value: object, cls: type[T], *, source: str = INPUT, line: int | None = None) -> T:
    """Build a ``cls`` from plain data, or raise :class:`FormatError` naming the bad field's path.

    ``source`` and ``line`` say where ``value`` came from, for the message.
    """
    try:
        return converter.structure(value, cls)
    except _STRUCTURE_FAILURES as exc:
        raise as_format_error(exc, source=source, line=line) from None


def unstructure(value: object) -> Any:
    """The plain data (dicts, lists, strings, numbers, booleans, ``None``) for a domain value."""
    return converter.unstructure(value)


def to_json(value: object) -> bytes:
    """A domain value as compact UTF-8 JSON."""
    return msgspec.json.encode(converter.unstructure(value))


def from_json(data: bytes | str, cls: type[T], *, source: str = INPUT, line: int | None = None) -> T:
    """Read a ``cls`` from JSON, or raise :class:`FormatError` naming what is wrong and where."""
    try:
        plain = msgspec.json.decode(data)
    except (UnicodeDecodeError, msgspec.DecodeError, RecursionError):
        raise FormatError(unreadable_json(data), source=source, line=line) from None
    return structure(plain, cls, source=source, line=line)
