"""Dashboard sessions on each store (SQLite and PostgreSQL): a copied cookie ends with sign-out."""

from __future__ import annotations

import re

from service_api import Api


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found
    return found.group(1)


def test_a_session_lives_in_the_store_until_sign_out(api: Api) -> None:
    client = api.client
    form = client.get("/dashboard/sign-in")
    signed = client.post(
        "/dashboard/sign-in",
        data={"token": api.tokens["official_c1"], "csrf_token": _csrf(form.text)},
        follow_redirects=False,
    )
    assert signed.status_code == 303
    session = client.cookies.get("fs_dashboard")
    assert session and session != api.tokens["official_c1"]
    page = client.get("/dashboard/overview")
    assert page.status_code == 200
    client.post("/dashboard/sign-out", data={"csrf_token": _csrf(page.text)}, follow_redirects=False)
    client.cookies.set("fs_dashboard", session, path="/dashboard")  # the copy, played back
    assert client.get("/dashboard/overview", follow_redirects=False).status_code == 303
