"""``service_reports.csv``: what a public-service centre received and resolved, per unit and period.

Columns: ``unit,period_start,period_end,received_total,received_online,resolved_total,
resolved_on_time,resolved_fully_online,late_pending,carried_over``; dates ISO, counts as integers.
"""

from __future__ import annotations

from collections.abc import Iterable

from digitransform.domain import AdminTree, ServiceReport
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
from digitransform.formats.converter import structure
from digitransform.formats.errors import FormatError

__all__ = ["SERVICE_REPORTS_TABLE", "read_service_reports_csv", "write_service_reports_csv"]

_COUNTS = (
    "received_total",
    "received_online",
    "resolved_total",
    "resolved_on_time",
    "resolved_fully_online",
    "late_pending",
    "carried_over",
)
SERVICE_REPORTS_TABLE = Table(("unit", "period_start", "period_end", *_COUNTS))


def read_service_reports_csv(src: Source, tree: AdminTree | None = None) -> list[ServiceReport]:
    """Every report of a ``service_reports.csv``, in file order.

    With ``tree``, each report's unit must be a unit of the tree. Raises :class:`FormatError` (or
    :class:`FormatErrors` for several) naming the line and column of every problem, such as a
    period whose end precedes its start or more online applications than applications.
    """
    source = source_name(src)
    problems = Problems(source)
    reports: list[ServiceReport] = []
    with open_text(src) as f:
        for line, row in csv_rows(f, SERVICE_REPORTS_TABLE, source):
            plain: dict[str, object] = {
                "unit": row["unit"],
                "period_start": row["period_start"],
                "period_end": row["period_end"],
            }
            plain.update((name, int_cell(row[name])) for name in _COUNTS)
            try:
                report = structure(plain, ServiceReport, source=source, line=line)
            except FormatError as exc:
                if problems.add(exc):
                    break
                continue
            if tree is not None and report.unit not in tree:
                if problems.add(
                    FormatError(
                        f"unknown unit {report.unit!r} (not in the tree of {tree.root.code})",
                        source=source,
                        line=line,
                        path="$.unit",
                    )
                ):
                    break
                continue
            reports.append(report)
    problems.raise_any()
    return reports


def _row(report: ServiceReport) -> tuple[object, ...]:
    return (
        report.unit,
        report.period_start.isoformat(),
        report.period_end.isoformat(),
        *(getattr(report, name) for name in _COUNTS),
    )


def write_service_reports_csv(reports: Iterable[ServiceReport], dst: Sink) -> int:
    """Write ``reports`` as ``service_reports.csv``; returns how many rows were written."""
    return write_csv(reports, dst, SERVICE_REPORTS_TABLE.required, _row)
