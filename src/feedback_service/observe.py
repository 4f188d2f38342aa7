"""Around every request, in one pass: its id, its log line and its Prometheus metrics.

:class:`RequestObserver` wraps the whole app (unmatched paths included), as plain ASGI: it takes or
mints the request id (:mod:`feedback_service.logs`), wraps ``send`` once (to stamp ``X-Request-ID``
on the answer and note its status and when its body went out), and when the request ends writes its
log line and counts it. :class:`RouteObserver` sits where Litestar's Prometheus middleware sat (an
app-level middleware, so inside routing): it marks the request as one of a route, counted under its
template, and holds ``feedback_requests_in_progress`` up while the route runs. So what is counted is
what was counted before (routes only, ``/metrics`` and the dashboard's static files excluded), under
the same names and labels (:mod:`feedback_service.metrics`), without building a ``Request`` or
looking labels up per request.

One layer instead of three (the request log's, the Prometheus middleware's and its base class's
path checks): docs/performance.md measured those layers at about a third of a read's time.
"""

from __future__ import annotations

import random
import re
import time
from typing import Any

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from feedback_service import logs
from feedback_service.metrics import RouteCounts, route_counts

__all__ = ["EXCLUDED", "RequestObserver", "RouteObserver", "route_started"]

EXCLUDED = re.compile(r"^/metrics$|^/dashboard/static/")
"""Paths not counted in the request metrics: the scrape itself, and the dashboard's CSS."""
_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
_REQUEST_ID = b"x-request-id"
# A new request id is 128 bits of the process's Mersenne Twister (reseeded in each forked worker):
# an id only has to be unique, not secret, and os.urandom and uuid4 cost a system call per request.


class RequestObserver:
    """ASGI middleware around the whole app: the request id, the request's line and its counts."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        given = None
        for key, value in scope["headers"]:
            if key == _REQUEST_ID or key.lower() == _REQUEST_ID:
                given = value.decode("latin-1")
                break
        if given is not None and _ID.fullmatch(given):
            request_id = given
        else:
            request_id = f"{random.getrandbits(128):032x}"
        stamp = (_REQUEST_ID, request_id.encode("ascii"))
        entry = logs.RequestLog(request_id)
        token = logs.enter(entry)
        status = 500
        answered = 0.0
        started = time.perf_counter()

        async def observed(message: Message) -> None:
            nonlocal status, answered
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [h for h in message.get("headers", ()) if h[0].lower() != _REQUEST_ID]
                headers.append(stamp)
                message = {**message, "headers": headers}
            elif message["type"] == "http.response.body":
                answered = time.perf_counter()
            await send(message)

        try:
            await self.app(scope, receive, observed)
        finally:
            logs.leave(token)
            logs.log_request(entry, scope, status, time.perf_counter() - started)
            route: tuple[RouteCounts, float] | None = entry.route
            if route is not None:
                counts, route_started = route
                counts.answered(status, (answered or time.perf_counter()) - route_started)


class RouteObserver:
    """App-level middleware (it runs once a route matched): counts the request under its route."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        entry = logs.current()
        if scope["type"] != ScopeType.HTTP or entry is None or _excluded(scope):
            await self.app(scope, receive, send)
            return
        counts = route_started(entry, scope["method"], scope["path_template"])
        try:
            await self.app(scope, receive, send)
        finally:
            counts.in_progress.dec()


def route_started(entry: logs.RequestLog, method: str, template: str) -> RouteCounts:
    """Count the request of ``entry`` under its route from now on (its answer is counted when it
    ends, by :class:`RequestObserver`); the caller lowers ``in_progress`` when the route is done.
    Shared by :class:`RouteObserver` and the hot routes (:mod:`feedback_service.api.hot_routes`)."""
    counts = route_counts(method, template)
    entry.route = (counts, time.perf_counter())
    counts.in_progress.inc()
    return counts


def _excluded(scope: Scope) -> bool:
    """Litestar's rule for a middleware's excluded paths: a mount's raw path, else the routed path."""
    handler: Any = scope.get("route_handler")
    path = scope["raw_path"].decode("latin-1") if getattr(handler, "is_mount", False) else scope["path"]
    return EXCLUDED.search(path) is not None
