"""Intervention use cases: record one, list or read those a scope sees, and their effect.

The API's ``/api/v1/interventions`` (:mod:`feedback_service.api.interventions`), the dashboard's marks
on the time axis (:mod:`feedback_service.dashboard.service_figures`) and the demo call these. Who
sees an intervention is :mod:`feedback_service.auth.scope`'s rule (every unit it touches counts);
its effect is the library's comparison (:mod:`digitransform.trends.effect`) of the figures
:mod:`feedback_service.interventions.effect` reads, over the part of its units the caller's scope holds.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from digitransform.domain import AdminTree, Barrier
from feedback_service.auth.principal import Principal
from feedback_service.auth.scope import sees_intervention
from feedback_service.interventions import (
    Intervention,
    intervention_effect,
    list_interventions,
    load_intervention,
    record_intervention,
)
from feedback_service.settings import Settings
from feedback_service.store.database import Database
from feedback_service.store.records import Scope
from feedback_service.trends.households import cached_households

__all__ = ["effect", "find", "record", "visible"]


async def record(
    db: Database,
    official: Principal,
    *,
    what: str,
    units: Sequence[str],
    categories: Sequence[Barrier],
    started_on: dt.date,
    ended_on: dt.date | None,
    now: dt.datetime,
) -> Intervention:
    """Store a new intervention by ``official`` (the edge checked its units are within their scope);
    it ends on its start day unless ``ended_on`` says otherwise."""
    intervention = Intervention(
        id=str(uuid.uuid4()),
        what=what.strip(),
        units=tuple(units),
        categories=tuple(categories),
        started_on=started_on,
        ended_on=ended_on or started_on,
        scope=official.scope or "",
        created_by=official.token_id,
        created_at=now,
    )
    await record_intervention(db, intervention)
    return intervention


visible = list_interventions
"""The interventions a scope sees that overlap ``first``..``last`` (each optional), oldest start first."""


async def find(db: Database, tree: AdminTree, scope: Scope, intervention_id: str) -> Intervention | None:
    """One intervention, or ``None`` if there is none by that id or ``scope`` does not see it."""
    found = await load_intervention(db, intervention_id)
    if found is None or not sees_intervention(scope, tree, found.units):
        return None
    return found


async def effect(
    db: Database,
    settings: Settings,
    tree: AdminTree,
    scope: Scope,
    intervention: Intervention,
    weeks: int = 8,
) -> dict[str, Any]:
    """Before and after ``intervention``, ``weeks`` each way, against the rest of the province."""
    households = cached_households(settings, tree)
    return await intervention_effect(db, tree, households, intervention, weeks, scope=scope)
