"""The dependencies every controller may ask for: ``ctx`` (the service context) and ``principal``."""

from __future__ import annotations

from litestar.datastructures import State
from litestar.di import Provide

from feedback_service.api.security import authenticate
from feedback_service.context import ServiceContext

__all__ = ["CONTEXT_KEY", "dependencies"]

CONTEXT_KEY = "feedback"


def _context(state: State) -> ServiceContext:
    context: ServiceContext = state[CONTEXT_KEY]
    return context


def dependencies() -> dict[str, Provide]:
    """``ctx`` and ``principal`` for the app's route handlers."""
    return {
        "ctx": Provide(_context, sync_to_thread=False),
        "principal": Provide(authenticate),
    }
