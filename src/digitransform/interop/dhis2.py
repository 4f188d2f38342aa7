"""Reports as DHIS2 imports: a ``dataValueSets`` JSON document or an ADX message.

DHIS2 holds aggregate figures as data values: one number per data element, period and org unit. A
rate is not a number DHIS2 should store, so every indicator goes up as **two data elements**, its
numerator and its denominator, and DHIS2's own indicator (numerator ÷ denominator × factor) divides
them, at every level of its own org unit tree, as a ratio of sums.

Which DHIS2 codes our units and indicators have is the user's to say, in a mapping file;
:func:`mapping_template` writes one from the tree and the catalogue, with our codes as placeholders.
Identifiers are codes, so the import names ``idScheme=CODE`` (see ``docs/interop.md``).
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Iterator
from typing import Any, cast

import attrs
import msgspec

from digitransform.domain import AdminTree, Period, PeriodKind
from digitransform.formats import FormatError
from digitransform.indicators import IndicatorDefinition, Report, ReportRow

__all__ = [
    "ADX_NAMESPACE",
    "DataElements",
    "Dhis2Mapping",
    "MappingError",
    "adx_period",
    "data_value_set",
    "dhis2_period",
    "indicator_key",
    "mapping_template",
    "read_mapping",
    "to_adx",
    "to_data_value_set",
]

ADX_NAMESPACE = "urn:ihe:qrph:adx:2015"

_DHIS2_PERIOD: dict[PeriodKind, Callable[[Period], str]] = {
    PeriodKind.DAY: lambda p: p.start.strftime("%Y%m%d"),
    PeriodKind.WEEK: lambda p: f"{p.start.isocalendar().year}W{p.start.isocalendar().week}",
    PeriodKind.MONTH: lambda p: p.start.strftime("%Y%m"),
    PeriodKind.QUARTER: lambda p: f"{p.start.year}Q{(p.start.month - 1) // 3 + 1}",
    PeriodKind.YEAR: lambda p: f"{p.start.year}",
}
_ADX_DURATION = {
    PeriodKind.DAY: "P1D",
    PeriodKind.WEEK: "P7D",
    PeriodKind.MONTH: "P1M",
    PeriodKind.QUARTER: "P3M",
    PeriodKind.YEAR: "P1Y",
}


class MappingError(ValueError):
    """A report that the mapping cannot express: a unit or indicator it does not mention, say."""


def dhis2_period(period: Period) -> str:
    """DHIS2's name for a calendar period: ``20250714``, ``2025W7``, ``202507``, ``2025Q3``, ``2025``.

    Weeks are ISO weeks (Monday first), DHIS2's ``Weekly`` type. ``ValueError`` for a date range,
    which has no DHIS2 period type.
    """
    name = _DHIS2_PERIOD.get(period.kind)
    if name is None:
        raise ValueError(
            f"DHIS2 has no period type for the range {period.start}..{period.end}: "
            "report a day, week, month, quarter or year"
        )
    return name(period)


def adx_period(period: Period) -> str:
    """ADX's period: the start date and an ISO 8601 duration, ``2025-07-01/P3M``."""
    duration = _ADX_DURATION.get(period.kind)
    if duration is None:
        dhis2_period(period)  # raises, with the same message
    return f"{period.start.isoformat()}/{duration}"


def indicator_key(definition: IndicatorDefinition) -> str:
    """The indicator's key in a mapping file: its code, and its variant in brackets if it has one."""
    variant = definition.variant
    return definition.code if variant is None else f"{definition.code}[{variant}]"


@attrs.frozen(slots=True)
class DataElements:
    """The DHIS2 data element codes that receive one indicator's numerator and denominator."""

    numerator: str
    denominator: str


@attrs.frozen(slots=True)
class Dhis2Mapping:
    """Our codes to DHIS2's, read from a mapping file.

    Attributes:
        org_units: Our unit code → the DHIS2 org unit code, or ``None`` to leave the unit out.
        data_elements: :func:`indicator_key` → the two data elements, or ``None`` to leave it out.
        data_set: The DHIS2 data set code (needed for ADX, optional for ``dataValueSets``).
        category_option_combo: Written on every value if given (DHIS2's default otherwise).
        attribute_option_combo: Likewise.
    """

    org_units: dict[str, str | None]
    data_elements: dict[str, DataElements | None]
    data_set: str | None = None
    category_option_combo: str | None = None
    attribute_option_combo: str | None = None


# --- the mapping file ---------------------------------------------------------------------------

