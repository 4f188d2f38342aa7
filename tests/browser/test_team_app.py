"""The team app in a real Chromium against the real server: enrollment, offline recording, the outbox.

Each test enrolls a team of its own (a fresh code from the commune official's token), so counts in
the database are exact. ``TEAM_APP_SCREENSHOTS=dir`` keeps the screenshots there (docs/team-app.md
shows some of them); otherwise they go to the test's temporary directory.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import sqlite3
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import pytest
from known_tickets import KnownSite

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
VIETNAM = "Asia/Ho_Chi_Minh"
OUTBOX_TAB = re.compile(r"^Hộp thư đi \(\d+\)$")


def _http(base: str, method: str, path: str, token: str | None, body: Any = None) -> tuple[int, Any]:
    request = urllib.request.Request(
        base + path,
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={
            "Content-Type": "application/json",
            **({"Authorization": f"Bearer {token}"} if token else {}),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            text = response.read()
            return response.status, json.loads(text) if text else None
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def _commune(site: KnownSite) -> str:
    return site.histories[1].ticket.commune


def _code(server: str, site: KnownSite, team: str, **extra: Any) -> dict[str, Any]:
    status, body = _http(server, "POST", "/api/v1/enrollments", site.commune_token, {"team": team, **extra})
    assert status == 201, body
    return dict(body)


def _team() -> str:
    return f"T-app-{uuid.uuid4().hex[:8]}"


def _db(site: KnownSite) -> sqlite3.Connection:
    return sqlite3.connect(site.settings.database_url.split("///", 1)[1], timeout=10)


def _count(site: KnownSite, table: str, team: str) -> int:
    with _db(site) as conn:
        return int(conn.execute(f"SELECT count(*) FROM {table} WHERE team = ?", (team,)).fetchone()[0])


def _shots(tmp_path: Path) -> Path:
    where = Path(os.environ.get("TEAM_APP_SCREENSHOTS") or tmp_path)
    where.mkdir(parents=True, exist_ok=True)
    return where


def _context_options() -> dict[str, Any]:
    return {"viewport": PHONE, "timezone_id": VIETNAM, "locale": "vi-VN", "device_scale_factor": 1}


def _enroll(page: Any, server: str, code: str) -> None:
    page.goto(f"{server}/team/#enroll={code}")
    page.get_by_role("button", name="Ghi nhận").wait_for()
    assert "enroll" not in page.url  # the code leaves the address bar (and the history) at once
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")


def _record(page: Any, description: str, *, village_index: int = 1, household: str | None = None) -> None:
    page.get_by_role("button", name="Ghi nhận").click()
    page.locator("#f-village").select_option(index=village_index)
    page.get_by_label("Người cao tuổi, e ngại công nghệ").check()
    page.get_by_label("Không có thiết bị thông minh").check()
    page.locator("#f-service").select_option("vneid")
    page.locator("#f-people_affected").fill("2")
    if household is not None:
        page.locator("#f-household_ref").fill(household)
        page.locator("#f-consent").check()
    page.locator("#f-description").fill(description)
    page.get_by_role("button", name="Lưu vào hộp thư đi").click()
    page.get_by_role("status").filter(has_text="Đã lưu trên điện thoại").wait_for()


def _outbox(page: Any) -> list[str]:
    page.get_by_role("button", name=OUTBOX_TAB).click()
    return list(page.locator("#outbox li").evaluate_all("els => els.map(e => e.dataset.state)"))


def _wait_sent(page: Any) -> None:
    page.get_by_role("button", name=OUTBOX_TAB).click()
    page.locator('#outbox-count[data-count="0"]').wait_for(timeout=30_000)


def test_offline_records_survive_reload_and_restart_and_are_sent_once(
    chromium: Any, server: str, known_site: KnownSite, tmp_path: Path
) -> None:
    """Enroll; offline, record five tickets and one "me too"; reload offline; close the browser and
    open the same profile again; online: exactly five new tickets and one occurrence are stored."""
    team = _team()
    shots = _shots(tmp_path)
    # Another phone of the team recorded an open ticket earlier: the one this phone says "me too" to.
    _, other = _http(
        server, "POST", "/api/v1/enrollments/redeem", None, {"code": _code(server, known_site, team)["code"]}
    )
    village = next(u.code for u in known_site.tree.children(_commune(known_site)))
    seed = {
        "id": str(uuid.uuid4()),
        "village": village,
        "categories": ["no_device"],
        "service": "vneid",
        "description": "Bà cụ chưa có điện thoại thông minh để kích hoạt VNeID",
        "consent": False,
        "observed_at": (dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)).isoformat(),
    }
    assert _http(server, "POST", "/api/v1/tickets", other["token"], seed)[0] == 201
    # And one the commune already resolved, with a note for the household.
    solved = {**seed, "id": str(uuid.uuid4()), "description": "Ông Tư không đăng nhập được VNeID"}
    assert _http(server, "POST", "/api/v1/tickets", other["token"], solved)[0] == 201
    note = "Đã hướng dẫn ông Tư đặt lại mật khẩu tại nhà văn hoá ấp"
    resolve = {"action": "resolve", "resolution": "on_the_spot", "note": note}
    request = urllib.request.Request(
        f"{server}/api/v1/tickets/{solved['id']}/transitions",
        method="POST",
        data=json.dumps(resolve).encode(),
        headers={
            "Content-Type": "application/json",
            "Authorization": f"Bearer {known_site.commune_token}",
            "If-Match": '"1"',
        },
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.status == 200

    profile = tmp_path / "profile"
    launch = {
        "executable_path": "/usr/bin/chromium",
        "args": ["--headless", "--no-sandbox"],
        **_context_options(),
    }
    context = chromium.browser_type.launch_persistent_context(str(profile), **launch)
    page = context.pages[0]
    _enroll(page, server, _code(server, known_site, team)["code"])
    page.screenshot(path=str(shots / "team-app-record.png"), full_page=True)
    # Chromium's own verdict: the manifest, its icons and the service worker make it installable.
    cdp = context.new_cdp_session(page)
    assert cdp.send("Page.getInstallabilityErrors")["installabilityErrors"] == []

    context.set_offline(True)
    for i in range(5):
        _record(page, f"Hộ số {i + 1}: chưa biết cài VNeID", household=f"hh-{i + 1}" if i % 2 else None)
    page.get_by_role("button", name="Tôi cũng vậy").first.click()
    card = page.locator(f'li[data-ticket="{seed["id"]}"]')
    card.get_by_role("button", name="Tôi cũng vậy").click()
    page.screenshot(path=str(shots / "team-app-metoo.png"), full_page=True)
    card.get_by_role("button", name="Lưu “tôi cũng vậy”").click()
    page.get_by_role("status").filter(has_text="Đã lưu trên điện thoại").wait_for()
    assert _outbox(page) == ["waiting"] * 6

    page.reload()
    page.get_by_role("button", name="Hộp thư đi (6)").wait_for()
    assert _outbox(page) == ["waiting"] * 6
    page.screenshot(path=str(shots / "team-app-outbox-offline.png"), full_page=True)
    # The escape hatch before a phone is wiped: every unsent record, as the API takes it, in a file.
    with page.expect_download() as download:
        page.get_by_role("button", name="Xuất các mục chưa gửi ra tệp").click()
    exported = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert exported["team"] == team
    assert sorted(i["kind"] for i in exported["items"]) == ["occurrence"] + ["ticket"] * 5
    assert all(i["body"]["id"] == i["id"] for i in exported["items"])
    context.close()

    context = chromium.browser_type.launch_persistent_context(str(profile), **launch)
    try:
        context.set_offline(True)
        page = context.pages[0]
        page.goto(f"{server}/team/")
        assert _outbox(page) == ["waiting"] * 6
        assert _count(known_site, "tickets", team) == 2
        context.set_offline(False)
        _wait_sent(page)
        assert page.locator("#sent li").count() == 6
        page.screenshot(path=str(shots / "team-app-outbox-sent.png"), full_page=True)
        # The team's own tickets, with the commune's note to pass on to the household.
        page.get_by_role("button", name="Của tổ").click()
        page.locator("#tickets li").nth(2 + 5 - 1).wait_for()  # the state fetched after sending
        mine = page.locator(f'#tickets li[data-ticket="{solved["id"]}"]')
        assert note in mine.locator(".official-note").inner_text()
        assert "Đã giải quyết" in mine.inner_text()
        assert page.locator("#tickets li").count() == 2 + 5
        page.screenshot(path=str(shots / "team-app-tickets.png"), full_page=True)
    finally:
        context.close()
    assert _count(known_site, "tickets", team) == 2 + 5
    assert _count(known_site, "occurrences", team) == 1


def test_a_lost_answer_is_replayed_never_duplicated(
    chromium: Any, server: str, known_site: KnownSite
) -> None:
    """The server stores the batch but the phone never hears back: the retry is a replay, one ticket."""
    team = _team()
    context = chromium.new_context(**_context_options())
    page = context.new_page()
    _enroll(page, server, _code(server, known_site, team)["code"])
    lost = []

    def drop_the_answer(route: Any) -> None:
        if not lost:
            response = route.fetch()  # the server stores the ticket...
            lost.append(response.status)
            route.abort("connectionreset")  # ...and the answer never reaches the phone
        else:
            route.continue_()

    page.route("**/api/v1/tickets/batch", drop_the_answer)
    _record(page, "Ông cụ quên mật khẩu VNeID")
    page.get_by_role("button", name=OUTBOX_TAB).click()
    page.locator("#connection", has_text="sẽ thử lại").wait_for()
    assert lost == [200]
    assert _count(known_site, "tickets", team) == 1
    assert _outbox(page) == ["waiting"]
    page.get_by_role("button", name="Gửi ngay").click()
    _wait_sent(page)
    assert page.locator("#sent li .badge").all_inner_texts() == ["Đã gửi (máy chủ đã có)"]
    assert _count(known_site, "tickets", team) == 1
    context.close()


def test_a_refused_record_shows_the_servers_message_and_can_be_fixed(
    chromium: Any, server: str, known_site: KnownSite, tmp_path: Path
) -> None:
    """A phone whose clock runs a day ahead: the server refuses "in the future", the item stays with
    the server's message; the user corrects the time and it is sent."""
    team = _team()
    context = chromium.new_context(**_context_options())
    page = context.new_page()
    page.clock.install(time=dt.datetime.now(dt.UTC) + dt.timedelta(days=1))
    _enroll(page, server, _code(server, known_site, team)["code"])
    _record(page, "Chị Hai không nhận được mã OTP")
    page.get_by_role("button", name=OUTBOX_TAB).click()
    item = page.locator("#outbox li")
    item.locator(".badge", has_text="Bị từ chối").wait_for()
    problem = item.locator(".problem").inner_text()
    assert "Thời điểm ghi nhận" in problem
    assert "is in the future" in problem
    assert "Kiểm tra đồng hồ của điện thoại" in problem
    page.screenshot(path=str(_shots(tmp_path) / "team-app-refused.png"), full_page=True)
    assert _count(known_site, "tickets", team) == 0

    item.get_by_role("button", name="Sửa").click()
    real_now = dt.datetime.now(dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=7)))
    page.locator("#f-observed_at").fill((real_now - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Lưu vào hộp thư đi").click()
    _wait_sent(page)
    assert _count(known_site, "tickets", team) == 1
    context.close()


def _small_targets(page: Any) -> list[str]:
    return list(
        page.evaluate(
            # A checkbox inside its label is measured by the label, which is what a finger taps.
            """() => [...document.querySelectorAll('button, input, select, textarea, a, label.choice')]
                .filter(e => e.offsetParent !== null)
                .filter(e => !(e.matches('input[type=checkbox]') && e.closest('label')))
                .map(e => [e, e.getBoundingClientRect()])
                .filter(([e, r]) => r.height < 44 || r.width < 44)
                .map(([e, r]) => `${e.tagName} ${e.id || e.textContent.trim().slice(0, 30)} ${r.height}`)"""
        )
    )


def test_every_screen_fits_a_small_phone(
    chromium: Any, server: str, known_site: KnownSite, tmp_path: Path
) -> None:
    """At 360 x 740 no screen scrolls sideways and every control is at least 44 px; the first load
    transfers at most 150 KB."""
    shots = _shots(tmp_path)
    context = chromium.new_context(**_context_options())
    page = context.new_page()
    transferred = []
    origins = set()
    # On the context: the service worker's own fetches (it caches every file on install) count too.
    context.on(
        "requestfinished",
        lambda r: transferred.append(r.sizes()["responseBodySize"] + r.sizes()["responseHeadersSize"]),
    )
    context.on("request", lambda r: origins.add("/".join(r.url.split("/")[:3])))
    page.goto(f"{server}/team/")
    page.get_by_role("button", name="Đăng ký").wait_for()
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    assert sum(transferred) <= 150_000, sum(transferred)
    assert origins == {server}  # no third-party request, ever
    page.screenshot(path=str(shots / "team-app-enroll.png"))
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert _small_targets(page) == []
    _enroll(page, server, _code(server, known_site, _team())["code"])
    for name in ("Ghi nhận", "Tôi cũng vậy", "Hộp thư đi (0)", "Của tổ"):
        page.get_by_role("button", name=name).click()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], (name, width)
        assert _small_targets(page) == [], name
    # The API's rules run before anything is queued, with its words: a phone number is no pseudonym,
    # a blank description is refused, and the record stays off the outbox.
    page.get_by_role("button", name="Ghi nhận").click()
    page.locator("#f-village").select_option(index=1)
    page.get_by_label("Khuyết tật").check()
    page.locator("#f-service").select_option("e_payment")
    page.locator("#f-household_ref").fill("0912.345.678")
    page.locator("#f-consent").check()
    page.locator("#f-description").fill(" \u200b ")
    page.get_by_role("button", name="Lưu vào hộp thư đi").click()
    assert "trông giống số điện thoại" in page.locator("#household_ref-error").inner_text()
    assert "đang để trống" in page.locator("#description-error").inner_text()
    page.get_by_role("button", name="Hộp thư đi (0)").wait_for()
    page.get_by_role("button", name="English").click()
    page.get_by_role("button", name="Record").click()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert _small_targets(page) == []
    page.get_by_role("button", name="Tiếng Việt").click()
    assert origins == {server}
    context.close()


def test_used_and_expired_codes_are_refused(
    chromium: Any, server: str, known_site: KnownSite, tmp_path: Path
) -> None:
    """A used or an expired code is refused with a clear message, and the phone gets no token."""
    team = _team()
    context = chromium.new_context(**_context_options())
    page = context.new_page()
    used = _code(server, known_site, team)["code"]
    assert _http(server, "POST", "/api/v1/enrollments/redeem", None, {"code": used})[0] == 201
    page.goto(f"{server}/team/#enroll={used}")
    page.get_by_role("alert").filter(has_text="đã được dùng cho một điện thoại khác").wait_for()

    expired = _code(server, known_site, team, hours=1)
    with _db(known_site) as conn:
        conn.execute(
            "UPDATE enrollments SET expires_at = '2020-01-01 00:00:00.000000' WHERE id = ?", (expired["id"],)
        )
    page.goto(f"{server}/team/#enroll={expired['code']}")
    page.get_by_role("alert").filter(has_text="đã hết hạn").wait_for()
    page.screenshot(path=str(_shots(tmp_path) / "team-app-expired.png"))
    assert page.get_by_role("button", name="Ghi nhận").count() == 0
    status, devices = _http(server, "GET", f"/api/v1/teams/{team}/devices", known_site.commune_token)
    assert status == 200 and len(devices["items"]) == 1  # the phone that used the first code
    context.close()


def test_an_official_enrolls_and_revokes_a_phone_from_the_dashboard(
    chromium: Any, server: str, known_site: KnownSite, tmp_path: Path
) -> None:
    """The official creates a code (link and QR), the phone opens the link; the team's page shows
    when it synced; revoked, the phone is signed out on its next sync (401), told so, and keeps its
    unsent record."""
    shots = _shots(tmp_path)
    team = _team()
    office = chromium.new_context(viewport={"width": 1000, "height": 900}, timezone_id=VIETNAM)
    desk = office.new_page()
    desk.goto(f"{server}/dashboard/sign-in")
    desk.get_by_label("Mã truy cập của cán bộ").fill(known_site.commune_token)
    desk.get_by_role("button", name="Đăng nhập").click()
    desk.goto(f"{server}/dashboard/teams")
    desk.get_by_label("Mã tổ").fill(team)
    desk.get_by_role("button", name="Tạo mã đăng ký cho một điện thoại").click()
    desk.get_by_role("heading", name=f"Mã đăng ký cho tổ {team}").wait_for()
    assert desk.locator("figure.qr svg").count() == 1
    link = desk.locator("#enroll-link").get_attribute("href")
    assert link is not None and link.startswith(f"{server}/team/#enroll=fse_")
    desk.screenshot(path=str(shots / "team-app-dashboard-code.png"))

    phone = chromium.new_context(**_context_options())
    page = phone.new_page()
    page.goto(link)
    page.get_by_role("button", name="Ghi nhận").wait_for()
    phone.set_offline(True)
    _record(page, "Anh Ba bị lừa qua tin nhắn giả danh")

    desk.goto(f"{server}/dashboard/teams/{team}")
    row = desk.locator('#device-list tr[data-state="active"]')
    assert row.count() == 1
    assert "Chưa bao giờ" not in row.inner_text()  # it synced when it enrolled
    desk.screenshot(path=str(shots / "team-app-dashboard-devices.png"))
    row.get_by_role("button", name=re.compile("^Thu hồi")).click()
    desk.locator('#device-list tr[data-state="revoked"]').wait_for()

    with page.expect_response(lambda r: r.url.endswith("/api/v1/tickets/batch"), timeout=30_000) as answer:
        phone.set_offline(False)  # the app sends when the connection comes back
    assert answer.value.status == 401
    page.get_by_role("heading", name="Điện thoại này đã bị thu hồi quyền gửi").wait_for()
    assert page.locator("#outbox li").evaluate_all("els => els.map(e => e.dataset.state)") == ["waiting"]
    page.screenshot(path=str(shots / "team-app-signed-out.png"), full_page=True)
    assert _count(known_site, "tickets", team) == 0
    phone.close()

    # The official's team pages fit a phone too.
    desk.set_viewport_size(PHONE)
    for name, path in (("teams", "/dashboard/teams"), ("team", f"/dashboard/teams/{team}")):
        desk.goto(server + path)
        desk.screenshot(path=str(shots / f"team-app-dashboard-{name}-360.png"), full_page=True)
        assert desk.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], path
        heights = desk.locator("main button, main input:not([type=hidden]), main select").evaluate_all(
            "els => els.map(e => e.getBoundingClientRect().height)"
        )
        assert heights and min(heights) >= 44, (path, heights)
    office.close()


