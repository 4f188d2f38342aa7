"""The work list's store queries on both stores: sorted by age or people, paged by offset,
"waiting on us", and the duplicate search by id or words; and the ticket use cases' file and
bulk action (services.tickets)."""

from __future__ import annotations

import datetime as dt

from service_api import Api

from digitransform.domain import TicketAction, Transition
from feedback_service.services import tickets
from feedback_service.store import Actor, Scope
from feedback_service.store.queries import BY_AGE, BY_PEOPLE, TicketPage, TicketQuery, list_tickets


def _list(api: Api, query: TicketQuery) -> TicketPage:
    async def run() -> TicketPage:
        async with api.ctx.db.reading() as conn:
            return await list_tickets(conn, Scope.everything(), query)

    return api.call(run)


def _made(api: Api) -> list[dict[str, object]]:
    base = dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC)
    made = []
    for k, people in enumerate([2, 5, 1, 5, 3]):
        observed = (base + dt.timedelta(days=k)).isoformat()
        made.append(
            api.create(people_affected=people, observed_at=observed, description=f"Khó khăn số {k} 50%_x")
        )
    return made


def test_sorted_by_age_and_by_people_paged_by_offset(api: Api) -> None:
    """Oldest observation first; most people first (then oldest); two pages of two and one of one."""
    made = _made(api)
    by_age = _list(api, TicketQuery(sort=BY_AGE, limit=10))
    assert [t.id for t in by_age.items] == [m["id"] for m in made] and not by_age.more
    pages = [_list(api, TicketQuery(sort=BY_PEOPLE, limit=2, offset=o)) for o in (0, 2, 4)]
    assert [t.people_affected for p in pages for t in p.items] == [5, 5, 3, 2, 1]
    assert [p.more for p in pages] == [True, True, False]
    assert pages[0].items[0].id == made[1]["id"]  # the older of the two with five people


def test_waiting_on_us_leaves_out_the_escalated_and_the_resolved(api: Api) -> None:
    """An escalation (external reference) waits on someone else; a resolved ticket waits on no one."""
    made = _made(api)
    api.transition(str(made[0]["id"]), "start", external_ref="VNPT-2026-1")
    api.transition(str(made[1]["id"]), "resolve", resolution="on_the_spot")
    waiting = _list(api, TicketQuery(waiting_on_us=True, limit=10))
    assert {t.id for t in waiting.items} == {m["id"] for m in made[2:]}


def test_the_duplicate_search_finds_by_id_start_or_words_and_escapes_wildcards(api: Api) -> None:
    """An id's first characters or words of the description, any case; % and _ are plain characters."""
    made = _made(api)
    first = str(made[3]["id"])
    assert [t.id for t in _list(api, TicketQuery(text=first[:8], limit=10)).items] == [first]
    assert len(_list(api, TicketQuery(text="KHÓ KHĂN SỐ 3", limit=10)).items) == 1
    assert len(_list(api, TicketQuery(text="50%_x", limit=10)).items) == 5
    assert _list(api, TicketQuery(text="5_%x", limit=10)).items == ()


def test_a_tickets_file_and_a_bulk_acknowledge(api: Api) -> None:
    """read_file gives the history with token labels; act_on_many acts on each at its version."""
    made = _made(api)
    official = Actor(api.token_ids["province"], "official")
    now = dt.datetime.now(dt.UTC)
    items = [(str(made[0]["id"]), 1), (str(made[1]["id"]), 7), ("00000000-0000-4000-8000-000000000000", 1)]
    outcomes = api.call(
        lambda: tickets.act_on_many(
            api.ctx.db,
            Scope.everything(),
            items,
            Transition(TicketAction.ACKNOWLEDGE),
            actor=official,
            now=now,
        )
    )
    assert [o.refusal for o in outcomes] == [None, "changed", "not_found"]
    found = api.call(lambda: tickets.read_file(api.ctx.db, Scope.everything(), str(made[0]["id"])))
    assert found is not None and [e.action for e in found.history] == ["create", "acknowledge"]
    assert set(found.labels) == {e.actor.token_id for e in found.history}  # a label (or None) for each
    assert TicketAction.START in found.allowed and TicketAction.ACKNOWLEDGE not in found.allowed
    assert (
        api.call(lambda: tickets.read_file(api.ctx.db, Scope(communes=frozenset({"X"})), str(made[0]["id"])))
        is None
    )
