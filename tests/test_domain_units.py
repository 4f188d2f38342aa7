"""The administrative tree: valid trees build, every corruption is reported, lookups agree."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from digitransform.domain import AdminLevel, AdminTree, AdminTreeError, AdminUnit, TreeProblem, ascii_fold
from digitransform.testing import (
    TREE_PROBLEM_KINDS,
    admin_tree_units,
    admin_trees,
    admin_units,
    corrupted_unit_lists,
    multiply_corrupted_unit_lists,
    vietnamese_names,
)

P, C, V = AdminLevel.PROVINCE, AdminLevel.COMMUNE, AdminLevel.VILLAGE

# What the message of each kind of problem must say, so a person can act on it.
_MESSAGE_WORDS = {
    "duplicate_code": "duplicate code",
    "missing_parent": "does not exist",
    "wrong_parent_level": "must hang from",
    "cycle": "cycle in parents",
    "root_count": "exactly one province",
}


def small_units() -> list[AdminUnit]:
    return [
        AdminUnit("91", "Tỉnh An Giang", P),
        AdminUnit("30280", "Xã U Minh Thượng", C, "91"),
        AdminUnit("30283", "Xã Vân Khánh", C, "91"),
        AdminUnit("30280001", "Ấp Minh Hòa", V, "30280"),
        AdminUnit("30283001", "Ấp Kim Quy A", V, "30283"),
        AdminUnit("30283002", "Ấp Kim Quy B", V, "30283"),
    ]


def problems_of(units: list[AdminUnit]) -> tuple[TreeProblem, ...]:
    with pytest.raises(AdminTreeError) as caught:
        AdminTree.from_units(units)
    return caught.value.problems


# --- valid trees ---------------------------------------------------------------------------------


@given(admin_tree_units(min_communes=0, max_communes=5, max_villages=5, min_villages=0))
def test_every_generated_unit_list_builds_a_tree(units: list[AdminUnit]) -> None:
    """A generated unit list, in any order, builds a tree holding exactly its units."""
    tree = AdminTree.from_units(units)
    assert len(tree) == len(units)
    assert sorted(u.code for u in tree) == sorted(u.code for u in units)
    assert tree.root.level is P
    assert all(u.code in tree and tree[u.code] == u for u in units)


@given(admin_trees())
def test_iteration_is_top_down(tree: AdminTree) -> None:
    """Iterating a tree yields every parent before its children, starting with the province."""
    seen: set[str] = set()
    units = list(tree)
    assert units[0] == tree.root
    for unit in units:
        assert unit.parent_code is None or unit.parent_code in seen
        seen.add(unit.code)


@given(admin_trees(max_communes=5, max_villages=5, min_villages=0))
def test_lookups_agree_with_parent_codes(tree: AdminTree) -> None:
    """Parent, ancestors, children, descendants and commune_of all agree with the parent codes."""
    for unit in tree:
        parent = tree.parent(unit.code)
        assert (parent.code if parent else None) == unit.parent_code
        ancestors = tree.ancestors(unit.code)
        assert len(ancestors) == unit.level.depth
        assert [a.level.depth for a in ancestors] == list(range(unit.level.depth - 1, -1, -1))
        assert all(c.parent_code == unit.code for c in tree.children(unit.code))
        assert all(tree.is_within(unit.code, a.code) for a in ancestors)
        assert tree.is_within(unit.code, unit.code)
        if unit.level is V:
            assert tree.commune_of(unit.code).code == unit.parent_code
        if unit.level is C:
            assert tree.commune_of(unit.code) == unit
    for level in AdminLevel:
        expected = {u.code for u in tree if u.level is level}
        assert {u.code for u in tree.at_level(level)} == expected
        assert {u.code for u in tree.descendants(tree.root.code, level)} == expected
    villages_by_commune = sum(len(tree.descendants(c.code, V)) for c in tree.at_level(C))
    assert villages_by_commune == len(tree.at_level(V))


def test_lookups_on_a_small_tree() -> None:
    """A village's ancestors are its commune then the province; children keep input order."""
    tree = AdminTree.from_units(small_units())
    assert [u.code for u in tree.ancestors("30283002")] == ["30283", "91"]
    assert [u.code for u in tree.children("30283")] == ["30283001", "30283002"]
    assert [u.code for u in tree.children("91")] == ["30280", "30283"]
    assert tree.children("30283001") == ()
    assert tree.parent("91") is None
    assert tree.commune_of("30283001").name == "Xã Vân Khánh"
    assert tree.descendants("30283001", V) == (tree["30283001"],)
    assert tree.descendants("30283001", C) == ()
    assert not tree.is_within("30283001", "30280")
    assert not tree.is_within("nowhere", "nowhere")
    assert tree.units["30280"].name == "Xã U Minh Thượng"
    assert tree.get("nowhere") is None
    assert "nowhere" not in tree


