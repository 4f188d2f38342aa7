"""Registering the dashboard on the service's app: its routes, its templates and its static files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from litestar import Router
from litestar.config.app import AppConfig
from litestar.di import Provide
from litestar.plugins import InitPlugin
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from feedback_service.context import ServiceContext
from feedback_service.dashboard.config import DashboardConfig
from feedback_service.dashboard.figures import DashboardData
from feedback_service.dashboard.headers import security_headers
from feedback_service.dashboard.pages import Dashboard, DashboardController, Refused, answer_refused
from feedback_service.dashboard.teams import TeamsController
from feedback_service.dashboard.ticket_pages import TicketPages

__all__ = ["STATIC", "TEMPLATES", "DashboardPlugin"]

_HERE = Path(__file__).parent
TEMPLATES = _HERE / "templates"
STATIC = _HERE / "static"


def _service_figures(ctx: ServiceContext) -> DashboardData:
    from feedback_service.dashboard.service_figures import ServiceFigures

    return ServiceFigures(ctx)


class DashboardPlugin(InitPlugin):
    """Adds ``/dashboard`` (pages) and ``/dashboard/static`` (CSS) to an app and sets up Jinja2.

    The app must provide the ``ctx`` dependency (the service context), as ``create_app`` does.

    Args:
        config: cookie and session settings; :meth:`DashboardConfig.from_env` when not given.
        figures: where the numbers come from; the service's aggregate queries when not given.
    """

    __slots__ = ("_dashboard",)

    def __init__(
        self,
        config: DashboardConfig | None = None,
        figures: Callable[[ServiceContext], DashboardData] | None = None,
    ) -> None:
        self._dashboard = Dashboard(config or DashboardConfig.from_env(), figures or _service_figures)

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        dashboard = self._dashboard
        static = create_static_files_router(
            path=f"{dashboard.config.path}/static",
            directories=[STATIC],
            name="dashboard:static",
            include_in_schema=False,
        )
        app_config.route_handlers.append(
            Router(
                path="/",
                route_handlers=[DashboardController, TicketPages, TeamsController, static],
                dependencies={"dashboard": Provide(lambda: dashboard, sync_to_thread=False)},
                middleware=[security_headers],
                exception_handlers={Refused: answer_refused},
            )
        )
        app_config.template_config = TemplateConfig(directory=TEMPLATES, engine=JinjaTemplateEngine)
        return app_config
