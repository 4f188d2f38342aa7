"""What the team app's form needs from the server: choices, labels, limits and rule messages.

The app checks a record with these before it queues it, so a phone offline refuses what the API
would refuse, with the API's own words (English) and their Vietnamese. The labels are the library's;
the limits and the English messages are the API's own constants, so nothing is copied into the
app's JavaScript by hand.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from digitransform.domain import (
    MAX_DESCRIPTION,
    MAX_HOUSEHOLD_REF,
    Barrier,
    DigitalService,
    Label,
    ResolutionType,
    TicketStatus,
)
from digitransform.domain.tickets import ID_LIKE_MESSAGE, ID_LIKE_PATTERN
from feedback_service.api.schemas import HOUSEHOLD_REF_PATTERN, MAX_PEOPLE
from feedback_service.api.wire import BLANK, CONSENT_NEEDED, EARLIEST, IN_FUTURE, TOO_EARLY
from feedback_service.dashboard.language import Language, text
from feedback_service.settings import Settings

__all__ = ["form_description"]

FIELDS: dict[str, Label] = {
    "village": Label("Ấp / khu phố", "Village"),
    "categories": Label("Khó khăn gặp phải", "Barriers"),
    "service": Label("Dịch vụ số", "Digital service"),
    "people_affected": Label("Số người gặp khó khăn", "People affected"),
    "household_ref": Label("Mã hộ (bí danh của tổ, không bắt buộc)", "Household reference (optional)"),
    "consent": Label("Người dân đồng ý chuyển kèm mã hộ", "The citizen agrees to the household reference"),
    "description": Label("Mô tả", "Description"),
    "observed_at": Label("Thời điểm ghi nhận", "When it was observed"),
}

HINTS: dict[str, Label] = {
    "village": Label("Chọn lại ấp trong danh sách của tổ.", "Pick the village again from the team's list."),
    "categories": Label("Chọn ít nhất một khó khăn.", "Pick at least one barrier."),
    "service": Label("Chọn dịch vụ số.", "Pick the digital service."),
    "people_affected": Label("Nhập số người từ 1 trở lên.", "Enter a number of people from 1."),
    "household_ref": Label(
        "Dùng mã hộ của tổ (như hh-42), không dùng số điện thoại hay số CCCD; hoặc để trống.",
        "Use the team's own code (like hh-42), never a phone or ID number; or leave it empty.",
    ),
    "consent": Label("Chỉ ghi mã hộ khi người dân đồng ý.", "Only give a household code with consent."),
    "description": Label("Viết ngắn gọn điều người dân gặp phải.", "Say briefly what the citizen met."),
    "observed_at": Label(
        "Kiểm tra đồng hồ của điện thoại và sửa thời điểm ghi nhận.",
        "Check the phone's clock and correct when it was observed.",
    ),
}


def _rules(settings: Settings) -> dict[str, Label]:
    earliest = EARLIEST.date().isoformat()
    seconds = int(settings.clock_skew.total_seconds())
    return {
        "blank": Label("đang để trống", BLANK),
        "too_long": Label(f"dài quá {MAX_DESCRIPTION} ký tự", f"is longer than {MAX_DESCRIPTION} characters"),
        "people_range": Label(
            f"phải là số từ 1 đến {MAX_PEOPLE}", f"must be a whole number from 1 to {MAX_PEOPLE}"
        ),
        "household_pattern": Label(
            f"chỉ gồm chữ không dấu, số và . _ : / - (tối đa {MAX_HOUSEHOLD_REF} ký tự)",
            f"letters without accents, digits and . _ : / - only (at most {MAX_HOUSEHOLD_REF})",
        ),
        "household_id_like": Label(
            "trông giống số điện thoại hoặc số CCCD; hãy dùng mã hộ riêng của tổ", ID_LIKE_MESSAGE
        ),
        "household_consent": Label(
            "mã hộ cần người dân đồng ý (chưa đánh dấu đồng ý)",
            CONSENT_NEEDED.format(consent="consent"),
        ),
        "future": Label(f"ở tương lai (quá {seconds} giây)", IN_FUTURE.format(seconds=seconds)),
        "too_early": Label(
            f"trước ngày {earliest}; kiểm tra đồng hồ của điện thoại", TOO_EARLY.format(earliest=earliest)
        ),
        "required": Label("chưa chọn", "is required"),
    }


def _pairs(pairs: list[tuple[str, Label]]) -> list[dict[str, str]]:
    return [{"code": code, "vi": label.vi, "en": label.en} for code, label in pairs]


def _labels(labels: dict[str, Label]) -> dict[str, dict[str, str]]:
    return {key: {"vi": label.vi, "en": label.en} for key, label in labels.items()}


def form_description(settings: Settings) -> dict[str, Any]:
    """The JSON the app caches with its files: ``/team/form.json``."""
    statuses = {
        s.value: Label(text(f"status_{s.value}", Language.VI), text(f"status_{s.value}", Language.EN))
        for s in TicketStatus
    }
    return {
        "limits": {
            "description_max": MAX_DESCRIPTION,
            "people_max": MAX_PEOPLE,
            "household_ref_max": MAX_HOUSEHOLD_REF,
            "household_ref_pattern": HOUSEHOLD_REF_PATTERN,
            "id_like_pattern": ID_LIKE_PATTERN,
            "earliest": EARLIEST.astimezone(dt.UTC).isoformat(),
            "clock_skew_seconds": int(settings.clock_skew.total_seconds()),
            "batch_max": settings.max_batch_tickets,
        },
        "categories": _pairs([(b.value, b.label) for b in Barrier]),
        "services": _pairs([(s.value, s.label) for s in DigitalService]),
        "resolutions": _labels({r.value: r.label for r in ResolutionType}),
        "statuses": _labels(statuses),
        "fields": _labels(FIELDS),
        "hints": _labels(HINTS),
        "rules": _labels(_rules(settings)),
    }
