"""Conditions on residents and households, as data: the building blocks of an indicator's population.

An indicator says *who* it counts ("adults", "households with a member who owns a smartphone") with
small condition values instead of Python functions. Being data, a condition can be printed in the
docs, compared, pickled to a worker process and, above all, compiled once into one tight counting
loop for every indicator at the same time (see :mod:`digitransform.indicators.plan`); that loop is
what makes a province of 1.3 million households quick to count.

Conditions may refer to an indicator's named parameters with :class:`Param` (``age >= adult_age``)
and pick between named alternatives with :class:`Choose`; :meth:`Condition.resolve` substitutes
them, so the compiled code holds plain constants.
"""

from __future__ import annotations

import abc
import enum
import math
from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar

import attrs

from digitransform.domain import HOUSEHOLD_FIELDS, RESIDENT_FIELDS

__all__ = [
    "ALWAYS",
    "HOUSEHOLD_CONDITION_FIELDS",
    "PERSON_CONDITION_FIELDS",
    "All",
    "Always",
    "AnyMember",
    "AnyOf",
    "Choose",
    "Compare",
    "Condition",
    "Constants",
    "Flag",
    "Not",
    "Param",
    "ParamValue",
    "member_flag_key",
]

ParamValue = int | float | str | bool
"""What a parameter may hold: plain values that compile to literals."""

PERSON_CONDITION_FIELDS = RESIDENT_FIELDS
"""Fields a person condition may test: every field of :class:`~digitransform.domain.Resident`."""

HOUSEHOLD_CONDITION_FIELDS = (
    *(name for name in HOUSEHOLD_FIELDS if name not in ("id", "village", "members")),
    "member_count",
)
"""Fields a household condition may test: the household's facts and ``member_count`` (``len(members)``)."""

_OPERATORS = ("==", "!=", ">=", ">", "<=", "<", "in")

T = TypeVar("T")


@attrs.frozen(slots=True)
class Param:
    """A reference to one of the indicator's named parameters, such as ``Param("adult_age")``."""

    name: str


class Constants:
    """Values a compiled condition refers to by name (enum members, sets), collected while compiling."""

    def __init__(self) -> None:
        self.values: dict[str, object] = {}
        self._names: dict[tuple[type, object], str] = {}

    def name_of(self, value: object) -> str:
        """The source text for ``value``: a literal for plain values, otherwise a constant's name."""
        if value is None or type(value) in (int, float, bool, str):
            return repr(value)
        key = (type(value), value)
        name = self._names.get(key)
        if name is None:
            name = f"_k{len(self._names)}"
            self._names[key] = name
            self.values[name] = value
        return name


FieldSource = Callable[[str], str]
"""Maps a field name to the source text that reads it in the compiled loop (``m.age`` or a local)."""


class Condition(abc.ABC):
    """Something a resident or a household satisfies or not."""

    @abc.abstractmethod
    def resolve(self, params: Mapping[str, ParamValue]) -> Condition:
        """This condition with every :class:`Param` and :class:`Choose` replaced by its value."""

    @abc.abstractmethod
    def source(self, field: FieldSource, constants: Constants) -> str:
        """A Python expression for the compiled loop (only on a resolved condition)."""

    @abc.abstractmethod
    def fields(self) -> frozenset[str]:
        """Every field this condition reads directly (not through :class:`AnyMember`)."""

    def member_conditions(self) -> tuple[Condition, ...]:
        """The conditions inside :class:`AnyMember` parts, which the loop evaluates per member."""
        return ()

    @abc.abstractmethod
    def describe(self) -> str:
        """A short readable form for documentation and error messages."""

    def __str__(self) -> str:
        return self.describe()


@attrs.frozen(slots=True)
class Always(Condition):
    """Every resident or household: the denominator "all households"."""

    def resolve(self, params: Mapping[str, ParamValue]) -> Condition:
        return self

    def source(self, field: FieldSource, constants: Constants) -> str:
        return "True"

    def fields(self) -> frozenset[str]:
        return frozenset()

    def describe(self) -> str:
        return "everyone"


ALWAYS = Always()


def _operand(value: object, params: Mapping[str, ParamValue]) -> object:
    if isinstance(value, Param):
        if value.name not in params:
            raise ValueError(f"unknown parameter {value.name!r}")
        return params[value.name]
    return value


