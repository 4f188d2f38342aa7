"""The ``digitransform`` command: one sub-command per job, each in its own module."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from digitransform.cli import demo, dhis2, indicators

__all__ = ["main"]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every sub-command registered."""
    parser = argparse.ArgumentParser(
        prog="digitransform",
        description="Digital transformation indicators for Vietnamese provinces, communes and villages.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    demo.register(commands)
    indicators.register(commands)
    dhis2.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit status (2 for bad input, never a traceback)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    status: int = args.run(args)
    return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
