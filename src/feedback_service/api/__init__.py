"""The HTTP API under ``/api/v1``: controllers grouped by resource, strict bodies, problem responses."""

from __future__ import annotations

from feedback_service.api.batch import BatchController
from feedback_service.api.health import HealthController
from feedback_service.api.occurrences import OccurrenceController
from feedback_service.api.reference import ReferenceController
from feedback_service.api.tickets import TicketController
from feedback_service.api.transitions import TransitionController

__all__ = [
    "BatchController",
    "HealthController",
    "OccurrenceController",
    "ReferenceController",
    "TicketController",
    "TransitionController",
]
