"""What the service counts, for Prometheus: one place for every metric and how it is exposed.

Requests by route template and status, and their latency (``feedback_requests_total``,
``feedback_request_duration_seconds``, ``feedback_requests_in_progress``,
``feedback_requests_error_total`` for 5xx), labelled ``method``, ``path`` (the route's template such
as ``/api/v1/tickets/{ticket_id}``, never a raw path), ``status_code`` and ``app_name``, with the
names, labels and buckets of Litestar's Prometheus plugin, counted by
:mod:`feedback_service.observe` (routes only). The service's own:

===============================================  ====================================================
``feedback_tickets_total{via,outcome}``          tickets received (``via`` single or batch;
                                                 ``outcome`` created, replayed or conflict)
``feedback_transitions_total{action,outcome}``   officials' actions (``outcome`` applied, changed,
                                                 not_found, not_allowed)
``feedback_sync_batches_total``                  batches received; ``feedback_sync_batch_tickets``
                                                 their sizes (a histogram)
``feedback_write_group_size{store}``             writes committed together (group commit)
``feedback_write_commit_seconds{store}``         how long each write transaction took
``feedback_db_connections_in_use{store,purpose}`` pooled connections checked out now (read, write)
``feedback_token_checks_total{outcome}``         bearer-token checks: valid, unknown, revoked,
                                                 malformed, missing
===============================================  ====================================================

With several workers (``serve --workers N``) each worker writes its values to files in
``PROMETHEUS_MULTIPROC_DIR`` (prometheus_client's multiprocess mode, set up by
:func:`feedback_service.server.serve`), and ``/metrics`` in any worker adds up all of them, so a
scrape sees the whole service whichever worker answers it.
"""

from __future__ import annotations

import os
from typing import Any

import attrs
import sqlalchemy as sa
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from sqlalchemy import event

__all__ = [
    "BATCHES",
    "BATCH_TICKETS",
    "CONNECTIONS_IN_USE",
    "CONTENT_TYPE",
    "MULTIPROCESS_ENV",
    "PREFIX",
    "REQUESTS",
    "REQUESTS_IN_PROGRESS",
    "REQUEST_ERRORS",
    "REQUEST_SECONDS",
    "TICKETS",
    "TOKEN_CHECKS",
    "TRANSITIONS",
    "WRITE_COMMIT_SECONDS",
    "WRITE_GROUP_SIZE",
    "RouteCounts",
    "exposition",
    "registry",
    "route_counts",
    "serve_internally",
    "token_checked",
    "watch_pool",
    "worker_stopped",
]

PREFIX = "feedback"
MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_LATEST

