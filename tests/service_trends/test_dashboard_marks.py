"""Interventions recorded through the API are what the dashboard marks on its time axis."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

from test_interventions import Client, create, http, tree

from digitransform.domain import Barrier
from feedback_service.context import ServiceContext
from feedback_service.dashboard.service_figures import ServiceFigures
from feedback_service.settings import Settings
from feedback_service.store.records import Scope

__all__ = ["http"]


def test_recorded_interventions_become_marks_within_scope(
    http: tuple[Client, dict[str, str]], tmp_path: Path
) -> None:
    """The dashboard reads the intervention log: the province sees the mark, another commune does not."""
    client, secrets = http
    created = create(client, secrets["c1"], units=["C1-01"])
    assert created.status_code == 201, created.text
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'interventions.db'}",
        units=str(tmp_path / "units.csv"),
    )

    async def marks(scope: Scope) -> list[tuple[str, dt.date, frozenset[str], frozenset[Barrier]]]:
        context = ServiceContext.open(settings, tree())
        try:
            found = await ServiceFigures(context).interventions(
                scope, dt.date(2026, 1, 1), dt.date(2026, 12, 31)
            )
        finally:
            await context.db.dispose()
        return [(m.what, m.started_on, m.units, m.categories) for m in found]

    expected = (
        "Ngày tập huấn dùng VNeID",
        dt.date(2026, 3, 2),
        frozenset({"C1-01"}),
        frozenset({Barrier.NO_DEVICE}),
    )
    assert asyncio.run(marks(Scope.everything())) == [expected]
    assert asyncio.run(marks(Scope(communes=frozenset({"C1"})))) == [expected]
    assert asyncio.run(marks(Scope(communes=frozenset({"C2"})))) == []
