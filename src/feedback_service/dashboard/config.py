"""How the dashboard runs: cookie flags and the session's length, from ``FEEDBACK_DASHBOARD_*`` variables."""

from __future__ import annotations

import os
from collections.abc import Mapping

import attrs

__all__ = ["DashboardConfig"]


@attrs.frozen(kw_only=True)
class DashboardConfig:
    """Settings of the officials' dashboard."""

    secure_cookies: bool = False
    """``FEEDBACK_DASHBOARD_SECURE_COOKIES``: mark the session and form cookies ``Secure`` (sent over
    HTTPS only). Turn it on wherever the service is reached over HTTPS, which is everywhere but a laptop."""
    session_hours: int = 8
    """``FEEDBACK_DASHBOARD_SESSION_HOURS``: how long a sign-in lasts (a working day)."""
    path: str = "/dashboard"
    """Where the pages live; the cookies are limited to this path."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> DashboardConfig:
        """The config from the environment; a value it cannot use raises ``ValueError`` naming it."""
        env = os.environ if environ is None else environ
        secure_raw = env.get("FEEDBACK_DASHBOARD_SECURE_COOKIES", "0").strip().lower()
        if secure_raw not in {"1", "0", "true", "false", "yes", "no", "on", "off", ""}:
            raise ValueError(f"FEEDBACK_DASHBOARD_SECURE_COOKIES: expected 1 or 0, got {secure_raw!r}")
        hours_raw = env.get("FEEDBACK_DASHBOARD_SESSION_HOURS", "8").strip() or "8"
        try:
            hours = int(hours_raw)
        except ValueError:
            raise ValueError(
                f"FEEDBACK_DASHBOARD_SESSION_HOURS: expected whole hours, got {hours_raw!r}"
            ) from None
        if not 1 <= hours <= 24 * 7:
            raise ValueError(f"FEEDBACK_DASHBOARD_SESSION_HOURS: must be 1 to 168, got {hours}")
        return cls(secure_cookies=secure_raw in {"1", "true", "yes", "on"}, session_hours=hours)
