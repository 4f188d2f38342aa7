"""The work list and the ticket pages through Litestar's test client: scope, actions, versions, CSV.

Tests that act on tickets run on this module's own copy of the known database (``work_site``); the
filter tests read the untouched known site and compare with the known histories.
"""

from __future__ import annotations

import csv
import datetime as dt
import html as html_lib
import io
import re
from collections.abc import Iterator

import pytest
from known_tickets import KnownSite
from litestar.testing import TestClient

from digitransform.domain import AdminLevel, Barrier, TicketStatus, local_date
from digitransform.trends import AGE_BUCKETS, age_bucket
from feedback_service.app import create_app
from feedback_service.dashboard.filters import Filters
from feedback_service.dashboard.worklist import WorkList

Client = TestClient  # type: ignore[type-arg]


def _client(site: KnownSite) -> Iterator[Client]:
    with TestClient(create_app(site.settings, tree=site.tree)) as c:
        yield c


@pytest.fixture
def client(work_site: KnownSite) -> Iterator[Client]:
    yield from _client(work_site)


@pytest.fixture
def known_client(known_site: KnownSite) -> Iterator[Client]:
    yield from _client(known_site)


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has a form with a CSRF field"
    return found.group(1)


def _sign_in(client: Client, token: str) -> None:
    page = client.get("/dashboard/sign-in")
    response = client.post(
        "/dashboard/sign-in",
        data={"token": token, "csrf_token": _csrf(page.text), "lang": "vi"},
        follow_redirects=False,
    )
    assert response.status_code == 303


def _version(html: str) -> int:
    found = re.search(r'id="ticket-title" data-ticket="[^"]+" data-version="(\d+)"', html)
    assert found, "the ticket page names its version"
    return int(found.group(1))


def _listed(html: str) -> list[str]:
    return re.findall(r'<tr data-ticket="([^"]+)"', html)


def _act(client: Client, ticket_id: str, action: str, version: int, csrf: str, **fields: str) -> object:
    data = {"csrf_token": csrf, "lang": "vi", "version": str(version), "action": action, **fields}
    return client.post(f"/dashboard/tickets/{ticket_id}/act", data=data, follow_redirects=False)


def _still_open(client: Client, index: int = 0) -> str:
    """An open ticket of the signed-in official's scope, as the database has it now."""
    return _listed(client.get("/dashboard/tickets?status=open").text)[index]


def _open_ticket(site: KnownSite, commune: str | None = None) -> str:
    return next(
        h.ticket.id
        for h in site.histories
        if h.state.status is TicketStatus.OPEN and (commune is None or h.ticket.commune == commune)
    )


def test_an_official_acknowledges_and_resolves_and_the_api_shows_the_same_history(
    client: Client, work_site: KnownSite
) -> None:
    """Acknowledge, then resolve with a note: the page's history and the API's agree, in local time."""
    _sign_in(client, work_site.province_token)
    ticket_id = _still_open(client)
    page = client.get(f"/dashboard/tickets/{ticket_id}")
    assert page.status_code == 200 and 'id="form-acknowledge"' in page.text
    version = _version(page.text)
    done = _act(client, ticket_id, "acknowledge", version, _csrf(page.text))
    assert done.status_code == 303  # type: ignore[attr-defined]
    page = client.get(done.headers["location"])  # type: ignore[attr-defined]
    assert "Đã tiếp nhận phiếu." in page.text and 'id="form-acknowledge"' not in page.text
    note = "Đã hướng dẫn cài lại ứng dụng tại nhà"
    _act(
        client, ticket_id, "resolve", _version(page.text), _csrf(page.text), resolution="follow_up", note=note
    )
    page = client.get(f"/dashboard/tickets/{ticket_id}")
    assert 'data-status="resolved"' in page.text and note in page.text
    api = client.get(
        f"/api/v1/tickets/{ticket_id}/history",
        headers={"Authorization": f"Bearer {work_site.province_token}"},
    ).json()["entries"]
    assert [e["action"] for e in api][-2:] == ["acknowledge", "resolve"]
    assert api[-1]["note"] == note and api[-1]["resolution"] == "follow_up"
    shown = re.findall(r'<li data-action="([^"]+)" data-seq="\d+" data-at="([^"]+)"', page.text)
    assert shown == [(e["action"], e["at"]) for e in api]  # same entries, same local moments (+07:00)
    assert all(at.endswith("+07:00") for _, at in shown)


