"""Shared test settings: Hypothesis profiles, which stores and browser the run tests, cleaning up.

``HYPOTHESIS_PROFILE=ci`` (set by .ci/run) explores more examples; the default ``dev`` profile keeps
a local run quick. Failures print a reproducible example either way.

The run's header says in one line which stores (SQLite always; PostgreSQL when a server answers) and
which browser it tests, and why any is skipped (see :mod:`stores`). Every PostgreSQL database a
suite creates is dropped when its process ends.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

from stores import browser_line, choose_postgres, drop_own_databases, stores_line

settings.register_profile("dev", max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ci", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

# Decided before any suite's conftest reads FEEDBACK_TEST_POSTGRES_URL; xdist workers inherit it.
_POSTGRES = choose_postgres()


def pytest_report_header(config: pytest.Config) -> str:
    return f"{stores_line(_POSTGRES)}; {browser_line()}"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    drop_own_databases()