def test_unknown_code_and_province_commune_are_clear_errors() -> None:
    """Looking up an unknown code names it; a province has no commune."""
    tree = AdminTree.from_units(small_units())
    with pytest.raises(KeyError, match="unknown unit code 'X9'"):
        tree["X9"]
    with pytest.raises(KeyError, match="X9"):
        tree.children("X9")
    with pytest.raises(ValueError, match="province, which has no commune"):
        tree.commune_of("91")


def test_descendants_are_cached_and_stable() -> None:
    """Asking twice for the same descendants returns the same tuple."""
    tree = AdminTree.from_units(small_units())
    assert tree.descendants("91", V) is tree.descendants("91", V)


# --- corruptions ---------------------------------------------------------------------------------


@given(corrupted_unit_lists())
def test_every_corruption_is_rejected_naming_it(case: tuple[list[AdminUnit], str]) -> None:
    """A corrupted list is refused, and the error names the kind of corruption made."""
    units, kind = case
    problems = problems_of(units)
    matching = [p for p in problems if p.kind == kind]
    assert matching, f"{kind} not among {[p.kind for p in problems]}"
    assert all(_MESSAGE_WORDS[kind] in p.message for p in matching)
    assert all(p.kind in TREE_PROBLEM_KINDS for p in problems)


@given(multiply_corrupted_unit_lists())
def test_all_problems_are_reported_at_once(case: tuple[list[AdminUnit], frozenset[str]]) -> None:
    """A list with several kinds of corruption reports every one of them in a single error."""
    units, kinds = case
    assert kinds <= {p.kind for p in problems_of(units)}


@pytest.mark.parametrize("kind", TREE_PROBLEM_KINDS)
def test_each_kind_of_corruption_is_generated(kind: str) -> None:
    """The corruption strategy can make each kind on demand (so the property above covers all five)."""

    @given(corrupted_unit_lists(kinds=(kind,)))
    def check(case: tuple[list[AdminUnit], str]) -> None:
        units, made = case
        assert made == kind
        assert kind in {p.kind for p in problems_of(units)}

    check()


def test_duplicate_and_orphan_are_both_reported() -> None:
    """A duplicate code and an orphan in one list yield two problems, not only the first."""
    units = [
        *small_units(),
        AdminUnit("30280", "Xã Trùng Mã", C, "91"),
        AdminUnit("99", "Ấp Lạc", V, "77777"),
    ]
    problems = problems_of(units)
    assert {(p.kind, p.code) for p in problems} == {("duplicate_code", "30280"), ("missing_parent", "99")}
    error = AdminTreeError(problems)
    assert str(error).startswith("2 problem(s) in the administrative tree:")
    assert "duplicate code '30280' (Xã Trùng Mã)" in str(error)
    assert "99: parent '77777' does not exist" in str(error)


def test_wrong_parent_level_names_both_levels() -> None:
    """A village directly under the province is reported with what it should hang from."""
    units = [*small_units(), AdminUnit("30283009", "Ấp Sai", V, "91")]
    (problem,) = problems_of(units)
    assert problem.kind == "wrong_parent_level"
    assert str(problem) == "30283009: a village must hang from a commune, but 91 is a province"


def test_commune_under_commune_is_wrong_parent_level() -> None:
    """A commune may hang only from the province."""
    units = [*small_units(), AdminUnit("30290", "Xã Con", C, "30280")]
    assert [p.kind for p in problems_of(units)] == ["wrong_parent_level"]


def test_cycle_is_reported_once_with_its_path() -> None:
    """Two villages that are each other's parent form one reported cycle, listed in order."""
    units = [*small_units(), AdminUnit("V1", "Ấp Một", V, "V2"), AdminUnit("V2", "Ấp Hai", V, "V1")]
    cycles = [p for p in problems_of(units) if p.kind == "cycle"]
    assert len(cycles) == 1
    assert cycles[0].message in ("cycle in parents: V1 → V2 → V1", "cycle in parents: V2 → V1 → V2")


