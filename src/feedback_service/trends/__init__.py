"""Trend queries of the feedback service: the library's answers (``digitransform.trends``), from the store.

Each function takes the :class:`~feedback_service.store.Database`, the caller's
:class:`~feedback_service.store.Scope` and the library's parameters, and returns the library's own
result type, equal to the reference function over the same tickets:

- :func:`unresolved_trend` reads the per-day aggregate (``feedback_service.store.aggregate``);
- :func:`backlog_ageing` reads the unresolved tickets (and, for a past moment, their history);
- :func:`resolution_times` reads the history's resolve entries;
- :func:`summary` both; :func:`commune_backlog_ranking` the aggregate and household counts.
"""

from __future__ import annotations

from feedback_service.trends.ageing import backlog_ageing
from feedback_service.trends.backlog import unresolved_trend
from feedback_service.trends.households import (
    HouseholdsError,
    cached_households,
    households_of_units,
    roll_up_households,
)
from feedback_service.trends.ranking import CommuneBacklog, commune_backlog_ranking, per_thousand
from feedback_service.trends.resolution import resolution_times
from feedback_service.trends.summary import summary

__all__ = [
    "CommuneBacklog",
    "HouseholdsError",
    "backlog_ageing",
    "cached_households",
    "commune_backlog_ranking",
    "households_of_units",
    "per_thousand",
    "resolution_times",
    "roll_up_households",
    "summary",
    "unresolved_trend",
]
