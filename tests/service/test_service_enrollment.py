"""Enrollment codes give each phone its own team token: single use, expiring, never a bearer token."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa
from service_api import Api, ticket_body

from feedback_service.store.tables import enrollments


def _code(api: Api, who: str = "official_c1", **body: Any) -> dict[str, Any]:
    response = api.post("/enrollments", {"team": "T1", **body}, who=who)
    assert response.status_code == 201, response.text
    assert response.headers["cache-control"] == "no-store"
    result: dict[str, Any] = response.json()
    return result


def _redeem(api: Api, code: str) -> Any:
    return api.post("/enrollments/redeem", {"code": code, "label": "phone A"}, who=None)


def test_a_code_enrolls_one_phone_once(api: Api) -> None:
    """A code gives one device token of its team; the second use is 410 enrollment-used."""
    issued = _code(api)
    assert issued["link"].endswith(f"/team/#enroll={issued['code']}")
    assert issued["team"] == "T1" and issued["commune"] == "C1"
    first = _redeem(api, issued["code"])
    assert first.status_code == 201, first.text
    device = first.json()
    assert device["team"] == "T1" and device["commune"] == "C1"
    me = api.get("/me", who=device["token"]).json()
    assert me == {"id": device["token_id"], "role": "team", "team": "T1", "commune": "C1"}
    assert api.post("/tickets", ticket_body(), who=device["token"]).status_code == 201
    again = _redeem(api, issued["code"])
    assert again.status_code == 410
    assert again.json()["code"] == "enrollment-used"
    assert again.headers["content-type"] == "application/problem+json"


def test_the_code_is_never_a_bearer_token(api: Api) -> None:
    """Sending the code itself as a token is 401, before and after it is used."""
    code = _code(api)["code"]
    assert api.get("/me", who=code).status_code == 401
    assert _redeem(api, code).status_code == 201
    assert api.get("/me", who=code).status_code == 401


def test_an_expired_code_is_refused_and_gives_no_token(api: Api) -> None:
    """Past expires_at the code is 410 enrollment-expired and no token is created."""
    issued = _code(api, hours=1)
    expires = dt.datetime.fromisoformat(issued["expires_at"])
    assert dt.timedelta(minutes=59) < expires - dt.datetime.now(dt.UTC) <= dt.timedelta(hours=1)

    def age(conn: sa.Connection) -> None:
        past = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
        conn.execute(sa.update(enrollments).where(enrollments.c.id == issued["id"]).values(expires_at=past))

    api.call(api.ctx.db.write, age)
    before = api.get("/teams/T1/devices", who="official_c1").json()["items"]
    refused = _redeem(api, issued["code"])
    assert refused.status_code == 410
    assert refused.json()["code"] == "enrollment-expired"
    assert api.get("/teams/T1/devices", who="official_c1").json()["items"] == before


def test_the_default_expiry_is_72_hours(api: Api) -> None:
    """Without hours, a code works for 72 h."""
    expires = dt.datetime.fromisoformat(_code(api)["expires_at"])
    left = expires - dt.datetime.now(dt.UTC)
    assert dt.timedelta(hours=71, minutes=59) < left <= dt.timedelta(hours=72)


def test_unknown_codes_are_limited_per_address(api: Api) -> None:
    """Wrong codes from one address count in the service's throttle: at its limit, 429 with
    Retry-After, even for a good code (which stays unused)."""
    good = _code(api)["code"]
    for _ in range(api.ctx.throttle.limit):
        wrong = _redeem(api, "fse_not-a-real-code")
        assert wrong.status_code in (404, 429)
    limited = _redeem(api, good)
    assert limited.status_code == 429
    assert limited.json()["code"] == "too-many-failures"
    assert int(limited.headers["retry-after"]) > 0

    async def used_at() -> list[Any]:
        async with api.ctx.db.reading() as conn:
            return list((await conn.execute(sa.select(enrollments.c.used_at))).scalars())

    assert api.call(used_at) == [None]


@pytest.mark.parametrize(
    ("who", "body", "status"),
    [
        ("team", {}, 403),
        ("official_c2", {"commune": "C1"}, 403),
        ("official_c1", {"commune": "C2", "team": "T2"}, 403),
        ("province", {}, 422),
        ("admin", {"commune": "C1-01"}, 422),
        ("official_c1", {"team": "T2"}, 409),
    ],
)
def test_who_may_create_a_code(api: Api, who: str, body: dict[str, Any], status: int) -> None:
    """Teams never; officials for their own commune; the province and admins must name a commune;
    a team known in another commune is a conflict."""
    response = api.post("/enrollments", {"team": "T1", **body}, who=who)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"


def test_devices_are_listed_with_their_last_sync_and_revoked_alone(api: Api) -> None:
    """Two phones of one team: the list shows when each synced; revoking one leaves the other working."""
    phones = [_redeem(api, _code(api)["code"]).json() for _ in range(2)]
    state = api.get("/team", who=phones[0]["token"])
    assert state.status_code == 200
    assert state.json()["team"] == "T1"
    assert [v["code"] for v in state.json()["villages"]] == ["C1-01", "C1-02"]
    listed = {d["token_id"]: d for d in api.get("/teams/T1/devices", who="official_c1").json()["items"]}
    assert listed[phones[0]["token_id"]]["last_synced_at"] is not None
    assert listed[phones[1]["token_id"]]["last_synced_at"] is None
    assert listed[phones[0]["token_id"]]["enrolled"] is True
    assert listed[api.token_ids["team"]]["enrolled"] is False

    assert api.get("/teams/T1/devices", who="official_c2").status_code == 404
    revoke = f"/api/v1/teams/T1/devices/{phones[0]['token_id']}"
    assert api.client.delete(revoke, headers=api.headers("official_c2")).status_code == 404
    assert api.client.delete(revoke, headers=api.headers("official_c1")).status_code == 204
    refused = api.get("/team", who=phones[0]["token"])
    assert refused.status_code == 401
    assert refused.json()["code"] == "unauthorized"
    assert api.get("/team", who=phones[1]["token"]).status_code == 200
    revoked = api.get("/teams/T1/devices", who="official_c1").json()["items"]
    assert next(d for d in revoked if d["token_id"] == phones[0]["token_id"])["revoked_at"] is not None


def test_the_team_state_carries_the_officials_note(api: Api) -> None:
    """A resolved ticket reaches the team's phone with its resolution and the official's note."""
    ticket = api.create()
    assert (
        api.transition(
            ticket["id"], "resolve", resolution="follow_up", note="Đã hỗ trợ cài VNeID"
        ).status_code
        == 200
    )
    state = api.get("/team", who="team").json()
    mine = next(t for t in state["tickets"] if t["id"] == ticket["id"])
    assert mine["status"] == "resolved"
    assert mine["resolution"] == "follow_up"
    assert mine["official_note"] == "Đã hỗ trợ cài VNeID"


def test_the_app_form_serves_the_apis_limits(api: Api) -> None:
    """/team/form.json has the API's limits and messages, so the app checks what the API checks."""
    from digitransform.domain import MAX_DESCRIPTION
    from digitransform.domain.tickets import ID_LIKE_MESSAGE

    form = api.client.get("/team/form.json").json()
    assert form["limits"]["description_max"] == MAX_DESCRIPTION
    assert form["rules"]["household_id_like"]["en"] == ID_LIKE_MESSAGE
    assert len(form["categories"]) == 15
    page = api.client.get("/team/")
    assert page.status_code == 200
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "<script>" not in page.text
    worker = api.client.get("/team/sw.js")
    assert worker.status_code == 200 and "const VERSION" in worker.text


