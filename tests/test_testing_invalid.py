"""The public "invalid on purpose" strategies make input the library refuses, for the reason they promise."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digitransform.domain import (
    AdminLevel,
    AdminTree,
    AdminUnit,
    LifecycleError,
    ServiceReport,
    Team,
    TicketEvent,
    TicketHistory,
    check_team,
)
from digitransform.formats import FormatError, read_service_reports_csv, read_teams_csv, structure
from digitransform.formats.service_reports import SERVICE_REPORTS_TABLE
from digitransform.formats.teams import TEAMS_TABLE
from digitransform.testing import (
    SERVICE_REPORT_PROBLEM_KINDS,
    SERVICE_REPORT_TREE_PROBLEM_KINDS,
    TEAM_PROBLEM_KINDS,
    TEAM_TREE_PROBLEM_KINDS,
    TICKET_HISTORY_PROBLEMS,
    admin_trees,
    invalid_service_report_dicts,
    invalid_team_dicts,
    invalid_ticket_histories,
)

TREES = admin_trees(1, 3, 3)
TEAM_RECORD_KINDS = tuple(k for k in TEAM_PROBLEM_KINDS if k not in TEAM_TREE_PROBLEM_KINDS)
REPORT_RECORD_KINDS = tuple(
    k for k in SERVICE_REPORT_PROBLEM_KINDS if k not in SERVICE_REPORT_TREE_PROBLEM_KINDS
)
LIFECYCLE_REASONS = (
    "forbidden",
    "resolution_required",
    "reason_required",
    "self_duplicate",
    "unexpected_field",
)


def _with_tree(make: Any, *args: Any) -> st.SearchStrategy[Any]:
    return TREES.flatmap(lambda tree: st.tuples(st.just(tree), make(tree, *args)))


def _teams_csv(record: dict[str, Any]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow((*TEAMS_TABLE.required, *TEAMS_TABLE.optional))
    writer.writerow(
        (
            record["id"],
            record["commune"],
            ";".join(record["villages"]),
            record["members"],
            record["founded"],
            record["last_active"] or "",
            ";".join(f"{role}:{count}" for role, count in record["roles"].items()),
        )
    )
    return buffer.getvalue()


def _reports_csv(record: dict[str, Any]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(SERVICE_REPORTS_TABLE.required)
    writer.writerow([record[name] for name in SERVICE_REPORTS_TABLE.required])
    return buffer.getvalue()


@given(_with_tree(invalid_team_dicts))
def test_an_invalid_team_is_refused_at_its_path_against_the_tree(case: tuple[AdminTree, Any]) -> None:
    """Every invalid team fails teams.csv reading with the tree, naming line 2 and the promised path."""
    tree, (record, path) = case
    with pytest.raises(FormatError) as caught:
        read_teams_csv(io.StringIO(_teams_csv(record)), tree)
    assert (caught.value.line, caught.value.path) == (2, path)


@given(_with_tree(invalid_team_dicts, TEAM_RECORD_KINDS))
def test_an_invalid_team_record_is_refused_by_the_converter(case: tuple[AdminTree, Any]) -> None:
    """Problems a team shows on its own are refused by structure() with a FormatError at the promised path."""
    _tree, (record, path) = case
    with pytest.raises(FormatError) as caught:
        structure(record, Team)
    assert caught.value.path == path


@given(_with_tree(invalid_team_dicts, TEAM_TREE_PROBLEM_KINDS))
def test_a_team_outside_the_tree_is_well_formed_but_fails_check_team(case: tuple[AdminTree, Any]) -> None:
    """A foreign village or an unknown commune structures fine and is then named by check_team."""
    tree, (record, path) = case
    team = structure(record, Team)
    problems = check_team(team, tree)
    assert len(problems) == 1
    if path == "$.commune":
        assert "is not a commune" in problems[0]
    else:
        assert "belongs to commune" in problems[0]


@given(_with_tree(invalid_service_report_dicts))
def test_an_invalid_service_report_is_refused_at_its_path(case: tuple[AdminTree, Any]) -> None:
    """Every invalid report fails service_reports.csv reading with the tree, naming line 2 and the path."""
    tree, (record, path) = case
    with pytest.raises(FormatError) as caught:
        read_service_reports_csv(io.StringIO(_reports_csv(record)), tree)
    assert (caught.value.line, caught.value.path) == (2, path)


@given(_with_tree(invalid_service_report_dicts, REPORT_RECORD_KINDS))
def test_an_invalid_service_report_record_is_refused_by_the_converter(case: tuple[AdminTree, Any]) -> None:
    """A report's own problems are refused by structure() with a FormatError at the promised path."""
    _tree, (record, path) = case
    with pytest.raises(FormatError) as caught:
        structure(record, ServiceReport)
    assert caught.value.path == path


