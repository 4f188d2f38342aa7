"""Team and service-report records broken on purpose, each with the JSON path its error must name."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from hypothesis import strategies as st

from digitransform.domain import AdminLevel, AdminTree, ServiceReport, Team, TeamRole
from digitransform.testing._teams_reports import service_reports, teams

__all__ = [
    "SERVICE_REPORT_PROBLEM_KINDS",
    "SERVICE_REPORT_TREE_PROBLEM_KINDS",
    "TEAM_PROBLEM_KINDS",
    "TEAM_TREE_PROBLEM_KINDS",
    "invalid_service_report_dicts",
    "invalid_team_dicts",
]

TEAM_PROBLEM_KINDS = (
    "foreign_village",
    "unknown_commune",
    "negative_members",
    "active_before_founded",
    "roles_over_members",
    "duplicate_village",
)
"""What :func:`invalid_team_dicts` can break: a village of another commune, a commune the tree lacks,
a negative member count, ``last_active`` before ``founded``, role counts above the members, a village
listed twice."""

TEAM_TREE_PROBLEM_KINDS = ("foreign_village", "unknown_commune")
"""The team problems only a tree reveals (:func:`~digitransform.domain.check_team`, or
``read_teams_csv(..., tree)``); a team alone is well formed."""

SERVICE_REPORT_PROBLEM_KINDS = (
    "end_before_start",
    "negative_count",
    "online_over_total",
    "on_time_over_resolved",
    "fully_online_over_resolved",
    "unknown_unit",
)
"""What :func:`invalid_service_report_dicts` can break: a period ending before it starts, a negative
count, more online applications than applications, more dossiers on time or fully online than
resolved, a unit the tree lacks."""

SERVICE_REPORT_TREE_PROBLEM_KINDS = ("unknown_unit",)
"""The report problems only a tree reveals (``read_service_reports_csv(..., tree)``)."""

_COUNTS = (
    "received_total",
    "received_online",
    "resolved_total",
    "resolved_on_time",
    "resolved_fully_online",
    "late_pending",
    "carried_over",
)
_EXCESS = st.integers(1, 50)
_DAYS_BACK = st.integers(1, 1_000)


def _team_dict(team: Team, team_id: str) -> dict[str, Any]:
    """The converter's plain shape of a team, written out by hand from the contract."""
    return {
        "id": team_id,
        "commune": team.commune,
        "villages": list(team.villages),
        "members": team.members,
        "founded": team.founded.isoformat(),
        "last_active": None if team.last_active is None else team.last_active.isoformat(),
        "roles": {role.value: count for role, count in team.roles.items()},
    }


def _check_kinds(name: str, kinds: Sequence[str], known: tuple[str, ...]) -> tuple[str, ...]:
    unknown = [k for k in kinds if k not in known]
    if unknown or not kinds:
        raise ValueError(f"{name}: kinds must be a non-empty selection of {', '.join(known)}; got {kinds!r}")
    return tuple(kinds)


def _fresh_code(tree: AdminTree, n: int) -> str:
    code = f"X{n:05d}"  # letters never occur in generated codes; still, make sure
    while code in tree:
        code += "X"
    return code


def invalid_team_dicts(
    tree: AdminTree, kinds: Sequence[str] = TEAM_PROBLEM_KINDS
) -> st.SearchStrategy[tuple[dict[str, Any], str]]:
    """A team record of ``tree`` with exactly one problem, and the JSON path its error must name.

    The record is the converter's plain shape (``structure(record, Team)`` reads it; ``villages`` is a
    list, ``roles`` an object such as ``{"leader": 1}``, dates ISO), which is also a ``teams.csv`` row
    once ``villages`` and ``roles`` are joined with ``;``. The problems (:data:`TEAM_PROBLEM_KINDS`):
    a village of another commune (``$.villages``), a commune the tree does not have as a commune
    (``$.commune``), negative members (``$.members``), ``last_active`` before ``founded``
    (``$.last_active``), role counts adding up to more than the members (``$.roles``), a village listed
    twice (``$.villages``). The first two are only visible against the tree
    (:data:`TEAM_TREE_PROBLEM_KINDS`); pass ``kinds`` without them to test a reader that has no tree.
    Kinds the tree cannot give (another commune's village in a one-commune tree) are left out; a tree
    that can give none of ``kinds`` raises ``ValueError`` at once.
    """
    chosen = _check_kinds("invalid_team_dicts", kinds, TEAM_PROBLEM_KINDS)
    communes = tree.at_level(AdminLevel.COMMUNE)
    with_villages = [c.code for c in communes if tree.children(c.code)]
    possible = {
        "foreign_village": len(with_villages) >= 2 or (len(with_villages) == 1 and len(communes) >= 2),
        "duplicate_village": bool(with_villages),
    }
    usable = [k for k in chosen if communes and possible.get(k, True)]
    if not usable:
        raise ValueError(f"invalid_team_dicts: the tree under {tree.root.code} can give none of {chosen}")
    return _invalid_team_dicts(tree, tuple(usable))


