"""Printable wage-hour agreements: one A4 page in Danish, as HTML (print CSS) and as PDF.

Both are built from one ``AgreementDocument``, so the HTML and the PDF show the same words and
numbers. The PDF uses the PDF core font Helvetica with the Windows-1252 encoding, which covers
æ, ø, å and every character the budget rules use: no font file has to be installed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace
from jinja2 import Environment, PackageLoader, select_autoescape

from service.placements.budget import BenefitCategory
from service.placements.schemas import AgreementPublic
from service.placements.states import TYPE_LABELS_DA, PlacementType

BENEFIT_LABELS_DA = {
    BenefitCategory.forhoejet_sats: "Forhøjet sats",
    BenefitCategory.forhoejet_sats_children: "Forhøjet sats, forsørger",
    BenefitCategory.grundsats: "Grundsats",
    BenefitCategory.grundsats_home: "Grundsats, hjemmeboende",
    BenefitCategory.mindstesats: "Mindstesats",
}
BUDGET_HEADINGS = (
    "Timer/uge",
    "Løn",
    "Kontanthjælp",
    "AM-bidrag",
    "Skat",
    "Rådighedsbeløb",
    "Gevinst",
)
PDF_ENCODING = "windows-1252"


def kroner(value: Decimal) -> str:
    """An amount the Danish way: 6.066,67."""
    text = f"{value:,.2f}"
    return text.replace(",", "X").replace(".", ",").replace("X", ".")


def hours(value: Decimal) -> str:
    """Hours a week the Danish way: 10 or 7,5."""
    return f"{value:.2f}".rstrip("0").rstrip(".").replace(".", ",")


@dataclass(frozen=True)
class BudgetLine:
    """One row of the printed budget table."""

    cells: tuple[str, ...]
    agreed: bool


@dataclass(frozen=True)
class AgreementDocument:
    """Every text of a printed agreement, in reading order."""

    title: str
    placement_id: str
    agreement_id: str
    printed: str
    parties: list[tuple[str, str]]
    terms: list[tuple[str, str]]
    paid_tasks: list[str]
    internship_tasks: list[str]
    budget_headings: tuple[str, ...]
    budget_rows: list[BudgetLine]
    rules: str
    budget_note: str
    warnings: list[str] = field(default_factory=list)
    signatures: tuple[str, ...] = ("Borger", "Virksomhed", "Jobcenter")


def build_document(agreement: AgreementPublic, *, printed: str) -> AgreementDocument:
    """The texts of an agreement as they are printed."""
    company = agreement.company
    contact = company.contact_name + (
        f", tlf. {company.contact_phone}" if company.contact_phone else ""
    )
    company_text = ", ".join(
        part
        for part in (company.name, f"CVR {company.cvr}" if company.cvr else None, company.address)
        if part
    )
    budget = agreement.budget
    rows = [
        BudgetLine(
            cells=(
                hours(row.hours_per_week),
                kroner(row.earnings),
                kroner(row.benefit),
                kroner(row.am_bidrag),
                kroner(row.tax),
                kroner(row.disposable_income),
                kroner(row.gain),
            ),
            agreed=row.hours_per_week == agreement.hours_per_week,
        )
        for row in budget.rows
    ]
    kind = PlacementType(agreement.placement_type)
    return AgreementDocument(
        title=f"Aftale om {TYPE_LABELS_DA[kind].lower()}",
        placement_id=agreement.placement_id,
        agreement_id=agreement.id,
        printed=printed,
        parties=[
            ("Borger", agreement.citizen.name or "(slettet)"),
            ("Virksomhed", company_text or "(slettet)"),
            ("Kontaktperson i virksomheden", contact),
            ("Sagsbehandler", agreement.caseworker.name or "-"),
            ("Virksomhedskonsulent", agreement.consultant.name or "-"),
        ],
        terms=[
            ("Timer pr. uge", hours(agreement.hours_per_week)),
            ("Timeløn", f"{kroner(agreement.hourly_wage)} kr."),
            ("Løn pr. måned (ca.)", f"{kroner(agreement.monthly_earnings)} kr."),
            ("Startdato", agreement.start_date.strftime("%d-%m-%Y")),
            ("Opfølgning", agreement.review_date.strftime("%d-%m-%Y")),
            ("Ydelse", BENEFIT_LABELS_DA[agreement.benefit_category]),
        ],
        paid_tasks=[t.name for t in agreement.paid_tasks],
        internship_tasks=[t.name for t in agreement.internship_tasks],
        budget_headings=BUDGET_HEADINGS,
        budget_rows=rows,
        rules=f"{budget.rules.name} (gældende fra {budget.rules.valid_from.strftime('%d-%m-%Y')})",
        budget_note=(
            f"Beregnet for {BENEFIT_LABELS_DA[agreement.benefit_category].lower()} i kommune "
            f"{budget.municipality_code} pr. {budget.on.strftime('%d-%m-%Y')}; den aftalte "
            "række er fremhævet. Beløbene er et eksempel, ikke en afgørelse."
        ),
        warnings=list(budget.rules.warnings),
    )


@lru_cache(maxsize=1)
def _templates() -> Environment:
    return Environment(
        loader=PackageLoader("service.placements", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=False,
    )


def agreement_html(document: AgreementDocument) -> str:
    """The agreement as one printable HTML page."""
    return _templates().get_template("agreement.html").render(doc=document)


def _pdf_text(text: str) -> str:
    # Anything the core font cannot encode becomes "?" rather than an error.
    return text.encode(PDF_ENCODING, "replace").decode(PDF_ENCODING)


class _AgreementPdf(FPDF):
    def heading(self, text: str) -> None:
        self.ln(1.5)
        self.set_font("Helvetica", "B", 10.5)
        self.cell(0, 5.5, _pdf_text(text), border="B", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1)

    def pairs(self, rows: list[tuple[str, str]]) -> None:
        for label, value in rows:
            self.set_font("Helvetica", "", 8.5)
            self.cell(52, 4.6, _pdf_text(label))
            self.set_font("Helvetica", "", 9.5)
            self.multi_cell(0, 4.6, _pdf_text(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def bullets(self, items: list[str], size: float, height: float) -> None:
        self.set_font("Helvetica", "", size)
        for item in items:
            self.multi_cell(0, height, _pdf_text(f"- {item}"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def agreement_pdf(document: AgreementDocument) -> bytes:
    """The agreement as a one-page A4 PDF."""
    pdf = _AgreementPdf(format="A4")
    pdf.core_fonts_encoding = PDF_ENCODING
    pdf.set_margins(16, 12, 16)
    pdf.set_auto_page_break(auto=True, margin=10)
    pdf.set_title(_pdf_text(f"{document.title} - forløb {document.placement_id}"))
    pdf.set_creator("Kantmatch")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 15)
    pdf.cell(0, 8, _pdf_text(document.title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("Helvetica", "", 8)
    pdf.cell(
        0,
        4,
        _pdf_text(
            f"Forløb {document.placement_id} - aftale {document.agreement_id} - "
            f"udskrevet {document.printed}"
        ),
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.heading("Parter")
    pdf.pairs(document.parties)
    pdf.heading("Vilkår")
    pdf.pairs(document.terms)
    pdf.heading("Opgaver med løn")
    pdf.bullets(document.paid_tasks, 9.5, 4.6)
    if document.internship_tasks:
        pdf.heading("Opgaver, der fortsat er praktik")
        pdf.bullets(document.internship_tasks, 9.5, 4.6)
    pdf.heading("Budget pr. måned (kr.)")
    pdf.set_font("Helvetica", "", 8.5)
    with pdf.table(
        col_widths=(16, 22, 24, 20, 20, 26, 20),
        text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
        line_height=4.6,
        headings_style=FontFace(emphasis="BOLD"),
        borders_layout="HORIZONTAL_LINES",
    ) as table:
        table.row([_pdf_text(h) for h in document.budget_headings])
        for line in document.budget_rows:
            style = FontFace(emphasis="BOLD", fill_color=(235, 235, 235)) if line.agreed else None
            table.row([_pdf_text(c) for c in line.cells], style=style)
    pdf.ln(1.5)
    pdf.set_font("Helvetica", "", 7.5)
    pdf.multi_cell(
        0,
        3.4,
        _pdf_text(f"Regler: {document.rules}. {document.budget_note}"),
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.set_font("Helvetica", "B", 7.5)
    pdf.cell(0, 3.6, "Forbehold", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.bullets(document.warnings, 7, 3.2)
    pdf.ln(10)
    width = (pdf.w - pdf.l_margin - pdf.r_margin - 16) / 3
    pdf.set_font("Helvetica", "", 8.5)
    for index, who in enumerate(document.signatures):
        pdf.cell(width, 5, _pdf_text(who), border="T")
        if index < len(document.signatures) - 1:
            pdf.cell(8, 5, "")
    return bytes(pdf.output())
