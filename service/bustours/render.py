"""A saved tour as CSV, as one printable HTML page (for the bus) and as an SVG sketch.

Pure text generation from the API shape, no web and no database. Citizens appear only by
their labels (first names); no output carries BIP answers, limits or full names.
"""

from __future__ import annotations

from collections.abc import Iterator
from html import escape

import numpy as np

from service.bustours.route import duration_text
from service.bustours.schemas import BusTourPublic, StopPublic
from service.exports import Cell, csv_document

# Danish headings, in column order (the shared exports module writes the file).
CSV_COLUMNS = (
    "Stop",
    "Ankomst",
    "Afgang",
    "Virksomhed",
    "Adresse",
    "Postnummer",
    "By",
    "Branche",
    "Kontaktperson",
    "Telefon",
    "Kørsel km",
    "Kørsel minutter",
    "For borgere",
    "Begrundelser",
)


def _danish_date(tour: BusTourPublic) -> str:
    return tour.date.strftime("%d-%m-%Y")


def _km(value: float) -> str:
    return f"{value:.1f}".replace(".", ",")


def _labels(stop: StopPublic) -> str:
    return ", ".join(p.label for p in stop.for_citizens)


def _csv_rows(tour: BusTourPublic) -> Iterator[list[Cell]]:
    yield ["start", "", tour.start_time, tour.start.name, *[""] * 10]
    for stop in tour.stops:
        yield [
            stop.order,
            stop.arrive_at,
            stop.leave_at,
            stop.company_name,
            stop.address or "",
            stop.postal_code,
            stop.city or "",
            stop.sector_name,
            stop.contact_name or "",
            stop.contact_phone or "",
            _km(stop.drive_km),
            stop.drive_minutes,
            _labels(stop),
            "; ".join(stop.reasons),
        ]
    yield [
        "retur",
        tour.home.arrive_at,
        "",
        tour.start.name,
        *[""] * 6,
        _km(tour.home.drive_km),
        tour.home.drive_minutes,
        "",
        "",
    ]


def tour_csv(tour: BusTourPublic) -> str:
    """The timetable as Danish CSV: a start row, one row per stop in order, and the return."""
    return csv_document(CSV_COLUMNS, _csv_rows(tour))


# The printable page's style: inline so the API's page stands alone; the web pages, whose
# CSP allows no inline style, link to it instead (``stylesheet``).
PRINT_STYLE = """
@page { size: A4 portrait; margin: 11mm; }
body { font: 9pt/1.3 "DejaVu Sans", Arial, sans-serif; color: #111; margin: 0; }
h1 { font-size: 15pt; margin: 0 0 2mm; }
p { margin: 0 0 1.5mm; }
table { width: 100%; border-collapse: collapse; margin-top: 2mm; }
th, td { border-bottom: 0.3mm solid #999; padding: 1.2mm 1mm; text-align: left;
  vertical-align: top; }
th { font-size: 8pt; border-bottom: 0.5mm solid #111; }
td.time { white-space: nowrap; font-weight: bold; }
tr.leg td { color: #444; font-style: italic; border-bottom: none; padding-top: 0.6mm;
  padding-bottom: 0.6mm; }
ul { margin: 0; padding-left: 3.5mm; }
li { margin: 0; }
.small { font-size: 7.5pt; color: #333; }
.for { font-weight: bold; }
@media print { .noprint { display: none; } }
"""


