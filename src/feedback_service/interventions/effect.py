"""The effect of an intervention, read from the store: a difference in differences.

What is compared and how the figures become the answer are the library's
(:mod:`digitransform.trends.effect`, where the measures and the reading of them are explained); this
module reads each side's figures from the service's trend queries
(:func:`~feedback_service.trends.unresolved_trend` by day and category, and the resolve entries
behind :func:`~feedback_service.trends.resolution_times`), which are tested equal to the library's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from digitransform.domain import AdminTree, Barrier, PeriodKind
from digitransform.trends import GroupBy
from digitransform.trends.effect import EffectDesign, Side, SideFigures
from feedback_service.auth.scope import units_seen
from feedback_service.interventions.records import Intervention
from feedback_service.store.database import Database
from feedback_service.store.records import Scope
from feedback_service.trends.backlog import unresolved_trend
from feedback_service.trends.resolution import resolutions_in

__all__ = ["intervention_effect", "side_figures"]


async def side_figures(db: Database, design: EffectDesign, side: Side) -> dict[Barrier, SideFigures]:
    """Each category's figures on one side: one trend query over both windows, one resolve query per
    window (:func:`digitransform.trends.effect.side_figures` from the store)."""
    (first, _), (_, last) = design.before, design.after
    everything = Scope.everything()
    trend = await unresolved_trend(db, everything, PeriodKind.DAY, first, last, GroupBy.CATEGORY, side.where)
    _, before = await resolutions_in(db, *design.before, GroupBy.CATEGORY, side.where)
    _, after = await resolutions_in(db, *design.after, GroupBy.CATEGORY, side.where)
    return design.figures(trend, before, after)


async def intervention_effect(
    db: Database,
    tree: AdminTree,
    households: Mapping[str, int],
    intervention: Intervention,
    weeks: int = 8,
    *,
    scope: Scope,
) -> dict[str, Any]:
    """The effect document of ``GET /api/v1/interventions/{id}/effect``
    (:meth:`digitransform.trends.effect.EffectDesign.document`).

    The target is the part of the intervention's units within the caller's ``scope``
    (:func:`~feedback_service.auth.scope.units_seen`): a commune official looking at an intervention
    that also covers another commune sees its own commune's counts, never the other's.
    """
    design = EffectDesign.of(
        tree,
        households,
        units_seen(scope, tree, intervention.units),
        intervention.categories,
        intervention.started_on,
        weeks,
        sees_province=scope.communes is None,
    )
    on_target = await side_figures(db, design, design.target)
    on_baseline = None if design.baseline is None else await side_figures(db, design, design.baseline)
    return design.document(intervention.to_dict(), on_target, on_baseline)
