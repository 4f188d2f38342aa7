"""Charts as inline SVG strings, drawn in Python so the dashboard needs no script and no chart library.

Every chart carries its numbers twice besides the drawing: as ``data-*`` attributes on each mark (what
the browser test reads) and as a table a screen reader can walk (visually hidden, but in the page, so
"show the chart as a table" costs nothing). The functions are pure: values in, markup out.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from html import escape

import attrs

__all__ = [
    "PALETTE",
    "Bar",
    "LineSeries",
    "TimeMark",
    "bar_chart",
    "line_chart",
    "nice_ceiling",
    "nice_scale",
]

PALETTE = (
    "#1b5e9c",
    "#b3401b",
    "#2e7d32",
    "#6a3d9a",
    "#8a6100",
    "#00767a",
    "#a0226b",
    "#4d4d4d",
)
"""Line colours, each with a contrast of at least 4.5:1 on white (WCAG AA for text-sized marks)."""

_DASHES = ("", "6 3", "2 3", "8 3 2 3")


def _ints(values: Iterable[int]) -> tuple[int, ...]:
    return tuple(values)


@attrs.frozen
class LineSeries:
    """One line: a stable key (a category code), its label for people, one value per x position."""

    key: str
    label: str
    values: tuple[int, ...] = attrs.field(converter=_ints)


@attrs.frozen
class TimeMark:
    """A vertical marker on the time axis (an intervention), at ``position`` in x-position units.

    ``position`` 2.5 is halfway between the third and fourth x labels; marks outside the axis are
    left out of the drawing but still listed in the table.
    """

    position: float
    label: str
    key: str = ""


@attrs.frozen
class Bar:
    """One bar: a key, its label, its value and an optional note shown after the value (people)."""

    key: str
    label: str
    value: int
    note: str = ""


def nice_ceiling(value: int) -> int:
    """The smallest 1, 2 or 5 × 10ⁿ at or above ``value`` (at least 1): a round top for an axis."""
    if value <= 1:
        return 1
    power = int(10 ** math.floor(math.log10(value)))
    for step in (1, 2, 5, 10):
        if step * power >= value:
            return step * power
    raise AssertionError("unreachable: 10 × power is always enough")


def nice_scale(value: int, most_ticks: int = 5) -> tuple[int, int]:
    """A whole-number axis for counts up to ``value``: its top and the step between ticks.

    The step is 1, 2 or 5 × 10ⁿ, at least 1, so every tick is a whole number of tickets (never
    12.5), and there are at most ``most_ticks`` steps from 0 to the top.
    """
    value = max(value, 1)
    step = 1
    while math.ceil(value / step) > most_ticks:
        for factor in (2, 2.5, 2):  # 1 → 2 → 5 → 10 → 20 → 50 ...
            step = int(step * factor)
            if math.ceil(value / step) <= most_ticks:
                break
    return step * math.ceil(value / step), step


def _attr(value: object) -> str:
    return escape(str(value), quote=True)


def _fmt(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def line_chart(
    *,
    chart_id: str,
    title: str,
    x_labels: Sequence[str],
    x_keys: Sequence[str],
    series: Sequence[LineSeries],
    table_series: Sequence[LineSeries] | None = None,
    marks: Sequence[TimeMark] = (),
    x_caption: str = "",
    y_caption: str = "",
    table_label: str = "Table",
    number: Callable[[int], str] = str,
    width: int = 380,
    height: int = 260,
) -> str:
    """A multi-line chart over discrete x positions (periods), with vertical time marks and a table.

    Args:
        chart_id: an id unique in the page (used for the title and the table).
        title: what the chart shows, read out by screen readers.
        x_labels: one short label per x position, shown under the axis.
        x_keys: one machine key per x position (an ISO date), put in ``data-x`` of each point.
        series: the lines; each must have one value per x position.
        table_series: the series of the table, when it holds more than the drawing (every barrier
            where the drawing folds the smaller ones into one line); ``series`` when not given.
        marks: markers on the time axis.
        table_label: the summary of the disclosure that shows the numbers as a table.
        number: how a count is written for people (the dashboard's formatter: ``1.000`` in
            Vietnamese); the ``data-value`` attributes are always plain digits.

    The drawing is sized for a phone (380 units wide, text at 14 units): shown at 336 px or more,
    no text is smaller than 12 px. Axes count whole tickets; x labels are thinned to fit, and the
    first and last are anchored inside the plot so none is cut.
    """
    n = len(x_keys)
    if len(x_labels) != n:
        raise ValueError(f"line chart {chart_id}: {len(x_labels)} x labels for {n} x keys")
    for s in (*series, *(table_series or ())):
        if len(s.values) != n:
            raise ValueError(
                f"line chart {chart_id}: series {s.key} has {len(s.values)} values for {n} periods"
            )
    left, right, top, bottom = 44, 12, 28, 44
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value, y_step = nice_scale(max((v for s in series for v in s.values), default=0))

    def x_at(position: float) -> float:
        return left + (plot_w * position / (n - 1) if n > 1 else plot_w / 2)

    def y_at(value: float) -> float:
        return top + plot_h - plot_h * value / top_value

    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    parts = [
        f'<svg class="chart line-chart" id="{_attr(chart_id)}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-labelledby="{title_id} {desc_id}" data-top="{top_value}" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{title_id}">{escape(title)}</title>',
        f'<desc id="{desc_id}">{escape(_describe(series, x_labels, number))}</desc>',
    ]
    for value in range(0, top_value + 1, y_step):
        y = y_at(value)
        parts.append(
            f'<line class="grid" x1="{left}" x2="{width - right}" y1="{_fmt(y)}" y2="{_fmt(y)}"/>'
            f'<text class="tick" x="{left - 6}" y="{_fmt(y + 5)}" text-anchor="end">'
            f"{escape(number(value))}</text>"
        )
    widest = max((len(label) for label in x_labels), default=1)
    fits = max(2, int(plot_w // (widest * 8 + 12)))  # about 8 units a character at 14 units
    step = max(1, math.ceil(n / fits))
    for i, label in enumerate(x_labels):
        if i % step == 0:
            x = x_at(i)
            half = widest * 4
            anchor = "start" if x - half < 0 else "end" if x + half > width else "middle"
            parts.append(
                f'<text class="tick x-tick" x="{_fmt(x)}" y="{height - bottom + 18}" '
                f'text-anchor="{anchor}">{escape(label)}</text>'
            )
    if x_caption:
        parts.append(
            f'<text class="caption" x="{left + plot_w / 2:.0f}" y="{height - 6}" '
            f'text-anchor="middle">{escape(x_caption)}</text>'
        )
    if y_caption:
        parts.append(f'<text class="caption" x="4" y="14">{escape(y_caption)}</text>')
    for mark in marks:
        if n == 0 or not 0 <= mark.position <= max(n - 1, 0) + 0.999:
            continue
        x = x_at(min(mark.position, n - 1))
        parts.append(
            f'<g class="time-mark" data-key="{_attr(mark.key)}" data-position="{_fmt(mark.position)}">'
            f"<title>{escape(mark.label)}</title>"
            f'<line x1="{_fmt(x)}" x2="{_fmt(x)}" y1="{top}" y2="{top + plot_h}"/>'
            f'<text x="{_fmt(x + 3)}" y="{top + 10}">▼</text></g>'
        )
    for k, s in enumerate(series):
        colour = PALETTE[k % len(PALETTE)]
        points = " ".join(f"{_fmt(x_at(i))},{_fmt(y_at(v))}" for i, v in enumerate(s.values))
        dash_attr = _dash_attr(k)
        parts.append(
            f'<g class="series" data-series="{_attr(s.key)}" data-label="{_attr(s.label)}">'
            f'<polyline fill="none" stroke="{colour}" stroke-width="2"{dash_attr} points="{points}"/>'
        )
        for i, v in enumerate(s.values):
            parts.append(
                f'<circle class="point" cx="{_fmt(x_at(i))}" cy="{_fmt(y_at(v))}" r="3" fill="{colour}" '
                f'data-x="{_attr(x_keys[i])}" data-value="{v}">'
                f"<title>{escape(s.label)}, {escape(x_labels[i])}: {escape(number(v))}</title></circle>"
            )
        parts.append("</g>")
    parts.append("</svg>")
    legend = "".join(
        f'<li data-series="{_attr(s.key)}"><svg class="swatch" width="28" height="10" aria-hidden="true">'
        f'<line x1="0" x2="28" y1="5" y2="5" stroke="{PALETTE[k % len(PALETTE)]}" stroke-width="3"'
        f"{_dash_attr(k)}/></svg>{escape(s.label)}</li>"
        for k, s in enumerate(series)
    )
    table = _line_table(chart_id, title, x_labels, x_keys, table_series or series, marks, table_label, number)
    return (
        f'<figure class="chart-figure">{"".join(parts)}'
        f'<figcaption><ul class="legend">{legend}</ul></figcaption>{table}</figure>'
    )


def _dash_attr(k: int) -> str:
    """Lines past the palette's length are dashed, so no two lines look alike."""
    dash = _DASHES[(k // len(PALETTE)) % len(_DASHES)]
    return f' stroke-dasharray="{dash}"' if dash else ""


def _describe(series: Sequence[LineSeries], x_labels: Sequence[str], number: Callable[[int], str]) -> str:
    if not series or not x_labels:
        return "—"
    lasts = ", ".join(f"{s.label}: {number(s.values[-1])}" for s in series)
    return f"{x_labels[0]} – {x_labels[-1]}. {lasts}"


def _line_table(
    chart_id: str,
    title: str,
    x_labels: Sequence[str],
    x_keys: Sequence[str],
    series: Sequence[LineSeries],
    marks: Sequence[TimeMark],
    table_label: str,
    number: Callable[[int], str],
) -> str:
    head = "".join(f'<th scope="col" data-series="{_attr(s.key)}">{escape(s.label)}</th>' for s in series)
    rows = []
    for i, label in enumerate(x_labels):
        cells = "".join(
            f'<td data-series="{_attr(s.key)}">{escape(number(s.values[i]))}</td>' for s in series
        )
        rows.append(f'<tr data-x="{_attr(x_keys[i])}"><th scope="row">{escape(label)}</th>{cells}</tr>')
    notes = "".join(f"<li>{escape(m.label)}</li>" for m in marks)
    note_list = f'<ul class="marks-list">{notes}</ul>' if notes else ""
    return (
        f'<details class="chart-table"><summary>{escape(table_label)}</summary><div class="table-scroll">'
        f'<table class="data" id="{_attr(chart_id)}-table">'
        f"<caption>{escape(title)}</caption><thead><tr><td></td>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></div>{note_list}</details>"
    )


def bar_chart(
    *,
    chart_id: str,
    title: str,
    bars: Sequence[Bar],
    width: int = 380,
    table_label: str = "Table",
    number: Callable[[int], str] = str,
) -> str:
    """Horizontal bars with their values written beside them, and the same numbers as a table."""
    row_h, label_w, value_w = 32, 104, 124
    height = row_h * max(len(bars), 1) + 8
    top_value = nice_ceiling(max((b.value for b in bars), default=0))
    plot_w = width - label_w - value_w
    title_id = f"{chart_id}-title"
    parts = [
        f'<svg class="chart bar-chart" id="{_attr(chart_id)}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{title_id}" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{title_id}">{escape(title)}: '
        f"{escape(', '.join(f'{b.label} {number(b.value)}' for b in bars))}</title>",
    ]
    for i, b in enumerate(bars):
        y = 4 + i * row_h
        w = plot_w * b.value / top_value
        note = f" ({escape(b.note)})" if b.note else ""
        parts.append(
            f'<g class="bar" data-key="{_attr(b.key)}" data-value="{b.value}">'
            f'<text class="bar-label" x="{label_w - 8}" y="{y + 20}" text-anchor="end">'
            f"{escape(b.label)}</text>"
            f'<rect x="{label_w}" y="{y + 4}" width="{_fmt(w)}" height="{row_h - 10}" fill="{PALETTE[0]}"/>'
            f'<text class="bar-value" x="{_fmt(label_w + w + 6)}" y="{y + 20}">'
            f"{escape(number(b.value))}{note}</text></g>"
        )
    parts.append("</svg>")
    rows = "".join(
        f'<tr data-key="{_attr(b.key)}"><th scope="row">{escape(b.label)}</th>'
        f"<td>{escape(number(b.value))}</td>"
        f"<td>{escape(b.note)}</td></tr>"
        for b in bars
    )
    table = (
        f'<details class="chart-table"><summary>{escape(table_label)}</summary><div class="table-scroll">'
        f'<table class="data" id="{_attr(chart_id)}-table"><caption>{escape(title)}</caption>'
        f"<tbody>{rows}</tbody></table></div></details>"
    )
    return f'<figure class="chart-figure">{"".join(parts)}{table}</figure>'