_CODE = re.compile(r"\S(?:.{0,48}\S)?", re.DOTALL)
"""A DHIS2 code: 1 to 50 characters, no surrounding spaces."""


class _UnitEntry(msgspec.Struct, forbid_unknown_fields=True):
    code: Any
    name: str = ""


class _ElementsEntry(msgspec.Struct, forbid_unknown_fields=True):
    numerator: Any
    denominator: Any
    name: str = ""


class _MappingFile(msgspec.Struct, forbid_unknown_fields=True, rename="camel"):
    org_units: dict[str, _UnitEntry]
    data_elements: dict[str, _ElementsEntry | None]
    data_set: Any = None
    category_option_combo: Any = None
    attribute_option_combo: Any = None
    about: str = ""


def _code(value: Any, path: str, source: str, *, optional: bool) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str) or not _CODE.fullmatch(value):
        allowed = "a code" + (" or null" if optional else "")
        raise FormatError(
            f"expected {allowed} (1 to 50 characters, no surrounding spaces), got {value!r}",
            source=source,
            path=path,
        )
    return value


def read_mapping(data: bytes | str, source: str = "<mapping>") -> Dhis2Mapping:
    """Read a mapping file (JSON, as :func:`mapping_template` writes it); ``FormatError`` naming the field."""
    try:
        raw = msgspec.json.decode(data, type=_MappingFile)
    except msgspec.ValidationError as exc:
        message, _, where = str(exc).partition(" - at `")
        raise FormatError(message, source=source, path=where.rstrip("`") or "$") from None
    except msgspec.DecodeError as exc:
        raise FormatError(f"not valid JSON: {exc}", source=source, path="$") from None
    org_units = {
        unit: _code(entry.code, f"$.orgUnits.{unit}.code", source, optional=True)
        for unit, entry in raw.org_units.items()
    }
    elements: dict[str, DataElements | None] = {}
    for key, pair in raw.data_elements.items():
        if pair is None:
            elements[key] = None
            continue
        numerator = _code(pair.numerator, f"$.dataElements.{key}.numerator", source, optional=False)
        denominator = _code(pair.denominator, f"$.dataElements.{key}.denominator", source, optional=False)
        assert numerator is not None and denominator is not None
        if numerator == denominator:
            raise FormatError(
                f"numerator and denominator must be two data elements, both are {numerator!r}",
                source=source,
                path=f"$.dataElements.{key}",
            )
        elements[key] = DataElements(numerator, denominator)
    return Dhis2Mapping(
        org_units=org_units,
        data_elements=elements,
        data_set=_code(raw.data_set, "$.dataSet", source, optional=True),
        category_option_combo=_code(
            raw.category_option_combo, "$.categoryOptionCombo", source, optional=True
        ),
        attribute_option_combo=_code(
            raw.attribute_option_combo, "$.attributeOptionCombo", source, optional=True
        ),
    )


def mapping_template(tree: AdminTree, indicators: Iterable[IndicatorDefinition]) -> bytes:
    """A mapping file to fill in: every unit and indicator, our codes standing in for DHIS2's.

    Data element placeholders are ``DT_<CODE>_N`` and ``DT_<CODE>_D`` (DHIS2 codes are at most 50
    characters); names say which is which, for whoever creates them in DHIS2.
    """
    elements: dict[str, Any] = {}
    for definition in indicators:
        stem = "DT_" + definition.code.upper()
        if definition.variant is not None:
            stem += "_" + "_".join(v.partition("=")[2] for v in definition.variant.split(",")).upper()
        elements[indicator_key(definition)] = {
            "numerator": stem[:48] + "_N",
            "denominator": stem[:48] + "_D",
            "name": f"{definition.name.vi} — {definition.numerator.vi} / {definition.denominator.vi}",
        }
    document = {
        "about": "digitransform → DHIS2 mapping: replace each code with the DHIS2 code (null leaves a unit "
        "or indicator out); numerator and denominator are two data elements.",
        "dataSet": None,
        "categoryOptionCombo": None,
        "attributeOptionCombo": None,
        "orgUnits": {unit.code: {"code": unit.code, "name": unit.name} for unit in tree},
        "dataElements": elements,
    }
    return msgspec.json.format(msgspec.json.encode(document), indent=2) + b"\n"


# --- writing ------------------------------------------------------------------------------------


@attrs.frozen(slots=True)
class _Value:
    org_unit: str
    data_element: str
    value: int