def _stop_rows(stop: StopPublic) -> str:
    address = ", ".join(
        part for part in (stop.address, f"{stop.postal_code} {stop.city or ''}".strip()) if part
    )
    contact = escape(stop.contact_name or "ingen kontaktperson registreret")
    phone = f"<br>tlf. {escape(stop.contact_phone)}" if stop.contact_phone else ""
    reasons = "".join(f"<li>{escape(r)}</li>" for r in stop.reasons)
    return (
        f'<tr class="leg"><td></td><td colspan="6">Kørsel {_km(stop.drive_km)} km, '
        f"ca. {stop.drive_minutes} min</td></tr>"
        f'<tr class="stop"><td>{stop.order}</td>'
        f'<td class="time">{escape(stop.arrive_at)}&ndash;{escape(stop.leave_at)}</td>'
        f"<td><strong>{escape(stop.company_name)}</strong><br>{escape(address)}"
        f'<br><span class="small">{escape(stop.sector_name)}</span></td>'
        f"<td>{contact}{phone}</td>"
        f'<td class="for">{escape(_labels(stop))}</td>'
        f'<td class="small"><ul>{reasons}</ul></td></tr>'
    )


def tour_html(
    tour: BusTourPublic,
    *,
    printed: str,
    stylesheet: str | None = None,
    back: tuple[str, str] | None = None,
) -> str:
    """The tour as one printable page in Danish: timetable, addresses, contacts, who and why.

    ``stylesheet``: a URL serving ``PRINT_STYLE`` to link instead of the inline style (for a
    CSP without inline styles); ``back``: a link (URL, text) shown on screen, not on paper.
    """
    style = (
        f'<link rel="stylesheet" href="{escape(stylesheet)}">'
        if stylesheet
        else f"<style>{PRINT_STYLE}</style>"
    )
    back_link = (
        f'<p class="noprint"><a href="{escape(back[0])}">{escape(back[1])}</a></p>\n'
        if back
        else ""
    )
    title = f"Bustur {_danish_date(tour)} fra {tour.start.name}"
    group = ", ".join(m.label for m in tour.citizens)
    warnings = (
        "<p><strong>Bemærk:</strong></p><ul>"
        + "".join(f"<li>{escape(w)}</li>" for w in tour.warnings)
        + "</ul>"
        if tour.warnings
        else ""
    )
    rows = "".join(_stop_rows(stop) for stop in tour.stops)
    return f"""<!DOCTYPE html>
<html lang="da">
<head>
<meta charset="utf-8">
<title>{escape(title)}</title>
{style}
</head>
<body>
{back_link}<h1>{escape(title)}</h1>
<p>Afgang kl. <strong>{tour.start_time}</strong> fra {escape(tour.start.name)}
&middot; hjemme ca. kl. <strong>{tour.return_at}</strong> (senest {tour.latest_return})
&middot; {len(tour.stops)} besøg à {tour.visit_minutes} min
&middot; {_km(tour.total_km)} km, {duration_text(tour.total_minutes)} i alt
(heraf {duration_text(tour.driving_minutes)} kørsel)</p>
<p><strong>Deltagere ({len(tour.citizens)}):</strong> {escape(group)}</p>
<table>
<thead><tr><th>#</th><th>Tid</th><th>Virksomhed og adresse</th><th>Kontaktperson</th>
<th>For</th><th>Hvorfor</th></tr></thead>
<tbody>
<tr class="start"><td>S</td><td class="time">{tour.start_time}</td>
<td colspan="4">Afgang fra {escape(tour.start.name)}</td></tr>
{rows}
<tr class="leg"><td></td><td colspan="6">Kørsel {_km(tour.home.drive_km)} km,
ca. {tour.home.drive_minutes} min</td></tr>
<tr class="home"><td>S</td><td class="time">{tour.home.arrive_at}</td>
<td colspan="4">Hjemme ved {escape(tour.start.name)}</td></tr>
</tbody>
</table>
{warnings}
<p class="small">{escape(tour.assumptions.note)}</p>
<p class="small">Deltagerne nævnes kun ved fornavn.
Tur {escape(tour.id)}, udskrevet {escape(printed)}.</p>
</body>
</html>
"""


SVG_WIDTH, SVG_HEIGHT, SVG_MARGIN = 760, 460, 40
LEGEND_WIDTH = 300  # the stops' names and times, listed at the right in visiting order
LEGEND_LINE = 22