@given(_with_tree(invalid_ticket_histories))
def test_an_invalid_ticket_history_cannot_be_built(case: tuple[AdminTree, Any]) -> None:
    """TicketHistory refuses each one: a LifecycleError with the promised reason, else a ValueError."""
    _tree, (ticket, events, problem) = case
    assert problem in TICKET_HISTORY_PROBLEMS
    with pytest.raises(ValueError) as caught:
        TicketHistory(ticket, events)
    if problem in LIFECYCLE_REASONS:
        assert isinstance(caught.value, LifecycleError)
        assert caught.value.reason == problem
    else:
        assert not isinstance(caught.value, LifecycleError)
        assert ("precedes" if problem == "out_of_order" else "timezone-aware") in str(caught.value)


@given(_with_tree(invalid_ticket_histories))
def test_only_the_last_event_of_an_invalid_history_is_bad(case: tuple[AdminTree, Any]) -> None:
    """Without its last event an invalid history is valid: the strategy breaks exactly one thing."""
    _tree, (ticket, events, _problem) = case
    assert all(isinstance(e, TicketEvent) for e in events)
    TicketHistory(ticket, events[:-1])


TWO_COMMUNES = AdminTree.from_units(
    [
        AdminUnit("89", "Tỉnh An Giang", AdminLevel.PROVINCE),
        AdminUnit("30001", "Xã Vân Khánh", AdminLevel.COMMUNE, "89"),
        AdminUnit("30001001", "Ấp Kim Quy A", AdminLevel.VILLAGE, "30001"),
        AdminUnit("30002", "Xã An Minh", AdminLevel.COMMUNE, "89"),
        AdminUnit("30002001", "Ấp Mười Ba", AdminLevel.VILLAGE, "30002"),
    ]
)


@pytest.mark.parametrize(
    ("make", "kind"),
    [
        *((invalid_team_dicts, k) for k in TEAM_PROBLEM_KINDS),
        *((invalid_service_report_dicts, k) for k in SERVICE_REPORT_PROBLEM_KINDS),
        *((invalid_ticket_histories, k) for k in TICKET_HISTORY_PROBLEMS),
    ],
)
@settings(max_examples=3)
@given(data=st.data())
def test_every_kind_can_be_asked_for_alone(make: Any, kind: str, data: st.DataObject) -> None:
    """Each named kind can be drawn on its own from a small two-commune tree (a history reports it back)."""
    case = data.draw(make(TWO_COMMUNES, (kind,)))
    if make is invalid_ticket_histories:
        assert case[2] == kind


def test_unknown_kinds_are_refused_at_once() -> None:
    """Asking for a kind the strategy does not know is a ValueError, not a silent empty strategy."""
    tree = AdminTree.from_units([AdminUnit("89", "Tỉnh An Giang", AdminLevel.PROVINCE)])
    with pytest.raises(ValueError, match="kinds"):
        invalid_team_dicts(tree, ("nonsense",))
    with pytest.raises(ValueError, match="kinds"):
        invalid_service_report_dicts(tree, ())
    with pytest.raises(ValueError, match="kinds"):
        invalid_ticket_histories(tree, ("late",))


def test_a_tree_without_communes_cannot_give_invalid_teams() -> None:
    """A province alone has no commune for a team, so the strategy says so at once."""
    tree = AdminTree.from_units([AdminUnit("89", "Tỉnh An Giang", AdminLevel.PROVINCE)])
    with pytest.raises(ValueError, match="can give none"):
        invalid_team_dicts(tree)
