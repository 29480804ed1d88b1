"""Printable pages in Danish, as HTML (print CSS) and as one-page A4 PDFs: the wage-hour agreement
and the budget example on its own (for a first conversation, without any citizen).

Both pages share one budget section (``BudgetSection``): the same table, rules line, note and
warning, built once from a ``BudgetPublic``, so the HTML, the PDF and the agreement show the same
words and numbers. Amounts are written the Danish way ("9.714,62 kr."), municipalities by name,
benefits by their Danish name; no ids or code names are printed. The PDF uses the core font
Helvetica with the Windows-1252 encoding, which covers æ, ø, å: no font file has to be installed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace
from jinja2 import Environment, PackageLoader, select_autoescape

from service.placements.budget import BenefitCategory
from service.placements.schemas import AgreementPublic, BudgetPublic
from service.placements.states import TYPE_LABELS_DA, PlacementType
from service.places import PROGRAMME_MUNICIPALITIES

BENEFIT_LABELS_DA = {
    BenefitCategory.forhoejet_sats: "Forhøjet sats",
    BenefitCategory.forhoejet_sats_children: "Forhøjet sats, forsørger",
    BenefitCategory.grundsats: "Grundsats",
    BenefitCategory.grundsats_home: "Grundsats, hjemmeboende",
    BenefitCategory.mindstesats: "Mindstesats",
}
BUDGET_HEADINGS = (
    "Timer pr. uge",
    "Løn",
    "Kontanthjælp",
    "AM-bidrag",
    "Skat",
    "Rådighedsbeløb",
    "Gevinst",
)
PDF_ENCODING = "windows-1252"
ARCHIVED_SUFFIX = " (arkiveret)"


def kroner(value: Decimal) -> str:
    """An amount the Danish way: 6.066,67."""
    text = f"{value:,.2f}"
    return text.replace(",", "X").replace(".", ",").replace("X", ".")


def kr(value: Decimal) -> str:
    """An amount with its unit: 9.714,62 kr."""
    return f"{kroner(value)} kr."


def hours(value: Decimal) -> str:
    """Hours a week the Danish way: 10 or 7,5."""
    return f"{value:.2f}".rstrip("0").rstrip(".").replace(".", ",")


def day(value: date) -> str:
    """A date the Danish way: 01-09-2025."""
    return value.strftime("%d-%m-%Y")


def municipality_name(budget: BudgetPublic) -> str:
    """The municipality by name ("Lolland Kommune"), also for budgets stored without it."""
    if budget.municipality_name:
        return budget.municipality_name
    name = PROGRAMME_MUNICIPALITIES.get(budget.municipality_code)
    return f"{name} Kommune" if name else f"Kommune {budget.municipality_code}"


@dataclass(frozen=True)
class BudgetLine:
    """One row of the printed budget table."""

    cells: tuple[str, ...]
    agreed: bool


@dataclass(frozen=True)
class BudgetSection:
    """The budget as printed: table, rules line, the note on what is assumed, and warnings."""

    headings: tuple[str, ...]
    rows: list[BudgetLine]
    rules: str
    note: str
    warnings: list[str]


def budget_section(budget: BudgetPublic, *, agreed_hours: Decimal | None = None) -> BudgetSection:
    """The printed budget: what the citizen has each month at each number of hours."""
    rows = [
        BudgetLine(
            cells=(
                hours(row.hours_per_week),
                kr(row.earnings),
                kr(row.benefit),
                kr(row.am_bidrag),
                kr(row.tax),
                kr(row.disposable_income),
                kr(row.gain),
            ),
            agreed=agreed_hours is not None and row.hours_per_week == agreed_hours,
        )
        for row in budget.rows
    ]
    rules = budget.rules
    period = f"gældende fra {day(rules.valid_from)}"
    if rules.valid_to is not None:
        period += f" til {day(rules.valid_to)}"
    category = BENEFIT_LABELS_DA[BenefitCategory(budget.benefit_category)].lower()
    note = (
        f"Beregnet for {category} i {municipality_name(budget)} pr. {day(budget.on)} med en "
        f"timeløn på {kr(budget.hourly_wage)}"
    )
    # The amount ends in "kr.", which ends the sentence too.
    note += "; den aftalte række er fremhævet. " if agreed_hours is not None else " "
    note += budget.assumptions or "Beløbene er et eksempel, ikke en afgørelse."
    return BudgetSection(
        headings=BUDGET_HEADINGS,
        rows=rows,
        rules=f"Regler: {rules.name}, {period}.",
        note=note,
        warnings=list(rules.warnings),
    )


@dataclass(frozen=True)
class BudgetDocument:
    """Every text of a printed budget example, in reading order."""

    title: str
    printed: str
    facts: list[tuple[str, str]]
    budget: BudgetSection


def build_budget_document(budget: BudgetPublic, *, printed: str) -> BudgetDocument:
    """The texts of a budget example as they are printed."""
    category = BenefitCategory(budget.benefit_category)
    return BudgetDocument(
        title="Hvad betyder lønnede timer for økonomien?",
        printed=printed,
        facts=[
            ("Kommune", municipality_name(budget)),
            ("Ydelse", BENEFIT_LABELS_DA[category]),
            ("Timeløn", kr(budget.hourly_wage)),
            ("Beregnet pr.", day(budget.on)),
            ("Medlem af folkekirken", "ja" if budget.church_member else "nej"),
        ],
        budget=budget_section(budget),
    )


@dataclass(frozen=True)
class AgreementDocument:
    """Every text of a printed agreement, in reading order."""

    title: str
    printed: str
    parties: list[tuple[str, str]]
    terms: list[tuple[str, str]]
    paid_tasks: list[str]
    internship_tasks: list[str]
    budget: BudgetSection
    signatures: tuple[str, ...] = field(default=("Borger", "Virksomhed", "Jobcenter"))


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
    if company_text and company.archived:
        company_text += ARCHIVED_SUFFIX
    kind = PlacementType(agreement.placement_type)
    return AgreementDocument(
        title=f"Aftale om {TYPE_LABELS_DA[kind].lower()}",
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
            ("Timeløn", kr(agreement.hourly_wage)),
            ("Løn pr. måned (ca.)", kr(agreement.monthly_earnings)),
            ("Startdato", day(agreement.start_date)),
            ("Opfølgning", day(agreement.review_date)),
            ("Ydelse", BENEFIT_LABELS_DA[agreement.benefit_category]),
        ],
        paid_tasks=[t.name for t in agreement.paid_tasks],
        internship_tasks=[t.name for t in agreement.internship_tasks],
        budget=budget_section(agreement.budget, agreed_hours=agreement.hours_per_week),
    )


@lru_cache(maxsize=1)
def _templates() -> Environment:
    return Environment(
        loader=PackageLoader("service.placements", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=False,
    )


def agreement_html(document: AgreementDocument, *, stylesheet: str | None = None) -> str:
    """The agreement as one printable HTML page.

    ``stylesheet``: a URL serving ``print_style()`` to link instead of the inline style (for
    the web pages, whose Content-Security-Policy allows no inline style).
    """
    return _templates().get_template("agreement.html").render(doc=document, stylesheet=stylesheet)


def agreement_pdf_disposition(placement_id: str) -> str:
    """The Content-Disposition of an agreement's PDF: shown inline, saved under a Danish name."""
    return f'inline; filename="loentimeaftale-{placement_id}.pdf"'


