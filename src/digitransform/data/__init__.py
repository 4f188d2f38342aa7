"""Reference data shipped with the library, each file with its source, date and licence inside it."""

from __future__ import annotations

from pathlib import Path

__all__ = ["AN_GIANG_2025_CROSSWALK"]

AN_GIANG_2025_CROSSWALK = Path(__file__).with_name("an_giang_2025_crosswalk.csv")
"""The former communes of An Giang and Kiên Giang → the communes of the new An Giang, from 1 July 2025
(read it with :func:`digitransform.formats.read_crosswalk_csv`)."""
