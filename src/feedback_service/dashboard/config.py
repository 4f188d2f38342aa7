"""How the dashboard runs: cookies, session length and time zone, from ``FEEDBACK_DASHBOARD_*`` variables."""

from __future__ import annotations

import os
from collections.abc import Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs

from feedback_service.dashboard.formatting import Formatter
from feedback_service.dashboard.language import Language

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
    time_zone: str = attrs.field(default="Asia/Ho_Chi_Minh", validator=lambda _i, _a, v: _zone(v))
    """``FEEDBACK_DASHBOARD_TIME_ZONE``: the IANA zone every moment is shown in, pages and CSV alike."""

    def formatter(self, language: Language) -> Formatter:
        """How values read for ``language`` in this dashboard's time zone."""
        return Formatter(language, _zone(self.time_zone))

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
        zone = env.get("FEEDBACK_DASHBOARD_TIME_ZONE", "").strip() or "Asia/Ho_Chi_Minh"
        return cls(
            secure_cookies=secure_raw in {"1", "true", "yes", "on"}, session_hours=hours, time_zone=zone
        )


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"FEEDBACK_DASHBOARD_TIME_ZONE: {name!r} is not an IANA time zone (e.g. Asia/Ho_Chi_Minh)"
        ) from None
