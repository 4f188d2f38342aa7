"""/api/v1/tokens (admins issue, list, revoke) and /api/v1/me (who the token says you are)."""

from __future__ import annotations

from service_api import Api


def test_me_describes_the_callers_token(api: Api) -> None:
    """/me gives the token's id, role and binding, for every role."""
    assert api.get("/me", who="team").json() == {
        "id": api.token_ids["team"],
        "role": "team",
        "team": "T1",
        "commune": "C1",
    }
    assert api.get("/me", who="official_c2").json()["scope"] == "C2"
    assert api.get("/me", who=None).status_code == 401


def test_admin_issues_a_token_shown_once(api: Api) -> None:
    """A token issued over the API works at once; the list never shows its secret."""
    # A team of its own: teams outlive the store's reset, and other tests put T9 in commune C1.
    response = api.post("/tokens", {"role": "team", "team": "T-C2-shown", "commune": "C2"}, who="admin")
    assert response.status_code == 201 and response.headers["cache-control"] == "no-store"
    issued = response.json()
    assert issued["token"].startswith("fs_") and issued["commune"] == "C2"
    assert api.get("/me", who=issued["token"]).json()["team"] == "T-C2-shown"
    listing = api.get("/tokens", who="admin")
    assert issued["id"] in listing.text and issued["token"] not in listing.text


def test_admin_revokes_a_token(api: Api) -> None:
    """DELETE /tokens/{id} revokes at once; an unknown id is 404."""
    assert (
        api.client.delete(
            f"/api/v1/tokens/{api.token_ids['team_b']}", headers=api.headers("admin")
        ).status_code
        == 204
    )
    assert api.get("/tickets", who="team_b").status_code == 401
    assert api.client.delete("/api/v1/tokens/tok_nope", headers=api.headers("admin")).status_code == 404


def test_bad_token_requests(api: Api) -> None:
    """A team token without a commune is 422; a team known in another commune 409; unknown fields 422."""
    assert api.post("/tokens", {"role": "team", "team": "T9"}, who="admin").status_code == 422
    assert api.post("/tokens", {"role": "official", "scope": "C1-01"}, who="admin").status_code == 422
    assert (
        api.post("/tokens", {"role": "team", "team": "T1", "commune": "C2"}, who="admin").status_code == 409
    )
    response = api.post("/tokens", {"role": "admin", "name": "Nguyễn Văn A"}, who="admin")
    assert response.status_code == 422 and response.json()["errors"][0]["path"] == "$.name"


def test_only_admins_manage_tokens(api: Api) -> None:
    """Teams and officials get 403 on every token-management endpoint."""
    for who in ("team", "province"):
        assert api.get("/tokens", who=who).status_code == 403
        assert api.post("/tokens", {"role": "admin"}, who=who).status_code == 403
        response = api.client.delete(f"/api/v1/tokens/{api.token_ids['team']}", headers=api.headers(who))
        assert response.status_code == 403
