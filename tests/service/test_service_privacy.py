"""Retention: tickets closed long enough lose household references and free text, in their history
and occurrences too, with no copy left in the store's files; open and recent tickets keep theirs,
and the figures do not change."""

from __future__ import annotations

import datetime as dt
import secrets
import string
import uuid
from pathlib import Path

import sqlalchemy as sa
from service_api import Api

from feedback_service.cli import main
from feedback_service.store.retention import REDACTED, redact_closed_tickets


def _marker() -> str:
    """A word no other test writes, in letters only (nine digits in a row would read as a phone number)."""
    return "".join(secrets.choice(string.ascii_lowercase) for _ in range(12))


def _closed_and_open(api: Api, secret: str, kept: str) -> tuple[str, str, str]:
    resolved = api.create(
        description=f"Cụ bà ở xóm {secret} chưa có điện thoại", household_ref=f"hh-{secret}"
    )
    occurrence = api.post(
        f"/tickets/{resolved['id']}/occurrences",
        {
            "id": str(uuid.uuid4()),
            "household_ref": f"occ-{secret}",
            "people_affected": 1,
            "observed_at": dt.datetime.now(dt.UTC).isoformat(),
        },
    )
    assert occurrence.status_code == 201, occurrence.text
    assert api.transition(resolved["id"], "acknowledge", note=f"gọi lại số nhà {secret}").status_code == 200
    assert api.transition(resolved["id"], "start", external_ref=f"VNPT-{secret}").status_code == 200
    assert api.transition(resolved["id"], "resolve", resolution="follow_up").status_code == 200
    rejected = api.create(description=f"Trùng với hộ {secret}")
    assert api.transition(rejected["id"], "reject", reason=f"đã báo ở {secret}").status_code == 200
    still_open = api.create(description=f"Chưa xong {kept}", household_ref=f"hh-{kept}")
    return resolved["id"], rejected["id"], still_open["id"]


def _summary(api: Api) -> object:
    today = dt.date.today()
    params = {"from": (today - dt.timedelta(days=7)).isoformat(), "to": today.isoformat()}
    return api.get("/trends/summary", who="province", params=params).json()


def test_closed_tickets_lose_free_text_and_household_references_everywhere(api: Api) -> None:
    secret, kept = _marker(), _marker()
    resolved, rejected, still_open = _closed_and_open(api, secret, kept)
    before = _summary(api)
    now = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)

    recent = api.call(redact_closed_tickets, api.ctx.db, now, 1)
    assert recent.tickets == 0, "closed less than a day ago: kept"
    done = api.call(redact_closed_tickets, api.ctx.db, now, 0)
    assert done.tickets == 2

    ticket = api.get(f"/tickets/{resolved}", who="official_c1").json()
    assert ticket["description"] == REDACTED and ticket["household_ref"] is None
    assert ticket["status"] == "resolved" and ticket["resolution"] == "follow_up"
    history = api.get(f"/tickets/{resolved}/history", who="official_c1").text
    assert secret not in history
    refused = api.get(f"/tickets/{rejected}", who="official_c1").json()
    assert refused["description"] == REDACTED and refused["rejection_reason"] == REDACTED
    assert secret not in api.get(f"/tickets/{rejected}/history", who="official_c1").text
    untouched = api.get(f"/tickets/{still_open}", who="official_c1").json()
    assert untouched["household_ref"] == f"hh-{kept}" and kept in untouched["description"]
    assert _summary(api) == before, "the figures rest on what is kept"
    assert api.call(redact_closed_tickets, api.ctx.db, now, 0).tickets == 0, "done once"

    async def rows_holding(text: str) -> int:
        found = 0
        async with api.ctx.db.reading() as conn:
            for table in ("tickets", "ticket_events", "occurrences"):
                columns = (await conn.execute(sa.text(f"SELECT * FROM {table}"))).all()
                found += sum(1 for row in columns if any(text in str(v) for v in row))
        return found

    assert api.call(rows_holding, secret) == 0
    assert api.call(rows_holding, kept) == 1  # the open ticket's row
    url = sa.make_url(api.ctx.settings.database_url)
    if url.get_backend_name() == "sqlite":
        files = [Path(url.database or ""), Path(f"{url.database}-wal")]
        raw = b"".join(f.read_bytes() for f in files if f.exists())
        assert secret.encode() not in raw, "no copy left in the database file or its WAL"
        assert kept.encode() in raw


def test_the_command_reads_the_setting_and_says_what_it_did(
    api: Api, capsys: object, monkeypatch: object
) -> None:
    secret = _marker()
    _closed_and_open(api, secret, _marker())
    url = api.ctx.settings.database_url
    assert main(["retention", "--database-url", url]) == 0  # FEEDBACK_RETENTION_DAYS: 365 by default
    assert main(["retention", "--database-url", url, "--days", "0"]) == 0
    out = capsys.readouterr().out  # type: ignore[attr-defined]
    assert "redacted 0 ticket(s)" in out and "redacted 2 ticket(s)" in out
    assert main(["retention", "--database-url", url, "--days", "-1"]) == 2


def test_export_columns_by_role(api: Api) -> None:
    """Household references are in no export; the description only in officials' (API and dashboard)."""
    import csv
    import io
    import re

    secret = _marker()
    api.create(description=f"Mô tả {secret}", household_ref=f"hh-{secret}")

    def header_and_body(who: str) -> tuple[list[str], str]:
        response = api.get("/tickets", who=who, params={"format": "csv"})
        assert response.status_code == 200, response.text
        text = response.content.decode("utf-8-sig")
        return next(csv.reader(io.StringIO(text))), text

    for who, sees_text in (("team", False), ("official_c1", True), ("province", True)):
        header, body = header_and_body(who)
        assert "household_ref" not in header and f"hh-{secret}" not in body, who
        assert ("description" in header) is sees_text and (secret in body) is sees_text, who
    assert api.get("/tickets", who="admin", params={"format": "csv"}).status_code == 403
    client = api.client
    form = client.get("/dashboard/sign-in")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token
    client.post("/dashboard/sign-in", data={"token": api.tokens["official_c1"], "csrf_token": token.group(1)})
    exported = client.get("/dashboard/export/tickets.csv", params={"commune": "C1"})
    assert exported.status_code == 200
    assert secret in exported.text and f"hh-{secret}" not in exported.text
