"""The dashboard's words, Vietnamese first, English on request (``?lang=en``).

Category and service names come from the library (``Barrier.label``, ``DigitalService.label``) so the
dashboard, the API and reports say the same thing; the page's own words live here, each as the
library's :class:`~digitransform.domain.Label`.
"""

from __future__ import annotations

import enum

from digitransform.domain import Barrier, DigitalService, Label

__all__ = ["MESSAGES", "Language", "barrier_label", "service_label", "text"]


class Language(enum.Enum):
    """A language the pages are written in; Vietnamese is the default."""

    VI = "vi"
    EN = "en"

    @classmethod
    def parse(cls, value: str | None) -> Language:
        """``en`` gives English; anything else (missing, unknown) gives Vietnamese."""
        return cls.EN if (value or "").strip().lower() == "en" else cls.VI

    def pick(self, label: Label) -> str:
        return label.en if self is Language.EN else label.vi


MESSAGES: dict[str, Label] = {
    "app_name": Label(
        "Bảng theo dõi khó khăn chuyển đổi số", "Digital transformation difficulties dashboard"
    ),
    "skip": Label("Chuyển đến nội dung chính", "Skip to main content"),
    "sign_in": Label("Đăng nhập", "Sign in"),
    "sign_out": Label("Đăng xuất", "Sign out"),
    "teams_nav": Label("Tổ và điện thoại", "Teams and phones"),
    "token": Label("Mã truy cập của cán bộ", "Official's access token"),
    "token_help": Label(
        "Dán mã truy cập được cấp cho cán bộ xã hoặc tỉnh.",
        "Paste the access token issued to you as a commune or province official.",
    ),
    "bad_token": Label("Mã truy cập không hợp lệ hoặc đã bị thu hồi.", "This token is unknown or revoked."),
    "not_official": Label(
        "Bảng theo dõi chỉ dành cho cán bộ. Mã của tổ công nghệ số hoặc quản trị viên không dùng được ở đây.",
        "The dashboard is for officials only. Team and admin tokens cannot sign in here.",
    ),
    "throttled": Label(
        "Quá nhiều lần đăng nhập sai từ máy này. Vui lòng đợi vài phút rồi thử lại.",
        "Too many failed sign-ins from here. Please wait a few minutes and try again.",
    ),
    "bad_form": Label("Biểu mẫu đã hết hạn. Vui lòng thử lại.", "The form has expired. Please try again."),
    "signed_out": Label("Bạn đã đăng xuất.", "You have signed out."),
    "overview": Label("Tổng quan", "Overview"),
    "scope": Label("Phạm vi", "Scope"),
    "filters": Label("Bộ lọc", "Filters"),
    "from": Label("Từ ngày", "From"),
    "to": Label("Đến ngày", "To"),
    "period": Label("Kỳ", "Period"),
    "week": Label("Tuần", "Week"),
    "month": Label("Tháng", "Month"),
    "category": Label("Loại khó khăn", "Difficulty category"),
    "service": Label("Dịch vụ số", "Digital service"),
    "all": Label("Tất cả", "All"),
    "apply": Label("Áp dụng", "Apply"),
    "reset": Label("Đặt lại", "Reset"),
    "headline": Label("Số liệu chính", "Headline figures"),
    "opened": Label("Phản ánh mới", "New difficulties"),
    "resolved": Label("Đã giải quyết", "Resolved"),
    "rejected": Label("Từ chối / trùng", "Rejected / duplicate"),
    "reopened": Label("Mở lại", "Reopened"),
    "unresolved_at_start": Label("Tồn đọng đầu kỳ", "Backlog at start"),
    "unresolved_at_end": Label("Tồn đọng cuối kỳ", "Backlog at end"),
    "people_affected_unresolved": Label("Người bị ảnh hưởng (tồn đọng)", "People affected (backlog)"),
    "people_reported": Label("Người được phản ánh", "People reported"),
    "median_resolve": Label("Thời gian giải quyết trung vị (ngày)", "Median time to resolve (days)"),
    "p90_resolve": Label("Thời gian giải quyết P90 (ngày)", "90th percentile time to resolve (days)"),
    "on_the_spot_share": Label("Tỷ lệ giải quyết tại chỗ", "Share solved on the spot"),
    "trend_title": Label(
        "Khó khăn chưa giải quyết theo loại, cuối mỗi kỳ",
        "Unresolved difficulties by category, at each period's end",
    ),
    "total_title": Label(
        "Tổng số khó khăn chưa giải quyết, cuối mỗi kỳ", "All unresolved difficulties, at each period's end"
    ),
    "trend_y": Label("số phản ánh", "tickets"),
    "ageing_title": Label(
        "Thời gian tồn đọng (ngày kể từ khi ghi nhận)", "Age of the backlog (days since observed)"
    ),
    "ageing_at": Label("tại ngày", "at"),
    "people": Label("người", "people"),
    "ranking_title": Label(
        "Xã xếp theo tồn đọng trên 1.000 hộ", "Communes ranked by backlog per 1,000 households"
    ),
    "villages_title": Label("Tồn đọng theo ấp / thôn", "Backlog by village / hamlet"),
    "rank": Label("Hạng", "Rank"),
    "commune": Label("Xã / phường", "Commune / ward"),
    "village": Label("Ấp / thôn / khu phố", "Village / hamlet"),
    "backlog": Label("Tồn đọng", "Backlog"),
    "households": Label("Số hộ", "Households"),
    "per_1000": Label("Trên 1.000 hộ", "Per 1,000 households"),
    "oldest_days": Label("Lâu nhất (ngày)", "Oldest (days)"),
    "interventions": Label("Hoạt động đã triển khai", "Interventions"),
    "no_interventions": Label("Chưa có hoạt động nào trong kỳ.", "No intervention in this window."),
    "tickets": Label("Danh sách phản ánh", "Ticket list"),
    "unresolved_tickets": Label("Phản ánh chưa giải quyết", "Unresolved tickets"),
    "status": Label("Trạng thái", "Status"),
    "observed_at": Label("Ngày ghi nhận", "Observed"),
    "team": Label("Tổ", "Team"),
    "description": Label("Nội dung", "Description"),
    "next_page": Label("Trang sau", "Next page"),
    "export": Label("Tải CSV", "Download CSV"),
    "export_trend": Label("Xu hướng (CSV)", "Trend (CSV)"),
    "export_ageing": Label("Thời gian tồn đọng (CSV)", "Ageing (CSV)"),
    "export_tickets": Label("Danh sách phản ánh (CSV)", "Ticket list (CSV)"),
    "export_ranking": Label("Xếp hạng xã (CSV)", "Commune ranking (CSV)"),
    "language": Label("English", "Tiếng Việt"),
    "province": Label("Tỉnh", "Province"),
    "no_data": Label("Không có dữ liệu.", "No data."),
    "bad_filter": Label("Bộ lọc không hợp lệ", "Invalid filter"),
    "not_found": Label("Không tìm thấy đơn vị trong phạm vi của bạn.", "No such unit within your scope."),
    "show_table": Label("Xem dạng bảng", "Show as a table"),
    "total": Label("Tổng", "Total"),
    "status_open": Label("Mới", "Open"),
    "status_acknowledged": Label("Đã tiếp nhận", "Acknowledged"),
    "status_in_progress": Label("Đang xử lý", "In progress"),
    "status_resolved": Label("Đã giải quyết", "Resolved"),
    "status_rejected": Label("Từ chối", "Rejected"),
    "people_affected": Label("Số người", "People"),
    "signed_in_as": Label("Cán bộ phụ trách", "Official for"),
    "work_list": Label("Danh sách việc cần xử lý", "Work list"),
    "ticket": Label("Phiếu phản ánh", "Ticket"),
    "ticket_id": Label("Mã phiếu", "Ticket id"),
    "barriers": Label("Khó khăn", "Barriers"),
    "age": Label("Thời gian chờ", "Waiting"),
    "age_bucket": Label("Thời gian chờ (ngày)", "Waiting (days)"),
    "any": Label("Bất kỳ", "Any"),
    "waiting_on_us": Label(
        "Chỉ phiếu đang chờ xã xử lý (chưa chuyển cơ quan khác)",
        "Only tickets waiting on us (not escalated elsewhere)",
    ),
    "sort": Label("Sắp xếp", "Sort by"),
    "sort_received": Label("Mới nhận trước", "Newest first"),
    "sort_age": Label("Chờ lâu nhất trước", "Longest waiting first"),
    "sort_people": Label("Nhiều người nhất trước", "Most people first"),
    "status_unresolved": Label("Chưa giải quyết", "Unresolved"),
    "status_all": Label("Tất cả trạng thái", "Any status"),
    "select": Label("Chọn", "Select"),
    "acknowledge_selected": Label("Tiếp nhận các phiếu đã chọn", "Acknowledge selected tickets"),
    "bulk_done": Label("Đã tiếp nhận {done} phiếu.", "Acknowledged {done} tickets."),
    "bulk_skipped": Label(
        "{skipped} phiếu không tiếp nhận được vì đã có người thay đổi hoặc không còn ở trạng thái mới.",
        "{skipped} tickets were not acknowledged: changed meanwhile, or no longer open.",
    ),
    "nothing_selected": Label("Chưa chọn phiếu nào.", "No ticket was selected."),
    "fields": Label("Thông tin phiếu", "Ticket details"),
    "people_reported_first": Label("Số người khi báo", "People when reported"),
    "household_ref": Label("Mã hộ (bí danh của tổ)", "Household ref (team's pseudonym)"),
    "consent": Label("Đồng ý lưu thông tin", "Consent given"),
    "yes": Label("Có", "Yes"),
    "no": Label("Không", "No"),
    "received_at": Label("Ngày nhận", "Received"),
    "updated_at": Label("Cập nhật lần cuối", "Last changed"),
    "resolved_at": Label("Ngày giải quyết", "Resolved"),
    "resolution": Label("Cách giải quyết", "Resolution"),
    "rejection_reason": Label("Lý do từ chối", "Rejection reason"),
    "duplicate_of": Label("Trùng với phiếu", "Duplicate of"),
    "external_ref": Label("Mã hồ sơ tại cơ quan khác", "Reference at the outside body"),
    "external_ref_help": Label(
        "Khi chuyển lên nhà mạng, cổng dịch vụ công hoặc công an: ghi mã hồ sơ bên đó.",
        "When escalated to a carrier, the portal or the police: their case number.",
    ),
    "version": Label("Phiên bản", "Version"),
    "occurrences": Label("Hộ khác cùng khó khăn", "Other households with the same difficulty"),
    "no_occurrences": Label("Chưa có hộ nào khác báo cùng khó khăn.", "No other household reported it."),
    "history": Label("Lịch sử xử lý", "History"),
    "when": Label("Thời điểm", "When"),
    "who": Label("Ai (mã truy cập)", "Who (access token)"),
    "what": Label("Việc", "What"),
    "role_team": Label("Tổ công nghệ số", "Team"),
    "role_official": Label("Cán bộ", "Official"),
    "role_admin": Label("Quản trị", "Admin"),
    "action_create": Label("Ghi nhận phản ánh", "Reported"),
    "action_occurrence": Label("Thêm hộ cùng khó khăn", "Another household added"),
    "action_acknowledge": Label("Tiếp nhận", "Acknowledge"),
    "action_start": Label("Bắt đầu xử lý", "Start work"),
    "action_resolve": Label("Giải quyết", "Resolve"),
    "action_reject": Label("Từ chối", "Reject"),
    "action_reopen": Label("Mở lại", "Reopen"),
    "actions": Label("Xử lý phiếu", "Act on this ticket"),
    "no_actions": Label(
        "Không còn thao tác nào cho trạng thái này.", "No action is possible from this status."
    ),
    "note": Label("Ghi chú (không ghi tên, số điện thoại)", "Note (no names or phone numbers)"),
    "reason": Label("Lý do", "Reason"),
    "reject_help": Label(
        "Ghi lý do, hoặc chọn phiếu mà phiếu này trùng với.",
        "Give a reason, or choose the ticket this one duplicates.",
    ),
    "not_duplicate": Label("Không trùng phiếu nào", "Not a duplicate"),
    "find_duplicate": Label("Tìm phiếu trùng (mã hoặc nội dung)", "Find the duplicate (id or words)"),
    "search": Label("Tìm", "Search"),
    "changed_meanwhile": Label(
        "Phiếu đã được người khác thay đổi trong lúc bạn xem (nay ở phiên bản {version}). "
        "Chưa có gì bị ghi đè; nội dung bạn nhập vẫn ở dưới. Xem lại rồi gửi lại nếu vẫn cần.",
        "Someone changed this ticket meanwhile (it is now at version {version}). Nothing was "
        "overwritten and what you typed is still below: read it again, then send again if still needed.",
    ),
    "done_acknowledge": Label("Đã tiếp nhận phiếu.", "The ticket is acknowledged."),
    "done_start": Label("Đã chuyển sang đang xử lý.", "Work on the ticket has started."),
    "done_resolve": Label("Đã ghi nhận giải quyết.", "The ticket is resolved."),
    "done_reject": Label("Đã từ chối phiếu.", "The ticket is rejected."),
    "done_reopen": Label("Đã mở lại phiếu.", "The ticket is open again."),
    "not_allowed": Label("Không thực hiện được", "Not done"),
    "too_long": Label("Quá dài (tối đa {max} ký tự).", "Too long (at most {max} characters)."),
    "bad_duplicate": Label("Không có phiếu này trong phạm vi của bạn.", "No such ticket within your scope."),
    "ticket_not_found": Label(
        "Không tìm thấy phiếu trong phạm vi của bạn.", "No such ticket within your scope."
    ),
    "show_all": Label("Xem tất cả", "Show all"),
    "show_top": Label("Chỉ xem {n} xã đầu", "Show the top {n} only"),
    "other_barriers": Label("Các khó khăn khác", "Other barriers"),
}
"""Every word the pages use, by key."""


def text(key: str, language: Language) -> str:
    """The page word ``key`` in ``language``; an unknown key is a programming error."""
    return language.pick(MESSAGES[key])


def barrier_label(code: str | None, language: Language) -> str:
    """A barrier's label from the library; the code itself if it is not one (``total``)."""
    try:
        return language.pick(Barrier(code).label)
    except ValueError:
        return text("total", language) if code == "total" else str(code)


def service_label(code: str, language: Language) -> str:
    """A digital service's label from the library."""
    try:
        return language.pick(DigitalService(code).label)
    except ValueError:
        return code