def _values(report: Report, mapping: Dhis2Mapping) -> Iterator[_Value]:
    """Numerator and denominator of every mapped row, in report order; ``MappingError`` for a gap."""
    for row in report.rows:
        org_unit = _org_unit(row, mapping)
        elements = _elements(row, mapping)
        if org_unit is None or elements is None or not _has_level(row):
            continue
        yield _Value(org_unit, elements.numerator, row.numerator)
        yield _Value(org_unit, elements.denominator, row.denominator)


def _org_unit(row: ReportRow, mapping: Dhis2Mapping) -> str | None:
    code = row.unit.code
    if code not in mapping.org_units:
        raise MappingError(
            f"unit {code} ({row.unit.name}) is not in the mapping's orgUnits; "
            "give its DHIS2 code, or null to leave it out"
        )
    return mapping.org_units[code]


def _elements(row: ReportRow, mapping: Dhis2Mapping) -> DataElements | None:
    key = indicator_key(row.indicator)
    if key not in mapping.data_elements:
        raise MappingError(
            f"indicator {key} is not in the mapping's dataElements; "
            "give its numerator and denominator data elements, or null to leave it out"
        )
    return mapping.data_elements[key]


def _has_level(row: ReportRow) -> bool:
    # Below the level an indicator is counted at (team members per commune), the sums mean nothing.
    return row.unit.level.depth <= row.indicator.lowest_level.depth


def _report_period(report: Report) -> Period:
    if report.period is None:
        raise MappingError("a DHIS2 import needs a reporting period: give --period")
    return report.period


def data_value_set(report: Report, mapping: Dhis2Mapping) -> dict[str, Any]:
    """The ``dataValueSets`` document as a dictionary (see :func:`to_data_value_set`)."""
    period = dhis2_period(_report_period(report))
    document: dict[str, Any] = {}
    if mapping.data_set is not None:
        document["dataSet"] = mapping.data_set
    document["period"] = period
    if mapping.attribute_option_combo is not None:
        document["attributeOptionCombo"] = mapping.attribute_option_combo
    values = []
    for value in _values(report, mapping):
        entry: dict[str, str] = {
            "dataElement": value.data_element,
            "period": period,
            "orgUnit": value.org_unit,
        }
        if mapping.category_option_combo is not None:
            entry["categoryOptionCombo"] = mapping.category_option_combo
        entry["value"] = str(value.value)
        values.append(entry)
    document["dataValues"] = values
    return document


def to_data_value_set(report: Report, mapping: Dhis2Mapping) -> bytes:
    """The report as a DHIS2 ``dataValueSets`` JSON document, for ``POST /api/dataValueSets``.

    Every value names its data element, period and org unit by code; values are whole numbers
    written as strings, as DHIS2 exports them.
    """
    return msgspec.json.format(msgspec.json.encode(data_value_set(report, mapping)), indent=2) + b"\n"


def to_adx(report: Report, mapping: Dhis2Mapping, exported: dt.datetime) -> bytes:
    """The report as an ADX message (IHE QRPH), one ``group`` per org unit.

    ADX needs a data set on every group, so the mapping must give ``dataSet``. ``exported`` is the
    message's timestamp (an aware datetime).
    """
    if mapping.data_set is None:
        raise MappingError("ADX needs the data set: set dataSet in the mapping file")
    if exported.tzinfo is None:
        raise ValueError("exported must be timezone-aware")
    period = adx_period(_report_period(report))
    ET.register_namespace("", ADX_NAMESPACE)
    root = ET.Element(
        f"{{{ADX_NAMESPACE}}}adx",
        {"exported": exported.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")},
    )
    groups: dict[str, ET.Element] = {}
    for value in _values(report, mapping):
        group = groups.get(value.org_unit)
        if group is None:
            attributes = {"orgUnit": value.org_unit, "period": period, "dataSet": mapping.data_set}
            if mapping.attribute_option_combo is not None:
                attributes["attributeOptionCombo"] = mapping.attribute_option_combo
            group = groups[value.org_unit] = ET.SubElement(root, f"{{{ADX_NAMESPACE}}}group", attributes)
        attributes = {"dataElement": value.data_element, "value": str(value.value)}
        if mapping.category_option_combo is not None:
            attributes["categoryOptionCombo"] = mapping.category_option_combo
        ET.SubElement(group, f"{{{ADX_NAMESPACE}}}dataValue", attributes)
    ET.indent(root)
    return cast(bytes, ET.tostring(root, encoding="utf-8", xml_declaration=True)) + b"\n"
