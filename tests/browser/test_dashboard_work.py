"""Officials work tickets in Chromium: the work list, a ticket's page, two sessions at once, phone widths.

The acting tests run on a copy of the known database (``work_server``); the width tests read the
known site. ``DASHBOARD_SCREENSHOTS=folder`` keeps a screenshot of every page at both widths (the
ones in docs/dashboard.md were taken so).
"""

from __future__ import annotations

import json
import os
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from known_tickets import FIRST_DAY, LAST_DAY, KnownSite

from digitransform.domain import TicketStatus

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1400, "height": 900}
SHOTS = os.environ.get("DASHBOARD_SCREENSHOTS")


def _sign_in(page: Any, base: str, token: str) -> None:
    page.goto(f"{base}/dashboard/sign-in")
    page.get_by_label("Mã truy cập của cán bộ").fill(token)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/dashboard/overview**")


def _api(base: str, path: str, token: str) -> Any:
    request = urllib.request.Request(f"{base}/api/v1{path}", headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def _listed(page: Any) -> list[str]:
    return list(
        page.locator("#ticket-list tbody tr[data-ticket]").evaluate_all(
            "els => els.map(e => e.dataset.ticket)"
        )
    )


def test_an_official_filters_opens_acknowledges_and_resolves(
    chromium: Any, work_server: str, work_site: KnownSite
) -> None:
    """Work list → filter → ticket → acknowledge → resolve with a note; the API shows the same history."""
    commune = work_site.communes[0]
    context = chromium.new_context(viewport=PHONE)
    page = context.new_page()
    _sign_in(page, work_server, work_site.province_token)
    page.goto(f"{work_server}/dashboard/tickets?commune={commune}")
    page.get_by_label("Trạng thái").select_option(TicketStatus.OPEN.value)
    page.get_by_role("button", name="Áp dụng").click()
    page.wait_for_url("**status=open**")
    shown = _listed(page)
    expected = {
        h.ticket.id
        for h in work_site.histories
        if h.ticket.commune == commune and h.state.status is TicketStatus.OPEN
    }
    assert set(shown) == expected
    ticket_id = shown[0]
    page.locator(f'tr[data-ticket="{ticket_id}"] a.ticket-link').click()
    page.wait_for_url(f"**/dashboard/tickets/{ticket_id}")
    page.locator("#form-acknowledge").get_by_role("button").click()
    page.wait_for_url("**done=acknowledge**")
    assert page.get_by_role("status").inner_text() == "Đã tiếp nhận phiếu."
    note = "Đã hướng dẫn đặt lại mật khẩu VNeID tại nhà văn hóa ấp"
    form = page.locator("#form-resolve")
    form.get_by_label("Cách giải quyết").select_option("follow_up")
    form.get_by_label("Ghi chú (không ghi tên, số điện thoại)").fill(note)
    form.get_by_role("button").click()
    page.wait_for_url("**done=resolve**")
    assert page.locator("#ticket-title").get_attribute("data-status") == "resolved"
    entries = _api(work_server, f"/tickets/{ticket_id}/history", work_site.province_token)["entries"]
    shown_history = page.locator("#history li").evaluate_all(
        "els => els.map(e => [e.dataset.action, e.dataset.at])"
    )
    assert shown_history == [[e["action"], e["at"]] for e in entries]
    assert entries[-1]["note"] == note and page.get_by_text(note).count() == 1
    context.close()


def test_a_stale_second_session_is_told_and_loses_nothing(
    chromium: Any, work_server: str, work_site: KnownSite
) -> None:
    """Two officials open one ticket; the second acts on the stale page: "changed meanwhile", note kept."""
    first, second = chromium.new_context(), chromium.new_context(viewport=PHONE)
    a, b = first.new_page(), second.new_page()
    _sign_in(a, work_server, work_site.province_token)
    _sign_in(b, work_server, work_site.province_token)
    a.goto(f"{work_server}/dashboard/tickets?status=open")
    ticket_id = _listed(a)[0]
    before = _api(work_server, f"/tickets/{ticket_id}", work_site.province_token)
    for page in (a, b):
        page.goto(f"{work_server}/dashboard/tickets/{ticket_id}")
    a.locator("#form-acknowledge").get_by_role("button").click()
    a.wait_for_url("**done=acknowledge**")
    typed = "Hộ đã được tổ hẹn hỗ trợ vào thứ bảy"
    b.locator("#form-reject").get_by_label("Lý do").fill("Không thuộc phạm vi")
    b.locator("#form-reject").get_by_label("Ghi chú (không ghi tên, số điện thoại)").fill(typed)
    b.locator("#form-reject").get_by_role("button").click()
    alert = b.get_by_role("alert").inner_text()
    assert "thay đổi trong lúc bạn xem" in alert and f"phiên bản {before['version'] + 1}" in alert
    assert b.locator("#form-reject textarea").input_value() == typed  # what was typed is still there
    assert b.locator("#ticket-title").get_attribute("data-status") == "acknowledged"
    after = _api(work_server, f"/tickets/{ticket_id}", work_site.province_token)
    assert after["status"] == "acknowledged" and after["version"] == before["version"] + 1
    first.close()
    second.close()


def test_a_commune_official_never_reaches_another_communes_ticket(
    chromium: Any, work_server: str, work_site: KnownSite
) -> None:
    """Neither in the list nor by typing its address: another commune's ticket is "not found"."""
    own = work_site.histories[1].ticket.commune
    other = next(h.ticket.id for h in work_site.histories if h.ticket.commune != own)
    context = chromium.new_context()
    page = context.new_page()
    _sign_in(page, work_server, work_site.commune_token)
    page.goto(f"{work_server}/dashboard/tickets?status=all")
    assert _listed(page) and other not in _listed(page)
    response = page.goto(f"{work_server}/dashboard/tickets/{other}")
    assert response is not None and response.status == 404
    assert "Không tìm thấy phiếu" in page.locator("h1").inner_text()
    context.close()


def _pages(site: KnownSite) -> dict[str, str]:
    commune = site.communes[0]
    village = next(h.ticket.village for h in site.histories if h.ticket.commune == commune)
    ticket = next(h.ticket.id for h in site.histories if h.ticket.commune == commune and h.events)
    window = f"from={FIRST_DAY.isoformat()}&to={LAST_DAY.isoformat()}"
    return {
        "overview": f"/dashboard/overview?{window}",
        "overview_en": f"/dashboard/overview?{window}&lang=en",
        "commune": f"/dashboard/communes/{commune}?{window}",
        "village": f"/dashboard/villages/{village}?{window}",
        "work_list": f"/dashboard/tickets?commune={commune}",
        "ticket": f"/dashboard/tickets/{ticket}",
    }


_CHART_TEXT = """() => [...document.querySelectorAll('svg.chart text')].filter(t => t.getBBox().width > 0)
  .map(t => parseFloat(getComputedStyle(t).fontSize) * t.ownerSVGElement.getScreenCTM().a)"""


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_no_page_scrolls_sideways_and_chart_text_is_readable(
    chromium: Any, server: str, known_site: KnownSite, viewport: dict[str, int]
) -> None:
    """Every page fits the width (scrollWidth); chart text >= 12 px on screen (320 px too); targets 44 px."""
    context = chromium.new_context(viewport=viewport)
    page = context.new_page()
    page.goto(f"{server}/dashboard/sign-in")
    widths = {"sign_in": page.evaluate("document.documentElement.scrollWidth")}
    _sign_in(page, server, known_site.province_token)
    sizes: dict[str, float] = {}
    for name, path in _pages(known_site).items():
        page.goto(f"{server}{path}")
        widths[name] = page.evaluate("document.documentElement.scrollWidth")
        chart_text = page.evaluate(_CHART_TEXT)
        if chart_text:
            sizes[name] = min(chart_text)
        if SHOTS:
            folder = Path(SHOTS)
            folder.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(folder / f"{name}-{viewport['width']}.png"), full_page=True)
    assert all(w <= viewport["width"] for w in widths.values()), str(widths)
    assert {"overview", "commune", "village"} <= set(sizes)
    assert min(sizes.values()) >= 12, sizes
    buttons = page.locator("main button").evaluate_all(
        "els => els.map(e => e.getBoundingClientRect().height)"
    )
    assert buttons and min(buttons) >= 44
    if viewport["width"] == PHONE["width"]:  # and on a smaller phone still
        page.set_viewport_size({"width": 320, "height": 640})
        page.goto(f"{server}{_pages(known_site)['overview']}")
        assert page.evaluate("document.documentElement.scrollWidth") <= 320
        assert min(page.evaluate(_CHART_TEXT)) >= 12
    context.close()
