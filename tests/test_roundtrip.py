"""Every domain type survives the wire: the converter, JSON, and the four file formats."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from typing import Any, TypeVar

import pytest
from hypothesis import given
from hypothesis import strategies as st

from digitransform.domain import (
    AdminTree,
    AdminUnit,
    Household,
    Period,
    Resident,
    ServiceReport,
    Team,
    Ticket,
    TicketEvent,
    TicketHistory,
    TicketState,
    Transition,
)
from digitransform.formats import (
    FormatError,
    FormatErrors,
    converter,
    from_json,
    iter_households_jsonl,
    load_tree,
    read_service_reports_csv,
    read_teams_csv,
    read_units_csv,
    to_json,
    write_households_jsonl,
    write_service_reports_csv,
    write_teams_csv,
    write_units_csv,
)
from digitransform.testing import (
    admin_tree_units,
    admin_trees,
    admin_units,
    corrupted_unit_lists,
    household_dict,
    households,
    households_in,
    invalid_household_dicts,
    periods,
    residents,
    service_reports,
    teams,
    ticket_histories,
    tickets,
    transitions,
)

T = TypeVar("T")


def _with_tree(make: Callable[[AdminTree], st.SearchStrategy[T]]) -> st.SearchStrategy[T]:
    return admin_trees().flatmap(make)


def _history_parts(make: Callable[[TicketHistory], Any]) -> st.SearchStrategy[Any]:
    return _with_tree(ticket_histories).map(make)


# Every domain type with a strategy that generates it.
CASES: list[tuple[type[Any], st.SearchStrategy[Any]]] = [
    (AdminUnit, admin_units()),
    (Resident, residents()),
    (Household, households()),
    (Team, _with_tree(teams)),
    (ServiceReport, _with_tree(service_reports)),
    (Period, periods()),
    (Ticket, _with_tree(tickets)),
    (Transition, transitions()),
    (
        TicketEvent,
        _history_parts(lambda h: h.events[0] if h.events else None).filter(lambda e: e is not None),
    ),
    (TicketState, _history_parts(lambda h: h.state)),
    (TicketHistory, _with_tree(ticket_histories)),
]
IDS = [cls.__name__ for cls, _ in CASES]


@pytest.mark.parametrize(("cls", "strategy"), CASES, ids=IDS)
def test_converter_round_trip(cls: type[Any], strategy: st.SearchStrategy[Any]) -> None:
    """Unstructuring then structuring with the one converter gives back an equal value."""

    @given(strategy)
    def check(value: Any) -> None:
        plain = converter.unstructure(value)
        json.dumps(plain)  # plain data only: no enums, dates or sets left
        assert converter.structure(plain, cls) == value

    check()


@pytest.mark.parametrize(("cls", "strategy"), CASES, ids=IDS)
def test_json_round_trip(cls: type[Any], strategy: st.SearchStrategy[Any]) -> None:
    """Writing a value as JSON and reading it back gives an equal value."""

    @given(strategy)
    def check(value: Any) -> None:
        data = to_json(value)
        assert isinstance(data, bytes)
        assert from_json(data, cls) == value
        assert from_json(data.decode("utf-8"), cls) == value

    check()


@given(households())
def test_household_json_is_the_contract(household: Household) -> None:
    """A household's JSON has exactly the field names and values of the households.jsonl contract."""
    assert json.loads(to_json(household)) == household_dict(household)


@given(admin_tree_units())
def test_units_csv_round_trip(units: list[AdminUnit]) -> None:
    """Writing units to units.csv and reading the file back gives the same units in the same order."""
    buffer = io.StringIO()
    write_units_csv(units, buffer)
    text = buffer.getvalue()
    assert text.splitlines()[0] == "code,name,level,parent_code"
    assert read_units_csv(io.StringIO(text)) == units
    tree = load_tree(io.StringIO(text))
    assert sorted(u.code for u in tree) == sorted(u.code for u in units)


@given(
    admin_trees().flatmap(lambda tree: st.lists(households_in(tree), max_size=8, unique_by=lambda h: h.id))
)
def test_households_jsonl_round_trip(items: list[Household]) -> None:
    """Writing households as JSON Lines and reading them back gives the same households, one a line."""
    buffer = io.StringIO()
    write_households_jsonl(items, buffer)
    text = buffer.getvalue()
    assert len(text.splitlines()) == len(items)
    assert [json.loads(line) for line in text.splitlines()] == [household_dict(h) for h in items]
    assert list(iter_households_jsonl(io.StringIO(text))) == items


