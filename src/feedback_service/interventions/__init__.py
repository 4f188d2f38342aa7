"""Officials' interventions (a training day, a request to a carrier, an anti-scam briefing) and a
descriptive look at what changed after each: :mod:`~feedback_service.interventions.records` stores
them, :mod:`~feedback_service.interventions.effect` reads the figures that compare before and after
against the rest of the province (the comparison itself is :mod:`digitransform.trends.effect`)."""

from __future__ import annotations

from feedback_service.interventions.effect import intervention_effect
from feedback_service.interventions.records import (
    Intervention,
    interventions,
    list_interventions,
    load_intervention,
    record_intervention,
)

__all__ = [
    "Intervention",
    "intervention_effect",
    "interventions",
    "list_interventions",
    "load_intervention",
    "record_intervention",
]
