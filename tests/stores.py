"""Which stores and browser the suite tests, decided once at the start of a run, and cleaning up.

PostgreSQL is tested whenever a server answers: at ``FEEDBACK_TEST_POSTGRES_URL`` if set (a server
asked for by name that does not answer fails the PostgreSQL tests instead of skipping them), else at
the default local address. ``FEEDBACK_TEST_POSTGRES_URL=off`` turns PostgreSQL off. The PostgreSQL
suites create databases named ``<base>_<suite>_<pid>``; :func:`drop_own_databases` drops those of
this process at the end of the run (each xdist worker is a process of its own).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
from pathlib import Path

__all__ = [
    "CHROMIUM",
    "DEFAULT_POSTGRES_URL",
    "browser_line",
    "choose_postgres",
    "drop_own_databases",
    "stores_line",
]

DEFAULT_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
CHROMIUM = Path("/usr/bin/chromium")
_OFF = frozenset({"off", "0", "no", "none", "false"})


def _answers(url: str, timeout: float = 3.0) -> str | None:
    """``None`` if a PostgreSQL server accepts a connection at ``url``, else why not."""
    import sqlalchemy as sa
    from sqlalchemy.ext.asyncio import create_async_engine

    async def probe() -> None:
        engine = create_async_engine(sa.make_url(url), connect_args={"timeout": timeout})
        try:
            async with engine.connect() as conn:
                await conn.execute(sa.text("SELECT 1"))
        finally:
            await engine.dispose()

    try:
        asyncio.run(probe())
    except Exception as exc:
        return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}".strip(": ")
    return None


def choose_postgres() -> str:
    """Decide whether PostgreSQL is tested; set ``FEEDBACK_TEST_POSTGRES_URL`` (or remove it) to say
    so to every suite and worker. Returns the reason shown in the run's header."""
    asked = os.environ.get("FEEDBACK_TEST_POSTGRES_URL")
    if asked is not None and asked.strip().lower() in _OFF | {""}:
        os.environ.pop("FEEDBACK_TEST_POSTGRES_URL")
        return "postgresql skipped (FEEDBACK_TEST_POSTGRES_URL=off)"
    if asked:
        return f"postgresql at {_shown(asked)} (FEEDBACK_TEST_POSTGRES_URL)"
    why_not = _answers(DEFAULT_POSTGRES_URL)
    if why_not is None:
        os.environ["FEEDBACK_TEST_POSTGRES_URL"] = DEFAULT_POSTGRES_URL
        return f"postgresql at {_shown(DEFAULT_POSTGRES_URL)} (answered at the default address)"
    return (
        f"postgresql skipped (nothing answers at {_shown(DEFAULT_POSTGRES_URL)}: {why_not}; "
        "set FEEDBACK_TEST_POSTGRES_URL)"
    )


def stores_line(postgres: str) -> str:
    return f"stores: sqlite, {postgres}"


def browser_line() -> str:
    if not CHROMIUM.exists():
        return f"browser: skipped ({CHROMIUM} is missing: apt-get install -y chromium)"
    found = shutil.which(str(CHROMIUM))
    try:
        version = subprocess.run(
            [found or str(CHROMIUM), "--version"], capture_output=True, text=True, timeout=30, check=False
        ).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        version = "version unknown"
    return f"browser: {version or 'Chromium'} at {CHROMIUM}"


def drop_own_databases() -> list[str]:
    """Drop the databases this process's suites created on the PostgreSQL server; their names."""
    url = os.environ.get("FEEDBACK_TEST_POSTGRES_URL")
    if not url:
        return []
    import sqlalchemy as sa
    from sqlalchemy.ext.asyncio import create_async_engine

    parsed = sa.make_url(url)
    pattern = f"{parsed.database}\\_%\\_{os.getpid()}"

    async def drop() -> list[str]:
        engine = create_async_engine(parsed, isolation_level="AUTOCOMMIT")
        try:
            async with engine.connect() as conn:
                names = list(
                    await conn.scalars(
                        sa.text("SELECT datname FROM pg_database WHERE datname LIKE :p"), {"p": pattern}
                    )
                )
                for name in names:
                    await conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                return names
        finally:
            await engine.dispose()

    try:
        return asyncio.run(drop())
    except Exception:  # the server went away: nothing left to drop there
        return []


def _shown(url: str) -> str:
    import sqlalchemy as sa

    parsed = sa.make_url(url)
    return f"{parsed.host}:{parsed.port or 5432}/{parsed.database}"