def print_style() -> str:
    """The printable documents' style sheet (A4, print CSS), as the pages link it."""
    return _templates().get_template("_style.css").render()


def budget_html(document: BudgetDocument) -> str:
    """The budget example as one printable HTML page."""
    return _templates().get_template("budget.html").render(doc=document)


def _pdf_text(text: str) -> str:
    # Anything the core font cannot encode becomes "?" rather than an error.
    return text.encode(PDF_ENCODING, "replace").decode(PDF_ENCODING)


class _Pdf(FPDF):
    def start(self, title: str, printed: str) -> None:
        self.core_fonts_encoding = PDF_ENCODING
        self.set_margins(16, 12, 16)
        self.set_auto_page_break(auto=True, margin=10)
        self.set_title(_pdf_text(title))
        self.set_creator("Kantmatch")
        self.add_page()
        self.set_font("Helvetica", "B", 15)
        self.cell(0, 8, _pdf_text(title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font("Helvetica", "", 8)
        self.cell(0, 4, f"Udskrevet {printed}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

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

    def budget(self, section: BudgetSection) -> None:
        self.heading("Budget pr. måned")
        self.set_font("Helvetica", "", 8.5)
        with self.table(
            col_widths=(18, 27, 27, 24, 25, 30, 27),
            text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
            line_height=4.6,
            headings_style=FontFace(emphasis="BOLD"),
            borders_layout="HORIZONTAL_LINES",
        ) as table:
            table.row([_pdf_text(h) for h in section.headings])
            for line in section.rows:
                style = (
                    FontFace(emphasis="BOLD", fill_color=(235, 235, 235)) if line.agreed else None
                )
                table.row([_pdf_text(c) for c in line.cells], style=style)
        self.ln(1.5)
        self.set_font("Helvetica", "", 7.5)
        for text in (section.rules, section.note):
            self.multi_cell(0, 3.4, _pdf_text(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if section.warnings:
            self.set_font("Helvetica", "B", 7.5)
            self.cell(0, 3.6, "Forbehold", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            self.bullets(section.warnings, 7, 3.2)


def agreement_pdf(document: AgreementDocument) -> bytes:
    """The agreement as a one-page A4 PDF."""
    pdf = _Pdf(format="A4")
    pdf.start(document.title, document.printed)
    pdf.heading("Parter")
    pdf.pairs(document.parties)
    pdf.heading("Vilkår")
    pdf.pairs(document.terms)
    pdf.heading("Opgaver med løn")
    pdf.bullets(document.paid_tasks, 9.5, 4.6)
    if document.internship_tasks:
        pdf.heading("Opgaver, der fortsat er praktik")
        pdf.bullets(document.internship_tasks, 9.5, 4.6)
    pdf.budget(document.budget)
    pdf.ln(10)
    width = (pdf.w - pdf.l_margin - pdf.r_margin - 16) / 3
    pdf.set_font("Helvetica", "", 8.5)
    for index, who in enumerate(document.signatures):
        pdf.cell(width, 5, _pdf_text(who), border="T")
        if index < len(document.signatures) - 1:
            pdf.cell(8, 5, "")
    return bytes(pdf.output())


def budget_pdf(document: BudgetDocument) -> bytes:
    """The budget example as a one-page A4 PDF."""
    pdf = _Pdf(format="A4")
    pdf.start(document.title, document.printed)
    pdf.heading("Forudsætninger")
    pdf.pairs(document.facts)
    pdf.budget(document.budget)
    return bytes(pdf.output())