@st.composite
def _invalid_team_dicts(
    draw: st.DrawFn, tree: AdminTree, kinds: tuple[str, ...]
) -> tuple[dict[str, Any], str]:
    kind = draw(st.sampled_from(kinds))
    team = draw(teams(tree))
    if kind == "foreign_village":
        foreign = [u.code for u in tree.at_level(AdminLevel.VILLAGE) if u.parent_code != team.commune]
        if not foreign:  # the drawn commune holds every village: move the team to another commune
            other = draw(
                st.sampled_from([c for c in tree.at_level(AdminLevel.COMMUNE) if c.code != team.commune])
            )
            foreign = [u.code for u in tree.children(team.commune)]
            team = Team(team.id, other.code, (), team.members, team.founded, team.last_active, team.roles)
    if kind == "duplicate_village" and not tree.children(team.commune):
        commune = draw(
            st.sampled_from([c for c in tree.at_level(AdminLevel.COMMUNE) if tree.children(c.code)])
        )
        team = Team(team.id, commune.code, (), team.members, team.founded, team.last_active, team.roles)
    # A plain numbered id: the message of a cross-field rule quotes the id, and a word such as "members"
    # in it must not be mistaken for the field at fault.
    record = _team_dict(team, f"t-{team.commune}-{draw(st.integers(1, 9_999))}")
    villages: list[str] = record["villages"]
    if kind == "foreign_village":
        villages.insert(draw(st.integers(0, len(villages))), draw(st.sampled_from(foreign)))
        return record, "$.villages"
    if kind == "unknown_commune":
        not_communes = [tree.root.code, *(u.code for u in tree.at_level(AdminLevel.VILLAGE))]
        record["commune"] = draw(
            st.sampled_from([_fresh_code(tree, draw(st.integers(0, 99_999))), *not_communes])
        )
        return record, "$.commune"
    if kind == "negative_members":
        record["members"] = -draw(_EXCESS)
        record["roles"] = {}  # roles would overflow a negative count too: keep one problem
        return record, "$.members"
    if kind == "active_before_founded":
        founded = dt.date.fromisoformat(record["founded"]) + dt.timedelta(days=1)
        record["founded"] = founded.isoformat()
        record["last_active"] = (founded - dt.timedelta(days=draw(_DAYS_BACK))).isoformat()
        return record, "$.last_active"
    if kind == "roles_over_members":
        role = draw(st.sampled_from(TeamRole)).value
        spare = record["members"] - sum(c for r, c in record["roles"].items() if r != role)
        record["roles"][role] = spare + draw(_EXCESS)
        return record, "$.roles"
    # duplicate_village
    if not villages:
        villages.append(draw(st.sampled_from([u.code for u in tree.children(record["commune"])])))
    twin = draw(st.sampled_from(villages))
    villages.insert(draw(st.integers(0, len(villages))), twin)
    return record, "$.villages"


def _report_dict(report: ServiceReport) -> dict[str, Any]:
    """The converter's plain shape of a report, which is also its ``service_reports.csv`` row."""
    return {
        "unit": report.unit,
        "period_start": report.period_start.isoformat(),
        "period_end": report.period_end.isoformat(),
        **{name: getattr(report, name) for name in _COUNTS},
    }


def invalid_service_report_dicts(
    tree: AdminTree, kinds: Sequence[str] = SERVICE_REPORT_PROBLEM_KINDS
) -> st.SearchStrategy[tuple[dict[str, Any], str]]:
    """A service-centre report of ``tree`` with exactly one problem, and the JSON path its error must name.

    The record is the converter's plain shape, field for field the ``service_reports.csv`` columns.
    The problems (:data:`SERVICE_REPORT_PROBLEM_KINDS`): ``period_end`` before ``period_start``
    (``$.period_end``), a negative count (``$.<that count>``), more online applications than
    applications (``$.received_online``), more dossiers on time or fully online than resolved
    (``$.resolved_on_time``, ``$.resolved_fully_online``), a unit the tree lacks (``$.unit``, only
    visible against the tree: :data:`SERVICE_REPORT_TREE_PROBLEM_KINDS`).
    """
    chosen = _check_kinds("invalid_service_report_dicts", kinds, SERVICE_REPORT_PROBLEM_KINDS)
    return _invalid_service_report_dicts(tree, chosen)


def _over(total: str, part: str) -> Callable[[st.DrawFn, dict[str, Any]], str]:
    def make(draw: st.DrawFn, record: dict[str, Any]) -> str:
        record[part] = record[total] + draw(_EXCESS)
        return f"$.{part}"

    return make


def _end_before_start(draw: st.DrawFn, record: dict[str, Any]) -> str:
    start = dt.date.fromisoformat(record["period_start"])
    record["period_end"] = (start - dt.timedelta(days=draw(_DAYS_BACK))).isoformat()
    return "$.period_end"


def _negative_count(draw: st.DrawFn, record: dict[str, Any]) -> str:
    name = draw(st.sampled_from(_COUNTS))
    record[name] = -draw(_EXCESS)
    return f"$.{name}"


_BREAK_REPORT: dict[str, Callable[[st.DrawFn, dict[str, Any]], str]] = {
    "end_before_start": _end_before_start,
    "negative_count": _negative_count,
    "online_over_total": _over("received_total", "received_online"),
    "on_time_over_resolved": _over("resolved_total", "resolved_on_time"),
    "fully_online_over_resolved": _over("resolved_total", "resolved_fully_online"),
}


@st.composite
def _invalid_service_report_dicts(
    draw: st.DrawFn, tree: AdminTree, kinds: tuple[str, ...]
) -> tuple[dict[str, Any], str]:
    kind = draw(st.sampled_from(kinds))
    record = _report_dict(draw(service_reports(tree)))
    if kind == "unknown_unit":
        record["unit"] = _fresh_code(tree, draw(st.integers(0, 99_999)))
        return record, "$.unit"
    return record, _BREAK_REPORT[kind](draw, record)