TICKETS = Counter(f"{PREFIX}_tickets", "Tickets received, by way in and outcome", ["via", "outcome"])
TRANSITIONS = Counter(
    f"{PREFIX}_transitions", "Officials' actions on tickets, by outcome", ["action", "outcome"]
)
BATCHES = Counter(f"{PREFIX}_sync_batches", "Batches of tickets synced by offline phones")
BATCH_TICKETS = Histogram(
    f"{PREFIX}_sync_batch_tickets",
    "Tickets per synced batch",
    buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500),
)
WRITE_GROUP_SIZE = Histogram(
    f"{PREFIX}_write_group_size",
    "Writes committed in one transaction (group commit)",
    ["store"],
    buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256),
)
WRITE_COMMIT_SECONDS = Histogram(
    f"{PREFIX}_write_commit_seconds",
    "Duration of each write transaction, from BEGIN to COMMIT",
    ["store"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
CONNECTIONS_IN_USE = Gauge(
    f"{PREFIX}_db_connections_in_use",
    "Database connections checked out of the pools now",
    ["store", "purpose"],
    multiprocess_mode="livesum",
)
TOKEN_CHECKS = Counter(f"{PREFIX}_token_checks", "Bearer-token checks, by outcome", ["outcome"])
_TOKEN_OUTCOMES: dict[str, Counter] = {}


def token_checked(outcome: str) -> None:
    """Count one token check in :data:`TOKEN_CHECKS` (its labelled child looked up once per outcome)."""
    child = _TOKEN_OUTCOMES.get(outcome)
    if child is None:
        child = _TOKEN_OUTCOMES[outcome] = TOKEN_CHECKS.labels(outcome=outcome)
    child.inc()


APP_NAME = "feedback"
_REQUEST_LABELS = ["method", "path", "status_code", "app_name"]
REQUESTS = Counter(f"{PREFIX}_requests_total", "Total requests", _REQUEST_LABELS)
REQUEST_SECONDS = Histogram(
    f"{PREFIX}_request_duration_seconds", "Request duration, in seconds", _REQUEST_LABELS
)
REQUESTS_IN_PROGRESS = Gauge(
    f"{PREFIX}_requests_in_progress",
    "Total requests currently in progress",
    _REQUEST_LABELS,
    multiprocess_mode="livesum",
)
REQUEST_ERRORS = Counter(f"{PREFIX}_requests_error_total", "Total errors in requests", _REQUEST_LABELS)


@attrs.define(eq=False)
class RouteCounts:
    """The request metrics of one route (method and template), their labelled children looked up once."""

    method: str
    path: str
    in_progress: Gauge
    """``status_code`` 200 (the label Litestar's plugin gave the in-progress gauge)."""
    _by_status: dict[int, tuple[Counter, Histogram]] = attrs.field(factory=dict)

    def answered(self, status: int, seconds: float) -> None:
        """Count one request answered with ``status`` after ``seconds``."""
        children = self._by_status.get(status)
        if children is None:
            values = (self.method, self.path, str(status), APP_NAME)
            children = (REQUESTS.labels(*values), REQUEST_SECONDS.labels(*values))
            self._by_status[status] = children
        if status >= 500:
            REQUEST_ERRORS.labels(self.method, self.path, str(status), APP_NAME).inc()
        children[0].inc()
        children[1].observe(seconds)


_ROUTES: dict[tuple[str, str], RouteCounts] = {}


def route_counts(method: str, path: str) -> RouteCounts:
    """The counts of requests with ``method`` to the route of template ``path`` (made on first use)."""
    counts = _ROUTES.get((method, path))
    if counts is None:
        gauge = REQUESTS_IN_PROGRESS.labels(method, path, "200", APP_NAME)
        counts = _ROUTES[(method, path)] = RouteCounts(method, path, gauge)
    return counts


def registry() -> CollectorRegistry:
    """What a scrape reads: this process's registry, or every worker's files in multiprocess mode."""
    if not os.environ.get(MULTIPROCESS_ENV):
        return REGISTRY
    merged = CollectorRegistry()
    multiprocess.MultiProcessCollector(merged)  # type: ignore[no-untyped-call]
    return merged


def serve_internally(address: str) -> None:
    """Expose the metrics without a token on ``host:port`` (a thread of this process)."""
    from prometheus_client import start_http_server

    host, _, port = address.rpartition(":")
    start_http_server(int(port), host.strip("[]"), registry=registry())


def worker_stopped() -> None:
    """Drop this worker's share of the gauges (multiprocess mode), so they count live workers only."""
    if os.environ.get(MULTIPROCESS_ENV):
        multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]


def exposition() -> bytes:
    """The metrics in Prometheus's text format."""
    return generate_latest(registry())


def watch_pool(engine: sa.Engine, *, store: str, purpose: str) -> None:
    """Keep :data:`CONNECTIONS_IN_USE` for ``engine``'s pool as connections are checked out and in."""
    gauge = CONNECTIONS_IN_USE.labels(store=store, purpose=purpose)

    @event.listens_for(engine, "checkout")
    def _out(*_: Any) -> None:
        gauge.inc()

    @event.listens_for(engine, "checkin")
    def _in(*_: Any) -> None:
        gauge.dec()
