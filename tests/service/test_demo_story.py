"""The demo tells a believable story, read with the service's own figures (what the dashboard shows).

On-the-spot help within hours, follow-ups in days to weeks, escalations longer; the backlog of the
intervention's communes grows before it and shrinks after, while the other communes do not shrink.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import statistics
from pathlib import Path

import pytest

from digitransform.domain import LOCAL_TZ, PeriodKind, ResolutionType, TicketStatus
from digitransform.trends import TicketFilter
from feedback_service.context import ServiceContext
from feedback_service.demo import DRIVE_BARRIERS, DRIVE_WEEKS_AGO, DemoLoad, load_demo_tickets
from feedback_service.settings import Settings
from feedback_service.store import Scope, upgrade
from feedback_service.store.queries import TicketQuery, list_tickets
from feedback_service.store.records import StoredTicket
from feedback_service.trends.backlog import unresolved_trend

NOW = dt.datetime(2026, 12, 1, 3, 0, tzinfo=dt.UTC)


async def _load(path: Path) -> tuple[DemoLoad, list[StoredTicket], list[int], list[int]]:
    ctx = ServiceContext.open(Settings(database_url=f"sqlite+aiosqlite:///{path}", demo_households=200_000))
    try:
        await upgrade(ctx.db)
        load = await load_demo_tickets(ctx, count=300, seed=1, now=NOW)
        async with ctx.db.reading() as conn:
            found = await list_tickets(conn, Scope.everything(), TicketQuery(limit=10_000))
        assert load.intervention_on is not None
        first = load.intervention_on - dt.timedelta(weeks=16)
        drive = TicketFilter(communes=set(load.intervention_communes), category=None)
        rest = TicketFilter(communes={t.commune for t in found.items} - set(load.intervention_communes))
        inside = await unresolved_trend(
            ctx.db, Scope.everything(), PeriodKind.WEEK, first, NOW.date(), where=drive
        )
        outside = await unresolved_trend(
            ctx.db, Scope.everything(), PeriodKind.WEEK, first, NOW.date(), where=rest
        )
        return (
            load,
            list(found.items),
            [p.unresolved_at_end for p in inside.total.points],
            [p.unresolved_at_end for p in outside.total.points],
        )
    finally:
        await ctx.db.dispose()


@pytest.fixture(scope="module")
def demo(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[DemoLoad, list[StoredTicket], list[int], list[int]]:
    return asyncio.run(_load(tmp_path_factory.mktemp("demo") / "demo.db"))


def _days(tickets: list[StoredTicket], kind: ResolutionType) -> list[float]:
    return [
        (t.resolved_at - t.observed_at).total_seconds() / 86400
        for t in tickets
        if t.status is TicketStatus.RESOLVED and t.resolution is kind and t.resolved_at is not None
    ]


def test_resolutions_take_as_long_as_their_kind(
    demo: tuple[DemoLoad, list[StoredTicket], list[int], list[int]],
) -> None:
    """On the spot within hours, follow-ups days to weeks, escalations longer still."""
    _, tickets, _, _ = demo
    spot, follow, escalated = (
        _days(tickets, k)
        for k in (ResolutionType.ON_THE_SPOT, ResolutionType.FOLLOW_UP, ResolutionType.ESCALATED)
    )
    assert len(spot) > 20 and len(follow) > 20 and len(escalated) > 10
    assert max(spot) < 7 and statistics.median(spot) < 0.5  # received within hours, solved within hours
    assert 2 <= statistics.median(follow) <= 30
    assert statistics.median(escalated) > statistics.median(follow)


def test_the_backlog_grows_before_the_intervention_and_shrinks_after(
    demo: tuple[DemoLoad, list[StoredTicket], list[int], list[int]],
) -> None:
    """Week by week: the drive's communes climb to the intervention, then fall well below; not the others."""
    load, _, inside, outside = demo
    at_drive = 16  # the trend starts 16 weeks before the intervention's week
    assert inside[at_drive] > inside[0] * 1.3, inside
    assert inside[-1] < inside[at_drive] * 0.6, inside
    assert outside[-1] >= outside[at_drive] * 0.8, outside
    assert set(DRIVE_BARRIERS) and len(load.intervention_communes) == 3
    assert load.intervention_on == (NOW - dt.timedelta(weeks=DRIVE_WEEKS_AGO)).astimezone(LOCAL_TZ).date()
