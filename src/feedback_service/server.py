"""Running the service under uvicorn: workers, graceful shutdown, which proxies to believe.

``feedback-service serve --workers N`` migrates once (under the migration lock, so several hosts
starting together migrate once and the others wait, :func:`feedback_service.store.migrate.upgrade`),
then starts N worker processes that share one listening socket and rebuild their settings from the
``FEEDBACK_*`` environment. Nothing a request depends on lives in one worker only: tickets, tokens,
throttles, the trend aggregate and the dashboard's sessions are in the database, and every request
checks its caller there.

- **Graceful shutdown**: on SIGTERM (``systemctl stop``) or SIGINT every worker stops accepting
  connections and lets the requests in flight finish for up to ``Settings.shutdown_grace`` seconds
  (30 by default); SQLite's writer then commits what it was given before the worker exits.
  A connection accepted just before the stop still has its request answered, never reset
  (:mod:`feedback_service.http_protocol`).
- **Rolling restart**: SIGHUP to the parent replaces the workers one at a time, each new one serving
  before the old one is stopped (uvicorn's supervisor), so an upgrade of the code needs no downtime.
  A worker that dies is replaced.
- **Proxies**: ``X-Forwarded-For`` and ``X-Forwarded-Proto`` are believed only from the addresses in
  ``Settings.trusted_proxies``; with none configured (the default) nobody can pretend to be someone
  else's address or to have arrived over TLS.


The event loop and the HTTP parser are uvicorn's ``auto`` choices: uvloop and httptools, which the
service extra installs (``uvicorn[standard]``); they serve about twice the requests of asyncio's loop
and h11 (docs/performance.md).

The socket is bound (:func:`bind`) before the database is touched and before anything is printed,
so a busy port is one clear line, never a "serving on" followed by an error.
"""

from __future__ import annotations

import errno
import inspect
import os
import shutil
import socket
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from feedback_service.settings import Settings

if TYPE_CHECKING:  # uvicorn is imported when a server starts, not when the command line parses
    import uvicorn

__all__ = ["APP_FACTORY", "HTTP_PROTOCOL", "PortError", "bind", "serve", "uvicorn_config"]

APP_FACTORY = "feedback_service.app:app_from_env"
"""What each worker imports: the app built from ``FEEDBACK_*`` variables."""

HTTP_PROTOCOL = "feedback_service.http_protocol:FinishingHttpToolsProtocol"
"""Each connection's protocol: httptools, with a stop that lets a request already sent be answered
(:mod:`feedback_service.http_protocol`). A path, not the class, so uvicorn is imported by the workers
and the spawned ones import it themselves."""


WORKER_START_SECONDS = 60
"""How long the supervisor waits for a new worker to answer (and for a busy one to answer its ping).
uvicorn's default of 5 s is shorter than a worker's start on a loaded host (imports, the units
tree): a SIGHUP restart then gave up and kept the old workers."""


def uvicorn_config(
    settings: Settings, *, host: str, port: int, workers: int = 1, app: Any = APP_FACTORY
) -> uvicorn.Config:
    """The uvicorn configuration ``serve`` runs (``app`` replaceable for tests)."""
    import uvicorn

    trusted = list(settings.trusted_proxies)
    config = uvicorn.Config(
        app,
        factory=isinstance(app, str),
        host=host,
        port=port,
        workers=workers,
        http=HTTP_PROTOCOL,
        proxy_headers=bool(trusted),
        forwarded_allow_ips=trusted or None,
        timeout_graceful_shutdown=max(1, round(settings.shutdown_grace)),
        server_header=False,
        log_level="warning",
        access_log=False,  # the app logs each request itself, without secrets (one JSON line)
    )
    config.timeout_worker_healthcheck = WORKER_START_SECONDS  # (an unused attribute on old uvicorns)
    return config


class PortError(OSError):
    """The address cannot be listened on; the message says why and what to do."""


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port``, inheritable by worker processes."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise PortError(
                f"{host}:{port} is already in use: stop the other server or pass --port"
            ) from None
        if exc.errno == errno.EACCES:
            raise PortError(f"{host}:{port}: permission denied (ports below 1024 need root)") from None
        raise PortError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    sock.set_inheritable(True)
    return sock


def _metrics_directory() -> str | None:
    """Where the workers keep their metrics (prometheus_client's multiprocess mode): the directory in
    ``PROMETHEUS_MULTIPROC_DIR``, emptied of an earlier run's files, or a new one removed at exit."""
    from feedback_service.metrics import MULTIPROCESS_ENV

    given = os.environ.get(MULTIPROCESS_ENV)
    if given:
        for stale in Path(given).glob("*.db"):
            stale.unlink()
        return None
    made = tempfile.mkdtemp(prefix="feedback-metrics-")
    os.environ[MULTIPROCESS_ENV] = made
    return made


def serve(settings: Settings, sock: socket.socket, *, workers: int, app: str = APP_FACTORY) -> None:
    """Serve on the bound ``sock`` until stopped; the workers read ``settings`` from the environment
    this sets. The socket is closed on return. ``app`` is another factory for a baseline served exactly
    the same way (``bench/echo_app.py``)."""
    from uvicorn.supervisors import Multiprocess

    from feedback_service import metrics
    from feedback_service.worker import Server

    os.environ.update(settings.to_env())
    scratch = _metrics_directory() if workers > 1 else None
    if settings.metrics_address:
        metrics.serve_internally(settings.metrics_address)
    host, port = sock.getsockname()[:2]
    config = uvicorn_config(settings, host=host, port=port, workers=workers, app=app)
    server = Server(config)
    if workers == 1:
        config.load_app()  # a worker that cannot build the app says so before "serving on"
    shown = f"[{host}]" if ":" in host else host
    print(
        f"serving on http://{shown}:{port} with {workers} worker{'s' if workers > 1 else ''} "
        f"(dashboard /, API /api/v1, OpenAPI /schema); SIGTERM stops after at most "
        f"{config.timeout_graceful_shutdown} s, SIGHUP restarts the workers one by one",
        file=sys.stderr,
        flush=True,
    )
    try:
        if workers > 1:
            # Older uvicorn releases take the workers' entry point as ``target``; newer ones find it.
            extra = {"target": server.run} if "target" in inspect.signature(Multiprocess).parameters else {}
            Multiprocess(config, sockets=[sock], **extra).run()
        else:
            server.run(sockets=[sock])
    except KeyboardInterrupt:  # pragma: no cover - Ctrl-C during start
        pass
    finally:
        sock.close()
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
    if workers == 1 and not server.started:
        raise SystemExit(3)  # the app failed to start; it said why (uvicorn's STARTUP_FAILURE)