def test_a_stale_form_is_refused_as_changed_meanwhile_and_keeps_what_was_typed(
    client: Client, work_site: KnownSite
) -> None:
    """Two pages read at one version: the second action gets 409, the message, and its note back."""
    _sign_in(client, work_site.province_token)
    ticket_id = _still_open(client, 1)
    page = client.get(f"/dashboard/tickets/{ticket_id}")
    version, csrf = _version(page.text), _csrf(page.text)
    assert _act(client, ticket_id, "start", version, csrf).status_code == 303  # type: ignore[attr-defined]
    stale = _act(
        client, ticket_id, "reject", version, csrf, reason="Không thuộc phạm vi", note="ghi chú của tôi"
    )
    assert stale.status_code == 409  # type: ignore[attr-defined]
    text = html_lib.unescape(stale.text)  # type: ignore[attr-defined]
    assert "thay đổi trong lúc bạn xem" in text and f"phiên bản {version + 1}" in text
    assert "ghi chú của tôi" in text and 'value="Không thuộc phạm vi"' in text  # nothing typed is lost
    assert f'data-version="{version + 1}"' in text and 'data-status="in_progress"' in text


def test_a_commune_official_cannot_see_or_act_on_another_communes_ticket(
    client: Client, work_site: KnownSite
) -> None:
    """Another commune's ticket is "not found" by typed URL, and an action posted to it changes nothing."""
    commune = work_site.histories[1].ticket.commune
    elsewhere = next(c for c in work_site.communes if c != commune)
    other = _open_ticket(work_site, elsewhere)
    province = {"Authorization": f"Bearer {work_site.province_token}"}
    before = client.get(f"/api/v1/tickets/{other}", headers=province).json()
    _sign_in(client, work_site.commune_token)
    assert client.get(f"/dashboard/tickets/{other}").status_code == 404
    listing = client.get("/dashboard/tickets?status=all")
    assert listing.status_code == 200 and other not in listing.text
    assert _listed(listing.text), "the official's own commune has tickets"
    assert client.get(f"/dashboard/tickets?commune={elsewhere}").status_code == 404
    posted = _act(client, other, "acknowledge", before["version"], _csrf(listing.text))
    assert posted.status_code == 404  # type: ignore[attr-defined]
    assert client.get(f"/api/v1/tickets/{other}", headers=province).json() == before


def test_an_action_without_the_form_token_is_refused(client: Client, work_site: KnownSite) -> None:
    """A cross-site post (no CSRF field) acts on nothing."""
    _sign_in(client, work_site.province_token)
    ticket_id = _still_open(client)
    before = _version(client.get(f"/dashboard/tickets/{ticket_id}").text)
    response = _act(client, ticket_id, "reject", before, "not-the-token", reason="x")
    assert response.status_code == 403  # type: ignore[attr-defined]
    assert _version(client.get(f"/dashboard/tickets/{ticket_id}").text) == before


def test_resolve_without_a_resolution_type_is_explained(client: Client, work_site: KnownSite) -> None:
    """The lifecycle's refusal is a message on the page (422), never an error page."""
    _sign_in(client, work_site.province_token)
    ticket_id = _still_open(client)
    page = client.get(f"/dashboard/tickets/{ticket_id}")
    response = _act(client, ticket_id, "resolve", _version(page.text), _csrf(page.text), note="n")
    assert response.status_code == 422  # type: ignore[attr-defined]
    assert "resolve needs a resolution type" in response.text  # type: ignore[attr-defined]


def test_bulk_acknowledge_acts_on_the_selected_and_reports_the_stale(
    client: Client, work_site: KnownSite
) -> None:
    """Two ticked tickets, one changed meanwhile: one acknowledged, one reported as skipped."""
    _sign_in(client, work_site.province_token)
    page = client.get("/dashboard/tickets?status=open")
    picks = re.findall(r'name="pick" value="([^"]+)"', page.text)[:2]
    assert len(picks) == 2
    stale_id, stale_version = picks[1].split(":")
    _act(client, stale_id, "start", int(stale_version), _csrf(page.text))
    response = client.post(
        "/dashboard/work-list/acknowledge",
        data={"csrf_token": _csrf(page.text), "lang": "vi", "pick": picks, "back": "?status=open"},
        follow_redirects=True,
    )
    assert "Đã tiếp nhận 1 phiếu." in response.text and "1 phiếu không tiếp nhận được" in response.text
    first = client.get(f"/dashboard/tickets/{picks[0].split(':')[0]}").text
    assert 'data-status="acknowledged"' in first