def _project(lats: list[float], lons: list[float]) -> list[tuple[float, float]]:
    """Points on the drawing: equirectangular, east-west shrunk by cos(latitude), fitted."""
    lat = np.array(lats, dtype=float)
    lon = np.array(lons, dtype=float)
    x = lon * np.cos(np.radians(lat.mean()))
    y = -lat
    width = SVG_WIDTH - 2 * SVG_MARGIN - LEGEND_WIDTH
    height = SVG_HEIGHT - 3 * SVG_MARGIN
    scale = min(width / max(float(np.ptp(x)), 1e-6), height / max(float(np.ptp(y)), 1e-6))
    # Centred in the drawing area.
    px = SVG_MARGIN + (width - float(np.ptp(x)) * scale) / 2 + (x - x.min()) * scale
    py = SVG_MARGIN + (height - float(np.ptp(y)) * scale) / 2 + (y - y.min()) * scale
    return [(round(float(a), 1), round(float(b), 1)) for a, b in zip(px, py, strict=True)]


def tour_svg(tour: BusTourPublic) -> str:
    """A sketch of the route: start, the stops numbered in visiting order, and back."""
    points = _project(
        [tour.start.lat, *[s.lat for s in tour.stops]],
        [tour.start.lon, *[s.lon for s in tour.stops]],
    )
    path = " ".join(f"{x},{y}" for x, y in [*points, points[0]])
    legend_x = SVG_WIDTH - LEGEND_WIDTH - SVG_MARGIN / 2
    title = f"Bustur {_danish_date(tour)} fra {tour.start.name}"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {SVG_WIDTH} {SVG_HEIGHT}" '
        f'width="{SVG_WIDTH}" height="{SVG_HEIGHT}" font-family="DejaVu Sans, Arial, sans-serif" '
        'font-size="12">',
        f"<title>{escape(title)}</title>",
        '<rect width="100%" height="100%" fill="#ffffff"/>',
        f'<text x="{SVG_MARGIN / 2}" y="24" font-size="15" font-weight="bold">'
        f"{escape(title)}</text>",
        f'<polyline points="{path}" fill="none" stroke="#1f5f8b" stroke-width="2.5" '
        'stroke-dasharray="6 4"/>',
    ]
    sx, sy = points[0]
    parts.append(
        f'<rect x="{sx - 8}" y="{sy - 8}" width="16" height="16" fill="#111"/>'
        f'<text x="{sx}" y="{sy + 4}" text-anchor="middle" fill="#fff" font-weight="bold">S'
        "</text>"
    )
    top = SVG_MARGIN + 10
    parts.append(
        f'<text class="start" x="{legend_x}" y="{top}" font-weight="bold">'
        f"S {escape(tour.start.name)} {tour.start_time}</text>"
    )
    for stop, (x, y) in zip(tour.stops, points[1:], strict=True):
        parts.append(
            f'<g class="stop" data-order="{stop.order}">'
            f'<circle cx="{x}" cy="{y}" r="11" fill="#1f5f8b"/>'
            f'<text x="{x}" y="{y + 4}" text-anchor="middle" fill="#fff" '
            f'font-weight="bold">{stop.order}</text>'
            f'<text class="stop-label" x="{legend_x}" y="{top + stop.order * LEGEND_LINE}">'
            f"{stop.order}. {escape(stop.company_name)} {stop.arrive_at}–{stop.leave_at}"
            "</text></g>"
        )
    parts.append(
        f'<text class="home" x="{legend_x}" y="{top + (len(tour.stops) + 1) * LEGEND_LINE}" '
        f'font-weight="bold">S hjemme {tour.home.arrive_at}</text>'
    )
    parts.append(
        f'<text x="{SVG_MARGIN / 2}" y="{SVG_HEIGHT - 12}" font-size="10" fill="#444">'
        f"Skitse, ikke et kort: {_km(tour.total_km)} km anslået vejafstand "
        f"(fugleflugt x {str(tour.assumptions.detour_factor).replace('.', ',')}).</text>"
    )
    parts.append("</svg>")
    return "\n".join(parts)