@given(admin_trees().flatmap(lambda tree: st.lists(teams(tree), max_size=6, unique_by=lambda t: t.id)))
def test_teams_csv_round_trip(items: list[Team]) -> None:
    """Writing teams to teams.csv and reading the file back gives the same teams."""
    buffer = io.StringIO()
    write_teams_csv(items, buffer)
    text = buffer.getvalue()
    assert text.splitlines()[0].startswith("id,commune,villages,members,founded,last_active")
    assert read_teams_csv(io.StringIO(text)) == items


@given(admin_trees().flatmap(lambda tree: st.lists(service_reports(tree), max_size=6)))
def test_service_reports_csv_round_trip(items: list[ServiceReport]) -> None:
    """Writing service reports to CSV and reading the file back gives the same reports."""
    buffer = io.StringIO()
    write_service_reports_csv(items, buffer)
    text = buffer.getvalue()
    assert text.splitlines()[0].startswith(
        "unit,period_start,period_end,received_total,received_online,resolved_total,"
        "resolved_on_time,resolved_fully_online,late_pending,carried_over"
    )
    assert read_service_reports_csv(io.StringIO(text)) == items


@given(invalid_household_dicts(), st.integers(0, 3))
def test_a_bad_household_line_is_named_by_line_and_path(
    case: tuple[dict[str, Any], str], good_before: int
) -> None:
    """A bad field in households.jsonl is reported with its line number and JSON path, not a traceback."""
    record, path = case
    good = json.dumps(
        {"id": "h-ok", "village": "V01", "internet": "none", "other_smart_devices": 0, "members": []}
    )
    text = "\n".join([good] * good_before + [json.dumps(record, ensure_ascii=False)]) + "\n"
    with pytest.raises(FormatError) as caught:
        list(iter_households_jsonl(io.StringIO(text)))
    error = caught.value
    assert error.line == good_before + 1
    assert error.path == path or error.path.startswith((path + "[", path + "."))
    assert f"{error.line}" in str(error) and error.path in str(error)


@given(invalid_household_dicts())
def test_from_json_names_the_bad_field(case: tuple[dict[str, Any], str]) -> None:
    """Reading one bad household from JSON names the path of the bad field."""
    record, path = case
    with pytest.raises(FormatError) as caught:
        from_json(json.dumps(record), Household)
    assert caught.value.path == path or caught.value.path.startswith((path + "[", path + "."))


def test_a_malformed_jsonl_line_is_named() -> None:
    """A line that is not JSON at all is reported with its line number."""
    good = '{"id": "h-1", "village": "V01", "internet": "none", "other_smart_devices": 0, "members": []}'
    with pytest.raises(FormatError) as caught:
        list(iter_households_jsonl(io.StringIO(good + "\n{not json\n")))
    assert caught.value.line == 2


# What a person reads in the message for each kind of corruption.
CORRUPTION_WORDS = {
    "duplicate_code": r"^duplicate code '",
    "missing_parent": r": parent '.*' does not exist$",
    "wrong_parent_level": r"must hang from a ",
    "cycle": r"^cycle in parents: ",
    "root_count": r"exactly one province as its root, found (0|[2-9])",
}


@given(corrupted_unit_lists())
def test_a_corrupted_units_csv_is_refused_naming_lines(case: tuple[list[AdminUnit], str]) -> None:
    """A corrupted units.csv raises FormatErrors naming the kind of corruption, its column and line."""
    units, kind = case
    buffer = io.StringIO()
    write_units_csv(units, buffer)
    with pytest.raises(FormatErrors) as caught:
        load_tree(io.StringIO(buffer.getvalue()))
    named = [e for e in caught.value.errors if re.search(CORRUPTION_WORDS[kind], e.message)]
    assert named, f"no error names the {kind}: {caught.value}"
    assert all(e.path == ("$.code" if kind == "duplicate_code" else "$.parent_code") for e in named)
    lines = {e.line for e in named}
    if kind == "root_count" and not any(u.parent_code is None for u in units):
        assert lines == {None}  # no province at all: there is no line to point at
    else:
        assert all(line is not None and 2 <= line <= len(units) + 1 for line in lines)
