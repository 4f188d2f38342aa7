"""The service's settings, read once from ``FEEDBACK_*`` environment variables.

Every worker process reads the same environment, so ``feedback-service serve --workers 4`` needs no
other channel to share configuration. Defaults run the demo province on an SQLite file in the
current directory.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
from collections.abc import Mapping

import attrs

__all__ = ["DEFAULT_DATABASE_URL", "DEMO_UNITS", "Settings", "SettingsError"]

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///feedback.db"
DEMO_UNITS = "demo"
"""The value of ``FEEDBACK_UNITS`` meaning the demo province shaped on An Giang (no file needed)."""

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off", ""})


class SettingsError(ValueError):
    """An environment variable with a value the service cannot use; the message names it."""


@attrs.frozen(kw_only=True)
class Settings:
    """How one service instance runs. Build with :meth:`from_env` or directly in tests."""

    database_url: str = DEFAULT_DATABASE_URL
    """``FEEDBACK_DATABASE_URL``: ``sqlite+aiosqlite:///path.db`` or ``postgresql+asyncpg://...``."""
    units: str = DEMO_UNITS
    """``FEEDBACK_UNITS``: a ``units.csv`` path, or ``demo`` for the demo province."""
    demo_households: int = 1_300_000
    """``FEEDBACK_DEMO_HOUSEHOLDS``: the size the demo province is planned for (its villages follow)."""
    demo_seed: int = 1
    """``FEEDBACK_DEMO_SEED``: the demo province's seed (names and codes do not depend on it)."""
    max_body_bytes: int = 64 * 1024
    """``FEEDBACK_MAX_BODY_BYTES``: the largest request body, except for batches (413 beyond)."""
    max_batch_bytes: int = 4 * 1024 * 1024
    """``FEEDBACK_MAX_BATCH_BYTES``: the largest batch body (413 beyond)."""
    max_batch_tickets: int = 500
    """``FEEDBACK_MAX_BATCH_TICKETS``: the most tickets a batch may carry (422 beyond)."""
    clock_skew: dt.timedelta = dt.timedelta(minutes=10)
    """``FEEDBACK_CLOCK_SKEW_SECONDS``: how far in the future ``observed_at`` may lie (phone clocks drift)."""
    page_size: int = 50
    """``FEEDBACK_PAGE_SIZE``: tickets per page when the client does not say (at most ``max_page_size``)."""
    max_page_size: int = 500
    """``FEEDBACK_MAX_PAGE_SIZE``: the largest ``limit`` a client may ask for."""
    migrate_on_start: bool = True
    """``FEEDBACK_MIGRATE_ON_START``: run migrations when the app starts. ``serve`` migrates once
    before starting workers and sets this off for them."""
    pool_size: int = 8
    """``FEEDBACK_POOL_SIZE``: database connections per worker."""
    trusted_proxies: tuple[str, ...] = ()
    """``FEEDBACK_TRUSTED_PROXIES``: comma-separated addresses or networks (``10.0.0.0/8``) of reverse
    proxies whose ``X-Forwarded-For`` and ``X-Forwarded-Proto`` are believed. Empty (the default):
    those headers are ignored, whoever sends them."""
    log_level: str = "info"
    """``FEEDBACK_LOG_LEVEL``: debug, info (one line per request), warning (refusals and errors
    only) or error."""
    log_format: str = "json"
    """``FEEDBACK_LOG_FORMAT``: json (one JSON object per line, for a log collector) or text (a line
    for a person at a terminal; ``demo`` uses it unless this is set)."""
    metrics_address: str | None = None
    """``FEEDBACK_METRICS_ADDRESS``: ``host:port`` where ``serve`` also exposes ``/metrics`` without a
    token, for a Prometheus on an internal network (unset: only ``/metrics`` with an admin token)."""
    shutdown_grace: float = 30.0
    """``FEEDBACK_SHUTDOWN_GRACE_SECONDS``: on SIGTERM a worker stops accepting connections and gives
    the requests in flight this long to finish before it closes them (default 30)."""
    retention_days: int = 365
    """``FEEDBACK_RETENTION_DAYS``: ``feedback-service retention`` removes household references and
    free text from tickets closed (resolved or rejected) at least this many days ago (default 365)."""
    auth_failure_limit: int = 20
    """``FEEDBACK_AUTH_FAILURE_LIMIT``: failed authentications (bad tokens, refused sign-ins) one
    client address or one token prefix may make within the window before it gets 429 (default 20)."""
    auth_failure_window: dt.timedelta = dt.timedelta(minutes=5)
    """``FEEDBACK_AUTH_FAILURE_WINDOW_SECONDS``: that window (default 300)."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Settings from ``FEEDBACK_*`` variables; missing ones take their defaults."""
        env = os.environ if environ is None else environ
        defaults = cls()

        def text(name: str, default: str) -> str:
            return env.get(f"FEEDBACK_{name}", default).strip() or default

        return cls(
            database_url=text("DATABASE_URL", defaults.database_url),
            units=text("UNITS", defaults.units),
            demo_households=_int(env, "DEMO_HOUSEHOLDS", defaults.demo_households, minimum=1),
            demo_seed=_int(env, "DEMO_SEED", defaults.demo_seed, minimum=0),
            max_body_bytes=_int(env, "MAX_BODY_BYTES", defaults.max_body_bytes, minimum=1024),
            max_batch_bytes=_int(env, "MAX_BATCH_BYTES", defaults.max_batch_bytes, minimum=1024),
            max_batch_tickets=_int(env, "MAX_BATCH_TICKETS", defaults.max_batch_tickets, minimum=1),
            clock_skew=dt.timedelta(
                seconds=_int(env, "CLOCK_SKEW_SECONDS", int(defaults.clock_skew.total_seconds()), minimum=0)
            ),
            page_size=_int(env, "PAGE_SIZE", defaults.page_size, minimum=1),
            max_page_size=_int(env, "MAX_PAGE_SIZE", defaults.max_page_size, minimum=1),
            migrate_on_start=_bool(env, "MIGRATE_ON_START", defaults.migrate_on_start),
            pool_size=_int(env, "POOL_SIZE", defaults.pool_size, minimum=1),
            trusted_proxies=_addresses(env, "TRUSTED_PROXIES"),
            log_level=_choice(env, "LOG_LEVEL", defaults.log_level, ("debug", "info", "warning", "error")),
            log_format=_choice(env, "LOG_FORMAT", defaults.log_format, ("json", "text")),
            metrics_address=_host_port(env, "METRICS_ADDRESS"),
            shutdown_grace=_float(env, "SHUTDOWN_GRACE_SECONDS", defaults.shutdown_grace),
            retention_days=_int(env, "RETENTION_DAYS", defaults.retention_days, minimum=0),
            auth_failure_limit=_int(env, "AUTH_FAILURE_LIMIT", defaults.auth_failure_limit, minimum=1),
            auth_failure_window=dt.timedelta(
                seconds=_int(
                    env,
                    "AUTH_FAILURE_WINDOW_SECONDS",
                    int(defaults.auth_failure_window.total_seconds()),
                    minimum=1,
                )
            ),
        )

    def to_env(self) -> dict[str, str]:
        """The ``FEEDBACK_*`` variables that rebuild these settings in another process (a worker)."""
        return {
            "FEEDBACK_DATABASE_URL": self.database_url,
            "FEEDBACK_UNITS": self.units,
            "FEEDBACK_DEMO_HOUSEHOLDS": str(self.demo_households),
            "FEEDBACK_DEMO_SEED": str(self.demo_seed),
            "FEEDBACK_MAX_BODY_BYTES": str(self.max_body_bytes),
            "FEEDBACK_MAX_BATCH_BYTES": str(self.max_batch_bytes),
            "FEEDBACK_MAX_BATCH_TICKETS": str(self.max_batch_tickets),
            "FEEDBACK_CLOCK_SKEW_SECONDS": str(int(self.clock_skew.total_seconds())),
            "FEEDBACK_PAGE_SIZE": str(self.page_size),
            "FEEDBACK_MAX_PAGE_SIZE": str(self.max_page_size),
            "FEEDBACK_MIGRATE_ON_START": "1" if self.migrate_on_start else "0",
            "FEEDBACK_POOL_SIZE": str(self.pool_size),
            "FEEDBACK_TRUSTED_PROXIES": ",".join(self.trusted_proxies),
            "FEEDBACK_LOG_LEVEL": self.log_level,
            "FEEDBACK_LOG_FORMAT": self.log_format,
            "FEEDBACK_METRICS_ADDRESS": self.metrics_address or "",
            "FEEDBACK_SHUTDOWN_GRACE_SECONDS": str(self.shutdown_grace),
            "FEEDBACK_RETENTION_DAYS": str(self.retention_days),
            "FEEDBACK_AUTH_FAILURE_LIMIT": str(self.auth_failure_limit),
            "FEEDBACK_AUTH_FAILURE_WINDOW_SECONDS": str(int(self.auth_failure_window.total_seconds())),
        }


