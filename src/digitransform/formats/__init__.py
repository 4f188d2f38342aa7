"""Interchange formats: the converter, JSON and JSON Lines, and the four files of a province.

``units.csv``, ``households.jsonl``, ``teams.csv`` and ``service_reports.csv`` have fixed column and
field names (public contract; see ``docs/data-formats.md``). Readers accept a path or an open file
(text or binary), stream where the file can be large, and raise :class:`FormatError` naming the file,
the line and the field::

    from digitransform.formats import iter_households_jsonl, load_tree, read_teams_csv

    tree = load_tree("units.csv")
    teams = read_teams_csv("teams.csv", tree)
    for household in iter_households_jsonl("households.jsonl", tree=tree):
        ...

Only the domain (and attrs, cattrs, msgspec and the standard library) is imported here.
"""

from __future__ import annotations

from digitransform.formats._io import Sink, Source
from digitransform.formats.converter import converter, from_json, structure, to_json, unstructure
from digitransform.formats.errors import FormatError, FormatErrors
from digitransform.formats.households import (
    HouseholdRecord,
    ResidentRecord,
    iter_households_jsonl,
    iter_numbered_households_jsonl,
    write_households_jsonl,
)
from digitransform.formats.json_lines import iter_json_lines, write_json_lines
from digitransform.formats.mergers import read_crosswalk_csv, read_unit_history_csv
from digitransform.formats.service_reports import read_service_reports_csv, write_service_reports_csv
from digitransform.formats.teams import format_roles, parse_roles, read_teams_csv, write_teams_csv
from digitransform.formats.units import load_tree, read_units_csv, write_units_csv

__all__ = [
    "FormatError",
    "FormatErrors",
    "HouseholdRecord",
    "ResidentRecord",
    "Sink",
    "Source",
    "converter",
    "format_roles",
    "from_json",
    "iter_households_jsonl",
    "iter_json_lines",
    "iter_numbered_households_jsonl",
    "load_tree",
    "parse_roles",
    "read_crosswalk_csv",
    "read_service_reports_csv",
    "read_teams_csv",
    "read_unit_history_csv",
    "read_units_csv",
    "structure",
    "to_json",
    "unstructure",
    "write_households_jsonl",
    "write_json_lines",
    "write_service_reports_csv",
    "write_teams_csv",
    "write_units_csv",
]
