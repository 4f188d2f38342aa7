"""The work list's own filters: status, "waiting on us", age bucket and order, read from the URL.

The barrier and service filters and the language are the dashboard's common :class:`Filters`; the
unit (province, commune or village) is the page's. Together they make the store's
:class:`~feedback_service.store.queries.TicketQuery`, the same for the page and its CSV download,
so the download holds exactly the tickets the list shows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import attrs

from digitransform.domain import AdminLevel, AdminUnit, TicketStatus, local_midnight
from digitransform.trends import AGE_BUCKETS
from feedback_service.dashboard.filters import Filters
from feedback_service.store.cursor import Cursor
from feedback_service.store.queries import BY_RECEIVED, SORTS, TicketQuery

__all__ = ["AGES", "STATUSES", "WorkList"]

UNRESOLVED = "unresolved"
ALL = "all"
STATUSES = (UNRESOLVED, *(s.value for s in TicketStatus), ALL)
"""The status filter's choices: the backlog (default), one status, or every ticket."""
AGES = tuple(label for label, _, _ in AGE_BUCKETS)
"""The age buckets of the ageing chart: ``0-7``, ``8-30``, ``31-90``, ``>90`` days since observed."""


@attrs.frozen
class WorkList:
    """What the official asked the work list for, besides the common filters."""

    status: str = UNRESOLVED
    waiting: bool = False
    age: str | None = None
    sort: str = BY_RECEIVED
    offset: int = 0
    problems: tuple[str, ...] = ()

    @classmethod
    def parse(cls, query: Mapping[str, str]) -> WorkList:
        """The work list's parameters; an unusable value is named in ``problems`` and its default used."""
        problems: list[str] = []
        status = query.get("status", "").strip() or (UNRESOLVED if query.get("unresolved") != "0" else ALL)
        if status not in STATUSES:
            problems.append(f"status: {status!r} is not one of {', '.join(STATUSES)}")
            status = UNRESOLVED
        age = query.get("age", "").strip() or None
        if age is not None and age not in AGES:
            problems.append(f"age: {age!r} is not one of {', '.join(AGES)}")
            age = None
        sort = query.get("sort", "").strip() or BY_RECEIVED
        if sort not in SORTS:
            problems.append(f"sort: {sort!r} is not one of {', '.join(SORTS)}")
            sort = BY_RECEIVED
        raw_offset = query.get("offset", "").strip() or "0"
        offset = int(raw_offset) if raw_offset.isdigit() and len(raw_offset) <= 9 else 0
        if not raw_offset.isdigit() or len(raw_offset) > 9:
            problems.append(f"offset: {raw_offset[:20]!r} is not a whole number below 10⁹")
        waiting = query.get("waiting", "") in {"1", "true", "on"}
        return cls(status, waiting, age, sort, offset, tuple(problems))

    def params(self, **changes: str | None) -> dict[str, str]:
        """The query parameters of this list (defaults left out), with ``changes`` applied."""
        params: dict[str, str | None] = {
            "status": None if self.status == UNRESOLVED else self.status,
            "waiting": "1" if self.waiting else None,
            "age": self.age,
            "sort": None if self.sort == BY_RECEIVED else self.sort,
            "offset": str(self.offset) if self.offset else None,
        }
        params.update(changes)
        return {k: v for k, v in params.items() if v}

    def query(
        self,
        unit: AdminUnit,
        filters: Filters,
        today: dt.date,
        *,
        limit: int,
        after: Cursor | None = None,
        offset: int | None = None,
    ) -> TicketQuery:
        """The store's query for this list of ``unit`` on local day ``today``."""
        if self.status == UNRESOLVED:
            statuses: frozenset[TicketStatus] | None = frozenset(s for s in TicketStatus if s.is_unresolved)
        elif self.status == ALL:
            statuses = None
        else:
            statuses = frozenset({TicketStatus(self.status)})
        observed_from = observed_to = None
        if self.age is not None:
            _, low, high = next(b for b in AGE_BUCKETS if b[0] == self.age)
            # Age in whole local days, as the ageing chart counts it: today minus the observation's day.
            observed_to = local_midnight(today - dt.timedelta(days=low - 1))
            observed_from = None if high is None else local_midnight(today - dt.timedelta(days=high))
        return TicketQuery(
            statuses=statuses,
            category=filters.category,
            service=filters.service,
            commune=unit.code if unit.level is AdminLevel.COMMUNE else None,
            village=unit.code if unit.level is AdminLevel.VILLAGE else None,
            observed_from=observed_from,
            observed_to=observed_to,
            waiting_on_us=self.waiting,
            sort=self.sort,
            limit=limit,
            after=after,
            offset=self.offset if offset is None else offset,
        )