def test_the_apps_files_are_compressed_and_revalidated(api: Api) -> None:
    """Each file is gzipped for a browser that takes it (byte for byte the file once unpacked), has
    an ETag of its content that answers 304 with no body, carries the app's headers, and nothing
    outside the app's directory is served."""
    from feedback_service.team_app import STATIC

    source = (STATIC / "app.js").read_bytes()
    packed = api.client.get("/team/app.js", headers={"Accept-Encoding": "gzip"})
    assert packed.status_code == 200 and packed.headers["content-encoding"] == "gzip"
    assert packed.headers["content-type"].startswith("text/javascript")
    assert int(packed.headers["content-length"]) < len(source) / 2
    assert "script-src 'self'" in packed.headers["content-security-policy"]
    plain = api.client.get("/team/app.js", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.content == source
    assert packed.content == source  # httpx unpacks it
    etag = plain.headers["etag"]
    again = api.client.get("/team/app.js", headers={"If-None-Match": f'W/"other", {etag}'})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    assert api.client.get("/team/app.js", headers={"If-None-Match": '"other"'}).status_code == 200
    icon = api.client.get("/team/icons/icon-192.png", headers={"Accept-Encoding": "gzip"})
    assert icon.status_code == 200 and "content-encoding" not in icon.headers
    assert icon.content == (STATIC / "icons" / "icon-192.png").read_bytes()
    for missing in ("/team/nope.js", "/team/../app.py", "/team/%2e%2e/app.py", "/team/vendor/"):
        assert api.client.get(missing).status_code == 404, missing


def test_the_enrollment_problems_are_in_the_openapi_document(api: Api) -> None:
    """Redeeming documents its refusals as RFC 9457 problems, and needs no bearer token."""
    schema = api.client.get("/schema/openapi.json").json()
    redeem = schema["paths"]["/api/v1/enrollments/redeem"]["post"]
    assert redeem["security"] == [{}]
    for status in ("404", "410", "429"):
        assert "application/problem+json" in redeem["responses"][status]["content"]
    assert "409" in schema["paths"]["/api/v1/enrollments"]["post"]["responses"]