def _int(env: Mapping[str, str], name: str, default: int, *, minimum: int) -> int:
    raw = env.get(f"FEEDBACK_{name}", "").strip()
    if not raw:
        return default
    try:
        value = int(raw.replace("_", ""))
    except ValueError:
        raise SettingsError(f"FEEDBACK_{name}: expected a whole number, got {raw!r}") from None
    if value < minimum:
        raise SettingsError(f"FEEDBACK_{name}: must be at least {minimum}, got {value}")
    return value


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(f"FEEDBACK_{name}", "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"FEEDBACK_{name}: expected a number of seconds, got {raw!r}") from None
    if value < 0:
        raise SettingsError(f"FEEDBACK_{name}: must be ≥ 0, got {value}")
    return value


def _addresses(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    raw = env.get(f"FEEDBACK_{name}", "")
    found: list[str] = []
    for item in (part.strip() for part in raw.split(",")):
        if not item:
            continue
        try:
            network = ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise SettingsError(
                f"FEEDBACK_{name}: {item!r} is not an IP address or network (e.g. 10.0.0.5 or 10.0.0.0/8)"
            ) from None
        found.append(str(network) if "/" in item else str(network.network_address))
    return tuple(found)


def _choice(env: Mapping[str, str], name: str, default: str, choices: tuple[str, ...]) -> str:
    raw = env.get(f"FEEDBACK_{name}", "").strip().lower()
    if not raw:
        return default
    if raw not in choices:
        raise SettingsError(f"FEEDBACK_{name}: expected one of {', '.join(choices)}, got {raw!r}")
    return raw


def _host_port(env: Mapping[str, str], name: str) -> str | None:
    raw = env.get(f"FEEDBACK_{name}", "").strip()
    if not raw:
        return None
    host, _, port = raw.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise SettingsError(f"FEEDBACK_{name}: expected host:port (e.g. 10.0.0.5:9464), got {raw!r}")
    return raw


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(f"FEEDBACK_{name}")
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise SettingsError(f"FEEDBACK_{name}: expected 1/0, true/false, yes/no or on/off, got {raw!r}")
