"""The targets chart: one panel per target, reached (bars) against the cumulative target.

Pure text generation from a ``TargetsOverview``. Published targets are filled dots on a solid
line, derived ones hollow dots on a dashed line, so no one mistakes a derived half-year target
for a published one.
"""

from __future__ import annotations

from itertools import pairwise
from xml.sax.saxutils import escape

from service.overview.schemas import TargetProgress, TargetsOverview

WIDTH = 860
PANEL_HEIGHT = 170
HEADER = 78
FOOTER = 108
LEFT = 64
RIGHT = 24
PLOT_TOP = 28
PLOT_BOTTOM = 34
BAR = "#1f5f8b"
# The rule of targets.plan, in Danish (the file's own text is in the JSON answer).
DERIVATION_DA = (
    "Afledte delmål: mellem to offentliggjorte mål (projektstart = 0) vokser målet med lige "
    "store skridt pr. halvår, afrundet halvt op."
)
TARGET = "#b5462b"


def _number(value: float) -> str:
    return f"{value:,.0f}".replace(",", ".")


def _panel(progress: TargetProgress, top: float) -> list[str]:
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = PANEL_HEIGHT - PLOT_TOP - PLOT_BOTTOM
    y0 = top + PLOT_TOP
    halves = progress.half_years
    slot = plot_width / max(len(halves), 1)
    reached = [h.cumulative or 0 for h in halves]
    targets = [h.target_cumulative or 0 for h in halves]
    scale_max = max([progress.target, progress.reached, *reached, *targets, 1])

    def y_of(value: float) -> float:
        return y0 + plot_height - value / scale_max * plot_height

    lower = " (mindst)" if progress.reached_is_lower_bound else ""
    title = (
        f"{progress.label}: {_number(progress.reached)}{lower} af {_number(progress.target)} "
        f"({progress.share_reached * 100:.0f} %)"
    )
    parts = [
        f'<g class="panel"><text x="{LEFT}" y="{top + 16}" class="title">{escape(title)}</text>'
    ]
    for fraction in (0, 0.5, 1):
        value = scale_max * fraction
        y = y_of(value)
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{LEFT + plot_width}" y2="{y:.1f}" class="grid"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" class="axis" text-anchor="end">'
            f"{_number(value)}</text>"
        )
    for i, half in enumerate(halves):
        x = LEFT + i * slot
        if half.cumulative is not None and half.cumulative > 0:
            y = y_of(half.cumulative)
            parts.append(
                f'<rect x="{x + slot * 0.2:.1f}" y="{y:.1f}" width="{slot * 0.6:.1f}" '
                f'height="{y0 + plot_height - y:.1f}" class="bar"/>'
            )
        parts.append(
            f'<text x="{x + slot / 2:.1f}" y="{y0 + plot_height + 14:.1f}" class="axis" '
            f'text-anchor="middle">{escape(half.period)}</text>'
        )
    points = [
        (LEFT + (i + 0.5) * slot, y_of(h.target_cumulative), h.target_kind == "published")
        for i, h in enumerate(halves)
        if h.target_cumulative is not None
    ]
    for (x1, y1, from_published), (x2, y2, to_published) in pairwise(points):
        style = "target" if from_published and to_published else "target derived"
        parts.append(
            f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" class="{style}"/>'
        )
    for x, y, published in points:
        style = "dot" if published else "dot derived"
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" class="{style}"/>')
    if all(h.cumulative is None for h in halves):
        parts.append(
            f'<text x="{LEFT + 8}" y="{y0 + 14}" class="note">Nu: {_number(progress.reached)} '
            "(registret gemmer ikke hvornår; ingen fordeling pr. halvår)</text>"
        )
    parts.append("</g>")
    return parts


def targets_chart_svg(overview: TargetsOverview) -> str:
    """The SVG chart of progress against every target."""
    height = HEADER + PANEL_HEIGHT * len(overview.targets) + FOOTER
    title = f"{overview.programme}: fremdrift mod måltal pr. halvår (opgjort {overview.as_of})"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{escape(title)}">',
        "<style>"
        "text{font-family:sans-serif;fill:#222}"
        ".heading{font-size:16px;font-weight:bold}.title{font-size:13px;font-weight:bold}"
        ".axis{font-size:10px;fill:#555}.note,.foot{font-size:10px;fill:#444}"
        ".grid{stroke:#ddd;stroke-width:1}.bar{fill:" + BAR + "}"
        ".target{stroke:" + TARGET + ";stroke-width:2;fill:none}"
        ".derived{stroke-dasharray:4 3}"
        ".dot{fill:" + TARGET + ";stroke:" + TARGET + ";stroke-width:1.5}"
        ".dot.derived{fill:#fff;stroke-dasharray:none}"
        "</style>",
        f'<rect width="{WIDTH}" height="{height}" fill="#fff"/>',
        f'<text x="{LEFT}" y="26" class="heading">{escape(title)}</text>',
        f'<rect x="{LEFT}" y="42" width="14" height="10" class="bar"/>'
        f'<text x="{LEFT + 20}" y="51" class="note">Nået (akkumuleret)</text>'
        f'<circle cx="{LEFT + 160}" cy="47" r="3.5" class="dot"/>'
        f'<text x="{LEFT + 168}" y="51" class="note">Mål, offentliggjort</text>'
        f'<circle cx="{LEFT + 290}" cy="47" r="3.5" class="dot derived"/>'
        f'<text x="{LEFT + 298}" y="51" class="note">Mål, afledt (ikke offentliggjort)</text>',
    ]
    for index, progress in enumerate(overview.targets):
        parts += _panel(progress, HEADER + index * PANEL_HEIGHT)
    foot_top = HEADER + PANEL_HEIGHT * len(overview.targets) + 14
    notes = [
        "Kilde: VIVE 2020, 'Rekruttering fra kanten' - En midtvejsevaluering (afsnit 1.1 og "
        "3.5). Offentliggjort: totalerne og delmålet 100 i løntimer/ansættelse pr. 31.12.2019.",
        DERIVATION_DA,
        f"Programperiode {overview.start_date:%d.%m.%Y}-{overview.end_date:%d.%m.%Y} "
        "(hvad der er antaget, står i period_note i JSON-svaret).",
        overview.disclosure.rule or "Nøjagtige tal.",
    ]
    for i, note in enumerate(notes):
        parts.append(
            f'<text x="{LEFT}" y="{foot_top + i * 16}" class="foot">{escape(note[:170])}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
