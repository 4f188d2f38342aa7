"""The dependencies every controller may ask for: ``ctx`` (the service context) and ``principal``."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.di import NamedDependency, Provide

from feedback_service.api.security import caller
from feedback_service.auth.principal import Principal
from feedback_service.context import CONTEXT_KEY, ServiceContext

__all__ = ["CONTEXT_KEY", "Caller", "Ctx", "dependencies"]

Ctx = NamedDependency[ServiceContext]
"""Annotate a handler parameter named ``ctx`` with this to receive the service context."""
Caller = NamedDependency[Principal]
"""Annotate a handler parameter named ``principal`` with this to receive the authenticated caller."""


def _context(request: Request[Any, Any, Any]) -> ServiceContext:
    # The request, not the app's ``State``: Litestar validates a dependency's arguments on every
    # request, and validating a ``State`` builds a copy of it.
    context: ServiceContext = request.app.state[CONTEXT_KEY]
    return context


def dependencies() -> dict[str, Provide]:
    """``ctx`` and ``principal`` for the app's route handlers."""
    return {
        "ctx": Provide(_context, sync_to_thread=False),
        "principal": Provide(caller),
    }