def _check_value(operator: str, value: object) -> None:
    """Refuse, when the condition is built, a value the compiled loop could not hold as a constant.

    A ``nan`` would compile to the name ``nan`` (a NameError when counting) and would never compare
    equal anyway; an infinity likewise; a list or dict cannot be a constant of a frozen plan.
    """
    if isinstance(value, Param):
        return
    if operator == "in":
        if not isinstance(value, frozenset):
            raise ValueError(f"'in' takes a frozenset of allowed values, got {value!r}")
        for item in value:
            _check_scalar(item, value)
        return
    _check_scalar(value, value)


def _check_scalar(value: object, shown: object) -> None:
    if type(value) is float and not math.isfinite(value):
        raise ValueError(f"a comparison value must be a finite number, got {shown!r}")
    if value is None or type(value) in (int, float, bool, str) or isinstance(value, enum.Enum):
        return
    raise ValueError(
        f"a comparison value must be a number, text, yes/no, an enum member or a parameter, got {shown!r}"
    )


def _describe_value(value: object) -> str:
    if isinstance(value, Param):
        return value.name
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, frozenset):
        return "{" + ", ".join(sorted(_describe_value(v) for v in value)) + "}"
    return repr(value)


@attrs.frozen(slots=True)
class Compare(Condition):
    """A field compared with a value or a parameter: ``Compare("age", ">=", Param("adult_age"))``.

    ``in`` takes a frozenset of allowed values.
    """

    field: str
    operator: str = attrs.field(validator=attrs.validators.in_(_OPERATORS))
    value: Any = attrs.field()

    @value.validator
    def _check(self, _attribute: object, value: object) -> None:
        try:
            _check_value(self.operator, value)
        except ValueError as error:
            raise ValueError(f"{self.field} {self.operator} ...: {error}") from None

    def resolve(self, params: Mapping[str, ParamValue]) -> Condition:
        return Compare(self.field, self.operator, _operand(self.value, params))

    def source(self, field: FieldSource, constants: Constants) -> str:
        if isinstance(self.value, Param):
            raise ValueError(f"condition {self} is not resolved")
        return f"{field(self.field)} {self.operator} {constants.name_of(self.value)}"

    def fields(self) -> frozenset[str]:
        return frozenset({self.field})

    def describe(self) -> str:
        return f"{self.field} {self.operator} {_describe_value(self.value)}"


@attrs.frozen(slots=True)
class Flag(Condition):
    """A yes/no field that is true: ``Flag("smartphone")``."""

    field: str

    def resolve(self, params: Mapping[str, ParamValue]) -> Condition:
        return self

    def source(self, field: FieldSource, constants: Constants) -> str:
        return field(self.field)

    def fields(self) -> frozenset[str]:
        return frozenset({self.field})

    def describe(self) -> str:
        return self.field


@attrs.frozen(slots=True, init=False)
class All(Condition):
    """Every one of the conditions holds."""

    conditions: tuple[Condition, ...]

    def __init__(self, *conditions: Condition) -> None:
        self.__attrs_init__(tuple(conditions))

    def resolve(self, params: Mapping[str, ParamValue]) -> Condition:
        parts = [c.resolve(params) for c in self.conditions if not isinstance(c, Always)]
        parts = [p for p in parts if not isinstance(p, Always)]
        if not parts:
            return ALWAYS
        return parts[0] if len(parts) == 1 else All(*parts)

    def source(self, field: FieldSource, constants: Constants) -> str:
        return " and ".join(f"({c.source(field, constants)})" for c in self.conditions) or "True"

    def fields(self) -> frozenset[str]:
        return frozenset().union(*(c.fields() for c in self.conditions))

    def member_conditions(self) -> tuple[Condition, ...]:
        return tuple(m for c in self.conditions for m in c.member_conditions())

    def describe(self) -> str:
        return " and ".join(_parenthesised(c) for c in self.conditions)