def test_chain_into_a_cycle_reports_the_cycle_once() -> None:
    """A unit hanging from a cycle does not report the cycle a second time."""
    units = [
        *small_units(),
        AdminUnit("V0", "Ấp Ngoài", V, "V1"),
        AdminUnit("V1", "Ấp Một", V, "V2"),
        AdminUnit("V2", "Ấp Hai", V, "V1"),
    ]
    assert [p.kind for p in problems_of(units)].count("cycle") == 1


def test_self_parent_is_a_cycle() -> None:
    """A unit that is its own parent is a cycle."""
    units = [*small_units(), AdminUnit("V1", "Ấp Một", V, "V1")]
    assert "cycle" in {p.kind for p in problems_of(units)}


def test_two_provinces_and_none_are_root_count_problems() -> None:
    """A tree needs exactly one province: two, or none at all, are refused with the count."""
    two = problems_of([*small_units(), AdminUnit("92", "Tỉnh Kiên Giang", P)])
    assert [(p.kind, p.code) for p in two] == [("root_count", "92")]
    assert "found 2: 91, 92" in two[0].message
    none = problems_of([u for u in small_units() if u.level is not P])
    assert "root_count" in {p.kind for p in none}
    empty = problems_of([])
    assert [p.message for p in empty] == ["the tree needs exactly one province as its root, found 0: none"]


# --- units and names ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("unit_args", "message"),
    [
        (("91", "Tỉnh An Giang", P, "00"), "a province has no parent"),
        (("30280", "Xã U Minh Thượng", C, None), "every other unit has one"),
        (("", "Xã Trống", C, "91"), "code must be non-empty"),
        (("30280", " Xã Cách", C, "91"), "name must be non-empty without surrounding spaces"),
    ],
)
def test_invalid_units_are_refused(unit_args: tuple[str, str, AdminLevel, str | None], message: str) -> None:
    """A unit with a misplaced parent, a blank code or a padded name cannot be built."""
    with pytest.raises(ValueError, match=message):
        AdminUnit(*unit_args)


@given(admin_units())
def test_generated_units_have_the_right_parent_level(unit: AdminUnit) -> None:
    """A generated unit has a parent code exactly when it is not a province."""
    assert (unit.parent_code is None) == (unit.level is P)


def test_levels_know_their_depth_and_parent() -> None:
    """Province, commune and village are depths 0, 1, 2, each hanging from the one above."""
    assert [level.depth for level in (P, C, V)] == [0, 1, 2]
    assert [level.parent_level for level in (P, C, V)] == [None, P, C]


@pytest.mark.parametrize(
    ("name", "folded"),
    [
        ("U Minh Thượng", "U Minh Thuong"),
        ("Đặc khu Phú Quốc", "Dac khu Phu Quoc"),
        ("Ấp Kim Quy A", "Ap Kim Quy A"),
        ("Xã Vân Khánh", "Xa Van Khanh"),
        ("đường Nguyễn Trung Trực", "duong Nguyen Trung Truc"),
        ("Phường Rạch Giá", "Phuong Rach Gia"),
    ],
)
def test_ascii_fold_examples(name: str, folded: str) -> None:
    """Folding strips tones and vowel marks and maps đ/Đ to d/D."""
    assert ascii_fold(name) == folded
    assert ascii_fold(unicodedata.normalize("NFD", name)) == folded


@given(vietnamese_names())
def test_every_generated_name_folds_to_ascii(name: str) -> None:
    """Every generated Vietnamese name carries diacritics and folds to plain ASCII."""
    assert not name.isascii()
    unit = AdminUnit("1", name, P)
    assert unit.ascii_name.isascii()
    assert len(unit.ascii_name) == len(name)


@given(st.text())
def test_ascii_fold_is_idempotent_and_keeps_ascii(text: str) -> None:
    """Folding twice equals folding once, and ASCII text is left alone."""
    assert ascii_fold(ascii_fold(text)) == ascii_fold(text)
    if text.isascii():
        assert ascii_fold(text) == text


def test_an_unknown_code_lies_within_no_scope() -> None:
    """is_within answers False for a code the tree does not know, whatever the scope."""
    tree = AdminTree.from_units(
        [
            AdminUnit("P", "Tỉnh", AdminLevel.PROVINCE),
            AdminUnit("C", "Xã", AdminLevel.COMMUNE, "P"),
        ]
    )
    assert not tree.is_within("X", "P")
    assert not tree.is_within("X", "X")
    assert tree.is_within("C", "P")
