"""Helpers for the API tests: a small tree, a client that knows its tokens, ticket bodies, store cleaning."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import httpx
import pytest
import sqlalchemy as sa
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy.ext.asyncio import create_async_engine

from digitransform.domain import AdminLevel, AdminTree, AdminUnit
from feedback_service.api.dependencies import CONTEXT_KEY
from feedback_service.auth import Role, issue_token
from feedback_service.context import ServiceContext
from feedback_service.store import Database, open_database, upgrade

POSTGRES_URL = os.environ.get("FEEDBACK_TEST_POSTGRES_URL")
"""Set by the top conftest when PostgreSQL answers (see tests/stores.py); read here, once, so test
modules import it from this module rather than from ``conftest`` (several folders have one)."""
STORES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]

__all__ = [
    "POSTGRES_URL",
    "STORES",
    "Api",
    "clear_store",
    "migrated",
    "own_postgres_database",
    "small_tree",
    "ticket_body",
]

T = TypeVar("T")
BASE = "/api/v1"


def small_tree() -> AdminTree:
    """Province P; communes C1 (villages C1-01, C1-02) and C2 (village C2-01)."""
    units = [
        AdminUnit("P", "Tỉnh Thử", AdminLevel.PROVINCE),
        AdminUnit("C1", "Xã Một", AdminLevel.COMMUNE, "P"),
        AdminUnit("C1-01", "Ấp Một A", AdminLevel.VILLAGE, "C1"),
        AdminUnit("C1-02", "Ấp Một B", AdminLevel.VILLAGE, "C1"),
        AdminUnit("C2", "Xã Hai", AdminLevel.COMMUNE, "P"),
        AdminUnit("C2-01", "Ấp Hai A", AdminLevel.VILLAGE, "C2"),
    ]
    return AdminTree.from_units(units)


def ticket_body(**overrides: Any) -> dict[str, Any]:
    """A valid ticket for a team of commune C1, observed an hour ago."""
    body: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "village": "C1-01",
        "categories": ["no_device", "age_fear_low_confidence"],
        "service": "vneid",
        "description": "Cụ ông chưa có điện thoại thông minh để kích hoạt VNeID",
        "people_affected": 2,
        "household_ref": "hh-42",
        "consent": True,
        "observed_at": (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).isoformat(),
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not ...}


TOKENS: dict[str, dict[str, Any]] = {
    "team": {"role": Role.TEAM, "team": "T1", "commune": "C1"},
    "team_b": {"role": Role.TEAM, "team": "T1B", "commune": "C1"},
    "team_c2": {"role": Role.TEAM, "team": "T2", "commune": "C2"},
    "official_c1": {"role": Role.OFFICIAL, "scope": "C1"},
    "official_c2": {"role": Role.OFFICIAL, "scope": "C2"},
    "province": {"role": Role.OFFICIAL, "scope": "P"},
    "admin": {"role": Role.ADMIN},
}


class Api:
    """A test client plus one token per name in :data:`TOKENS`; ``as_`` picks whose token to send."""

    def __init__(self, client: TestClient[Litestar]) -> None:
        self.client = client
        self.tokens: dict[str, str] = {}
        self.token_ids: dict[str, str] = {}

    @classmethod
    @contextmanager
    def running(cls, app: Litestar) -> Iterator[Api]:
        with TestClient(app, raise_server_exceptions=False) as client:
            yield cls(client)

    @property
    def ctx(self) -> ServiceContext:
        context: ServiceContext = self.client.app.state[CONTEXT_KEY]
        return context

    def call(self, fn: Callable[..., Awaitable[T]], *args: Any) -> T:
        """Run a coroutine function on the app's event loop (where its database pool lives)."""
        return self.client.blocking_portal.call(fn, *args)

    def reset(self) -> None:
        """Empty the store but keep one token per role, issued once per database and un-revoked here."""
        url = self.ctx.settings.database_url
        self.call(clear_store, self.ctx.db)
        if url not in _ISSUED:
            _ISSUED[url] = ({}, {})
            for name, spec in TOKENS.items():
                kwargs = {k: v for k, v in spec.items() if k != "role"}
                issued = self.call(self._issue, spec["role"], kwargs)
                _ISSUED[url][0][name] = issued.secret
                _ISSUED[url][1][name] = issued.id
        self.tokens, self.token_ids = (dict(d) for d in _ISSUED[url])

    async def _issue(self, role: Role, kwargs: dict[str, Any]) -> Any:
        return await issue_token(self.ctx.db, self.ctx.tree, role, now=dt.datetime.now(dt.UTC), **kwargs)

    def headers(self, who: str | None, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {} if who is None else {"Authorization": f"Bearer {self.tokens.get(who, who)}"}
        headers.update(extra or {})
        return headers

    def get(self, path: str, who: str | None = "province", **kwargs: Any) -> httpx.Response:
        headers = self.headers(who, kwargs.pop("headers", None))
        return self.client.get(BASE + path, headers=headers, **kwargs)

    def post(self, path: str, body: Any = None, who: str | None = "team", **kwargs: Any) -> httpx.Response:
        headers = self.headers(who, kwargs.pop("headers", None))
        if "content" in kwargs:
            headers.setdefault("Content-Type", "application/json")
            return self.client.post(BASE + path, headers=headers, **kwargs)
        return self.client.post(BASE + path, json=body, headers=headers, **kwargs)

    def create(self, who: str = "team", **overrides: Any) -> dict[str, Any]:
        """Create a ticket and return its body (asserting 201)."""
        response = self.post("/tickets", ticket_body(**overrides), who=who)
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body

    def transition(
        self, ticket_id: str, action: str, who: str = "official_c1", version: int | None = None, **fields: Any
    ) -> httpx.Response:
        if version is None:
            version = self.get(f"/tickets/{ticket_id}", who=who).json()["version"]
        return self.post(
            f"/tickets/{ticket_id}/transitions",
            {"action": action, **fields},
            who=who,
            headers={"If-Match": f'"{version}"'},
        )


_ISSUED: dict[str, tuple[dict[str, str], dict[str, str]]] = {}
"""Tokens by database URL: issuing seven tokens for every test would dominate the suite's time."""
_KEEP = frozenset({"alembic_version", "teams", "tokens", "access_version"})


async def clear_store(db: Database) -> None:
    """Empty every table but Alembic's, teams and tokens, children first (whatever tables later
    migrations added), and lift every revocation."""

    def run(conn: sa.Connection) -> None:
        meta = sa.MetaData()
        meta.reflect(conn)
        for table in reversed(meta.sorted_tables):
            if table.name not in _KEEP:
                conn.execute(table.delete())
        conn.execute(meta.tables["tokens"].update().values(revoked_at=None))

    await db.write(run)


def migrated(url: str) -> str:
    """``url``, after bringing its schema to the newest revision."""

    async def run() -> None:
        db = open_database(url)
        try:
            await upgrade(db)
        finally:
            await db.dispose()

    asyncio.run(run())
    return url


def own_postgres_database(url: str, suffix: str) -> str:
    """A fresh database of this suite's own on the server of ``url`` (dropped and created again).

    The process id keeps two runs at once (a developer's and CI's) from dropping each other's.
    """
    parsed = sa.make_url(url)
    name = f"{parsed.database}_{suffix}_{os.getpid()}"

    async def create() -> None:
        engine = create_async_engine(parsed, isolation_level="AUTOCOMMIT")
        try:
            async with engine.connect() as conn:
                await conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                await conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        finally:
            await engine.dispose()

    asyncio.run(create())
    return parsed.set(database=name).render_as_string(hide_password=False)
