"""The dashboard in a real browser: Chromium against the real server, numbers checked against the library."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from known_tickets import FIRST_DAY, LAST_DAY, KnownSite

from digitransform.domain import Barrier
from digitransform.trends import TicketFilter, backlog_ageing, summary, unresolved_trend

pytestmark = pytest.mark.browser


def _values(page: Any, series: str) -> list[int]:
    chart = "#total-chart" if series == "total" else "#trend-chart"
    selector = f'{chart} g.series[data-series="{series}"] circle.point'
    return [int(v) for v in page.locator(selector).evaluate_all("els => els.map(e => e.dataset.value)")]


def _figure(page: Any, name: str) -> int:
    return int(page.locator(f'[data-figure="{name}"]').get_attribute("data-value"))


def _sign_in(page: Any, base: str, token: str) -> None:
    page.goto(f"{base}/dashboard/sign-in")
    page.get_by_label("Mã truy cập của cán bộ").fill(token)
    page.get_by_role("button", name="Đăng nhập").click()


def test_a_team_token_is_refused_in_the_browser(chromium: Any, server: str, known_site: KnownSite) -> None:
    """A team's token leaves the visitor on the sign-in form with the reason, in Vietnamese."""
    context = chromium.new_context()
    page = context.new_page()
    _sign_in(page, server, known_site.team_token)
    assert "/dashboard/sign-in" in page.url
    assert "chỉ dành cho cán bộ" in page.get_by_role("alert").inner_text()
    context.close()


def test_an_official_works_the_dashboard(
    chromium: Any, server: str, known_site: KnownSite, tmp_path: Any
) -> None:
    """Sign in, read the charts, filter, drill down to a commune and a village, download CSV, sign out."""
    histories = known_site.histories
    context = chromium.new_context(accept_downloads=True)
    page = context.new_page()
    _sign_in(page, server, known_site.province_token)
    assert page.url.endswith("/dashboard/overview")
    assert page.locator("html").get_attribute("lang") == "vi"

    # The window, through the filter form: the URL carries it.
    page.get_by_label("Từ ngày").fill(FIRST_DAY.isoformat())
    page.get_by_label("Đến ngày").fill(LAST_DAY.isoformat())
    page.get_by_role("button", name="Áp dụng").click()
    page.wait_for_url(f"**from={FIRST_DAY.isoformat()}**")
    assert f"to={LAST_DAY.isoformat()}" in page.url

    trend = unresolved_trend(histories, "week", FIRST_DAY, LAST_DAY, "category")
    assert _values(page, "total") == [p.unresolved_at_end for p in trend.total.points]
    for s in trend.series:
        assert _values(page, str(s.group)) == [p.unresolved_at_end for p in s.points]
    bars = page.locator("#ageing-chart g.bar").evaluate_all("els => els.map(e => +e.dataset.value)")
    assert bars == [b.tickets for b in backlog_ageing(histories, LAST_DAY).total.buckets]
    headline = summary(histories, FIRST_DAY, LAST_DAY)
    assert _figure(page, "opened") == headline.opened
    assert _figure(page, "unresolved_at_end") == headline.unresolved_at_end
    # The charts are images with accessible names that screen readers announce.
    assert page.get_by_role("img", name=re.compile("Khó khăn chưa giải quyết theo loại")).count() == 1
    assert page.get_by_role("img", name=re.compile("Thời gian tồn đọng")).count() == 1

    # Filter by one category: the URL changes, and so do the numbers.
    before = _values(page, "total")
    page.get_by_label("Loại khó khăn").select_option(Barrier.NO_DEVICE.value)
    page.get_by_role("button", name="Áp dụng").click()
    page.wait_for_url("**category=no_device**")
    only = unresolved_trend(
        histories, "week", FIRST_DAY, LAST_DAY, where=TicketFilter(category=Barrier.NO_DEVICE)
    )
    after = _values(page, "total")
    assert after == [p.unresolved_at_end for p in only.total.points]
    assert after != before

    # Drill down to the busiest commune (the ranking links keep the filters) ...
    commune = known_site.communes[0]
    page.locator(f'#ranking tr[data-commune="{commune}"] a').click()
    page.wait_for_url(f"**/dashboard/communes/{commune}?**")
    assert "category=no_device" in page.url
    in_commune = TicketFilter(communes={commune}, category=Barrier.NO_DEVICE)
    assert _figure(page, "opened") == summary(histories, FIRST_DAY, LAST_DAY, where=in_commune).opened

    # ... and to its village with the most tickets.
    village = max(
        {h.ticket.village for h in histories if h.ticket.commune == commune},
        key=lambda v: sum(1 for h in histories if h.ticket.village == v),
    )
    page.locator(f'#villages tr[data-village="{village}"] a').click()
    page.wait_for_url(f"**/dashboard/villages/{village}?**")
    in_village = TicketFilter(villages={village}, category=Barrier.NO_DEVICE)
    village_trend = unresolved_trend(histories, "week", FIRST_DAY, LAST_DAY, where=in_village)
    assert _values(page, "total") == [p.unresolved_at_end for p in village_trend.total.points]

    # The ticket list of that village, and its CSV download.
    page.locator("#tickets-link").click()
    page.wait_for_url("**/dashboard/tickets?**")
    expected = {
        h.ticket.id
        for h in histories
        if h.ticket.village == village
        and Barrier.NO_DEVICE in h.ticket.categories
        and h.state.status.is_unresolved
    }
    shown = set(
        page.locator("#ticket-list tbody tr[data-ticket]").evaluate_all(
            "els => els.map(e => e.dataset.ticket)"
        )
    )
    assert shown == expected
    with page.expect_download() as download_info:
        page.locator("#tickets-csv").click()
    path = tmp_path / "tickets.csv"
    download_info.value.save_as(path)
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert {r["id"] for r in rows} == expected
    assert all(r["village"] == village and "no_device" in r["categories"].split(";") for r in rows)

    # Sign out: the overview now asks to sign in again.
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url("**/dashboard/sign-in?signed_out=1")
    page.goto(f"{server}/dashboard/overview")
    assert "/dashboard/sign-in" in page.url
    context.close()
