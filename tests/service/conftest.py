"""Fixtures for the API tests: the app over a real store (an SQLite file, and PostgreSQL when
``FEEDBACK_TEST_POSTGRES_URL`` is set), a small administrative tree, and tokens of every role.

Each store is created and migrated once per session (PostgreSQL: a database of this suite's own on
the same server) and emptied before each test, so tests are independent and cheap.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from service_api import POSTGRES_URL, STORES, Api, migrated, own_postgres_database, small_tree

from feedback_service.app import create_app
from feedback_service.logs import configure_logging
from feedback_service.settings import Settings


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return migrated(f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('service') / 'feedback.db'}")


@pytest.fixture(scope="session")
def postgresql_url() -> str:
    if not POSTGRES_URL:
        pytest.skip("FEEDBACK_TEST_POSTGRES_URL is not set")
    return migrated(own_postgres_database(POSTGRES_URL, "service_api"))


@pytest.fixture(params=STORES)
def store_url(request: pytest.FixtureRequest) -> str:
    """The URL of a migrated store of each kind (emptied by the ``api`` fixture)."""
    return str(request.getfixturevalue(f"{request.param}_url"))


@pytest.fixture
def settings(store_url: str) -> Settings:
    # Migrated once per session above; test_service_reference checks migration at start on its own.
    return Settings(
        database_url=store_url,
        max_body_bytes=16 * 1024,
        max_batch_bytes=1024 * 1024,
        migrate_on_start=False,
    )


@pytest.fixture
def api(settings: Settings) -> Iterator[Api]:
    """The app running on an empty store, with tokens of every role (see :class:`service_api.Api`)."""
    app = create_app(settings, tree=small_tree())
    with Api.running(app) as api:
        api.reset()
        yield api


@pytest.fixture
def tmp_db(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"


@pytest.fixture
def logged() -> Iterator[io.StringIO]:
    """What the service logs while the test runs, formatted exactly as `serve` writes it."""
    stream = io.StringIO()
    logger = logging.getLogger("feedback_service")
    level, propagate = logger.level, logger.propagate
    handler = configure_logging("info", stream)
    yield stream
    logger.removeHandler(handler)
    logger.setLevel(level)
    logger.propagate = propagate
