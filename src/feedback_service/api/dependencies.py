"""The dependencies every controller may ask for: ``ctx`` (the service context) and ``principal``."""

from __future__ import annotations

from litestar.datastructures import State
from litestar.di import NamedDependency, Provide

from feedback_service.api.security import caller
from feedback_service.auth.principal import Principal
from feedback_service.context import CONTEXT_KEY, ServiceContext

__all__ = ["CONTEXT_KEY", "Caller", "Ctx", "dependencies"]

Ctx = NamedDependency[ServiceContext]
"""Annotate a handler parameter named ``ctx`` with this to receive the service context."""
Caller = NamedDependency[Principal]
"""Annotate a handler parameter named ``principal`` with this to receive the authenticated caller."""


def _context(state: State) -> ServiceContext:
    context: ServiceContext = state[CONTEXT_KEY]
    return context


def dependencies() -> dict[str, Provide]:
    """``ctx`` and ``principal`` for the app's route handlers."""
    return {
        "ctx": Provide(_context, sync_to_thread=False),
        "principal": Provide(caller),
    }
