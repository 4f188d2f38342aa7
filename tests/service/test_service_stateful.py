"""A Hypothesis state machine drives random API calls and checks the store against a model.

The model is the library's own lifecycle: each ticket's :class:`~digitransform.domain.TicketState`
advances only through :func:`~digitransform.domain.apply_transition`, with the version, people and
scope rules the API promises. After every step the whole store (as the province official sees it)
must equal the model, and the touched ticket's history must replay as a valid
:class:`~digitransform.domain.TicketHistory` ending in the model's state.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import attrs
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from service_api import Api, ticket_body

from digitransform.domain import (
    Barrier,
    DigitalService,
    LifecycleError,
    ResolutionType,
    Ticket,
    TicketAction,
    TicketEvent,
    TicketHistory,
    TicketState,
    Transition,
    apply_transition,
)

TEAMS = {"team": ("T1", "C1", "C1-01"), "team_b": ("T1B", "C1", "C1-02"), "team_c2": ("T2", "C2", "C2-01")}
OFFICIALS = {"official_c1": "C1", "official_c2": "C2", "province": None}


@attrs.define
class ModelTicket:
    team: str
    commune: str
    body: dict[str, Any]
    state: TicketState = attrs.field(factory=TicketState)
    version: int = 1
    people: int = 1


class ApiMachine(RuleBasedStateMachine):
    """Random reports, replays, transitions (fresh or stale) and occurrences by every role."""

    api: Api

    def __init__(self) -> None:
        super().__init__()
        self.api.reset()
        self.model: dict[str, ModelTicket] = {}
        self.touched: str | None = None

    tickets = Bundle("tickets")

    @rule(
        target=tickets,
        who=st.sampled_from(sorted(TEAMS)),
        categories=st.lists(st.sampled_from(Barrier), min_size=1, max_size=3, unique=True),
        service=st.sampled_from(DigitalService),
        people=st.integers(1, 5),
    )
    def report(self, who: str, categories: list[Barrier], service: DigitalService, people: int) -> str:
        team, commune, village = TEAMS[who]
        body = ticket_body(
            village=village,
            categories=[c.value for c in categories],
            service=service.value,
            people_affected=people,
        )
        response = self.api.post("/tickets", body, who=who)
        assert response.status_code == 201, response.text
        self.model[body["id"]] = ModelTicket(team, commune, body, people=people)
        self.touched = body["id"]
        return str(body["id"])

    @rule(ticket=tickets)
    def replay(self, ticket: str) -> None:
        m = self.model[ticket]
        who = next(name for name, (team, _, _) in TEAMS.items() if team == m.team)
        response = self.api.post("/tickets", m.body, who=who)
        assert response.status_code == 200
        assert response.json()["version"] == m.version

    @rule(ticket=tickets, who=st.sampled_from(sorted(TEAMS)))
    def conflicting_replay(self, ticket: str, who: str) -> None:
        m = self.model[ticket]
        changed = {**m.body, "village": TEAMS[who][2], "description": "nội dung khác"}
        response = self.api.post("/tickets", changed, who=who)
        assert response.status_code == 409

    @rule(
        ticket=tickets,
        who=st.sampled_from(sorted(OFFICIALS)),
        action=st.sampled_from(TicketAction),
        resolution=st.none() | st.sampled_from(ResolutionType),
        reason=st.none() | st.just("ngoài phạm vi"),
        stale=st.booleans(),
    )
    def transition(
        self,
        ticket: str,
        who: str,
        action: TicketAction,
        resolution: ResolutionType | None,
        reason: str | None,
        stale: bool,
    ) -> None:
        m = self.model[ticket]
        version = m.version - 1 if stale and m.version > 1 else m.version
        body: dict[str, Any] = {"action": action.value}
        if resolution is not None:
            body["resolution"] = resolution.value
        if reason is not None:
            body["reason"] = reason
        response = self.api.post(
            f"/tickets/{ticket}/transitions", body, who=who, headers={"If-Match": f'"{version}"'}
        )
        scope = OFFICIALS[who]
        if scope is not None and scope != m.commune:
            assert response.status_code == 404
            return
        if version != m.version:
            assert response.status_code == 412
            return
        try:
            after = apply_transition(m.state, Transition(action, resolution, reason), ticket_id=ticket)
        except LifecycleError as error:
            assert response.status_code == (409 if error.reason == "forbidden" else 422), response.text
            return
        assert response.status_code == 200, response.text
        m.state, m.version = after, m.version + 1
        self.touched = ticket

    @rule(ticket=tickets, who=st.sampled_from(sorted(TEAMS)), people=st.integers(1, 3))
    def me_too(self, ticket: str, who: str, people: int) -> None:
        m = self.model[ticket]
        body = {
            "id": str(uuid.uuid4()),
            "people_affected": people,
            "observed_at": dt.datetime.now(dt.UTC).isoformat(),
        }
        response = self.api.post(f"/tickets/{ticket}/occurrences", body, who=who)
        if TEAMS[who][0] != m.team:
            assert response.status_code == 404
            return
        assert response.status_code == 201, response.text
        m.people, m.version = m.people + people, m.version + 1
        self.touched = ticket

    @rule(ticket=tickets, who=st.sampled_from(sorted(TEAMS) + sorted(OFFICIALS)))
    def read(self, ticket: str, who: str) -> None:
        m = self.model[ticket]
        visible = TEAMS[who][0] == m.team if who in TEAMS else OFFICIALS[who] in (None, m.commune)
        response = self.api.get(f"/tickets/{ticket}", who=who)
        assert response.status_code == (200 if visible else 404)

    @invariant()
    def store_equals_model(self) -> None:
        items = self.api.get("/tickets?limit=500", who="province").json()["items"]
        stored = {t["id"]: t for t in items}
        assert set(stored) == set(self.model)
        for ticket_id, m in self.model.items():
            t = stored[ticket_id]
            resolution = None if m.state.resolution is None else m.state.resolution.value
            assert (t["status"], t["resolution"], t["version"], t["people_affected"]) == (
                m.state.status.value,
                resolution,
                m.version,
                m.people,
            )
            assert (t["team"], t["commune"], t["duplicate_of"]) == (m.team, m.commune, m.state.duplicate_of)

    @invariant()
    def history_replays_under_the_library(self) -> None:
        if self.touched is None:
            return
        m = self.model[self.touched]
        entries = self.api.get(f"/tickets/{self.touched}/history", who="province").json()["entries"]
        assert len(entries) == m.version
        history = TicketHistory(_ticket(self.touched, m), [_event(e) for e in entries[1:]])
        assert history.state == m.state
        assert history.people_at(dt.datetime.max.replace(tzinfo=dt.UTC)) == m.people


def _ticket(ticket_id: str, m: ModelTicket) -> Ticket:
    body = m.body
    return Ticket(
        id=ticket_id,
        commune=m.commune,
        village=body["village"],
        categories=[Barrier(c) for c in body["categories"]],
        service=DigitalService(body["service"]),
        observed_at=dt.datetime.fromisoformat(body["observed_at"]),
        people_affected=body["people_affected"],
        team=m.team,
    )


def _event(entry: dict[str, Any]) -> TicketEvent:
    at = dt.datetime.fromisoformat(entry["at"])
    if entry["action"] == "occurrence":
        return TicketEvent(at, people_added=entry["people_added"])
    resolution = entry["resolution"] and ResolutionType(entry["resolution"])
    transition = Transition(
        TicketAction(entry["action"]),
        resolution,
        entry["reason"],
        entry["duplicate_of"],
        entry["external_ref"],
    )
    return TicketEvent(at, transition)


def test_api_against_the_lifecycle_model(api: Api) -> None:
    """Any sequence of API calls leaves the store equal to the library's lifecycle model."""
    ApiMachine.api = api
    budget = settings()  # the active profile (dev or ci), scaled down: every step is HTTP and SQL
    run_state_machine_as_test(
        ApiMachine,
        settings=settings(budget, max_examples=max(5, budget.max_examples // 6), stateful_step_count=20),
    )
