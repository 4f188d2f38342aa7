"""digitransform: the domain of commune-level digital transformation in Vietnam.

Administrative units, households and residents, community digital technology teams,
public-service centre reports, citizens' difficulties and their lifecycle, periods, and the
indicator engine that rolls counts up the administrative tree without averaging rates.
"""

from __future__ import annotations

__all__ = ["__version__"]

__version__ = "0.1.0"
