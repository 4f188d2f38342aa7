"""Server-rendered pages for commune and province officials: the backlog's trend, its ageing, where it is.

Register with ``Litestar(..., plugins=[DashboardPlugin()])``; see ``docs/dashboard.md``.
"""

from __future__ import annotations

from feedback_service.dashboard.config import DashboardConfig
from feedback_service.dashboard.figures import DashboardData, HistoryFigures, InterventionMark
from feedback_service.dashboard.plugin import DashboardPlugin

__all__ = [
    "DashboardConfig",
    "DashboardData",
    "DashboardPlugin",
    "HistoryFigures",
    "InterventionMark",
]
