"""The ``digitransform dhis2-template`` sub-command: a mapping file to fill in with DHIS2's codes."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape

from digitransform.formats import FormatError, load_tree
from digitransform.indicators import DEFAULT_REPORT
from digitransform.interop import mapping_template

__all__ = ["register", "run"]


def register(commands: Any) -> None:
    """Add the sub-command to the parser's sub-commands."""
    parser: argparse.ArgumentParser = commands.add_parser(
        "dhis2-template",
        help="write a DHIS2 mapping file to fill in (for indicators --format dhis2 or adx)",
        description="Every unit of the tree and every indicator of the catalogue, with our codes as "
        "placeholders for DHIS2's org unit and data element codes. Replace them, or set null to leave "
        "a unit or indicator out.",
    )
    parser.add_argument("--units", required=True, type=Path, help="units.csv (the admin tree)")
    parser.add_argument("--output", type=Path, help="write the mapping to this file instead of stdout")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run the sub-command; 0 on success, 2 on bad input."""
    try:
        tree = load_tree(args.units)
    except FormatError as exc:
        Console(stderr=True).print(f"[red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        return 2
    except OSError as exc:
        Console(stderr=True).print(
            f"[red]error:[/] cannot read {escape(str(args.units))}: {exc.strerror}",
            highlight=False,
            soft_wrap=True,
        )
        return 2
    data = mapping_template(tree, DEFAULT_REPORT)
    if args.output is not None:
        args.output.write_bytes(data)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    return 0
