"""Unit mergers: units with validity dates, crosswalks from old codes to new, and records remapped.

On 1 July 2025 about 10,600 communes became 3,321, and the new codes reuse old ones: the new
Phường Rạch Giá carries the code of the old Phường Vĩnh Thanh Vân. A bare code is therefore
ambiguous; a code *and the date it was written* is not. So:

- a :class:`UnitHistory` holds units with the dates they were valid, and gives the tree as of any
  day (:meth:`UnitHistory.tree_as_of`);
- a :class:`Crosswalk` says which old code became which new one on which day: a whole unit
  (merged into its successor), a share of a unit split between several, or a part whose share is
  unknown (``partial``);
- a :class:`CodeMapper` rewrites the codes of households, teams, service reports and tickets
  written on one day into the codes of another day's tree, keeps a statement of every mapping it
  made (:attr:`CodeMapper.statements`), and refuses, naming the line and field, a code it cannot
  place: unknown, or split so that one record would have to be in two places.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable

import attrs

from digitransform.domain.households import Household
from digitransform.domain.periods import local_date
from digitransform.domain.service_reports import ServiceReport
from digitransform.domain.teams import Team
from digitransform.domain.tickets import Ticket
from digitransform.domain.units import AdminTree, AdminUnit

__all__ = [
    "CodeMapper",
    "CodeMapping",
    "Crosswalk",
    "CrosswalkEntry",
    "DatedUnit",
    "UnitHistory",
    "UnmappedCodeError",
]


@attrs.frozen(slots=True)
class DatedUnit:
    """A unit and the days it was valid, both inclusive; ``None`` for an open end."""

    unit: AdminUnit
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None

    def __attrs_post_init__(self) -> None:
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValueError(
                f"unit {self.unit.code}: valid_to {self.valid_to} precedes valid_from {self.valid_from}"
            )

    def valid_on(self, day: dt.date) -> bool:
        """Whether the unit existed on ``day``."""
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )


class UnitHistory:
    """Units over time. One code may name different units in different periods, never two at once."""

    __slots__ = ("_by_code",)

    def __init__(self, units: Iterable[DatedUnit]) -> None:
        by_code: dict[str, list[DatedUnit]] = {}
        for dated in units:
            by_code.setdefault(dated.unit.code, []).append(dated)
        for code, versions in by_code.items():
            versions.sort(key=lambda d: d.valid_from or dt.date.min)
            for earlier, later in itertools.pairwise(versions):
                if earlier.valid_to is None or (later.valid_from or dt.date.min) <= earlier.valid_to:
                    raise ValueError(
                        f"unit {code}: two units carry the code at once "
                        f"({earlier.unit.name} until {earlier.valid_to or 'today'}, "
                        f"{later.unit.name} from {later.valid_from})"
                    )
        self._by_code = by_code

    def unit_as_of(self, code: str, day: dt.date) -> AdminUnit | None:
        """The unit that carried ``code`` on ``day``, or ``None``."""
        return next((d.unit for d in self._by_code.get(code, ()) if d.valid_on(day)), None)

    def tree_as_of(self, day: dt.date) -> AdminTree:
        """The tree of the units valid on ``day`` (``AdminTreeError`` if they do not form one)."""
        return AdminTree.from_units(
            d.unit for versions in self._by_code.values() for d in versions if d.valid_on(day)
        )


@attrs.frozen(slots=True)
class CrosswalkEntry:
    """One row of a crosswalk: from ``effective`` on, ``old_code`` is (part of) ``new_code``.

    Attributes:
        share: The share of the old unit that went to the new one, when known (0 < share ≤ 1).
        partial: Only part of the old unit went to the new one (a split, share known or not).
        line: Where the row was read from, for messages.
    """

    old_code: str
    new_code: str
    effective: dt.date
    share: float | None = None
    partial: bool = False
    old_name: str = ""
    new_name: str = ""
    line: int | None = None

    def __attrs_post_init__(self) -> None:
        if self.share is not None and not 0 < self.share <= 1:
            raise ValueError(f"share must be above 0 and at most 1, got {self.share}")

    @property
    def whole(self) -> bool:
        """The whole old unit went to this one new unit."""
        return not self.partial and (self.share is None or self.share == 1)


class Crosswalk:
    """Old codes to new ones, by the day each change took effect.

    ``ValueError`` if an old code is split (several targets on one day) without every target being
    marked partial or given a share, or if given shares do not add up to 1.
    """

    __slots__ = ("_changes", "_days", "entries")

    def __init__(self, entries: Iterable[CrosswalkEntry]) -> None:
        self.entries: tuple[CrosswalkEntry, ...] = tuple(entries)
        changes: dict[tuple[str, dt.date], list[CrosswalkEntry]] = {}
        for entry in self.entries:
            targets = changes.setdefault((entry.old_code, entry.effective), [])
            if any(t.new_code == entry.new_code for t in targets):
                raise ValueError(
                    f"{_at(entry)}{entry.old_code} → {entry.new_code} on {entry.effective} twice"
                )
            targets.append(entry)
        for (old, day), targets in changes.items():
            if len(targets) > 1 and any(t.whole for t in targets):
                whole = next(t for t in targets if t.whole)
                raise ValueError(
                    f"{_at(whole)}{old} goes to {len(targets)} units on {day}; "
                    "mark each part partial or give its share"
                )
            shares = [t.share for t in targets]
            if len(targets) > 1 and all(s is not None for s in shares):
                total = sum(s for s in shares if s is not None)
                if abs(total - 1) > 1e-6:
                    raise ValueError(
                        f"{_at(targets[0])}the shares of {old} on {day} add up to {total:g}, not 1"
                    )
        self._changes = changes
        days: dict[str, list[dt.date]] = {}
        for old, day in changes:
            days.setdefault(old, []).append(day)
        self._days = {old: sorted(found) for old, found in days.items()}

    def changes_of(
        self, code: str, after: dt.date, up_to: dt.date
    ) -> tuple[dt.date, list[CrosswalkEntry]] | None:
        """The first change of ``code`` effective after ``after`` and by ``up_to``, or ``None``."""
        for day in self._days.get(code, ()):
            if after < day <= up_to:
                return day, self._changes[(code, day)]
        return None

    def resolve(self, code: str, written_on: dt.date, as_of: dt.date) -> list[tuple[str, float | None, bool]]:
        """Where a code written on ``written_on`` lies on ``as_of``: ``(code, share, partial)`` per part.

        Changes are followed in order (a unit merged in 2025 and again in 2027 ends at its 2027
        successor). A code with no change in between maps to itself, whole.
        """
        change = self.changes_of(code, written_on, as_of)
        if change is None:
            return [(code, 1.0, False)]
        day, entries = change
        out: list[tuple[str, float | None, bool]] = []
        for entry in entries:
            for new, share, partial in self.resolve(entry.new_code, day, as_of):
                if share is None or (entry.share is None and entry.partial):
                    combined = None
                else:
                    combined = share * (1.0 if entry.share is None else entry.share)
                out.append((new, combined, partial or entry.partial))
        return out


def _at(entry: CrosswalkEntry) -> str:
    return "" if entry.line is None else f"line {entry.line}: "


class UnmappedCodeError(ValueError):
    """A record's code that cannot be placed in the tree of the report's date.

    Attributes:
        code: The code as written.
        line: The record's line in its file, when known.
        field: The record's field (``village``, ``commune``, ``unit``, ``villages``).
    """

    def __init__(self, message: str, *, code: str, line: int | None, field: str) -> None:
        self.code = code
        self.line = line
        self.field = field
        super().__init__(f"line {line}: {field}: {message}" if line is not None else f"{field}: {message}")


@attrs.frozen(slots=True)
class CodeMapping:
    """One mapping a report made: records written with ``old_code`` counted at ``new_code``.

    Attributes:
        kind: ``households``, ``teams``, ``service_reports`` or ``tickets``.
        records: How many records were mapped so.
        effective: The day the change took effect.
    """

    kind: str
    old_code: str
    new_code: str
    effective: dt.date | None
    records: int


class CodeMapper:
    """Rewrites records' unit codes from the day they were written to the tree as of ``as_of``.

    Args:
        crosswalk: The changes.
        tree: The tree as of ``as_of`` (``UnitHistory.tree_as_of(as_of)``).
        as_of: The report's day.
        history: Optional; if given, a code written on a day must name a unit valid that day.
    """

    def __init__(
        self, crosswalk: Crosswalk, tree: AdminTree, as_of: dt.date, history: UnitHistory | None = None
    ) -> None:
        self.crosswalk = crosswalk
        self.tree = tree
        self.as_of = as_of
        self.history = history
        self._counts: dict[tuple[str, str, str, dt.date | None], int] = {}

    @property
    def statements(self) -> tuple[CodeMapping, ...]:
        """Every mapping made so far, by kind and old code; codes that stayed the same are not listed."""
        return tuple(
            CodeMapping(kind, old, new, effective, n)
            for (kind, old, new, effective), n in sorted(self._counts.items(), key=lambda kv: kv[0][:3])
        )

    def code(self, code: str, written_on: dt.date, *, kind: str, field: str, line: int | None = None) -> str:
        """The code, as of the report's day, of ``code`` written on ``written_on``."""
        if self.history is not None and self.history.unit_as_of(code, written_on) is None:
            raise UnmappedCodeError(
                f"{code!r} names no unit on {written_on}", code=code, line=line, field=field
            )
        parts = self.crosswalk.resolve(code, written_on, self.as_of)
        if len(parts) > 1 or parts[0][2]:
            described = ", ".join(
                f"{c} ({'share unknown' if s is None else f'{s:.0%}'})" for c, s, _ in parts
            )
            raise UnmappedCodeError(
                f"{code!r} (written on {written_on}) was split: {described}; one record cannot be in "
                "two places, so give it the new code",
                code=code,
                line=line,
                field=field,
            )
        new = parts[0][0]
        if new not in self.tree:
            raise UnmappedCodeError(
                f"{code!r} (written on {written_on}) is not a unit of {self.tree.root.code} on {self.as_of}"
                + ("" if new == code else f" (the crosswalk leads to {new!r})")
                + "; add it to the crosswalk",
                code=code,
                line=line,
                field=field,
            )
        if new != code:
            change = self.crosswalk.changes_of(code, written_on, self.as_of)
            key = (kind, code, new, change[0] if change else None)
            self._counts[key] = self._counts.get(key, 0) + 1
        return new

    def household(self, household: Household, written_on: dt.date, line: int | None = None) -> Household:
        """The household with its village as of the report's day."""
        village = self.code(household.village, written_on, kind="households", field="village", line=line)
        return household if village == household.village else attrs.evolve(household, village=village)

    def team(self, team: Team, written_on: dt.date, line: int | None = None) -> Team:
        """The team with its commune and villages as of the report's day."""
        commune = self.code(team.commune, written_on, kind="teams", field="commune", line=line)
        villages = tuple(
            self.code(v, written_on, kind="teams", field="villages", line=line) for v in team.villages
        )
        if (commune, villages) == (team.commune, team.villages):
            return team
        return attrs.evolve(team, commune=commune, villages=tuple(dict.fromkeys(villages)))

    def service_report(self, report: ServiceReport, line: int | None = None) -> ServiceReport:
        """The report with its unit as of the report's day; its codes are those of its first day."""
        unit = self.code(report.unit, report.period_start, kind="service_reports", field="unit", line=line)
        return report if unit == report.unit else attrs.evolve(report, unit=unit)

    def ticket(self, ticket: Ticket, line: int | None = None) -> Ticket:
        """The ticket with its commune and village as of the report's day; written when observed."""
        day = local_date(ticket.observed_at)
        commune = self.code(ticket.commune, day, kind="tickets", field="commune", line=line)
        village = self.code(ticket.village, day, kind="tickets", field="village", line=line)
        if (commune, village) == (ticket.commune, ticket.village):
            return ticket
        return attrs.evolve(ticket, commune=commune, village=village)
