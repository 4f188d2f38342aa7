"""``households.jsonl``: one household a line, the survey teams' door-to-door picture.

Lines are decoded by msgspec into :class:`HouseholdRecord` (typed and range-checked in C, the fast
path), then turned into domain :class:`~digitransform.domain.Household` objects. When a line fails,
it is decoded again through the converter, whose message names the field by its JSON path and says
what the domain allows; that slower path also has the last word, so the two can never disagree
about what is valid.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Iterator
from typing import Annotated, Any, cast

import msgspec

from digitransform.domain import (
    HOUSEHOLD_FIELDS,
    MAX_AGE,
    MAX_CODE,
    RESIDENT_FIELDS,
    VNEID_LEVELS,
    AdminLevel,
    AdminTree,
    Household,
    InternetAccess,
    Resident,
)
from digitransform.formats._io import Sink, Source, numbered_lines, open_byte_sink, source_name
from digitransform.formats.converter import structure
from digitransform.formats.errors import FormatError, unreadable_json

__all__ = [
    "HouseholdRecord",
    "ResidentRecord",
    "iter_households_jsonl",
    "iter_numbered_households_jsonl",
    "write_households_jsonl",
]

# The domain's limits, so the fast path refuses exactly what the domain refuses.
_Code = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_CODE, pattern=r"(?s)^\S(?:.*\S)?\Z")]
_Age = Annotated[int, msgspec.Meta(ge=0, le=MAX_AGE)]
_VneidLevel = Annotated[int, msgspec.Meta(ge=min(VNEID_LEVELS), le=max(VNEID_LEVELS))]
_Count = Annotated[int, msgspec.Meta(ge=0)]
_resident_values = operator.attrgetter(*RESIDENT_FIELDS)
_HOUSEHOLD_FACTS = tuple(name for name in HOUSEHOLD_FIELDS if name != "members")
# Positional, for speed (a province is written in one go); the test of the fields keeps the order.
_household_values = cast(
    "Callable[[object], tuple[Any, Any, Any, Any]]", operator.attrgetter(*_HOUSEHOLD_FACTS)
)


class ResidentRecord(msgspec.Struct, frozen=True, gc=False):
    """A member as written in ``households.jsonl`` (field names are the public contract).

    Exactly :data:`~digitransform.domain.RESIDENT_FIELDS`, in that order (a test holds them equal).
    Frozen, so equal records can share one :class:`~digitransform.domain.Resident`; ``gc=False``:
    records hold no reference cycles, so the garbage collector need not track them.
    """

    age: _Age
    smartphone: bool = False
    internet_user: bool = False
    vneid_level: _VneidLevel = 0
    id_card: bool = False
    payment_account: bool = False
    digital_signature: bool = False
    digital_skills: bool = False

    def to_resident(self) -> Resident:
        """The domain resident (its validators run again: the domain has the last word)."""
        return Resident(*_resident_values(self))

    @classmethod
    def from_resident(cls, resident: Resident) -> ResidentRecord:
        """The wire record of a domain resident."""
        return cls(*_resident_values(resident))


class HouseholdRecord(msgspec.Struct, gc=False):
    """A line of ``households.jsonl`` (field names are the public contract; unknown keys are ignored).

    Decoding checks types and ranges as the domain does, so a fast path may count records without
    building domain objects; whether ``village`` is a village of the tree is the caller's check.
    """

    id: _Code
    village: _Code
    internet: InternetAccess = InternetAccess.NONE
    other_smart_devices: _Count = 0
    members: tuple[ResidentRecord, ...] = ()

    def to_household(self, residents: dict[ResidentRecord, Resident] | None = None) -> Household:
        """The domain household. ``residents`` caches equal members, which are very common."""
        if residents is None:
            members = [m.to_resident() for m in self.members]
        else:
            members = []
            for m in self.members:
                resident = residents.get(m)
                if resident is None:
                    resident = residents[m] = m.to_resident()
                members.append(resident)
        return Household(*_household_values(self), members)

    @classmethod
    def from_household(cls, household: Household) -> HouseholdRecord:
        """The wire record of a domain household."""
        return cls(
            *_household_values(household),
            tuple(ResidentRecord.from_resident(m) for m in household.members),
        )


_DECODER = msgspec.json.Decoder(HouseholdRecord)
_ENCODER = msgspec.json.Encoder()
_CACHE_LIMIT = 1 << 16
"""Distinct residents kept for sharing; there are at most 131 × 3 × 2⁶ of them, so this rarely clears."""


def iter_households_jsonl(src: Source, *, tree: AdminTree | None = None) -> Iterator[Household]:
    """Stream the households of a JSON Lines file, one a line; blank lines are skipped.

    With ``tree``, a household whose ``village`` is not a village of the tree is an error too.
    Raises :class:`FormatError` at the first bad line, naming the file, the line and the field
    (``households.jsonl:12: $.members[2].age: must be between 0 and 130, got -1``).
    """
    for _, household in iter_numbered_households_jsonl(src, tree=tree):
        yield household


def iter_numbered_households_jsonl(
    src: Source, *, tree: AdminTree | None = None
) -> Iterator[tuple[int, Household]]:
    """:func:`iter_households_jsonl` with each household's line, for errors found later."""
    source = source_name(src)
    villages = set() if tree is None else {u.code for u in tree.at_level(AdminLevel.VILLAGE)}
    decode = _DECODER.decode
    residents: dict[ResidentRecord, Resident] = {}
    for number, line in numbered_lines(src):
        try:
            household = decode(line).to_household(residents)
        except msgspec.ValidationError:  # a bad value: let the converter name it
            household = structure(_plain(line, source, number), Household, source=source, line=number)
        except (msgspec.DecodeError, RecursionError):
            raise FormatError(unreadable_json(line), source=source, line=number) from None
        except ValueError:  # the domain refused what msgspec let through, or the bytes are not UTF-8
            household = structure(_plain(line, source, number), Household, source=source, line=number)
        if tree is not None and household.village not in villages:
            found = tree.get(household.village)
            what = "not a unit" if found is None else f"a {found.level.value}, not a village"
            raise FormatError(
                f"{household.village!r} is {what} of {tree.root.code}",
                source=source,
                line=number,
                path="$.village",
            )
        if len(residents) > _CACHE_LIMIT:
            residents.clear()
        yield number, household


def _plain(line: bytes | str, source: str, number: int) -> object:
    try:
        return msgspec.json.decode(line)
    except (UnicodeDecodeError, msgspec.DecodeError, RecursionError):
        raise FormatError(unreadable_json(line), source=source, line=number) from None


def write_households_jsonl(households: Iterable[Household], dst: Sink) -> int:
    """Write one household a line (UTF-8 JSON, contract field order); returns how many were written.

    Streams: memory stays bounded however many households come.
    """
    count = 0
    buffer = bytearray()
    encode_into = _ENCODER.encode_into
    from_household = HouseholdRecord.from_household
    with open_byte_sink(dst) as write:
        for household in households:
            encode_into(from_household(household), buffer, -1)
            buffer.extend(b"\n")
            count += 1
            if len(buffer) >= 1 << 20:
                write(bytes(buffer))
                buffer.clear()
        if buffer:
            write(bytes(buffer))
    return count
