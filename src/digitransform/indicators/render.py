"""Reports as JSON, CSV (UTF-8 with a byte-order mark, so Excel shows Vietnamese) and terminal tables.

The JSON shape is fixed public contract; extra keys may be added, none removed::

    {"period": "2025-Q3", "results": [{"unit": "AG", "level": "province",
      "indicator": "adult_smartphone_rate", "numerator": 123, "denominator": 456, "value": 26.97,
      "target": 80.0, "target_operator": ">=", "gap": -53.03, "met": false, ...}]}

``value``, ``target``, ``gap`` and ``met`` are ``null`` where there is none. Values are rounded to
two decimals for output only; the report keeps them exact.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

import msgspec

from digitransform.formats.errors import unreadable_json
from digitransform.indicators.report import Report, ReportRow, RowKey

if TYPE_CHECKING:
    from rich.console import Console

__all__ = [
    "COLUMNS",
    "EarlierReportError",
    "read_earlier_json",
    "report_records",
    "report_to_json",
    "to_csv",
    "to_table",
]

COLUMNS = (
    "unit",
    "name",
    "level",
    "indicator",
    "variant",
    "numerator",
    "denominator",
    "value",
    "factor",
    "target",
    "target_operator",
    "target_year",
    "target_source",
    "gap",
    "met",
    "rank",
    "ranked",
    "reason",
    "flags",
)
"""Keys of each result, in order (``previous_value`` and ``change`` follow after a comparison)."""


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _record(row: ReportRow, compared: bool) -> dict[str, Any]:
    target = row.target
    record: dict[str, Any] = {
        "unit": row.unit.code,
        "name": row.unit.name,
        "level": row.unit.level.value,
        "indicator": row.indicator.code,
        "variant": row.indicator.variant,
        "numerator": row.numerator,
        "denominator": row.denominator,
        "value": _round(row.value),
        "factor": row.indicator.factor,
        "target": None if target is None else float(target.value),
        "target_operator": None if target is None else target.operator.value,
        "target_year": None if target is None else target.year,
        "target_source": None if target is None else target.source,
        "gap": _round(row.gap),
        "met": row.met,
        "rank": row.rank,
        "ranked": row.ranked,
        "reason": row.reason,
        "flags": list(row.flags),
    }
    if compared:
        record["previous_value"] = _round(row.previous_value)
        record["change"] = _round(row.change)
    return record


def report_records(report: Report) -> list[dict[str, Any]]:
    """Every row as a plain dict with the keys of :data:`COLUMNS`."""
    return list(_records(report))


def _records(report: Report) -> Iterator[dict[str, Any]]:
    # One at a time: a province has some twenty thousand rows, and their dicts add up.
    compared = report.earlier_period is not None or any(r.previous_value is not None for r in report.rows)
    return (_record(row, compared) for row in report.rows)


def report_to_json(report: Report) -> bytes:
    """The report in the fixed JSON shape (UTF-8), one result per line so large reports stay readable."""
    head: dict[str, Any] = {
        "period": None if report.period is None else str(report.period),
        "target_year": report.year,
    }
    if report.earlier_period is not None:
        head["earlier_period"] = report.earlier_period
    if report.skipped_reports:
        head["skipped_reports"] = report.skipped_reports
    if report.code_mappings:
        head["code_mappings"] = [
            {
                "kind": m.kind,
                "old_code": m.old_code,
                "new_code": m.new_code,
                "effective": None if m.effective is None else m.effective.isoformat(),
                "records": m.records,
            }
            for m in report.code_mappings
        ]
    encode = msgspec.json.encode
    results = b",\n".join(encode(record) for record in _records(report))
    return encode(head)[:-1] + b',"results":[\n' + results + b"\n]}\n"


def to_csv(report: Report) -> bytes:
    """The report as CSV, one row per unit × indicator, UTF-8 with a byte-order mark."""
    columns = list(COLUMNS)
    if report.earlier_period is not None or any(r.previous_value is not None for r in report.rows):
        columns += ["previous_value", "change"]
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(columns)
    for record in _records(report):
        record["flags"] = ";".join(record["flags"])
        writer.writerow([_csv_cell(record[column]) for column in columns])
    return text.getvalue().encode("utf-8-sig")


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def to_table(report: Report, console: Console) -> None:
    """Print one table per indicator, units indented by level."""
    from rich.table import Table  # only tables need rich; JSON and CSV stay light

    period = "snapshot" if report.period is None else str(report.period)
    by_indicator: dict[tuple[str, str | None], list[ReportRow]] = {}
    for row in report.rows:
        by_indicator.setdefault(row.indicator.key, []).append(row)
    for rows in by_indicator.values():
        indicator = rows[0].indicator
        title = f"{indicator.name.vi} · {indicator.name.en} ({indicator.code})"
        if indicator.variant:
            title += f" [{indicator.variant}]"
        target = rows[0].target
        caption = f"{period} · targets for {report.year}"
        if target is not None:
            year = f" by {target.year}" if target.year else ""
            caption += f" · target {target.operator.value} {target.value:g}{year} ({target.source})"
        table = Table(title=title, caption=caption, title_justify="left")
        table.add_column("unit")
        table.add_column("numerator", justify="right")
        table.add_column("denominator", justify="right")
        table.add_column("value", justify="right")
        if target is not None:
            table.add_column("gap", justify="right")
            table.add_column("met", justify="center")
        table.add_column("rank", justify="right")
        compared = any(r.previous_value is not None for r in rows)
        if compared:
            table.add_column("change", justify="right")
        for row in rows:
            cells = [
                "  " * row.unit.level.depth + f"{row.unit.name} ({row.unit.code})",
                f"{row.numerator:,}",
                f"{row.denominator:,}",
                _value_cell(row),
            ]
            if target is not None:
                cells.append("" if row.gap is None else f"{row.gap:+.2f}")
                cells.append("" if row.met is None else ("[green]✓[/]" if row.met else "[red]✗[/]"))
            cells.append("" if row.rank is None else f"{row.rank}/{row.ranked}")
            if compared:
                cells.append("" if row.change is None else f"{row.change:+.2f}")
            table.add_row(*cells)
        console.print(table)
    for mapping in report.code_mappings:
        since = "" if mapping.effective is None else f" (since {mapping.effective})"
        console.print(
            f"note: {mapping.records} {mapping.kind.replace('_', ' ')} record(s) written with "
            f"{mapping.old_code} counted at {mapping.new_code}{since}",
            highlight=False,
            markup=False,
        )


def _value_cell(row: ReportRow) -> str:
    if row.value is None:
        return "[dim]—[/]"
    text = f"{row.value:.2f}"
    return f"[yellow]{text} ⚠[/]" if row.flags else text


class EarlierReportError(ValueError):
    """An earlier report that cannot be read back (not the JSON this module writes)."""


class _EarlierResult(msgspec.Struct):
    unit: str
    indicator: str
    value: float | None
    variant: str | None = None


class _EarlierDocument(msgspec.Struct):
    results: list[_EarlierResult]
    period: str | None = None


def read_earlier_json(
    data: bytes | str, source: str = "<input>"
) -> tuple[str | None, Mapping[RowKey, float | None]]:
    """The period and the values of a report written by :func:`report_to_json`, to set a new one against."""
    try:
        document = msgspec.json.decode(data, type=_EarlierDocument)
    except msgspec.ValidationError as exc:
        where = str(exc).partition(" - at `")[2].rstrip("`") or "$"
        raise EarlierReportError(
            f"{source}: not an indicators report written by --format json (wrong or missing {where})"
        ) from None
    except msgspec.DecodeError:
        raise EarlierReportError(f"{source}: {unreadable_json(data)}") from None
    values = {(r.unit, r.indicator, r.variant): r.value for r in document.results}
    return document.period, values
