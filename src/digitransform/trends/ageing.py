"""How long the unresolved backlog has been waiting, at a moment, in buckets officials read at a glance.

A ticket's age is counted from ``observed_at``, in whole local days (the local date of the moment
minus the local date of observation): how long the citizen has waited, which is what officials are
asked about. A reopened ticket keeps its age; it does not start again at the reopen, since the
citizen's difficulty was never really solved. Buckets: 0–7, 8–30, 31–90 and more than 90 days.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import attrs

from digitransform.domain import TicketHistory, local_date, local_midnight
from digitransform.trends.grouping import (
    TOTAL,
    GroupBy,
    GroupKey,
    TicketFilter,
    group_keys,
    parse_group_by,
    sort_key,
)

__all__ = [
    "AGE_BUCKETS",
    "AgeingBucket",
    "AgeingGroup",
    "AgeingTally",
    "BacklogAgeing",
    "age_bucket",
    "backlog_ageing",
    "moment_of",
]

AGE_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("0-7", 0, 7),
    ("8-30", 8, 30),
    ("31-90", 31, 90),
    (">90", 91, None),
)
"""Each bucket's label and its first and last age in days (``None``: no upper bound)."""


def age_bucket(age_days: int) -> int:
    """The index in :data:`AGE_BUCKETS` of a backlog age in days."""
    if age_days < 0:
        raise ValueError(f"an age cannot be negative, got {age_days} days")
    for i, (_, _, upper) in enumerate(AGE_BUCKETS):
        if upper is None or age_days <= upper:
            return i
    raise AssertionError("the last bucket is open-ended")


def moment_of(at: dt.date | dt.datetime) -> dt.datetime:
    """An aware moment as given; a bare date means the end of that local day (after all its events)."""
    if isinstance(at, dt.datetime):
        if at.tzinfo is None or at.utcoffset() is None:
            raise ValueError(f"at: a moment must be timezone-aware, got {at.isoformat()}")
        return at
    return local_midnight(at + dt.timedelta(days=1)) - dt.timedelta(microseconds=1)


@attrs.frozen(slots=True)
class AgeingBucket:
    """Unresolved tickets of one age bucket and the people they affect."""

    label: str
    min_days: int
    max_days: int | None
    tickets: int = 0
    people: int = 0

    def to_dict(self) -> dict[str, Any]:
        return attrs.asdict(self)


@attrs.frozen(slots=True)
class AgeingGroup:
    """The backlog of one group, bucket by bucket, with its oldest ticket's age."""

    group: GroupKey
    buckets: tuple[AgeingBucket, ...]
    oldest_days: int | None

    @property
    def tickets(self) -> int:
        return sum(b.tickets for b in self.buckets)

    @property
    def people(self) -> int:
        return sum(b.people for b in self.buckets)

    def to_dict(self) -> dict[str, Any]:
        return {
            "group": self.group,
            "tickets": self.tickets,
            "people": self.people,
            "oldest_days": self.oldest_days,
            "buckets": [b.to_dict() for b in self.buckets],
        }


@attrs.frozen(slots=True)
class BacklogAgeing:
    """The ageing of the backlog at ``at``, per group.

    Groups with no unresolved ticket are left out; without a grouping, ``groups`` is ``(total,)``.
    """

    at: dt.datetime
    group_by: GroupBy | None
    groups: tuple[AgeingGroup, ...]
    total: AgeingGroup

    def to_dict(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "local_date": local_date(self.at).isoformat(),
            "group_by": None if self.group_by is None else self.group_by.value,
            "groups": [g.to_dict() for g in self.groups],
            "total": self.total.to_dict(),
        }


class _Buckets:
    """Tickets and people per age bucket, and the oldest age, for one group of the backlog."""

    __slots__ = ("oldest", "people", "tickets")

    def __init__(self) -> None:
        self.tickets = [0] * len(AGE_BUCKETS)
        self.people = [0] * len(AGE_BUCKETS)
        self.oldest: int | None = None

    def add(self, age: int, people: int) -> None:
        i = age_bucket(age)
        self.tickets[i] += 1
        self.people[i] += people
        self.oldest = age if self.oldest is None else max(self.oldest, age)

    def group(self, key: GroupKey) -> AgeingGroup:
        buckets = tuple(
            AgeingBucket(label, low, high, self.tickets[i], self.people[i])
            for i, (label, low, high) in enumerate(AGE_BUCKETS)
        )
        return AgeingGroup(key, buckets, self.oldest)


class AgeingTally:
    """The ageing of the backlog at ``at``, ticket by ticket: what :func:`backlog_ageing` counts.

    Public so that other answers to the same question (the service's query of its tickets) age,
    bucket and group exactly alike: they say which tickets are unresolved at ``at``, this says the rest.

    Args:
        at: an aware moment, or a local date meaning the end of that day.
        group_by: as for :func:`backlog_ageing`.
    """

    __slots__ = ("_groups", "_today", "_total", "at", "group_by")

    def __init__(self, at: dt.date | dt.datetime, group_by: GroupBy | str | None = None) -> None:
        self.at = moment_of(at)
        self.group_by = parse_group_by(group_by)
        self._today = local_date(self.at)
        self._total = _Buckets()
        self._groups: dict[GroupKey, _Buckets] = {}

    def add(self, observed_at: dt.datetime, people: int, groups: Iterable[GroupKey] = ()) -> None:
        """A ticket unresolved at ``at``: observed at ``observed_at``, affecting ``people`` then, in
        ``groups`` (its :func:`~digitransform.trends.grouping.group_keys`; unused without a grouping)."""
        age = (self._today - local_date(observed_at)).days
        self._total.add(age, people)
        if self.group_by is not None:
            for key in groups:
                found = self._groups.get(key)
                if found is None:
                    found = self._groups[key] = _Buckets()
                found.add(age, people)

    def ageing(self) -> BacklogAgeing:
        """The ageing of the tickets added so far."""
        whole = self._total.group(TOTAL)
        if self.group_by is None:
            return BacklogAgeing(self.at, None, (whole,), whole)
        groups = tuple(self._groups[k].group(k) for k in sorted(self._groups, key=sort_key))
        return BacklogAgeing(self.at, self.group_by, groups, whole)


def backlog_ageing(
    histories: Iterable[TicketHistory],
    at: dt.date | dt.datetime,
    group_by: GroupBy | str | None = None,
    *,
    where: TicketFilter | None = None,
) -> BacklogAgeing:
    """The tickets unresolved at ``at`` (events at exactly ``at`` included), by age since observation.

    Args:
        histories: every ticket with its events.
        at: an aware moment, or a local date meaning the end of that day.
        group_by: as for the trend; a ticket with several categories counts in each.
        where: which tickets count.
    """
    tally = AgeingTally(at, group_by)
    moment, grouping = tally.at, tally.group_by
    scope = where or TicketFilter()
    for history in histories:
        ticket = history.ticket
        if not scope.matches(ticket):
            continue
        state = history.state_at(moment)
        if state is None or not state.status.is_unresolved:
            continue
        groups = () if grouping is None else group_keys(ticket, grouping, scope)
        tally.add(ticket.observed_at, history.people_at(moment), groups)
    return tally.ageing()
