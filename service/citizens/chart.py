"""The BIP chart: one small panel per indicator over time, as SVG with Danish labels.

Pure text generation, no web and no database. A missing answer breaks the line and is marked
"ikke besvaret"; it is never drawn as a score.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from xml.sax.saxutils import escape

from service.citizens.bip import BELIEF_LABEL_DA, INDICATORS, LABELS_DA, Measurement

PANEL_WIDTH = 420
PANEL_HEIGHT = 150
COLUMNS = 2
MARGIN = 30
HEADER = 70
PLOT_LEFT = 34  # room for the 1-5 axis labels
PLOT_TOP = 26  # room for the panel title
PLOT_BOTTOM = 24  # room for the date labels
LINE = "#1f5f8b"
MISSING = "#9a9a9a"


def _danish_date(day: date) -> str:
    return f"{day.day:02d}.{day.month:02d}.{day.year}"


def _x_positions(dates: Sequence[date], width: float) -> list[float]:
    """Horizontal positions scaled by time, so uneven gaps between measurements show."""
    if len(dates) == 1:
        return [width / 2]
    first, last = dates[0], dates[-1]
    span = max((last - first).days, 1)
    return [(d - first).days / span * width for d in dates]


def _panel(
    title: str,
    values: Sequence[int | None],
    dates: Sequence[date],
    left: float,
    top: float,
) -> list[str]:
    plot_width = PANEL_WIDTH - PLOT_LEFT - 16
    plot_height = PANEL_HEIGHT - PLOT_TOP - PLOT_BOTTOM
    x0, y0 = left + PLOT_LEFT, top + PLOT_TOP

    def y_of(score: float) -> float:
        return y0 + plot_height - (score - 1) / 4 * plot_height

    parts = [
        f'<g class="panel"><text x="{left + 4}" y="{top + 16}" class="title">{escape(title)}</text>'
    ]
    for score in range(1, 6):
        y = y_of(score)
        parts.append(
            f'<line x1="{x0}" y1="{y:.1f}" x2="{x0 + plot_width}" y2="{y:.1f}" class="grid"/>'
            f'<text x="{x0 - 8}" y="{y + 4:.1f}" class="axis" text-anchor="end">{score}</text>'
        )
    xs = [x0 + x for x in _x_positions(dates, plot_width)]
    segment: list[str] = []
    segments: list[list[str]] = []
    for x, value in zip(xs, values, strict=True):
        if value is None:
            if segment:
                segments.append(segment)
            segment = []
            continue
        segment.append(f"{x:.1f},{y_of(value):.1f}")
    if segment:
        segments.append(segment)
    for points in segments:
        if len(points) > 1:
            parts.append(f'<polyline points="{" ".join(points)}" class="line"/>')
    for x, value, day in zip(xs, values, dates, strict=True):
        if value is None:
            parts.append(
                f'<text x="{x:.1f}" y="{y0 + plot_height / 2:.1f}" class="missing" '
                f'text-anchor="middle">ikke besvaret</text>'
            )
        else:
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y_of(value):.1f}" r="4" class="point">'
                f"<title>{_danish_date(day)}: {value}</title></circle>"
            )
    label_at = range(len(dates)) if len(dates) <= 4 else (0, len(dates) - 1)
    for index in label_at:
        parts.append(
            f'<text x="{xs[index]:.1f}" y="{y0 + plot_height + 16:.1f}" class="axis" '
            f'text-anchor="middle">{_danish_date(dates[index])}</text>'
        )
    parts.append("</g>")
    return parts


def bip_chart_svg(measurements: Sequence[Measurement]) -> str:
    """An SVG chart of the ten indicators (and the caseworker's belief, when recorded)."""
    ordered = sorted(measurements, key=lambda m: m.measured_on)
    dates = [m.measured_on for m in ordered]
    series: list[tuple[str, list[int | None]]] = [
        (LABELS_DA[key], [m.answers.get(key) for m in ordered]) for key in INDICATORS
    ]
    if any(m.caseworker_belief is not None for m in ordered):
        series.append((BELIEF_LABEL_DA, [m.caseworker_belief for m in ordered]))
    rows = (len(series) + COLUMNS - 1) // COLUMNS if ordered else 0
    width = MARGIN * 2 + COLUMNS * PANEL_WIDTH
    height = HEADER + rows * PANEL_HEIGHT + MARGIN
    title = "BIP-indikatorer over tid"
    subtitle = (
        f"{len(ordered)} målinger; 1 = lav, 5 = høj arbejdsmarkedsparathed"
        if ordered
        else "Ingen BIP-målinger endnu"
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{title}" lang="da">',
        f"<title>{title}</title>",
        "<style>"
        "text{font-family:sans-serif;fill:#222}"
        ".heading{font-size:20px;font-weight:bold}.sub{font-size:13px}"
        ".title{font-size:13px;font-weight:bold}.axis{font-size:10px;fill:#555}"
        f".grid{{stroke:#ddd;stroke-width:1}}.line{{fill:none;stroke:{LINE};stroke-width:2}}"
        f".point{{fill:{LINE}}}.missing{{font-size:10px;fill:{MISSING};font-style:italic}}"
        "</style>",
        f'<rect width="{width}" height="{height}" fill="#fff"/>',
        f'<text x="{MARGIN}" y="{MARGIN + 6}" class="heading">{title}</text>',
        f'<text x="{MARGIN}" y="{MARGIN + 28}" class="sub">{escape(subtitle)}</text>',
    ]
    for index, (label, values) in enumerate(series if ordered else []):
        left = MARGIN + (index % COLUMNS) * PANEL_WIDTH
        top = HEADER + (index // COLUMNS) * PANEL_HEIGHT
        parts.extend(_panel(label, values, dates, left, top))
    parts.append("</svg>")
    return "\n".join(parts)
