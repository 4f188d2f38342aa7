"""Bearer tokens: required, checked against stored hashes, revocable."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from service_api import Api, ticket_body

from feedback_service.auth import hash_secret
from feedback_service.store.tables import tokens
from feedback_service.store.tokens import revoke_token


def test_no_token_is_401_with_a_challenge(api: Api) -> None:
    """Without Authorization the answer is 401 with WWW-Authenticate: Bearer."""
    for response in (api.get("/tickets", who=None), api.post("/tickets", ticket_body(), who=None)):
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert response.json()["code"] == "unauthorized"


def test_unknown_and_malformed_tokens_are_401(api: Api) -> None:
    """A made-up token, or another scheme, is 401."""
    assert api.get("/tickets", who="fs_not-a-real-token").status_code == 401
    response = api.client.get("/api/v1/tickets", headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert response.status_code == 401


def test_revoked_token_is_401(api: Api) -> None:
    """Once revoked, a token stops working at once (no cache by default)."""
    assert api.get("/tickets", who="team").status_code == 200
    assert api.call(revoke_token, api.ctx.db, api.token_ids["team"], dt.datetime.now(dt.UTC))
    response = api.get("/tickets", who="team")
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]


def test_only_hashes_are_stored(api: Api) -> None:
    """The database holds SHA-256 hashes, never a token itself."""

    async def stored() -> list[str]:
        async with api.ctx.db.reading() as conn:
            return list((await conn.execute(sa.select(tokens.c.secret_hash))).scalars())

    hashes = api.call(stored)
    assert hash_secret(api.tokens["team"]) in hashes
    assert not any(secret in hashes for secret in api.tokens.values())


def test_admin_tokens_see_no_tickets(api: Api) -> None:
    """An admin manages tokens; tickets are not theirs to read: 403."""
    assert api.get("/tickets", who="admin").status_code == 403


def test_tokens_are_long_and_random(api: Api) -> None:
    """Tokens carry at least 128 random bits (here 256, URL-safe) and differ."""
    secrets = list(api.tokens.values())
    assert len(set(secrets)) == len(secrets)
    assert all(len(s) >= 3 + 43 for s in secrets)


def test_a_role_guard_refuses_another_role_with_a_problem(api: Api) -> None:
    """The role guard of a controller answers 403 as an RFC 9457 problem naming who may call it."""
    response = api.get("/tokens", who="team")
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert (body["status"], body["code"]) == (403, "forbidden")
    assert body["detail"] == "only admin tokens may do this; this one is team"
    both = api.get("/tickets", who="admin").json()["detail"]
    assert both == "only team or official tokens may do this; this one is admin"


def test_a_role_guard_refuses_before_the_body_is_read(api: Api) -> None:
    """A caller the route refuses learns nothing about the body it sent: 403, not 400 or 422."""
    broken = api.post("/interventions", content=b'{"what": ', who="team")
    assert (broken.status_code, broken.json()["code"]) == (403, "forbidden")
    assert api.post("/interventions", content=b'{"what": ', who="official_c1").status_code == 400
