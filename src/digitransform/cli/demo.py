"""The ``digitransform demo`` sub-command (placeholder until its issue lands)."""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["register"]


def register(commands: Any) -> None:
    """Add the sub-command to the parser's sub-commands."""
    parser: argparse.ArgumentParser = commands.add_parser("demo", help="(not yet available)")
    parser.set_defaults(run=lambda _args: 1)
