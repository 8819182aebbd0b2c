"""Charts as geometry for an inline SVG: coordinates computed here, drawn by a template.

Server-rendered, so the stats page needs no JavaScript and no third-party script; every chart
has a title, a description and a table of the same numbers beside it (the template's job).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from django.utils.dateformat import format as format_date
from django.utils.formats import number_format
from django.utils.translation import gettext

WIDTH, HEIGHT = 720, 300
# Room for the y labels on the left, the x labels below and the legend on top.
LEFT, RIGHT, TOP, BOTTOM = 64, 36, 36, 40
MAX_X_LABELS = 8


@dataclass(frozen=True, slots=True)
class Tick:
    position: float  # x for the x axis, y for the y axis, in SVG units
    label: str


@dataclass(frozen=True, slots=True)
class Point:
    x: float
    y: float
    label: str  # the value in words: each point's tooltip (an SVG <title>)


@dataclass(frozen=True, slots=True)
class Line:
    name: str
    css: str  # a modifier class: the colour comes from site.css
    path: str  # the SVG path data
    points: list[Point]


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    css: str
    label: str


@dataclass(frozen=True, slots=True)
class LegendItem:
    name: str
    css: str
    x: float


@dataclass(frozen=True, slots=True)
class Label:
    x: float
    y: float
    text: str


@dataclass(frozen=True, slots=True)
class Chart:
    slug: str  # unique on the page: the ids of its title and description
    title: str
    description: str
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    top: int = TOP
    bottom: int = HEIGHT - BOTTOM
    x_ticks: list[Tick] = field(default_factory=list)
    y_ticks: list[Tick] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    bars: list[Bar] = field(default_factory=list)
    legend: list[LegendItem] = field(default_factory=list)
    zero: float | None = None  # y of the zero line, for charts that go below it
    labels: list[Label] = field(default_factory=list)  # category names beside the bars

    @property
    def empty(self) -> bool:
        return not (self.lines or self.bars)


def nice_ticks(low: float, high: float, *, count: int = 5) -> list[float]:
    """Round tick values that cover [low, high] in about `count` steps of 1, 2, 2.5 or 5
    times a power of ten, and at least 1 (the charts count rows)."""
    if high < low:
        low, high = high, low
    if high == low:
        high = low + 1
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    multiples = (1, 2, 2.5, 5, 10) if magnitude >= 10 else (1, 2, 5, 10)  # no 2.5 rows
    step = max(1, next(m * magnitude for m in multiples if m * magnitude >= raw))
    start = math.floor(low / step) * step
    ticks = []
    value = start
    while value < high + step * 1e-9:
        ticks.append(round(value, 10))
        value += step
    if ticks[-1] < high:
        ticks.append(round(value, 10))
    return ticks


def number(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:,.1f}"


def month_label(day: date) -> str:
    return format_date(day, "M Y")


def bar_label(series: str, value: int, day: str) -> str:
    """ "Added: 137 in the edition of 8 May 2024"."""
    return gettext("%(series)s: %(num)s in the edition of %(date)s") % {
        "series": series,
        "num": number_format(value, force_grouping=True),
        "date": day,
    }


def month_ticks(dates: Sequence[date]) -> list[date]:
    """First days of months between the first and last date, every 1, 2, 3, 6 or 12 months:
    a time axis labelled by the calendar, not by the (unevenly spaced) editions."""
    first, last = dates[0], dates[-1]
    months = (last.year - first.year) * 12 + last.month - first.month
    step = next((m for m in (1, 2, 3, 6) if months / m <= MAX_X_LABELS - 1), 12)
    # From the first month boundary on or after the first date that is a multiple of the step.
    index = first.year * 12 + first.month - 1 + (first.day > 1)
    index += -index % step
    ticks = []
    while (day := date(index // 12, index % 12 + 1, 1)) <= last:
        ticks.append(day)
        index += step
    return ticks or [first]


def _every(labels: int) -> int:
    return max(1, math.ceil(labels / MAX_X_LABELS))


def _legend(names: Sequence[tuple[str, str]]) -> list[LegendItem]:
    items, x = [], float(LEFT)
    for name, css in names:
        items.append(LegendItem(name=name, css=css, x=x))
        x += 24 + 7.5 * len(name)  # the swatch, a gap and about one character's width each
    return items


def line_chart(
    *,
    slug: str,
    title: str,
    description: str,
    dates: Sequence[date],
    series: Sequence[tuple[str, str, Sequence[int]]],  # (name, css, one value per date)
) -> Chart:
    """Lines over time, x proportional to the date (editions are not evenly spaced). The y
    axis spans the values, not zero to the maximum: its labels say where it starts."""
    chart = Chart(slug=slug, title=title, description=description)
    if not dates:
        return chart
    values = [v for _, _, column in series for v in column]
    ticks = nice_ticks(min(values), max(values))
    low, high = ticks[0], ticks[-1]
    first, last = dates[0].toordinal(), dates[-1].toordinal()

    def x_of(day: date) -> float:
        if first == last:
            return (chart.left + chart.right) / 2
        return chart.left + (day.toordinal() - first) / (last - first) * (chart.right - chart.left)

    def y_of(value: float) -> float:
        return chart.bottom - (value - low) / (high - low) * (chart.bottom - chart.top)

    lines = []
    for name, css, column in series:
        points = [
            Point(
                x=round(x_of(day), 1),
                y=round(y_of(value), 1),
                label=bar_label(name, value, format_date(day, "j F Y")),
            )
            for day, value in zip(dates, column, strict=True)
        ]
        path = " ".join(f"{'M' if i == 0 else 'L'}{p.x:g},{p.y:g}" for i, p in enumerate(points))
        lines.append(Line(name=name, css=css, path=path, points=points))
    return Chart(
        slug=slug,
        title=title,
        description=description,
        x_ticks=[Tick(round(x_of(day), 1), month_label(day)) for day in month_ticks(dates)],
        y_ticks=[Tick(round(y_of(v), 1), number(v)) for v in ticks],
        lines=lines,
        legend=_legend([(name, css) for name, css, _ in series]),
    )


def updown_chart(
    *,
    slug: str,
    title: str,
    description: str,
    dates: Sequence[date],
    up: tuple[str, str, Sequence[int]],  # (name, css, values drawn above the zero line)
    down: tuple[str, str, Sequence[int]],  # (name, css, values drawn below it)
) -> Chart:
    """One pair of bars per edition: one up from zero, one down (e.g. added and removed)."""
    chart = Chart(slug=slug, title=title, description=description)
    if not dates:
        return chart
    top_value = max([0, *up[2]])
    bottom_value = max([0, *down[2]])
    ticks = nice_ticks(-bottom_value, top_value or 1)
    low, high = ticks[0], ticks[-1]

    def y_of(value: float) -> float:
        return chart.bottom - (value - low) / (high - low) * (chart.bottom - chart.top)

    slot = (chart.right - chart.left) / len(dates)
    bar = min(28.0, slot * 0.6)
    zero = y_of(0)
    bars = []
    for i, day in enumerate(dates):
        x = chart.left + i * slot + (slot - bar) / 2
        when = format_date(day, "j F Y")
        added, removed = up[2][i], down[2][i]
        bars.append(
            Bar(
                x=round(x, 1),
                y=round(y_of(added), 1),
                width=round(bar, 1),
                height=round(zero - y_of(added), 1),
                css=up[1],
                label=bar_label(up[0], added, when),
            )
        )
        bars.append(
            Bar(
                x=round(x, 1),
                y=round(zero, 1),
                width=round(bar, 1),
                height=round(y_of(-removed) - zero, 1),
                css=down[1],
                label=bar_label(down[0], removed, when),
            )
        )
    step = _every(len(dates))
    return Chart(
        slug=slug,
        title=title,
        description=description,
        x_ticks=[
            Tick(round(chart.left + (i + 0.5) * slot, 1), month_label(day))
            for i, day in enumerate(dates)
            if i % step == 0
        ],
        y_ticks=[Tick(round(y_of(v), 1), number(abs(v))) for v in ticks],
        bars=bars,
        legend=_legend([(up[0], up[1]), (down[0], down[1])]),
        zero=round(zero, 1),
    )


def hbar_chart(
    *,
    slug: str,
    title: str,
    description: str,
    items: Sequence[tuple[str, int]],  # (label, value), in the order to draw, top first
    css: str = "count",
) -> Chart:
    """One horizontal bar per item, labelled on the left: for categories with long names."""
    row, left, right = 22, 280, WIDTH - RIGHT
    height = TOP + row * len(items) + BOTTOM
    chart = Chart(
        slug=slug,
        title=title,
        description=description,
        height=height,
        left=left,
        bottom=height - BOTTOM,
    )
    if not items:
        return chart
    ticks = nice_ticks(0, max(value for _, value in items) or 1)
    high = ticks[-1]

    def x_of(value: float) -> float:
        return left + value / high * (right - left)

    bars = [
        Bar(
            x=left,
            y=round(TOP + i * row + 3, 1),
            width=round(x_of(value) - left, 1),
            height=row - 6,
            css=css,
            label=f"{label}: {value:,}",
        )
        for i, (label, value) in enumerate(items)
    ]
    return Chart(
        slug=slug,
        title=title,
        description=description,
        height=height,
        left=left,
        bottom=height - BOTTOM,
        x_ticks=[Tick(round(x_of(v), 1), number(v)) for v in ticks],
        bars=bars,
        labels=[
            Label(x=left - 8, y=round(TOP + i * row + row / 2, 1), text=label)
            for i, (label, _) in enumerate(items)
        ],
    )
