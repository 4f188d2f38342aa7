"""The dashboard's SVG charts: the numbers are in the markup, text is escaped, the shape is sound."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given
from hypothesis import strategies as st

from feedback_service.dashboard.charts import (
    Bar,
    LineSeries,
    TimeMark,
    bar_chart,
    line_chart,
    nice_ceiling,
    nice_scale,
)
from feedback_service.dashboard.views import fold_series

SVG = "{http://www.w3.org/2000/svg}"


def _svg(markup: str) -> ET.Element:
    found = re.search(r"<svg.*?</svg>", markup, flags=re.S)
    assert found, "the figure holds an <svg>"
    return ET.fromstring(found.group(0))


@given(st.integers(min_value=0, max_value=10**9))
def test_nice_ceiling_is_a_round_number_at_or_above(value: int) -> None:
    """The axis top is at least the largest value and at most 2.5 times it (1, 2, 5 × 10ⁿ)."""
    top = nice_ceiling(value)
    assert top >= max(value, 1)
    assert top <= max(2.5 * value, 1)
    assert str(top).rstrip("0") in {"1", "2", "5"}


series_values = st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=30)


@given(st.lists(series_values, min_size=1, max_size=5).filter(lambda vs: len({len(v) for v in vs}) == 1))
def test_every_value_is_a_data_attribute_and_a_table_cell(values: list[list[int]]) -> None:
    """Each point carries its value in data-value, in order, and the hidden table repeats it."""
    n = len(values[0])
    series = [LineSeries(f"s{k}", f"Series {k}", v) for k, v in enumerate(values)]
    keys = [f"2026-01-{i + 1:02d}" for i in range(n)]
    markup = line_chart(
        chart_id="c", title="T", x_labels=[str(i) for i in range(n)], x_keys=keys, series=series
    )
    root = _svg(markup)
    for s in series:
        group = root.find(f"{SVG}g[@data-series='{s.key}']")
        assert group is not None
        points = group.findall(f"{SVG}circle")
        assert [int(p.get("data-value", "-1")) for p in points] == list(s.values)
        assert [p.get("data-x") for p in points] == keys
        cells = re.findall(rf'<td data-series="{s.key}">(\d+)</td>', markup)
        assert [int(c) for c in cells] == list(s.values)


@given(st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=6))
def test_points_stay_inside_the_plot(values: list[int]) -> None:
    """No point is drawn above the top or below the baseline, whatever the values."""
    n = len(values)
    markup = line_chart(
        chart_id="c",
        title="T",
        x_labels=["x"] * n,
        x_keys=["k"] * n,
        series=[LineSeries("a", "A", values)],
        height=320,
    )
    for cy in re.findall(r'cy="([\d.]+)"', markup):
        assert 16 <= float(cy) <= 320 - 44


def test_text_is_escaped() -> None:
    """A label with markup in it is shown as text, never interpreted."""
    markup = line_chart(
        chart_id="c",
        title="<script>alert(1)</script>",
        x_labels=["W01"],
        x_keys=["2026-01-05"],
        series=[LineSeries('"><b>', "<i>Không có thiết bị</i>", [3])],
        marks=[TimeMark(0.0, "Tập huấn & <hướng dẫn>", "iv-1")],
    )
    assert "<script>" not in markup and "<i>" not in markup and '"><b>' not in markup
    assert "&lt;i&gt;Không có thiết bị&lt;/i&gt;" in markup
    _svg(markup)  # still well-formed XML


def test_a_chart_has_an_accessible_name() -> None:
    """The SVG is an image labelled by its own title and description."""
    root = _svg(
        line_chart(
            chart_id="trend",
            title="Tồn đọng",
            x_labels=["W01"],
            x_keys=["k"],
            series=[LineSeries("a", "A", [1])],
        )
    )
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "trend-title trend-desc"
    title = root.find(f"{SVG}title")
    assert title is not None and title.text == "Tồn đọng"


def test_time_marks_sit_on_their_period() -> None:
    """An intervention halfway through the third period is drawn between the third and fourth points."""
    markup = line_chart(
        chart_id="c",
        title="T",
        x_labels=list("abcd"),
        x_keys=list("abcd"),
        series=[LineSeries("a", "A", [1, 2, 3, 4])],
        marks=[TimeMark(2.5, "Tập huấn", "iv-1"), TimeMark(9, "far", "x")],
    )
    root = _svg(markup)
    marks = root.findall(f"{SVG}g[@class='time-mark']")
    assert [m.get("data-key") for m in marks] == ["iv-1"]  # the one off the axis is not drawn
    xs = [float(c.get("cx", "0")) for c in root.iter(f"{SVG}circle")]
    line = marks[0].find(f"{SVG}line")
    assert line is not None
    assert xs[2] < float(line.get("x1", "0")) < xs[3]


def test_mismatched_lengths_are_refused_by_name() -> None:
    """A series with a value missing is a programming error that names the series."""
    with pytest.raises(ValueError, match="series a has 1 values for 2 periods"):
        line_chart(
            chart_id="c",
            title="T",
            x_labels=["1", "2"],
            x_keys=["1", "2"],
            series=[LineSeries("a", "A", [1])],
        )


def test_bars_carry_their_values() -> None:
    """Each ageing bar has its count in data-value and its people in the visible note."""
    bars = [Bar("0-7", "0-7 ngày", 4, "6 người"), Bar("8-30", "8-30 ngày", 0, "0 người")]
    markup = bar_chart(chart_id="ageing", title="Thời gian tồn đọng", bars=bars)
    root = _svg(markup)
    groups = root.findall(f"{SVG}g[@class='bar']")
    assert [(g.get("data-key"), g.get("data-value")) for g in groups] == [("0-7", "4"), ("8-30", "0")]
    assert "4 (6 người)" in markup


@given(st.integers(min_value=0, max_value=10**7))
def test_axis_ticks_are_whole_numbers_and_few(value: int) -> None:
    """The axis counts whole tickets: a step of 1, 2 or 5 × 10ⁿ, at most five steps, top at or above."""
    top, step = nice_scale(value)
    assert top >= max(value, 1) and top % step == 0 and top // step <= 5
    assert str(step).rstrip("0") in {"1", "2", "5"}
    assert top - step < max(value, 1)  # no empty step at the top


def test_a_chart_of_50_tickets_has_no_half_ticket_tick() -> None:
    """The issue's example: a top of 50 used to show ticks of 12.5 and 37.5."""
    markup = line_chart(
        chart_id="c",
        title="T",
        x_labels=["a", "b"],
        x_keys=["1", "2"],
        series=[LineSeries("s", "S", [41, 50])],
    )
    ticks = [
        t for t in re.findall(r'<text class="tick" x="[\d.]+" y="[\d.]+" text-anchor="end">([^<]+)<', markup)
    ]
    assert ticks == ["0", "10", "20", "30", "40", "50"]


