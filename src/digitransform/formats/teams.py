"""``teams.csv``: community digital technology teams, ``id,commune,villages,members,founded,last_active``.

``villages`` holds village codes separated by ``;``; ``members`` is a count (members are never named);
dates are ISO; an empty ``last_active`` means the team has not been active yet. An optional ``roles``
column says how many members hold each role: ``leader:1;police:1;volunteer:4``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from digitransform.domain import AdminLevel, AdminTree, Team, TeamRole, check_team
from digitransform.formats._io import (
    Problems,
    Sink,
    Source,
    Table,
    csv_rows,
    int_cell,
    open_text,
    source_name,
    write_csv,
)
from digitransform.formats.converter import InvalidValue, structure
from digitransform.formats.errors import FormatError

__all__ = ["TEAMS_TABLE", "format_roles", "parse_roles", "read_teams_csv", "write_teams_csv"]

TEAMS_TABLE = Table(("id", "commune", "villages", "members", "founded", "last_active"), optional=("roles",))

_ROLE_ORDER = {role: i for i, role in enumerate(TeamRole)}


def parse_roles(text: str) -> dict[str, int | str]:
    """``"leader:1;police:2"`` as ``{"leader": 1, "police": 2}`` (role names are checked later)."""
    roles: dict[str, int | str] = {}
    for item in text.split(";"):
        if not item.strip():
            continue
        name, colon, count = item.partition(":")
        name = name.strip()
        if not colon or not name:
            raise InvalidValue(
                f"expected role:count pairs separated by ';', such as leader:1;police:2, got {item!r}"
            )
        if name in roles:
            raise InvalidValue(f"role {name!r} is listed twice")
        roles[name] = int_cell(count)
    return roles


def format_roles(roles: Iterable[tuple[TeamRole, int]]) -> str:
    """Role counts as ``leader:1;police:2``, in the order of :class:`~digitransform.domain.TeamRole`."""
    return ";".join(
        f"{role.value}:{count}" for role, count in sorted(roles, key=lambda rc: _ROLE_ORDER[rc[0]])
    )


def _split_codes(text: str) -> list[str]:
    if not text.strip():
        return []
    codes = [code.strip() for code in text.split(";")]
    if not all(codes):
        raise InvalidValue(f"an empty village code in {text!r}; separate codes with ';'")
    return codes


def _plain(row: dict[str, str], has_roles: bool) -> tuple[dict[str, object], list[tuple[str, str]]]:
    """The row as converter input, and the columns that could not even be split."""
    plain: dict[str, object] = {
        "id": row["id"],
        "commune": row["commune"],
        "members": int_cell(row["members"]),
        "founded": row["founded"],
        "last_active": row["last_active"] or None,
    }
    bad: list[tuple[str, str]] = []
    try:
        plain["villages"] = _split_codes(row["villages"])
    except InvalidValue as exc:
        bad.append(("$.villages", str(exc)))
    if has_roles:
        try:
            plain["roles"] = parse_roles(row["roles"])
        except InvalidValue as exc:
            bad.append(("$.roles", str(exc)))
    return plain, bad


def read_teams_csv(src: Source, tree: AdminTree | None = None) -> list[Team]:
    """Every team of a ``teams.csv``, in file order.

    With ``tree``, each team is also checked against it (:func:`~digitransform.domain.check_team`):
    its commune must be a commune of the tree and its villages villages of that commune. Team ids
    must be unique. Raises :class:`FormatError` (or :class:`FormatErrors` for several) naming the
    line and column of every problem.
    """
    source = source_name(src)
    problems = Problems(source)
    teams: list[Team] = []
    first_line: dict[str, int] = {}
    with open_text(src) as f:
        for line, row in csv_rows(f, TEAMS_TABLE, source):
            stop = False
            plain, bad = _plain(row, "roles" in row)
            for path, message in bad:
                stop = problems.add(FormatError(message, source=source, line=line, path=path))
            if bad:
                if stop:
                    break
                continue
            try:
                team = structure(plain, Team, source=source, line=line)
            except FormatError as exc:
                if problems.add(exc):
                    break
                continue
            if team.id in first_line:
                stop = problems.add(
                    FormatError(
                        f"team id {team.id!r} is used twice (first on line {first_line[team.id]})",
                        source=source,
                        line=line,
                        path="$.id",
                    )
                )
            first_line.setdefault(team.id, line)
            if tree is not None:
                for message in check_team(team, tree):
                    commune = tree.get(team.commune)
                    path = (
                        "$.commune"
                        if commune is None or commune.level is not AdminLevel.COMMUNE
                        else "$.villages"
                    )
                    stop = problems.add(FormatError(message, source=source, line=line, path=path)) or stop
            if stop:
                break
            teams.append(team)
    problems.raise_any()
    return teams


def _date(day: dt.date | None) -> str:
    return "" if day is None else day.isoformat()


def _row(team: Team) -> tuple[str, ...]:
    return (
        team.id,
        team.commune,
        ";".join(team.villages),
        str(team.members),
        team.founded.isoformat(),
        _date(team.last_active),
        format_roles(team.roles.items()),
    )


def write_teams_csv(teams: Iterable[Team], dst: Sink) -> int:
    """Write ``teams`` as ``teams.csv`` with the ``roles`` column; returns how many rows were written.

    A village code containing ``;`` cannot be written (it would read back as two codes).
    """

    def row(team: Team) -> tuple[str, ...]:
        for village in team.villages:
            if ";" in village:
                raise ValueError(f"team {team.id}: village code {village!r} contains ';', the list separator")
        return _row(team)

    return write_csv(teams, dst, (*TEAMS_TABLE.required, *TEAMS_TABLE.optional), row)
