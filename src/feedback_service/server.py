"""Running the service under uvicorn: workers, graceful shutdown, which proxies to believe.

``feedback-service serve --workers N`` migrates once (under the migration lock, so several hosts
starting together migrate once and the others wait, :func:`feedback_service.store.migrate.upgrade`),
then starts N worker processes that share one listening socket and rebuild their settings from the
``FEEDBACK_*`` environment. Nothing a request depends on lives in one worker only: tickets, tokens,
throttles and the trend aggregate are in the database, and the dashboard's session is the signed-in
official's token in a cookie, checked against the database on every request.

- **Graceful shutdown**: on SIGTERM (``systemctl stop``) or SIGINT every worker stops accepting
  connections and lets the requests in flight finish for up to ``Settings.shutdown_grace`` seconds
  (30 by default); SQLite's writer then commits what it was given before the worker exits.
- **Rolling restart**: SIGHUP to the parent replaces the workers one at a time, each new one serving
  before the old one is stopped (uvicorn's supervisor), so an upgrade of the code needs no downtime.
  A worker that dies is replaced.
- **Proxies**: ``X-Forwarded-For`` and ``X-Forwarded-Proto`` are believed only from the addresses in
  ``Settings.trusted_proxies``; with none configured (the default) nobody can pretend to be someone
  else's address or to have arrived over TLS.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any

from feedback_service.settings import Settings

if TYPE_CHECKING:  # uvicorn is imported when a server starts, not when the command line parses
    import uvicorn

__all__ = ["APP_FACTORY", "serve", "uvicorn_config"]

APP_FACTORY = "feedback_service.app:app_from_env"
"""What each worker imports: the app built from ``FEEDBACK_*`` variables."""


def uvicorn_config(
    settings: Settings, *, host: str, port: int, workers: int = 1, app: Any = APP_FACTORY
) -> uvicorn.Config:
    """The uvicorn configuration ``serve`` runs (``app`` replaceable for tests)."""
    import uvicorn

    trusted = list(settings.trusted_proxies)
    return uvicorn.Config(
        app,
        factory=isinstance(app, str),
        host=host,
        port=port,
        workers=workers,
        proxy_headers=bool(trusted),
        forwarded_allow_ips=trusted or None,
        timeout_graceful_shutdown=max(1, round(settings.shutdown_grace)),
        server_header=False,
        log_level="warning",
        access_log=False,  # the app logs each request itself, without secrets (one JSON line)
    )


def serve(settings: Settings, *, host: str, port: int, workers: int) -> None:
    """Serve until stopped; the workers read ``settings`` from the environment this sets."""
    import uvicorn

    os.environ.update(settings.to_env())
    config = uvicorn_config(settings, host=host, port=port, workers=workers)
    print(
        f"serving on http://{host}:{port} with {workers} worker{'s' if workers > 1 else ''} "
        f"(API /api/v1, OpenAPI /schema); SIGTERM stops after at most {config.timeout_graceful_shutdown} s, "
        "SIGHUP restarts the workers one by one",
        file=sys.stderr,
    )
    server = uvicorn.Server(config)
    try:
        if workers > 1:
            from uvicorn.supervisors import Multiprocess

            Multiprocess(config, sockets=[config.bind_socket()]).run()
        else:
            server.run()
    except KeyboardInterrupt:  # pragma: no cover - Ctrl-C during start
        pass
    if workers == 1 and not server.started:
        raise SystemExit(3)  # the app failed to start; it said why (uvicorn's STARTUP_FAILURE)