def test_the_last_month_label_is_not_cut() -> None:
    """Labels near the edges are anchored inside the drawing, so "thg 12 2026" is not cut to "12/202"."""
    labels = [f"thg {m} 2026" for m in range(1, 13)]
    markup = line_chart(
        chart_id="c",
        title="T",
        x_labels=labels,
        x_keys=[str(m) for m in range(12)],
        series=[LineSeries("s", "S", list(range(12)))],
    )
    root = _svg(markup)
    width = float(root.get("viewBox", "0 0 0 0").split()[2])
    for text in root.iter(f"{SVG}text"):
        if "x-tick" not in (text.get("class") or ""):
            continue
        x, chars = float(text.get("x", "0")), len(text.text or "") * 8
        anchor = text.get("text-anchor")
        left = x if anchor == "start" else x - chars if anchor == "end" else x - chars / 2
        assert left >= 0 and left + chars <= width, text.text


def test_small_barriers_fold_into_one_line_and_the_table_keeps_them_all() -> None:
    """Seven barriers: the five largest at the end are drawn, the other two summed; the table has all."""
    every = [LineSeries(f"b{k}", f"B{k}", [k, k * 2]) for k in range(7)]
    drawn = fold_series(every, 5, "other", "Other")
    assert [s.key for s in drawn] == ["b6", "b5", "b4", "b3", "b2", "other"]
    assert drawn[-1].values == (0 + 1, 0 + 2)
    assert fold_series(every[:6], 5, "other", "Other")[-1].key == "b0"  # one left over is drawn as itself
    markup = line_chart(
        chart_id="c", title="T", x_labels=["a", "b"], x_keys=["1", "2"], series=drawn, table_series=every
    )
    assert len(re.findall(r'<th scope="col" data-series=', markup)) == 7
    assert len(_svg(markup).findall(f"{SVG}g[@class='series']")) == 6


def test_chart_numbers_are_written_in_the_readers_language() -> None:
    """Ticks, titles and the table use the formatter (1.500 in Vietnamese); data-value stays digits."""
    from feedback_service.dashboard.formatting import Formatter
    from feedback_service.dashboard.language import Language

    markup = line_chart(
        chart_id="c",
        title="T",
        x_labels=["Tuần 1", "Tuần 2"],
        x_keys=["1", "2"],
        series=[LineSeries("s", "S", [1200, 1500])],
        number=Formatter(Language.VI).number,
    )
    ticks = re.findall(r'<text class="tick" [^>]*text-anchor="end">([^<]+)</text>', markup)
    assert ticks == ["0", "500", "1.000", "1.500"]
    assert 'data-value="1500"' in markup and '<td data-series="s">1.500</td>' in markup
    bars = bar_chart(
        chart_id="b", title="T", bars=[Bar("k", "K", 2500)], number=Formatter(Language.EN).number
    )
    assert ">2,500</text>" in bars and 'data-value="2500"' in bars
