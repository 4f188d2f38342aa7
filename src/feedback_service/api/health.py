"""Liveness (the process answers) and readiness (the database answers, its schema current).

Each at the API's own place and where operators' tools look first: ``/livez`` and ``/health`` (with
``/api/v1/health``), ``/readyz`` (with ``/api/v1/ready``).
"""

from __future__ import annotations

import msgspec
from litestar import Controller, get

from feedback_service.api.dependencies import Ctx
from feedback_service.api.problems import ProblemError
from feedback_service.store.migrate import current_revision, head_revision

__all__ = ["HealthController"]


class Health(msgspec.Struct, omit_defaults=True):
    status: str
    database: str | None = None
    revision: str | None = None


class HealthController(Controller):
    """Probes for load balancers and orchestrators; no token needed, nothing revealed."""

    path = "/"
    tags = ("health",)

    @get(["/api/v1/health", "/livez", "/health"], summary="The process is alive")
    async def health(self) -> Health:
        return Health("alive")

    @get(
        ["/api/v1/ready", "/readyz"],
        summary="The database is reachable and its schema is current (503 otherwise)",
    )
    async def ready(self, ctx: Ctx) -> Health:
        try:
            revision = await current_revision(ctx.db)
        except Exception as exc:  # any driver error means "not ready", and must not leak details
            raise ProblemError(
                503, "not-ready", f"the database does not answer ({type(exc).__name__})"
            ) from None
        head = head_revision()
        if revision != head:
            raise ProblemError(
                503, "not-ready", f"the schema is at {revision or 'nothing'}, not {head}: migrate"
            )
        return Health("ready", ctx.db.dialect, revision)
