"""Officials' interventions (a training day, a request to a carrier, an anti-scam briefing) and a
descriptive look at what changed after each: :mod:`~feedback_service.interventions.records` stores
them, :mod:`~feedback_service.interventions.effect` compares before and after against the rest of
the province."""

from __future__ import annotations

from feedback_service.interventions.effect import (
    EXPLANATION,
    Comparison,
    difference_in_differences,
    intervention_effect,
    sides_of,
)
from feedback_service.interventions.records import (
    Intervention,
    interventions,
    list_interventions,
    load_intervention,
    record_intervention,
)

__all__ = [
    "EXPLANATION",
    "Comparison",
    "Intervention",
    "difference_in_differences",
    "intervention_effect",
    "interventions",
    "list_interventions",
    "load_intervention",
    "record_intervention",
    "sides_of",
]