def test_a_new_phone_imports_the_old_ones_file_and_sends_each_item_once(
    chromium: Any, server: str, known_site: KnownSite, tmp_path: Path
) -> None:
    """The old phone records three tickets offline and exports them; it then gets a signal and
    sends them after all, records a fourth offline, exports again, and is wiped. A new phone of the
    team imports both files: the three are replays, the fourth is new; the team has four tickets.
    A second import of a file adds nothing; another team's file and a file that is not an export
    are refused with a message, and the outbox is unchanged."""
    team = _team()
    old = chromium.new_context(**_context_options())
    page = old.new_page()
    _enroll(page, server, _code(server, known_site, team)["code"])
    old.set_offline(True)
    for i in range(3):
        _record(page, f"Hộ số {i + 1}: quên mật khẩu VNeID")
    _outbox(page)

    def export(to: str) -> Path:
        with page.expect_download() as download:
            page.get_by_role("button", name="Xuất các mục chưa gửi ra tệp").click()
        path = tmp_path / to
        download.value.save_as(path)
        return path

    first = export("first.json")
    old.set_offline(False)
    _wait_sent(page)
    assert _count(known_site, "tickets", team) == 3
    old.set_offline(True)
    _record(page, "Hộ số 4: chưa có tài khoản ngân hàng để thanh toán QR")
    _outbox(page)
    second = export("second.json")
    old.close()  # the old phone is wiped

    other_team = tmp_path / "other.json"
    other_team.write_text(json.dumps({**json.loads(first.read_text()), "team": "T-someone-else"}))
    not_an_export = tmp_path / "notes.json"
    not_an_export.write_text(json.dumps({"items": [{"id": "x", "kind": "ticket"}], "team": team}))
    new = chromium.new_context(**_context_options())
    page = new.new_page()
    _enroll(page, server, _code(server, known_site, team)["code"])
    new.set_offline(True)  # the imports are checked and kept on the phone first
    page.get_by_role("button", name=OUTBOX_TAB).click()
    chooser = page.locator("#import-file")
    chooser.set_input_files(str(other_team))
    page.get_by_role("alert").filter(
        has_text=f"tệp này của tổ T-someone-else, điện thoại này của tổ {team}"
    ).wait_for()
    chooser.set_input_files(str(not_an_export))
    page.get_by_role("alert").filter(has_text="items[0].body.id").wait_for()
    assert _outbox(page) == []
    chooser.set_input_files(str(first))
    page.get_by_role("status").filter(has_text="Đã nhập 3 mục mới").wait_for()
    chooser.set_input_files(str(second))
    page.get_by_role("status").filter(has_text="Đã nhập 1 mục mới").wait_for()
    chooser.set_input_files(str(second))
    page.get_by_role("status").filter(has_text="Đã nhập 0 mục mới vào hộp thư đi (1 mục đã có").wait_for()
    assert _outbox(page) == ["waiting"] * 4
    page.screenshot(path=str(_shots(tmp_path) / "team-app-imported.png"), full_page=True)
    new.set_offline(False)
    _wait_sent(page)
    badges = sorted(page.locator("#sent li .badge").all_inner_texts())
    assert badges == ["Đã gửi (máy chủ đã có)"] * 3 + ["Đã gửi (mới)"]
    new.close()
    assert _count(known_site, "tickets", team) == 4
