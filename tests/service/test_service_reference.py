"""Reference data, health and readiness, OpenAPI, and problems for routes that do not exist."""

from __future__ import annotations

import pytest
from service_api import Api, small_tree

from digitransform.domain import Barrier, DigitalService
from feedback_service.app import create_app
from feedback_service.settings import Settings


def test_categories_and_services_with_labels_in_vi_and_en(api: Api) -> None:
    """Every barrier and service code comes with its Vietnamese and English label."""
    categories = api.get("/reference/categories", who="team").json()["items"]
    assert [c["code"] for c in categories] == [b.value for b in Barrier]
    no_device = categories[0]
    assert no_device["label"] == {"vi": Barrier.NO_DEVICE.label.vi, "en": Barrier.NO_DEVICE.label.en}
    services = api.get("/reference/services", who="team").json()["items"]
    assert [s["code"] for s in services] == [s.value for s in DigitalService]
    for path in ("/reference/resolutions", "/reference/actions", "/reference/levels"):
        items = api.get(path, who="team").json()["items"]
        assert items and all(i["label"]["vi"] and i["label"]["en"] for i in items)


def test_units(api: Api) -> None:
    """Units come top-down, filterable by parent and level, with names folded to ASCII."""
    units = api.get("/reference/units", who="team").json()
    assert units["province"] == "P"
    assert [u["code"] for u in units["items"]] == ["P", "C1", "C1-01", "C1-02", "C2", "C2-01"]
    assert units["items"][1]["ascii_name"] == "Xa Mot"
    villages = api.get("/reference/units", who="team", params={"parent": "C1"}).json()["items"]
    assert [u["code"] for u in villages] == ["C1-01", "C1-02"]
    communes = api.get("/reference/units", who="team", params={"level": "commune"}).json()["items"]
    assert [u["code"] for u in communes] == ["C1", "C2"]


def test_reference_needs_a_token(api: Api) -> None:
    """Reference data is behind the same auth as the rest of the API."""
    assert api.get("/reference/categories", who=None).status_code == 401


def test_health_and_ready(api: Api) -> None:
    """/health answers without a token; /ready says which store and that the schema is current."""
    assert api.get("/health", who=None).json() == {"status": "alive"}
    ready = api.get("/ready", who=None)
    assert ready.status_code == 200 and ready.json()["status"] == "ready"
    assert ready.json()["database"] in {"sqlite", "postgresql"}


@pytest.mark.parametrize(
    ("path", "status"), [("/livez", "alive"), ("/health", "alive"), ("/readyz", "ready")]
)
def test_probes_at_the_conventional_places(api: Api, path: str, status: str) -> None:
    """Operators' tools look for /livez, /readyz and /health at the root: the same probes answer there,
    without a token, and the OpenAPI document says they need none."""
    response = api.client.get(path)
    assert response.status_code == 200 and response.json()["status"] == status
    assert api.client.get("/schema/openapi.json").json()["paths"][path]["get"]["security"] == []


def test_not_ready_before_migration(tmp_db: str) -> None:
    """An unmigrated database makes /ready answer 503 with a problem that says to migrate."""
    app = create_app(Settings(database_url=tmp_db, migrate_on_start=False), tree=small_tree())
    with Api.running(app) as api:
        response = api.get("/ready", who=None)
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert "migrate" in response.json()["detail"]


def test_the_app_migrates_a_new_database_at_start(tmp_db: str) -> None:
    """With migrate_on_start (the default), a new database is ready as soon as the app has started."""
    app = create_app(Settings(database_url=tmp_db), tree=small_tree())
    with Api.running(app) as api:
        assert api.get("/ready", who=None).status_code == 200


def test_unknown_route_and_method_are_problems(api: Api) -> None:
    """404 and 405 from the router are problems too."""
    response = api.get("/nowhere")
    assert response.status_code == 404 and response.headers["content-type"] == "application/problem+json"
    response = api.client.delete("/api/v1/tickets", headers=api.headers("province"))
    assert response.status_code == 405 and response.json()["code"] == "method-not-allowed"


def test_openapi_schema_documents_the_api(api: Api) -> None:
    """/schema/openapi.json lists the contract's paths, with examples in the request schemas."""
    schema = api.client.get("/schema/openapi.json").json()
    for path in (
        "/api/v1/tickets",
        "/api/v1/tickets/batch",
        "/api/v1/tickets/{ticket_id}",
        "/api/v1/tickets/{ticket_id}/history",
        "/api/v1/tickets/{ticket_id}/transitions",
        "/api/v1/tickets/{ticket_id}/occurrences",
        "/api/v1/reference/categories",
        "/api/v1/health",
        "/api/v1/ready",
    ):
        assert path in schema["paths"], path
    ticket_in = schema["components"]["schemas"]["TicketIn"]
    assert ticket_in["properties"]["service"]["examples"] == ["vneid"]


def test_the_home_page_leads_to_the_dashboard(api: Api) -> None:
    """Opening the server's address redirects to the dashboard, not to a 404."""
    response = api.client.get("/", follow_redirects=False)
    assert response.status_code in (301, 302, 303, 307, 308)
    assert response.headers["location"] == "/dashboard"
