"""The Litestar application factory: ``create_app(settings)``.

``uvicorn --factory feedback_service.app:app_from_env`` (what ``feedback-service serve`` runs in each
worker) builds the app from ``FEEDBACK_*`` variables.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from litestar import Litestar, Router, get
from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme, Tag
from litestar.response import Redirect
from litestar.types import ControllerRouterHandler

from digitransform.domain import AdminTree
from feedback_service.api import (
    BatchController,
    HealthController,
    OccurrenceController,
    ReferenceController,
    TicketController,
    TransitionController,
)
from feedback_service.api.contract import document_contract
from feedback_service.api.dependencies import CONTEXT_KEY, dependencies
from feedback_service.api.enrollments import DeviceController, EnrollmentController
from feedback_service.api.hot_routes import HotRoutes
from feedback_service.api.interventions import InterventionController
from feedback_service.api.metrics import MetricsController
from feedback_service.api.problems import exception_handlers
from feedback_service.api.request_checks import check_request
from feedback_service.api.schema_site import SCHEMA_PATH, assets_router, render_plugins
from feedback_service.api.security import RoleGuard, document_throttling
from feedback_service.api.team import TeamController
from feedback_service.api.tokens import MeController, TokenController
from feedback_service.api.trends import TrendsController
from feedback_service.context import ServiceContext
from feedback_service.dashboard import DashboardPlugin
from feedback_service.logs import configure_logging
from feedback_service.metrics import worker_stopped
from feedback_service.observe import RequestObserver, RouteObserver
from feedback_service.settings import Settings
from feedback_service.store.migrate import upgrade
from feedback_service.team_app import TeamAppPlugin

__all__ = ["VERSION", "app_from_env", "create_app"]

VERSION = "1.0.0"
log = logging.getLogger("feedback_service")

_DESCRIPTION = """\
Teams working door to door record the difficulties citizens meet with digital services;
commune and province officials work them through a lifecycle (acknowledge, start, resolve, reject,
reopen). Authenticate with `Authorization: Bearer <token>`. Every error is an RFC 9457 problem
(`application/problem+json`). See docs/service.md.
"""


@get("/", include_in_schema=False)
async def home() -> Redirect:
    """People who open the server's address land on the dashboard (which asks them to sign in)."""
    return Redirect("/dashboard")


def create_app(settings: Settings, *, tree: AdminTree | None = None, hot_routes: bool = True) -> Litestar:
    """The service for ``settings``; ``tree`` overrides the units named by ``settings.units``.

    ``hot_routes=False`` leaves every request to Litestar's routes (:mod:`feedback_service.api.hot_routes`
    answers a ticket's ordinary report and read directly otherwise): the tests compare the two.

    The database is opened (and, if ``settings.migrate_on_start``, migrated) when the app starts,
    and closed when it stops.
    """

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        context = ServiceContext.open(settings, tree)
        if settings.migrate_on_start:
            revision = await upgrade(context.db)
            log.info("schema at revision %s", revision)
        app.state[CONTEXT_KEY] = context
        try:
            yield
        finally:
            await context.db.dispose()
            worker_stopped()

    handlers: list[ControllerRouterHandler] = [
        TicketController,
        Router(
            path="/",
            route_handlers=[BatchController],
            request_max_body_size=settings.max_batch_bytes,
        ),
        TransitionController,
        OccurrenceController,
        ReferenceController,
        HealthController,
        TrendsController,
        InterventionController,
        TokenController,
        MeController,
        MetricsController,
        EnrollmentController,
        DeviceController,
        TeamController,
        home,
        assets_router(),
    ]
    app = Litestar(
        route_handlers=handlers,
        dependencies=dependencies(),
        exception_handlers=exception_handlers(),
        before_request=check_request,
        lifespan=[lifespan],
        middleware=[RouteObserver],  # counts routed requests by template (feedback_service.observe)
        request_max_body_size=settings.max_body_bytes,
        openapi_config=OpenAPIConfig(
            title="digitransform feedback service",
            version=VERSION,
            description=_DESCRIPTION,
            path=SCHEMA_PATH,
            render_plugins=render_plugins(),
            tags=[
                Tag(name="tickets", description="Report difficulties and read them within your scope"),
                Tag(name="transitions", description="Officials work tickets through the lifecycle"),
                Tag(name="occurrences", description='"Me too": more households with the same difficulty'),
                Tag(name="reference", description="Codes and labels (vi, en) and administrative units"),
                Tag(name="tokens", description="Who am I; admins issue, list and revoke tokens"),
                Tag(name="enrollment", description="Phones of teams: enrollment codes, devices, team state"),
                Tag(name="health", description="Liveness and readiness"),
                Tag(name="interventions", description="Officials' actions and what changed after them"),
            ],
            components=Components(security_schemes={"bearer": SecurityScheme(type="http", scheme="bearer")}),
            security=[{"bearer": []}],
        ),
        plugins=[DashboardPlugin(), TeamAppPlugin()],
        debug=False,
    )
    # Around everything, unmatched paths included: the request id, one log line and the request's counts.
    inner = app.asgi_handler
    if hot_routes:
        inner = HotRoutes(inner, app, max_body=settings.max_body_bytes)
    app.asgi_handler = RequestObserver(inner)
    document_throttling(app)
    document_contract(app)
    _hand_role_guards_the_handler(app)
    return app


def _hand_role_guards_the_handler(app: Litestar) -> None:
    """On routes whose guards are all role guards, call them with the route handler itself.

    Litestar hands every guard ``copy(handler)`` (so that a guard cannot change the route), and a
    handler is a slotted object of some eighty fields: the copy cost about a sixth of an authenticated
    read's time (docs/performance.md). A :class:`RoleGuard` never looks at the handler, so there the
    copy buys nothing; any other guard still gets its copy.
    """
    for route in app.routes:
        for handler in getattr(route, "route_handlers", ()):
            guards = handler.resolve_guards()
            if guards and all(isinstance(guard, RoleGuard) for guard in guards):
                handler.__class__ = _uncopied(type(handler))


async def _authorize_connection(
    self: BaseRouteHandler, connection: ASGIConnection[Any, Any, Any, Any]
) -> None:
    # Litestar's own authorize_connection, less the copy (and, like it, awaiting every guard).
    for guard in self.resolve_guards():
        await guard(connection, self)  # type: ignore[misc]


_UNCOPIED: dict[type[BaseRouteHandler], type[BaseRouteHandler]] = {}


def _uncopied(cls: type[BaseRouteHandler]) -> type[BaseRouteHandler]:
    """``cls`` whose guards get the handler itself (same slots, so an instance may change to it)."""
    made = _UNCOPIED.get(cls)
    if made is None:
        attributes = {"__slots__": (), "authorize_connection": _authorize_connection}
        with warnings.catch_warnings():  # subclassing get/post/... is deprecated for route *declarations*
            warnings.simplefilter("ignore", DeprecationWarning)
            made = _UNCOPIED[cls] = type(cls.__name__, (cls,), attributes)
    return made


def app_from_env() -> Litestar:
    """The app configured from ``FEEDBACK_*`` environment variables (for uvicorn's ``--factory``),
    logging JSON lines to stderr."""
    settings = Settings.from_env()
    configure_logging(settings.log_level, log_format=settings.log_format)
    return create_app(settings)
