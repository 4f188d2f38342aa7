"""digitransform.testing says clearly that it needs Hypothesis, and the rest of the library does not."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
import sys
sys.modules["hypothesis"] = None  # as if Hypothesis were not installed
import digitransform.domain  # the library itself does not need it
try:
    import digitransform.testing
except ImportError as error:
    print(error)
else:
    print("imported")
"""


def test_importing_the_strategies_without_hypothesis_names_what_to_install() -> None:
    """Without Hypothesis, importing digitransform.testing raises an ImportError that says how to get it."""
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True)
    assert "digitransform.testing needs Hypothesis" in result.stdout
    assert "pip install" in result.stdout
