"""An SVG chart of a municipality's forecast: one small panel per sector, openings with the band."""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

COLUMNS = 5
PANEL_WIDTH = 190
PANEL_HEIGHT = 150
PLOT_LEFT = 40  # room for the y-axis labels inside a panel
PLOT_TOP = 24  # room for the panel title
PLOT_BOTTOM = 22  # room for the year labels
HEADER = 78
MARGIN = 16
SOURCE_LINE_CHARS = 170


@dataclass(frozen=True)
class ChartSeries:
    """Openings and their band for one sector over the years ahead."""

    label: str
    years: Sequence[int]
    openings: Sequence[float]
    low: Sequence[float]
    high: Sequence[float]


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 × a power of ten that is at least the value."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for factor in (1, 2, 2.5, 5, 10):
        if factor * power >= value:
            return float(factor * power)
    return float(10 * power)


def _number(value: float) -> str:
    return f"{value:,.0f}".replace(",", ".")


def _panel(series: ChartSeries, x0: float, y0: float) -> list[str]:
    width = PANEL_WIDTH - PLOT_LEFT - 10
    height = PANEL_HEIGHT - PLOT_TOP - PLOT_BOTTOM
    left, top = x0 + PLOT_LEFT, y0 + PLOT_TOP
    top_value = nice_ceiling(max([*series.high, *series.openings, 0.0]))
    count = len(series.years)

    def x(i: int) -> float:
        return left + (width * i / (count - 1) if count > 1 else width / 2)

    def y(v: float) -> float:
        return top + height - height * v / top_value

    parts = [
        f'<text x="{x0 + 4}" y="{y0 + 14}" class="panel-title">{escape(series.label)}</text>',
        f'<line x1="{left}" y1="{top + height}" x2="{left + width}" y2="{top + height}" '
        'class="axis"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + height}" class="axis"/>',
    ]
    for tick in (0.0, top_value / 2, top_value):
        parts.append(
            f'<text x="{left - 4}" y="{y(tick) + 3:.1f}" class="tick" text-anchor="end">'
            f"{_number(tick)}</text>"
        )
    band = [f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(series.high)]
    band += [f"{x(i):.1f},{y(v):.1f}" for i, v in reversed(list(enumerate(series.low)))]
    parts.append(f'<polygon points="{" ".join(band)}" class="band"/>')
    line = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(series.openings))
    parts.append(f'<polyline points="{line}" class="line"/>')
    for i, (year, value) in enumerate(zip(series.years, series.openings, strict=True)):
        parts.append(
            f'<circle cx="{x(i):.1f}" cy="{y(value):.1f}" r="2.5" class="dot">'
            f"<title>{year}: {_number(value)} ({_number(series.low[i])}-"
            f"{_number(series.high[i])})</title></circle>"
        )
        parts.append(
            f'<text x="{x(i):.1f}" y="{top + height + 14}" class="tick" '
            f'text-anchor="middle">{year}</text>'
        )
    return parts


def openings_chart_svg(
    *,
    title: str,
    subtitle: str,
    series: Sequence[ChartSeries],
    illustrative: bool,
    source_lines: Sequence[str],
) -> str:
    """The chart as an SVG document (small multiples, each panel on its own scale)."""
    rows = max(1, math.ceil(len(series) / COLUMNS))
    width = MARGIN * 2 + COLUMNS * PANEL_WIDTH
    # About 5 px a character at 9.5 px: long source names wrap instead of running off the edge.
    source_lines = [
        part for line in source_lines for part in textwrap.wrap(line, SOURCE_LINE_CHARS) or [""]
    ]
    footer = 18 * (len(source_lines) + 1)
    height = HEADER + rows * PANEL_HEIGHT + footer + MARGIN
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">',
        "<style>"
        "text{font-family:sans-serif;fill:#222}"
        ".title{font-size:16px;font-weight:bold}.subtitle{font-size:11px}"
        ".warning{font-size:13px;font-weight:bold;fill:#b00020}"
        ".panel-title{font-size:9.5px;font-weight:bold}.tick{font-size:9px;fill:#555}"
        ".source{font-size:9.5px;fill:#444}.axis{stroke:#999;stroke-width:1}"
        ".band{fill:#4a7db8;fill-opacity:0.22;stroke:none}"
        ".line{fill:none;stroke:#1f4e8c;stroke-width:2}.dot{fill:#1f4e8c}"
        "</style>",
        f'<rect width="{width}" height="{height}" fill="#fff"/>',
        f'<text x="{MARGIN}" y="24" class="title">{escape(title)}</text>',
        f'<text x="{MARGIN}" y="42" class="subtitle">{escape(subtitle)}</text>',
    ]
    if illustrative:
        parts.append(
            f'<text x="{MARGIN}" y="62" class="warning">ILLUSTRATIVE DATA: opdigtede tal i '
            "de rigtige tabellers form, ikke statistik (illustrative figures, not statistics)"
            "</text>"
        )
    for index, item in enumerate(series):
        column, row = index % COLUMNS, index // COLUMNS
        parts += _panel(item, MARGIN + column * PANEL_WIDTH, HEADER + row * PANEL_HEIGHT)
    y = HEADER + rows * PANEL_HEIGHT + 14
    parts.append(
        f'<text x="{MARGIN}" y="{y}" class="source">Linje: forventede jobåbninger pr. år; '
        "felt: lavt-højt bånd (80 %). Kilder:</text>"
    )
    for line in source_lines:
        y += 18
        parts.append(f'<text x="{MARGIN}" y="{y}" class="source">{escape(line)}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
