"""Households and the residents in them, as teams survey them door to door.

Pseudonymous by design: a household has an opaque id and a village; a resident is a bundle of facts
(age, smartphone, internet use, VNeID level, ...). There is no field for a name, a phone number or a
national ID number, so none can leak from this model.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable

import attrs

__all__ = [
    "HOUSEHOLD_FIELDS",
    "MAX_AGE",
    "MAX_CODE",
    "RESIDENT_FIELDS",
    "VNEID_LEVELS",
    "Household",
    "InternetAccess",
    "Resident",
]

VNEID_LEVELS = (0, 1, 2)
"""0 = no electronic identification, 1 = identity data only, 2 = with portrait and fingerprints."""

MAX_AGE = 130
"""The oldest age a resident may have (a typo guard, not a statement about people)."""
MAX_CODE = 64
"""The longest code or id the domain accepts: households, villages, communes, teams, tickets."""


class InternetAccess(enum.Enum):
    """The household's internet access service (GSO definition: any paid access counts)."""

    NONE = "none"
    MOBILE = "mobile"
    FIXED = "fixed"
    FIBRE = "fibre"

    @property
    def has_internet(self) -> bool:
        """Whether this is an internet access service at all."""
        return self is not InternetAccess.NONE


def _age(_instance: object, _attribute: object, value: int) -> None:
    if not 0 <= value <= MAX_AGE:
        raise ValueError(f"must be between 0 and {MAX_AGE}, got {value}")


def _vneid(_instance: object, _attribute: object, value: int) -> None:
    if value not in VNEID_LEVELS:
        raise ValueError(f"must be 0, 1 or 2, got {value}")


def _count(_instance: object, _attribute: object, value: int) -> None:
    if value < 0:
        raise ValueError(f"must be ≥ 0, got {value}")


def _household_id(_instance: object, _attribute: object, value: str) -> None:
    if not value or len(value) > MAX_CODE or value != value.strip():
        raise ValueError(f"must be 1–{MAX_CODE} characters without surrounding spaces")


def _residents(value: Iterable[Resident]) -> tuple[Resident, ...]:
    # A typed converter: ``converter=tuple`` leaves mypy with an unbound type variable, so a strict
    # caller could not construct a Household at all.
    return tuple(value)


@attrs.frozen(slots=True)
class Resident:
    """One member of a household: the facts the indicators count, and nothing that identifies them."""

    age: int = attrs.field(validator=_age)
    smartphone: bool = False
    internet_user: bool = False
    vneid_level: int = attrs.field(default=0, validator=_vneid)
    id_card: bool = False
    payment_account: bool = False
    digital_signature: bool = False
    digital_skills: bool = False


@attrs.frozen(slots=True)
class Household:
    """A household (hộ gia đình) in a village, with its internet access, devices and members."""

    id: str = attrs.field(validator=_household_id)
    village: str = attrs.field(validator=_household_id)
    internet: InternetAccess = InternetAccess.NONE
    other_smart_devices: int = attrs.field(default=0, validator=_count)
    members: tuple[Resident, ...] = attrs.field(default=(), converter=_residents)

    @property
    def has_smartphone(self) -> bool:
        """Whether at least one member owns a smartphone."""
        return any(m.smartphone for m in self.members)

    @property
    def has_smart_device(self) -> bool:
        """Whether the household has any smartphone, tablet or computer."""
        return self.other_smart_devices > 0 or self.has_smartphone


RESIDENT_FIELDS = tuple(a.name for a in attrs.fields(Resident))
"""A resident's fields in declaration order; every record of a resident (the wire's, the scanner's) has
exactly these, in this order."""

HOUSEHOLD_FIELDS = tuple(a.name for a in attrs.fields(Household))
"""A household's fields in declaration order, ``members`` last."""