def test_the_work_list_filters_and_its_csv_agree_with_the_known_tickets(
    known_client: Client, known_site: KnownSite
) -> None:
    """Status, barrier, village, age bucket, waiting-on-us and sort by people; the CSV holds the same rows."""
    commune = known_site.communes[0]
    village = max(
        (v.code for v in known_site.tree.children(commune)),
        key=lambda v: sum(1 for h in known_site.histories if h.ticket.village == v),
    )
    unresolved = [
        h for h in known_site.histories if h.ticket.village == village and h.state.status.is_unresolved
    ]
    barrier = max(Barrier, key=lambda b: sum(1 for h in unresolved if b in h.ticket.categories))
    _sign_in(known_client, known_site.province_token)
    today = local_date(dt.datetime.now(dt.UTC))
    query = (
        f"commune={commune}&village={village}&status=unresolved&category={barrier.value}"
        "&age=>90&waiting=1&sort=people"
    )
    page = known_client.get(f"/dashboard/tickets?{query}")
    assert page.status_code == 200
    expected = [
        h
        for h in unresolved
        if barrier in h.ticket.categories and (today - local_date(h.ticket.observed_at)).days > 90
    ]
    assert len(expected) >= 2, "the known tickets have some in this filter"
    shown = _listed(page.text)
    assert set(shown) == {h.ticket.id for h in expected}
    people = [
        int(p)
        for p in re.findall(r'<tr data-ticket="[^"]+" data-status="[^"]+" data-people="(\d+)"', page.text)
    ]
    assert people == sorted(people, reverse=True)
    download = known_client.get(f"/dashboard/export/tickets.csv?{query}")
    rows = list(csv.DictReader(io.StringIO(download.text.lstrip("\ufeff"))))
    assert [r["id"] for r in rows] == shown
    assert all(r["observed_at"].endswith("+07:00") for r in rows)
    opened = known_client.get(f"/dashboard/tickets?village={village}&status=open").text
    assert set(_listed(opened)) == {h.ticket.id for h in unresolved if h.state.status is TicketStatus.OPEN}


@pytest.mark.parametrize("bucket", AGE_BUCKETS)
def test_an_age_bucket_is_the_ageing_charts_bucket(
    known_site: KnownSite, bucket: tuple[str, int, int | None]
) -> None:
    """The work list's age filter selects exactly the tickets the library puts in that bucket (local days)."""
    label = bucket[0]
    today = dt.date(2026, 3, 29)
    query = WorkList(age=label).query(known_site.tree.root, Filters.parse({}, today), today, limit=10)
    index = [b[0] for b in AGE_BUCKETS].index(label)
    for h in known_site.histories:
        observed = h.ticket.observed_at
        if local_date(observed) > today:
            continue
        inside = (query.observed_from is None or observed >= query.observed_from) and (
            query.observed_to is None or observed < query.observed_to
        )
        assert inside == (age_bucket((today - local_date(observed)).days) == index), h.ticket.observed_at


def test_english_ticket_page_and_province_scope(known_client: Client, known_site: KnownSite) -> None:
    """The ticket page in English names statuses and actions in English; a bad filter is named."""
    _sign_in(known_client, known_site.province_token)
    ticket_id = _open_ticket(known_site)
    page = known_client.get(f"/dashboard/tickets/{ticket_id}?lang=en")
    assert '<html lang="en">' in page.text and "Acknowledge" in page.text and "History" in page.text
    bad = known_client.get("/dashboard/tickets?status=lost&age=old&lang=en")
    assert bad.status_code == 400 and "status: &#39;lost&#39;" in bad.text
    huge = known_client.get("/dashboard/tickets?sort=age&offset=99999999999999999999999")
    assert huge.status_code == 400 and "offset:" in huge.text  # named, never a 5xx
    long_search = known_client.get(f"/dashboard/tickets/{ticket_id}?dup_q={'x' * 5000}")
    assert long_search.status_code == 200
    assert AdminLevel.COMMUNE  # the province official sees every commune's tickets
    listing = known_client.get("/dashboard/tickets?status=all")
    communes = {h.ticket.commune for h in known_site.histories if h.ticket.id in set(_listed(listing.text))}
    assert communes == set(known_site.communes)
