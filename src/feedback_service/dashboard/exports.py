"""CSV downloads of what the dashboard shows, so officials can take the numbers into a spreadsheet.

UTF-8 with a byte-order mark, so that Excel opens Vietnamese names correctly; codes first, then the
labels people read, in the page's language.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from digitransform.trends import BacklogAgeing, UnresolvedTrend
from feedback_service.csv_tables import csv_text
from feedback_service.dashboard.formatting import Formatter
from feedback_service.dashboard.language import Language, barrier_label, service_label
from feedback_service.store.records import StoredTicket
from feedback_service.trends import CommuneBacklog

__all__ = ["ageing_csv", "ranking_csv", "tickets_csv", "trend_csv"]


def _csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    return csv_text(header, rows)  # the service's one CSV writer, with its formula guard


def trend_csv(trend: UnresolvedTrend, language: Language) -> str:
    """One row per group and period, the ``total`` series last."""
    fields = ("opened", "resolved", "rejected", "reopened", "unresolved_at_end", "people_affected_unresolved")
    rows = []
    for s in (*trend.series, trend.total) if trend.group_by is not None else (trend.total,):
        for p in s.points:
            rows.append(
                [s.group, barrier_label(s.group, language), p.start.isoformat(), p.end.isoformat()]
                + [getattr(p, f) for f in fields]
            )
    return _csv(("group", "label", "start", "end", *fields), rows)


def ageing_csv(ageing: BacklogAgeing) -> str:
    """One row per group and age bucket."""
    groups = (*ageing.groups, ageing.total) if ageing.group_by is not None else (ageing.total,)
    rows = [
        [g.group, b.label, b.min_days, b.max_days, b.tickets, b.people] for g in groups for b in g.buckets
    ]
    return _csv(("group", "bucket", "min_days", "max_days", "tickets", "people"), rows)


def ranking_csv(ranking: Sequence[CommuneBacklog]) -> str:
    """The communes in rank order, with the per-1,000 figure to one decimal."""
    rows = []
    for i, r in enumerate(ranking, start=1):
        per = r.per_1000_households
        rows.append(
            [
                i,
                r.commune,
                r.name,
                r.unresolved,
                r.people_affected,
                r.households,
                None if per is None else f"{per:.1f}",
            ]
        )
    return _csv(("rank", "commune", "name", "backlog", "people", "households", "per_1000_households"), rows)


def tickets_csv(tickets: Iterable[StoredTicket], fmt: Formatter, *, with_description: bool) -> str:
    """The tickets, one row each; the free-text description only when the reader may see it.

    Moments are ISO 8601 in the dashboard's time zone, with its offset (``+07:00``), as the API writes them.
    """
    language = fmt.language
    header = [
        "id",
        "commune",
        "village",
        "team",
        "categories",
        "category_labels",
        "service",
        "service_label",
        "status",
        "resolution",
        "people_affected",
        "observed_at",
        "received_at",
        "resolved_at",
    ]
    if with_description:
        header.append("description")
    rows = []
    for t in tickets:
        codes = sorted(c.value for c in t.categories)
        row: list[object] = [
            t.id,
            t.commune,
            t.village,
            t.team,
            ";".join(codes),
            "; ".join(barrier_label(c, language) for c in codes),
            t.service.value,
            service_label(t.service.value, language),
            t.status.value,
            None if t.resolution is None else t.resolution.value,
            t.people_affected,
            fmt.iso(t.observed_at),
            fmt.iso(t.received_at),
            fmt.iso(t.resolved_at),
        ]
        if with_description:
            row.append(t.description)
        rows.append(row)
    return _csv(header, rows)
