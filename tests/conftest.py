"""Shared test settings: Hypothesis profiles.

``HYPOTHESIS_PROFILE=ci`` (set by .ci/run) explores more examples; the default ``dev`` profile keeps
a local run quick. Failures print a reproducible example either way.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile("dev", max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ci", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))
