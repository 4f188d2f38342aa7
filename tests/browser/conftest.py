"""A feedback service with known tickets: in-process for page tests, a real server and Chromium.

The database is built once per session: the demo province (small), eighty known ticket histories
replayed through the store, and tokens for a province official, a commune official, a team and an
admin. Chromium is Debian's at ``/usr/bin/chromium``; Playwright never downloads a browser. Without
it the browser tests skip, unless ``CI`` is set, where they fail.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import attrs
import pytest

from digitransform.domain import AdminLevel, AdminTree, TicketHistory
from feedback_service.auth import Role, issue_token
from feedback_service.context import load_units
from feedback_service.settings import Settings
from feedback_service.store import open_database, upgrade
from feedback_service.trends import households_of_units

sys.path.insert(0, str(Path(__file__).parent))
from known_tickets import KnownSite, known_histories, load_histories

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]


async def _build(settings: Settings, tree: AdminTree, histories: list[TicketHistory]) -> dict[str, str]:
    db = open_database(settings.database_url)
    try:
        await upgrade(db)
        await load_histories(db, histories)
        now = dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
        commune = histories[1].ticket.commune
        tokens = {
            "province": await issue_token(db, tree, Role.OFFICIAL, now=now, scope=tree.root.code),
            "commune": await issue_token(db, tree, Role.OFFICIAL, now=now, scope=commune),
            "team": await issue_token(db, tree, Role.TEAM, now=now, team="T-browser", commune=commune),
            "admin": await issue_token(db, tree, Role.ADMIN, now=now),
        }
        return {k: v.secret for k, v in tokens.items()}
    finally:
        await db.dispose()


@pytest.fixture(scope="session")
def known_site(tmp_path_factory: pytest.TempPathFactory) -> KnownSite:
    path = tmp_path_factory.mktemp("dashboard") / "feedback.db"
    settings = Settings(database_url=f"sqlite+aiosqlite:///{path}", demo_households=30_000, demo_seed=1)
    tree = load_units(settings)
    assert len(tree.at_level(AdminLevel.COMMUNE)) >= 2
    histories = known_histories(tree)
    # In a thread of its own: Playwright's sync API may already run an event loop in this one.
    with ThreadPoolExecutor(1) as pool:
        secrets = pool.submit(asyncio.run, _build(settings, tree, histories)).result()
    return KnownSite(
        settings,
        tree,
        histories,
        households_of_units(settings, tree),
        secrets["province"],
        secrets["commune"],
        secrets["team"],
        secrets["admin"],
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def serve(settings: Settings) -> Iterator[str]:
    """The real service (uvicorn, one worker) over ``settings`` on a free loopback port; its base URL.

    Its output goes to a file, never to a pipe nobody reads: the service logs a line per request, and
    a full pipe would stop the server mid-session (a page then never finishes loading).
    """
    port = _free_port()
    env = {**os.environ, **settings.to_env()}
    with tempfile.TemporaryFile() as output:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "feedback_service.app:app_from_env",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "warning",
            ],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                if process.poll() is not None:
                    output.seek(0)
                    said = output.read().decode(errors="replace")
                    raise RuntimeError(f"the server exited with {process.returncode}:\n{said}")
                try:
                    with urllib.request.urlopen(f"{base}/api/v1/health", timeout=2):
                        break
                except OSError:
                    if time.monotonic() > deadline:
                        raise RuntimeError("the server did not answer /api/v1/health within 60 s") from None
                    time.sleep(0.2)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture(scope="session")
def server(known_site: KnownSite) -> Iterator[str]:
    """The real service over the known tickets (never changed: the number tests read it)."""
    with serve(known_site.settings) as base:
        yield base


def copy_site(known_site: KnownSite, folder: Path) -> KnownSite:
    """The known site on a copy of its database, for tests that act on tickets."""
    source = Path(known_site.settings.database_url.removeprefix("sqlite+aiosqlite:///"))
    target = folder / "feedback.db"
    shutil.copyfile(source, target)
    settings = attrs.evolve(known_site.settings, database_url=f"sqlite+aiosqlite:///{target}")
    return attrs.evolve(known_site, settings=settings)


@pytest.fixture(scope="module")
def work_site(known_site: KnownSite, tmp_path_factory: pytest.TempPathFactory) -> KnownSite:
    """The known site on a database of this module's own: its tests change tickets."""
    return copy_site(known_site, tmp_path_factory.mktemp("work"))


@pytest.fixture(scope="module")
def work_server(work_site: KnownSite) -> Iterator[str]:
    """The real service over this module's own copy of the known tickets."""
    with serve(work_site.settings) as base:
        yield base


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (never a downloaded browser)."""
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: apt-get install -y chromium"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
