"""Limiting failed authentications: per client address and per token prefix, shared by all workers.

Every failed bearer-token check (API) and every refused dashboard sign-in counts one failure against
the client's address (``addr:…``, the peer, or the address a trusted proxy forwarded) and, for
something shaped like a token, against its first four characters after ``fs_`` (``token:fs_abcd``).
When a key has ``limit`` failures within ``window``, every authentication under it is answered
``429 Too Many Requests`` with ``Retry-After`` until the window ends, without checking the token: a
guesser learns nothing more until then. Valid tokens a worker already trusts (the token cache) skip
the check.

The counts are in the database (:mod:`feedback_service.store.auth_failures`), not in a process,
so four workers or three hosts limit together. Each failure is logged on the
``feedback_service.security`` logger with the client's address, where it happened, why it failed
and the first 8 hex digits of the token's SHA-256 (as the token table stores it, so an admin can
tell which token a phone still holds), never the token or any part of it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import math
from collections.abc import Iterable

import attrs

from feedback_service.store.auth_failures import KEY_LENGTH, blocked_since, count_failure
from feedback_service.store.database import Database

__all__ = ["Guard", "Throttle", "log", "token_prefix"]

log = logging.getLogger("feedback_service.security")

_PREFIX = "fs_"
_SHOWN = 4
"""Characters of a token's random part that name its key (24 of its 256 bits)."""


def token_prefix(secret: str | None) -> str | None:
    """``fs_`` and the first four characters of a token, or ``None`` for anything not shaped like one."""
    if not secret or not secret.startswith(_PREFIX) or len(secret) < len(_PREFIX) + 2 * _SHOWN:
        return None
    shown = secret[: len(_PREFIX) + _SHOWN]
    return shown if all(c.isalnum() or c in "-_" for c in shown) else None


def _fingerprint(secret: str | None) -> str:
    """What the log says of a token: the first 8 hex digits of its SHA-256 (the stored hash starts so)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()[:8] if secret else "-"


@attrs.frozen(slots=True)
class Guard:
    """One authentication attempt's keys, and the moment it happens."""

    throttle: Throttle
    keys: tuple[str, ...]
    now: int
    """Unix seconds."""
    client: str
    secret: str | None = attrs.field(repr=False)
    """Kept for :attr:`fingerprint` only, computed when a line is logged (never logged itself)."""

    @property
    def fingerprint(self) -> str:
        return _fingerprint(self.secret)

    async def wait(self, db: Database) -> int | None:
        """Seconds until these keys may try again (``None``: they may now)."""
        window = self.throttle.seconds
        return self.wait_since(await blocked_since(db, self.keys, self.now, window, self.throttle.limit))

    def wait_since(self, start: int | None) -> int | None:
        """:meth:`wait` given the window start of a key over the limit (``None``: no key is)."""
        return None if start is None else self.throttle.wait([(start, self.throttle.limit)], self.now)


@attrs.frozen
class Throttle:
    """At most ``limit`` failed authentications per key within ``window``."""

    limit: int = 20
    window: dt.timedelta = dt.timedelta(minutes=5)

    @property
    def seconds(self) -> int:
        return max(1, int(self.window.total_seconds()))

    def guard(self, client: str | None, secret: str | None, now: dt.datetime) -> Guard:
        address = (client or "unknown")[: KEY_LENGTH - 5]
        prefix = token_prefix(secret)
        keys = (f"addr:{address}",) + (() if prefix is None else (f"token:{prefix}",))
        return Guard(self, keys, int(now.timestamp()), address, secret)

    def wait(self, windows: Iterable[tuple[int, int]], now: int) -> int | None:
        """The seconds to wait given each key's ``(window_start, failures)``; ``None`` under the limit."""
        ends = [start + self.seconds for start, failures in windows if failures >= self.limit]
        if not ends or max(ends) <= now:
            return None
        return max(1, math.ceil(max(ends) - now))

    async def fail(self, db: Database, guard: Guard, where: str, reason: str) -> int | None:
        """Count a failure on ``guard``'s keys and log it; the seconds to wait if it reached the limit."""
        counts = await db.write(lambda conn: count_failure(conn, guard.keys, guard.now, self.seconds))
        worst = max(failures for _, failures in counts.values())
        log.warning(
            "authentication failed: where=%s reason=%s client=%s token_sha256=%s… failures=%d/%d in %ds",
            where,
            reason,
            guard.client,
            guard.fingerprint,
            worst,
            self.limit,
            self.seconds,
        )
        return self.wait(counts.values(), guard.now)

    def refused(self, guard: Guard, where: str, seconds: int) -> None:
        """Log an attempt refused because its keys are over the limit."""
        log.warning(
            "authentication throttled: where=%s client=%s token_sha256=%s… retry_after=%ds",
            where,
            guard.client,
            guard.fingerprint,
            seconds,
        )
