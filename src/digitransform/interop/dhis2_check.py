"""The project's own schema check of what it sends to DHIS2: ``dataValueSets`` JSON and ADX XML.

DHIS2 publishes no JSON Schema for ``dataValueSets``; this check states, in code, the shape DHIS2's
web API documents and what its import rejects outright: unknown fields, a period that is not one of
its fixed period names (or not a real date, week or month), codes that are empty or too long, values
that are not numbers, and the same data value twice. It reads documents from anywhere, not only
ours, so a golden file or a hand-edited export can be checked before an import.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from typing import Annotated

import msgspec

__all__ = ["check_adx", "check_data_value_set", "check_dhis2_period"]

_CODE = r"^\S(?:.{0,48}\S)?$"
Code = Annotated[str, msgspec.Meta(pattern=_CODE)]
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?")
_ADX = "{urn:ihe:qrph:adx:2015}"


class _DataValue(msgspec.Struct, forbid_unknown_fields=True, rename="camel"):
    data_element: Code
    value: str
    period: str | None = None
    org_unit: Code | None = None
    category_option_combo: Code | None = None
    attribute_option_combo: Code | None = None
    comment: str | None = None


class _DataValueSet(msgspec.Struct, forbid_unknown_fields=True, rename="camel"):
    data_values: list[_DataValue]
    data_set: Code | None = None
    complete_date: str | None = None
    period: str | None = None
    org_unit: Code | None = None
    attribute_option_combo: Code | None = None


def check_dhis2_period(text: str) -> str | None:
    """``None`` if ``text`` names a DHIS2 day, ISO week, month, quarter or year; else what is wrong."""
    try:
        if m := re.fullmatch(r"(\d{4})(\d{2})(\d{2})", text):
            dt.date(int(m[1]), int(m[2]), int(m[3]))
        elif m := re.fullmatch(r"(\d{4})W([1-9]\d?)", text):
            dt.date.fromisocalendar(int(m[1]), int(m[2]), 1)
        elif m := re.fullmatch(r"(\d{4})(\d{2})", text):
            dt.date(int(m[1]), int(m[2]), 1)
        elif not re.fullmatch(r"\d{4}(Q[1-4])?", text):
            return f"{text!r} is not a DHIS2 period (20250714, 2025W7, 202507, 2025Q3 or 2025)"
    except ValueError:
        return f"{text!r} is not a real day, week or month"
    return None


def check_data_value_set(data: bytes | str) -> list[str]:
    """Every problem of a ``dataValueSets`` JSON document, each with its JSON path; ``[]`` if valid."""
    try:
        document = msgspec.json.decode(data, type=_DataValueSet)
    except msgspec.ValidationError as exc:
        message, _, where = str(exc).partition(" - at `")
        return [f"{where.rstrip('`') or '$'}: {message}"]
    except msgspec.DecodeError as exc:
        return [f"$: not valid JSON: {exc}"]
    problems = []
    if document.period is not None and (problem := check_dhis2_period(document.period)):
        problems.append(f"$.period: {problem}")
    seen: dict[tuple[str | None, ...], int] = {}
    for i, value in enumerate(document.data_values):
        where = f"$.dataValues[{i}]"
        period = value.period or document.period
        org_unit = value.org_unit or document.org_unit
        if period is None:
            problems.append(f"{where}.period: missing, and the set gives none")
        elif value.period is not None and (problem := check_dhis2_period(value.period)):
            problems.append(f"{where}.period: {problem}")
        if org_unit is None:
            problems.append(f"{where}.orgUnit: missing, and the set gives none")
        if not _NUMBER.fullmatch(value.value):
            problems.append(f"{where}.value: {value.value!r} is not a number")
        key = (
            value.data_element,
            period,
            org_unit,
            value.category_option_combo,
            value.attribute_option_combo or document.attribute_option_combo,
        )
        if key in seen:
            problems.append(f"{where}: the same data value as $.dataValues[{seen[key]}]")
        else:
            seen[key] = i
    return problems


def check_adx(data: bytes | str) -> list[str]:
    """Every problem of an ADX message (the parts DHIS2 reads), each with its element; ``[]`` if valid."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        return [f"not well-formed XML: {exc}"]
    if root.tag != f"{_ADX}adx":
        return [f"the root element is {root.tag}, not adx in namespace urn:ihe:qrph:adx:2015"]
    problems = []
    exported = root.get("exported")
    try:
        if exported is None or dt.datetime.fromisoformat(exported).tzinfo is None:
            problems.append("adx: exported must be a timestamp with its time zone")
    except ValueError:
        problems.append(f"adx: exported {exported!r} is not a timestamp")
    seen: set[tuple[str | None, ...]] = set()
    for g, group in enumerate(root):
        where = f"group[{g + 1}]"
        if group.tag != f"{_ADX}group":
            problems.append(f"{where}: {group.tag} where a group belongs")
            continue
        for name in ("orgUnit", "period", "dataSet"):
            if not group.get(name):
                problems.append(f"{where}: missing {name}")
        period = group.get("period") or ""
        m = re.fullmatch(r"(\d{4}-\d{2}-\d{2})/P\d+[DWMY]", period)
        if period and m is None:
            problems.append(f"{where}: period {period!r} is not a start date and a duration (2025-07-01/P1M)")
        elif m is not None:
            try:
                dt.date.fromisoformat(m[1])
            except ValueError:
                problems.append(f"{where}: period {period!r} does not start on a real day")
        for v, value in enumerate(group):
            here = f"{where}/dataValue[{v + 1}]"
            if value.tag != f"{_ADX}dataValue":
                problems.append(f"{here}: {value.tag} where a dataValue belongs")
                continue
            element, number = value.get("dataElement"), value.get("value")
            if not element or not re.fullmatch(_CODE, element):
                problems.append(f"{here}: dataElement must be a code, got {element!r}")
            if number is None or not _NUMBER.fullmatch(number):
                problems.append(f"{here}: value {number!r} is not a number")
            key = (group.get("orgUnit"), period, element, value.get("categoryOptionCombo"))
            if key in seen:
                problems.append(f"{here}: the same data value twice")
            seen.add(key)
    return problems
