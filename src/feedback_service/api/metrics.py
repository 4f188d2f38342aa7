"""``GET /metrics``: the service's Prometheus metrics, for admins (or on an internal address).

See :mod:`feedback_service.metrics` for what is counted. The endpoint needs an admin token, so the
API's public address reveals nothing to others; ``FEEDBACK_METRICS_ADDRESS`` serves the same text
without a token on an address only the monitoring network reaches (:mod:`feedback_service.server`).
"""

from __future__ import annotations

from litestar import Controller, Response, get

from feedback_service.api.security import allow
from feedback_service.auth.principal import Role
from feedback_service.metrics import CONTENT_TYPE, exposition

__all__ = ["MetricsController"]


class MetricsController(Controller):
    """Prometheus's scrape target."""

    path = "/metrics"
    tags = ("health",)
    guards = [allow(Role.ADMIN)]  # noqa: RUF012 (Litestar's own shape)

    @get(
        "/",
        summary="Prometheus metrics of every worker (admin token)",
        description="Requests by route template and status, latencies, tickets, transitions, sync "
        "batches, group commits, database pool use and token checks, in Prometheus's text format.",
        media_type=CONTENT_TYPE,
    )
    async def metrics(self) -> Response[bytes]:
        return Response(exposition(), media_type=CONTENT_TYPE)
