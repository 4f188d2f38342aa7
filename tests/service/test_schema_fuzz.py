"""The OpenAPI document is the contract: Schemathesis over the service's own schema, with a token of
each role, against a real server on loopback.

For every operation and every role (a team, a commune official, the province, an admin), generated
requests, valid and invalid, must get: no 5xx; a status the operation documents; a content type
it documents for that status; a body that matches the documented schema; documented headers. The
admin's own token is never revoked by the run (a case that would is pointed at another id), so
later cases still speak as an admin. Failed authentications are generated too, so the throttle's
limit is raised for the run (its own tests are elsewhere).

``FEEDBACK_FUZZ_EXAMPLES`` sets the cases per operation and role (default 50, so 200 per
operation); the stateful run follows the document's links (create, then read, history,
transitions, occurrences) for ``FEEDBACK_FUZZ_STEPS`` scenarios.
"""

from __future__ import annotations

import asyncio
import copy
import datetime as dt
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from service_api import small_tree, ticket_body

from feedback_service.app import create_app
from feedback_service.auth import Role, issue_token
from feedback_service.settings import Settings
from feedback_service.store import open_database, upgrade

EXAMPLES = int(os.environ.get("FEEDBACK_FUZZ_EXAMPLES", "50"))
STEPS = int(os.environ.get("FEEDBACK_FUZZ_STEPS", "40"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


class Service:
    """The app served by uvicorn on 127.0.0.1 (a free port) in a thread, with a token per role."""

    def __init__(self, tmp: Path) -> None:
        self.url_db = f"sqlite+aiosqlite:///{tmp / 'fuzz.db'}"
        self.settings = Settings(database_url=self.url_db, auth_failure_limit=1_000_000)
        self.tokens: dict[str, str] = {}
        self.token_ids: dict[str, str] = {}
        asyncio.run(self._prepare())
        config = uvicorn.Config(
            create_app(self.settings, tree=small_tree()),
            host="127.0.0.1",
            port=0,
            log_level="critical",
            lifespan="on",
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.05)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        self.base = f"http://127.0.0.1:{port}"

    async def _prepare(self) -> None:
        db = open_database(self.url_db)
        try:
            await upgrade(db)
            tree, now = small_tree(), dt.datetime.now(dt.UTC)
            specs: dict[str, dict[str, Any]] = {
                "team": {"role": Role.TEAM, "team": "T1", "commune": "C1"},
                "official": {"role": Role.OFFICIAL, "scope": "C1"},
                "province": {"role": Role.OFFICIAL, "scope": "P"},
                "admin": {"role": Role.ADMIN},
            }
            for name, spec in specs.items():
                kwargs = {k: v for k, v in spec.items() if k != "role"}
                issued = await issue_token(db, tree, spec["role"], now=now, **kwargs)
                self.tokens[name], self.token_ids[name] = issued.secret, issued.id
        finally:
            await db.dispose()

    def seed(self) -> None:
        """A few tickets, one acknowledged and one resolved, and an intervention, so reads have data."""
        team = {"Authorization": f"Bearer {self.tokens['team']}"}
        official = {"Authorization": f"Bearer {self.tokens['official']}"}
        with httpx.Client(base_url=self.base, timeout=30) as client:
            ids = []
            for village in ("C1-01", "C1-02", "C1-01"):
                response = client.post("/api/v1/tickets", json=ticket_body(village=village), headers=team)
                assert response.status_code == 201, response.text
                ids.append(response.json()["id"])
            for ticket_id, action in (
                (ids[0], {"action": "acknowledge"}),
                (ids[1], {"action": "resolve", "resolution": "on_the_spot"}),
            ):
                response = client.post(
                    f"/api/v1/tickets/{ticket_id}/transitions",
                    json=action,
                    headers={**official, "If-Match": '"1"'},
                )
                assert response.status_code == 200, response.text
            body = {
                "what": "Hướng dẫn VNeID",
                "units": ["C1"],
                "categories": ["no_device"],
                "started_on": "2026-11-02",
            }
            assert client.post("/api/v1/interventions", json=body, headers=official).status_code == 201

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(30)


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    running = Service(tmp_path_factory.mktemp("fuzz"))
    try:
        running.seed()
        yield running
    finally:
        running.stop()


def _document() -> dict[str, Any]:
    """The OpenAPI document as the app builds it (no server needed): what the tests are made from."""
    settings_ = Settings(database_url="sqlite+aiosqlite:///:memory:", migrate_on_start=False)
    document: dict[str, Any] = create_app(settings_, tree=small_tree()).openapi_schema.to_schema()
    return document


DOCUMENT = _document()
SCHEMA = schemathesis.openapi.from_dict(copy.deepcopy(DOCUMENT))  # it may resolve in place
OPERATIONS = {op.label: op for op in (result.ok() for result in SCHEMA.get_all_operations())}
ROLES = ("team", "official", "province", "admin")
VALID_BODIES: dict[str, Any] = {
    "POST /api/v1/tickets": ticket_body(village="C1-02"),  # created once, then replayed (200)
    "POST /api/v1/tickets/batch": {"tickets": [ticket_body(), ticket_body(categories=[])]},
    "POST /api/v1/interventions": {
        "what": "Hướng dẫn VNeID",
        "units": ["C1-01"],
        "categories": ["no_device"],
        "started_on": "2026-10-05",
    },
}


def _headers(service: Service, role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {service.tokens[role]}"}


def _protect_the_run(service: Service, case: Any) -> None:
    """The run must not revoke the tokens it runs with (an id from a listing may name one)."""
    if case.path_parameters and case.path_parameters.get("token_id") in service.token_ids.values():
        case.path_parameters["token_id"] = "tok_000000000000"


def _cases(label: str) -> st.SearchStrategy[Any]:
    """Valid requests and, where the operation has something to get wrong, invalid ones."""
    operation = OPERATIONS[label]
    strategies = [operation.as_strategy(GenerationMode.POSITIVE)]
    if label in VALID_BODIES:  # random bodies almost never name a real village: one that does
        strategies.append(operation.as_strategy(GenerationMode.POSITIVE, body=VALID_BODIES[label]))
    if operation.body or any(True for _ in operation.iter_parameters()):
        strategies.append(operation.as_strategy(GenerationMode.NEGATIVE))
    return st.one_of(strategies)


def test_the_served_document_is_the_one_fuzzed(service: Service) -> None:
    """What ``/schema/openapi.json`` serves is the document the cases are generated from."""
    served = httpx.get(f"{service.base}/schema/openapi.json", timeout=30)
    assert served.status_code == 200
    assert served.json() == DOCUMENT


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_every_operation_answers_as_documented(label: str, role: str, service: Service) -> None:
    """No 5xx; every status, content type, header and body as the OpenAPI document states."""

    @given(case=_cases(label))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        _protect_the_run(service, case)
        generated = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
        headers = {**generated, **_headers(service, role)}
        case.call_and_validate(base_url=service.base, headers=headers, checks=CHECKS, timeout=30)

    run()


_ROLE_FOR = {"tokens": "admin", "enrollments": "official", "teams": "official"}
"""Who speaks in the stateful run: a team reports and adds occurrences, an official does the rest."""


def _stateful_role(case: Any) -> str:
    path = case.operation.path
    if case.method == "POST" and (path == "/api/v1/tickets" or path.endswith(("/occurrences", "/batch"))):
        return "team"
    segment = path.removeprefix("/api/v1/").split("/")[0]
    return _ROLE_FOR.get(segment, "official")


def test_linked_scenarios_answer_as_documented(service: Service) -> None:
    """Following the document's links (create, then read, history, transition with the ETag,
    occurrence; a transition, then the next): every answer as documented."""
    machine = SCHEMA.as_state_machine()
    links = [
        name
        for name, response in DOCUMENT["paths"]["/api/v1/tickets"]["post"]["responses"].items()
        if response.get("links")
    ]
    assert links, "the document links a created ticket to what follows"
    seen: dict[str, int] = {}

    class Scenario(machine):  # type: ignore[misc, valid-type]
        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            _protect_the_run(service, case)
            generated = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
            headers = {**generated, **_headers(service, _stateful_role(case))}
            return {"base_url": service.base, "headers": headers, "timeout": 30}

        def validate_response(self, response: Any, case: Any, *_: Any, **kwargs: Any) -> None:
            key = f"{case.method} {case.operation.path} {response.status_code}"
            seen[key] = seen.get(key, 0) + 1
            case.validate_response(response, checks=CHECKS, transport_kwargs=kwargs)

    Scenario.run(
        settings=settings(
            max_examples=STEPS,
            stateful_step_count=6,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
    )
    followed = {key for key in seen if "/transitions " in key or "/history " in key}
    assert followed, f"no linked step was taken: {seen}"