@attrs.frozen(slots=True, init=False)
class AnyOf(Condition):
    """At least one of the conditions holds."""

    conditions: tuple[Condition, ...]

    def __init__(self, *conditions: Condition) -> None:
        if not conditions:
            raise ValueError("AnyOf needs at least one condition")
        self.__attrs_init__(tuple(conditions))

    def resolve(self, params: Mapping[str, ParamValue]) -> Condition:
        parts = [c.resolve(params) for c in self.conditions]
        if any(isinstance(p, Always) for p in parts):
            return ALWAYS
        return parts[0] if len(parts) == 1 else AnyOf(*parts)

    def source(self, field: FieldSource, constants: Constants) -> str:
        return " or ".join(f"({c.source(field, constants)})" for c in self.conditions)

    def fields(self) -> frozenset[str]:
        return frozenset().union(*(c.fields() for c in self.conditions))

    def member_conditions(self) -> tuple[Condition, ...]:
        return tuple(m for c in self.conditions for m in c.member_conditions())

    def describe(self) -> str:
        return " or ".join(_parenthesised(c) for c in self.conditions)


@attrs.frozen(slots=True)
class Not(Condition):
    """The condition does not hold."""

    condition: Condition

    def resolve(self, params: Mapping[str, ParamValue]) -> Condition:
        return Not(self.condition.resolve(params))

    def source(self, field: FieldSource, constants: Constants) -> str:
        return f"not ({self.condition.source(field, constants)})"

    def fields(self) -> frozenset[str]:
        return self.condition.fields()

    def member_conditions(self) -> tuple[Condition, ...]:
        return self.condition.member_conditions()

    def describe(self) -> str:
        return f"not {_parenthesised(self.condition)}"


@attrs.frozen(slots=True)
class AnyMember(Condition):
    """A household condition: at least one member satisfies the person condition.

    A household with no members has no member that satisfies anything.
    """

    condition: Condition

    def resolve(self, params: Mapping[str, ParamValue]) -> Condition:
        return AnyMember(self.condition.resolve(params))

    def source(self, field: FieldSource, constants: Constants) -> str:
        # The compiled loop computes one flag per member condition; ``field`` maps this condition to it.
        return field(member_flag_key(self.condition, constants))

    def fields(self) -> frozenset[str]:
        return frozenset()

    def member_conditions(self) -> tuple[Condition, ...]:
        return (self.condition,)

    def describe(self) -> str:
        return f"any member with {_parenthesised(self.condition)}"


def member_flag_key(condition: Condition, constants: Constants) -> str:
    """The key under which the compiled loop exposes ``AnyMember(condition)`` to household conditions."""
    return "any:" + condition.source(_identity_field, constants)


def _identity_field(name: str) -> str:
    return f"m.{name}"


class _FrozenOptions(dict[str, Any]):
    """A dict that hashes, so a :class:`Choose` can be part of a frozen, hashable definition."""

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(tuple(self.items()))


def _frozen_options(options: Mapping[str, Any]) -> Mapping[str, Any]:
    return _FrozenOptions(options)


@attrs.frozen(slots=True)
class Choose(Condition, Generic[T]):
    """One of several named alternatives, picked by a parameter: the VNeID eligibility variants.

    Works for conditions and for any other resolvable value (such as a service-report sum).
    """

    parameter: str
    options: Mapping[str, T] = attrs.field(converter=_frozen_options)

    def pick(self, params: Mapping[str, ParamValue]) -> T:
        """The alternative the parameter names."""
        choice = params.get(self.parameter)
        if choice not in self.options:
            allowed = ", ".join(sorted(self.options))
            raise ValueError(f"parameter {self.parameter} must be one of {allowed}, got {choice!r}")
        return self.options[str(choice)]

    def resolve(self, params: Mapping[str, ParamValue]) -> Condition:
        picked = self.pick(params)
        if not isinstance(picked, Condition):
            raise TypeError(f"{self.parameter}: the chosen alternative is not a condition")
        return picked.resolve(params)

    def source(self, field: FieldSource, constants: Constants) -> str:
        raise ValueError(f"condition choosing by {self.parameter} is not resolved")

    def fields(self) -> frozenset[str]:
        return frozenset()

    def describe(self) -> str:
        options = "; ".join(f"{name}: {option}" for name, option in self.options.items())
        return f"by {self.parameter} ({options})"


def _parenthesised(condition: Condition) -> str:
    text = condition.describe()
    return f"({text})" if isinstance(condition, (All, AnyOf)) else text
