"""The dashboard's one formatter (Babel): numbers, days, moments and periods, in Vietnamese and English."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from feedback_service.dashboard.config import DashboardConfig
from feedback_service.dashboard.formatting import Formatter
from feedback_service.dashboard.language import Language

VI = Formatter(Language.VI)
EN = Formatter(Language.EN)
MOMENT = dt.datetime(2026, 3, 5, 2, 30, tzinfo=dt.UTC)  # 09:30 in Hồ Chí Minh City


@pytest.mark.parametrize(
    ("value", "decimals", "vi", "en"),
    [
        (14908, 0, "14.908", "14,908"),
        (1000, 0, "1.000", "1,000"),
        (111.02, 2, "111,02", "111.02"),
        (3.14159, 1, "3,1", "3.1"),
        (7, 0, "7", "7"),
        (None, 0, "—", "—"),
    ],
)
def test_numbers(value: float | None, decimals: int, vi: str, en: str) -> None:
    """Vietnamese groups with dots and writes a decimal comma; English the other way round."""
    assert VI.number(value, decimals) == vi
    assert EN.number(value, decimals) == en


def test_dates_moments_and_days() -> None:
    """A moment reads in local time (UTC+7), and the machine form keeps the offset."""
    assert VI.date(dt.date(2026, 3, 5)) == "05/03/2026"
    assert EN.date(dt.date(2026, 3, 5)) == "5 Mar 2026"
    assert VI.moment(MOMENT) == "09:30 05/03/2026"
    assert EN.moment(MOMENT) == "5 Mar 2026, 09:30"
    assert VI.iso(MOMENT) == "2026-03-05T09:30:00+07:00"
    assert VI.local_day(dt.datetime(2026, 3, 5, 18, 0, tzinfo=dt.UTC)) == dt.date(2026, 3, 6)
    assert VI.days(3) == "3 ngày" and EN.days(1) == "1 day" and EN.days(1200) == "1,200 days"
    assert VI.percent(0.25) == "25%" and EN.percent(None) == "—"


def test_periods_say_week_not_month() -> None:
    """An ISO week is "Tuần 38" / "W38" (never "T38", read as tháng); a month is named."""
    monday = dt.date(2026, 9, 14)
    assert VI.week(monday) == "Tuần 38"
    assert EN.week(monday) == "W38"
    assert EN.week(dt.date(2026, 1, 5)) == "W02"
    assert VI.month(dt.date(2026, 12, 1)) == "thg 12 2026"
    assert EN.month(dt.date(2026, 12, 1)) == "Dec 2026"


def test_the_time_zone_is_a_setting() -> None:
    """FEEDBACK_DASHBOARD_TIME_ZONE moves every moment; an unknown zone is refused by name."""
    config = DashboardConfig.from_env({"FEEDBACK_DASHBOARD_TIME_ZONE": "Asia/Tokyo"})
    assert config.formatter(Language.EN).moment(MOMENT) == "5 Mar 2026, 11:30"
    assert DashboardConfig.from_env({}).formatter(Language.VI).zone == ZoneInfo("Asia/Ho_Chi_Minh")
    with pytest.raises(ValueError, match="FEEDBACK_DASHBOARD_TIME_ZONE: 'Mars/Olympus'"):
        DashboardConfig.from_env({"FEEDBACK_DASHBOARD_TIME_ZONE": "Mars/Olympus"})
