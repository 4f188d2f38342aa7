"""Strategies for residents and households, as domain objects and as JSON Lines records."""

from __future__ import annotations

import string
from collections.abc import Sequence
from typing import Any

from hypothesis import strategies as st

from digitransform.domain import (
    MAX_AGE,
    VNEID_LEVELS,
    AdminLevel,
    AdminTree,
    Household,
    InternetAccess,
    Resident,
)

__all__ = ["household_dict", "household_dicts", "household_ids", "households", "households_in", "residents"]

_ID_ALPHABET = string.ascii_lowercase + string.digits


def household_ids() -> st.SearchStrategy[str]:
    """A pseudonymous household id such as ``h-3kx9``: opaque, never derived from a person."""
    return st.text(_ID_ALPHABET, min_size=1, max_size=12).map(lambda s: f"h-{s}")


_RESIDENTS = st.builds(
    Resident,
    age=st.integers(0, MAX_AGE),
    smartphone=st.booleans(),
    internet_user=st.booleans(),
    vneid_level=st.sampled_from(VNEID_LEVELS),
    id_card=st.booleans(),
    payment_account=st.booleans(),
    digital_signature=st.booleans(),
    digital_skills=st.booleans(),
)


def residents() -> st.SearchStrategy[Resident]:
    """A household member: any age 0–130, any combination of the facts the indicators count.

    Combinations the law makes rare (a level-2 VNeID at age 3) are allowed on purpose: the model
    records what a survey says, and indicator code must not crash on surprising answers.
    """
    return _RESIDENTS


def households(
    village_codes: Sequence[str] | None = None, *, max_members: int = 6
) -> st.SearchStrategy[Household]:
    """A household in one of ``village_codes`` (any village code when ``None``), 0–``max_members`` members.

    An empty household is allowed: a surveyed dwelling whose members were all away still counts in
    household denominators. For many households with distinct ids use
    ``st.lists(households(...), unique_by=lambda h: h.id)``.
    """
    if village_codes is None:
        villages = st.text(_ID_ALPHABET, min_size=1, max_size=8)
    elif not village_codes:
        raise ValueError("households: village_codes is empty")
    else:
        villages = st.sampled_from(list(village_codes))
    return st.builds(
        Household,
        id=household_ids(),
        village=villages,
        internet=st.sampled_from(InternetAccess),
        other_smart_devices=st.integers(0, 5),
        members=st.lists(residents(), max_size=max_members),
    )


def households_in(tree: AdminTree, *, max_members: int = 6) -> st.SearchStrategy[Household]:
    """A household in one of ``tree``'s villages (the tree must have at least one village)."""
    villages = [u.code for u in tree.at_level(AdminLevel.VILLAGE)]
    if not villages:
        raise ValueError(f"households_in: the tree under {tree.root.code} has no village")
    return households(villages, max_members=max_members)


def _resident_dict(resident: Resident) -> dict[str, Any]:
    return {
        "age": resident.age,
        "smartphone": resident.smartphone,
        "internet_user": resident.internet_user,
        "vneid_level": resident.vneid_level,
        "id_card": resident.id_card,
        "payment_account": resident.payment_account,
        "digital_signature": resident.digital_signature,
        "digital_skills": resident.digital_skills,
    }


def household_dict(household: Household) -> dict[str, Any]:
    """The ``households.jsonl`` record of ``household``, written out by hand from the contract."""
    return {
        "id": household.id,
        "village": household.village,
        "internet": household.internet.value,
        "other_smart_devices": household.other_smart_devices,
        "members": [_resident_dict(m) for m in household.members],
    }


def household_dicts(village_codes: Sequence[str] | None = None) -> st.SearchStrategy[dict[str, Any]]:
    """A valid ``households.jsonl`` record as plain JSON data (independent of the library's converter)."""
    return households(village_codes).map(household_dict)
