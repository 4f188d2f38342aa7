"""Strategies for administrative units and valid province → commune → village trees."""

from __future__ import annotations

from hypothesis import strategies as st

from digitransform.domain import AdminLevel, AdminTree, AdminUnit

__all__ = ["admin_tree_units", "admin_trees", "admin_units", "unit_codes", "vietnamese_names"]

# Syllables of real place names of the Mekong delta (An Giang, Kiên Giang), with every kind of
# diacritic: tone marks, ă â ê ô ơ ư, and đ, which Unicode does not decompose.
_SYLLABLES = (
    "An", "Minh", "Thượng", "Vân", "Khánh", "Kim", "Quy", "Hòa", "Bình", "Phú", "Đông", "Tây",
    "Long", "Xuyên", "Châu", "Đốc", "Tân", "Hiệp", "Thạnh", "Lợi", "Giang", "Hà", "Tiên", "Sơn",
    "Mỹ", "Đức", "Vĩnh", "Trường", "Thới", "Hưng", "Ô", "Lâm", "Tri", "Tôn", "Ba", "Chúc", "Óc",
    "Eo", "Rạch", "Giá", "Kiên", "Lương", "Hải", "Thuận", "Nhơn", "Chợ", "Mới", "Cần", "Đăng",
    "Ấp", "Sóc", "Xoài", "Ngã", "Năm", "Thoại", "Núi", "Sập", "Ẩn", "Khơ", "Me",
)  # fmt: skip
_PREFIXES = {
    AdminLevel.PROVINCE: ("Tỉnh",),
    AdminLevel.COMMUNE: ("Xã", "Phường", "Đặc khu"),
    AdminLevel.VILLAGE: ("Ấp", "Thôn", "Khu phố"),
}
_SUFFIXES = ("", "", "", " A", " B", " 1", " 2", " 3", " Một", " Hai")


def _join(prefix: str, words: list[str], suffix: str) -> str:
    return f"{prefix} {' '.join(words)}{suffix}"


# Built once: building strategies on every draw made a tree of twenty units take ~50 ms.
_NAMES = {
    level: st.builds(
        _join,
        st.sampled_from(prefixes),
        st.lists(st.sampled_from(_SYLLABLES), min_size=1, max_size=3),
        st.sampled_from(_SUFFIXES),
    )
    for level, prefixes in _PREFIXES.items()
}
_ANY_NAME = st.one_of(*_NAMES.values())


def _codes(width: int) -> st.SearchStrategy[str]:
    return st.integers(0, 10**width - 1).map(lambda n: f"{n:0{width}d}")


_CODES = {AdminLevel.PROVINCE: _codes(2), AdminLevel.COMMUNE: _codes(5), AdminLevel.VILLAGE: _codes(8)}


def vietnamese_names(level: AdminLevel | None = None) -> st.SearchStrategy[str]:
    """A Vietnamese unit name with diacritics, such as "Xã U Minh Thượng" or "Ấp Kim Quy A".

    The level prefix (Tỉnh; Xã / Phường / Đặc khu; Ấp / Thôn / Khu phố) always carries a diacritic,
    so every name differs from its ASCII fold. Names repeat across units, as they do in real life
    ("Ấp 1" exists in many communes): only codes are unique.
    """
    return _ANY_NAME if level is None else _NAMES[level]


def unit_codes(level: AdminLevel) -> st.SearchStrategy[str]:
    """A code shaped like the statistics office's: 2 digits (province), 5 (commune), 8 (village)."""
    return _CODES[level]


@st.composite
def admin_units(draw: st.DrawFn, level: AdminLevel | None = None) -> AdminUnit:
    """One unit on its own (a province has no parent; any other unit has a parent code one level up)."""
    level = level if level is not None else draw(st.sampled_from(AdminLevel))
    parent_level = level.parent_level
    parent = None if parent_level is None else draw(unit_codes(parent_level))
    return AdminUnit(draw(unit_codes(level)), draw(vietnamese_names(level)), level, parent)


@st.composite
def admin_tree_units(
    draw: st.DrawFn,
    min_communes: int = 1,
    max_communes: int = 4,
    max_villages: int = 4,
    *,
    min_villages: int = 1,
    shuffle: bool = True,
) -> list[AdminUnit]:
    """The flat unit list of a valid tree: one province, its communes, each with its villages.

    ``min_villages``/``max_villages`` bound the villages of each commune. With ``shuffle`` the list
    comes in any order (children before parents included), as a CSV file may.
    """
    province = draw(unit_codes(AdminLevel.PROVINCE))
    commune_numbers = draw(
        st.lists(st.integers(0, 99_999), min_size=min_communes, max_size=max_communes, unique=True)
    )
    units = [AdminUnit(province, draw(vietnamese_names(AdminLevel.PROVINCE)), AdminLevel.PROVINCE)]
    for number in commune_numbers:
        commune = f"{number:05d}"
        units.append(
            AdminUnit(commune, draw(vietnamese_names(AdminLevel.COMMUNE)), AdminLevel.COMMUNE, province)
        )
        for j in range(draw(st.integers(min_villages, max_villages))):
            village = f"{commune}{j + 1:03d}"
            units.append(
                AdminUnit(village, draw(vietnamese_names(AdminLevel.VILLAGE)), AdminLevel.VILLAGE, commune)
            )
    if shuffle:
        units = list(draw(st.permutations(units)))
    return units


def admin_trees(
    min_communes: int = 1,
    max_communes: int = 4,
    max_villages: int = 4,
    *,
    min_villages: int = 1,
) -> st.SearchStrategy[AdminTree]:
    """A valid :class:`AdminTree` (built from :func:`admin_tree_units`, so from a shuffled list).

    The defaults give every commune at least one village, which the household, team and ticket
    strategies need; pass ``min_villages=0`` to include communes without villages.
    """
    return admin_tree_units(min_communes, max_communes, max_villages, min_villages=min_villages).map(
        AdminTree.from_units
    )
