"""A fixed, seeded set of ticket histories over the demo province, and how to load it into a store.

The dashboard tests compare what the pages show with the library's reference functions over these
same histories, so the histories are built as domain values first and then replayed through the
store's own mutations (each change dated at its moment, as if it had happened then).
"""

from __future__ import annotations

import datetime as dt
import random
import uuid

import attrs

from digitransform.domain import (
    AdminLevel,
    AdminTree,
    Barrier,
    DigitalService,
    ResolutionType,
    Ticket,
    TicketAction,
    TicketEvent,
    TicketHistory,
    Transition,
)
from feedback_service.services import tickets
from feedback_service.settings import Settings
from feedback_service.store import Actor
from feedback_service.store.database import Database
from feedback_service.store.tokens import ensure_team

__all__ = ["FIRST_DAY", "LAST_DAY", "KnownSite", "known_histories", "load_histories"]


@attrs.frozen
class KnownSite:
    """The database file, its settings, the units, the known histories and one token per role."""

    settings: Settings
    tree: AdminTree
    histories: list[TicketHistory]
    households: dict[str, int]
    province_token: str
    commune_token: str
    team_token: str
    admin_token: str

    @property
    def communes(self) -> list[str]:
        """The two communes that have tickets, the busier first."""
        return sorted(
            {h.ticket.commune for h in self.histories},
            key=lambda c: -sum(1 for h in self.histories if h.ticket.commune == c),
        )


FIRST_DAY = dt.date(2026, 1, 5)
"""A Monday: the first week of the known tickets."""
LAST_DAY = dt.date(2026, 3, 29)
"""A Sunday: twelve ISO weeks after :data:`FIRST_DAY`."""

_ICT = dt.timezone(dt.timedelta(hours=7))
_PATTERNS = (
    (),
    (TicketAction.ACKNOWLEDGE,),
    (TicketAction.START, TicketAction.RESOLVE),
    (TicketAction.RESOLVE,),
    (TicketAction.REJECT,),
    (TicketAction.RESOLVE, TicketAction.REOPEN),
    (TicketAction.ACKNOWLEDGE, TicketAction.RESOLVE, TicketAction.REOPEN, TicketAction.RESOLVE),
)
_CATEGORIES = (
    Barrier.NO_DEVICE,
    Barrier.AGE_FEAR_LOW_CONFIDENCE,
    Barrier.FRAUD_SCAM_FEAR,
    Barrier.POOR_COVERAGE,
)


def _transition(action: TicketAction, rng: random.Random) -> Transition:
    if action is TicketAction.RESOLVE:
        return Transition(action, resolution=rng.choice(list(ResolutionType)))
    if action is TicketAction.REJECT:
        return Transition(action, reason="đã hỗ trợ ở phiếu khác")
    return Transition(action)


def known_histories(tree: AdminTree, count: int = 80, seed: int = 5) -> list[TicketHistory]:
    """``count`` histories in the first two communes of ``tree`` (most in the first), observed in the window.

    Some were observed before the window, so the backlog is carried in; some at 23:30 UTC (the next
    local day); some carry two categories.
    """
    rng = random.Random(seed)
    communes = tree.at_level(AdminLevel.COMMUNE)[:2]
    out = []
    for k in range(count):
        commune = communes[0] if k % 3 else communes[1]
        villages = tree.children(commune.code)[:3]
        village = villages[k % len(villages)]
        day = FIRST_DAY + dt.timedelta(days=rng.randrange(-20, 84))
        observed = dt.datetime.combine(day, dt.time(rng.randrange(7, 17), 0), _ICT)
        if k % 11 == 0:
            observed = dt.datetime.combine(day, dt.time(23, 30), dt.UTC)
        categories = {rng.choice(_CATEGORIES)}
        if k % 4 == 0:
            categories.add(rng.choice(_CATEGORIES))
        ticket = Ticket(
            id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            commune=commune.code,
            village=village.code,
            team=f"T-{village.code}",
            categories=categories,
            service=rng.choice(
                [DigitalService.VNEID, DigitalService.E_PAYMENT, DigitalService.PUBLIC_SERVICE_PORTAL]
            ),
            observed_at=observed,
            people_affected=rng.randrange(1, 5),
            description=f"khó khăn số {k}",
        )
        events = []
        moment = observed
        for action in _PATTERNS[k % len(_PATTERNS)]:
            moment = moment + dt.timedelta(days=rng.randrange(1, 20), hours=rng.randrange(0, 5))
            events.append(TicketEvent(moment, _transition(action, rng)))
        out.append(TicketHistory(ticket, events))
    return out


async def load_histories(db: Database, histories: list[TicketHistory]) -> None:
    """Replay ``histories`` into the store through the service's use case, each change at its own moment."""
    official = Actor("tok_test_official", "official")
    for history in histories:
        t = history.ticket
        assert t.team is not None
        await db.write(lambda conn, t=t: ensure_team(conn, t.team, t.commune, t.observed_at))
        await tickets.replay(db, history, team=Actor("tok_test_team", "team", t.team), official=official)
