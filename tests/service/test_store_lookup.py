"""``find_ticket`` (a prepared lookup: plain SQL on SQLite, autocommit on PostgreSQL) reads exactly what
``load_ticket`` (SQLAlchemy's async path) reads, for every kind of scope, on both stores."""

from __future__ import annotations

from service_api import Api

from feedback_service.store.queries import find_ticket, load_ticket
from feedback_service.store.records import Scope, StoredTicket


def test_find_ticket_equals_load_ticket_in_every_scope(api: Api) -> None:
    """Same ticket (every column, datetimes aware in UTC) or the same absence, scope by scope."""
    created = api.create(people_affected=3, household_ref="hh-7")
    ticket_id = created["id"]
    scopes = [
        Scope.everything(),
        Scope(communes=frozenset({"C1"})),
        Scope(team="T1", communes=frozenset({"C1"})),
        Scope(team="T1B", communes=frozenset({"C1"})),  # another team: not found
        Scope(communes=frozenset({"C2"})),  # another commune: not found
        Scope(team="", communes=frozenset()),  # an admin: nothing
        Scope(communes=frozenset({"C1", "C2"})),  # several communes: the general path
    ]

    async def both(scope: Scope) -> tuple[StoredTicket | None, StoredTicket | None]:
        found = await find_ticket(api.ctx.db, ticket_id, scope)
        async with api.ctx.db.reading() as conn:
            loaded = await load_ticket(conn, ticket_id, scope)
        return found, loaded

    outcomes = [api.call(both, scope) for scope in scopes]
    for scope, (found, loaded) in zip(scopes, outcomes, strict=True):
        assert found == loaded, scope
    assert [found is not None for found, _ in outcomes] == [True, True, True, False, False, False, True]
    found = outcomes[0][0]
    assert found is not None and found.observed_at.utcoffset() is not None
    assert (found.people_affected, found.household_ref) == (3, "hh-7")


def test_a_lookup_of_an_unknown_key_is_none(api: Api) -> None:
    """No row: None, not an error, on both stores."""
    assert (
        api.call(find_ticket, api.ctx.db, "00000000-0000-4000-8000-000000000000", Scope.everything()) is None
    )


def test_lookups_bind_their_parameters(api: Api) -> None:
    """A key that looks like SQL is a value, never SQL."""
    api.create()  # the table is not empty, so an injected OR would find a row
    hostile = "x' OR '1'='1"
    assert api.call(find_ticket, api.ctx.db, hostile, Scope.everything()) is None
    assert api.call(find_ticket, api.ctx.db, hostile, Scope(communes=frozenset({"C1"}))) is None
