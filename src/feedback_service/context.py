"""What every request handler shares: settings, the database, the administrative tree, the token cache."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import attrs

from digitransform.demo import demo_units
from digitransform.domain import AdminTree
from digitransform.formats import load_tree
from feedback_service.auth.throttle import Throttle
from feedback_service.auth.tokens import CheckMemo
from feedback_service.settings import DEMO_UNITS, Settings
from feedback_service.store.database import Database, open_database
from feedback_service.store.tables import UNIT

__all__ = ["CONTEXT_KEY", "ServiceContext", "load_units", "utc_now"]

CONTEXT_KEY = "feedback"
"""The key of the app's ``state`` that holds its :class:`ServiceContext`."""


def utc_now() -> dt.datetime:
    """The current moment, aware, in UTC."""
    return dt.datetime.now(dt.UTC)


def load_units(settings: Settings) -> AdminTree:
    """The administrative tree the service checks villages and scopes against.

    ``FEEDBACK_UNITS=demo`` plans the demo province in memory (no file); anything else is read as a
    ``units.csv`` and a bad file raises :class:`~digitransform.formats.FormatError` naming the line,
    including a code longer than the store's unit columns hold (PostgreSQL would refuse the first
    ticket in such a unit; better to say so at start).
    """
    if settings.units == DEMO_UNITS:
        return AdminTree.from_units(demo_units(settings.demo_households, settings.demo_seed))
    return load_tree(Path(settings.units), max_code_length=UNIT)


@attrs.define
class ServiceContext:
    """One per process: built at start, closed at shutdown."""

    settings: Settings
    db: Database
    tree: AdminTree
    throttle: Throttle = attrs.field(factory=Throttle)
    checks: CheckMemo = attrs.field(factory=CheckMemo)
    """Valid token checks, answered again while ``access_version`` stands (never for a time)."""

    @classmethod
    def open(cls, settings: Settings, tree: AdminTree | None = None) -> ServiceContext:
        """Connect (lazily) to the database and load the units."""
        return cls(
            settings=settings,
            db=open_database(settings.database_url, pool_size=settings.pool_size),
            tree=tree if tree is not None else load_units(settings),
            throttle=Throttle(settings.auth_failure_limit, settings.auth_failure_window),
        )

    def now(self) -> dt.datetime:
        """The current moment (UTC)."""
        return utc_now()
