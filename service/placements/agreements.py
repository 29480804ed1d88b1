"""Wage-hour agreements for paid hours (loentimer) and hybrid jobs, with their budgets.

The budget is computed once, with the rules engine (``service.budget_example``), for the
agreement's start date, and stored as a snapshot with its rules name and warnings: a printed
agreement keeps showing what was agreed even after the rules file is corrected.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlmodel import Session, select

from service import clock
from service.auth.models import User
from service.auth.principal import Principal
from service.citizens.models import Citizen
from service.companies.models import Company, CompanyContact
from service.errors import FieldError
from service.placements import rendering
from service.placements import service as placements_service
from service.placements.budget import DEFAULT_HOURS
from service.placements.exceptions import (
    AgreementNotAllowedError,
    AgreementNotFoundError,
    BudgetNotPossibleError,
    PlacementDataError,
)
from service.placements.models import Placement, WageHourAgreement
from service.placements.schemas import (
    AgreementCreate,
    AgreementPublic,
    AgreementTaskIn,
    AgreementTaskPublic,
    BudgetPublic,
    CompanyParty,
    PartyPublic,
)
from service.placements.states import (
    AGREEMENT_TYPES,
    OPEN,
    TYPE_LABELS_DA,
    PlacementStatus,
    PlacementType,
    describe,
)
from service.tasks import catalogue


def _check_allowed(placement: Placement) -> None:
    kind = PlacementType(placement.placement_type)
    if kind not in AGREEMENT_TYPES:
        raise AgreementNotAllowedError(
            f"En løntimeaftale hører til løntimer eller hybridjob; forløbet er "
            f"{TYPE_LABELS_DA[kind].lower()} ({kind.value})",
            f"A wage-hour agreement belongs to loentimer or hybridjob; the placement is "
            f"{kind.value}",
        )
    status = PlacementStatus(placement.status)
    if status not in OPEN:
        raise AgreementNotAllowedError(
            f"Forløbet er {describe(status)}; en aftale kan kun laves for et forløb, der er "
            "foreslået, aftalt eller i gang",
            f"The placement is {status.value}; an agreement can only be made for a placement "
            "that is proposed, agreed or active",
        )
    if placement.company_id is None:
        raise AgreementNotAllowedError(
            "Forløbets virksomhed findes ikke længere", "The placement's company no longer exists"
        )


def _tasks(
    session: Session, items: list[AgreementTaskIn], field: str
) -> tuple[list[dict[str, Any]], list[FieldError]]:
    known = catalogue.tasks_by_id(session, {i.task_id for i in items if i.task_id})
    stored: list[dict[str, Any]] = []
    problems = []
    for index, item in enumerate(items):
        if item.task_id is None:
            stored.append({"task_id": None, "name": item.text})
        elif item.task_id in known:
            stored.append({"task_id": item.task_id, "name": known[item.task_id].name})
        else:
            problems.append(
                FieldError(
                    f"{field}.{index}.task_id",
                    f"Opgaven {item.task_id} findes ikke i kataloget",
                    f"Task {item.task_id} does not exist in the catalogue",
                )
            )
    return stored, problems


def _contact(
    session: Session, data: AgreementCreate, company_id: str
) -> tuple[str, str | None, list[FieldError]]:
    if data.company_contact_id is not None:
        contact = session.get(CompanyContact, data.company_contact_id)
        if contact is None or contact.company_id != company_id:
            return (
                "",
                None,
                [
                    FieldError(
                        "company_contact_id",
                        "Ikke en kontaktperson i forløbets virksomhed",
                        "Not a contact person of the placement's company",
                    )
                ],
            )
        return contact.name, data.company_contact_phone or contact.phone, []
    if data.company_contact_name is None:
        return (
            "",
            None,
            [
                FieldError(
                    "company_contact_name",
                    "Angiv virksomhedens kontaktperson (company_contact_id eller navn)",
                    "Give the company's contact person (company_contact_id or a name)",
                )
            ],
        )
    return data.company_contact_name, data.company_contact_phone, []


def _budget(data: AgreementCreate, municipality_code: str) -> BudgetPublic:
    hours = sorted({Decimal(h) for h in DEFAULT_HOURS} | {data.hours_per_week})
    try:
        return placements_service.budget_example(
            hourly_wage=data.hourly_wage,
            category=data.benefit_category,
            on=data.start_date,
            municipality_code=municipality_code,
            hours_per_week=hours,
        )
    except BudgetNotPossibleError as exc:
        # The budget's date is the agreement's start date.
        renamed = [
            FieldError("start_date" if f.field == "on" else f.field, f.message_da, f.message_en)
            for f in exc.fields
        ]
        raise PlacementDataError(renamed) from exc


def save_agreement(
    session: Session, *, placement: Placement, data: AgreementCreate, actor: Principal
) -> tuple[WageHourAgreement, bool]:
    """Record (or replace) the placement's wage-hour agreement; True when it is new."""
    placements_service.check_scope(actor, placement.municipality_code)
    _check_allowed(placement)
    assert placement.company_id is not None
    problems: list[FieldError] = []
    if data.review_date < data.start_date:
        problems.append(
            FieldError(
                "review_date",
                "Opfølgningen må ikke ligge før startdatoen",
                "The review may not be before the start date",
            )
        )
    hybrid = placement.placement_type == PlacementType.hybridjob
    if hybrid and not data.internship_tasks:
        problems.append(
            FieldError(
                "internship_tasks",
                "Et hybridjob skal nævne de opgaver, der stadig er praktik",
                "A hybrid job must name the tasks that are still internship",
            )
        )
    if not hybrid and data.internship_tasks:
        problems.append(
            FieldError(
                "internship_tasks",
                "Kun et hybridjob har opgaver i praktik",
                "Only a hybrid job has tasks in internship",
            )
        )
    paid, paid_problems = _tasks(session, data.paid_tasks, "paid_tasks")
    internship, internship_problems = _tasks(session, data.internship_tasks, "internship_tasks")
    contact_name, contact_phone, contact_problems = _contact(session, data, placement.company_id)
    problems += paid_problems + internship_problems + contact_problems
    if problems:
        raise PlacementDataError(problems)
    caseworker_id, consultant_id = placements_service.resolve_people(
        session,
        actor=actor,
        municipality=placement.municipality_code,
        caseworker_id=data.caseworker_id or placement.caseworker_user_id,
        consultant_id=data.consultant_id or placement.consultant_user_id,
    )
    municipality = data.municipality_code or placement.municipality_code
    budget = _budget(data, municipality)
    values: dict[str, Any] = {
        "company_contact_name": contact_name,
        "company_contact_phone": contact_phone,
        "caseworker_user_id": caseworker_id,
        "consultant_user_id": consultant_id,
        "paid_tasks": paid,
        "internship_tasks": internship,
        "hours_per_week": float(data.hours_per_week),
        "hourly_wage": float(data.hourly_wage),
        "start_date": data.start_date,
        "review_date": data.review_date,
        "benefit_category": data.benefit_category.value,
        "budget_municipality_code": municipality,
        "budget": budget.model_dump(mode="json"),
        "created_by_user_id": actor.user_id,
    }
    agreement = find_agreement(session, placement_id=placement.id)
    created = agreement is None
    if agreement is None:
        agreement = WageHourAgreement(placement_id=placement.id, **values)
    else:
        for key, value in values.items():
            setattr(agreement, key, value)
        agreement.updated_at = clock.now()
    session.add(agreement)
    placement.updated_at = clock.now()
    session.add(placement)
    session.flush()
    placements_service.audit_change(
        session,
        actor,
        "agreement_create" if created else "agreement_replace",
        placement,
        {"agreement_id": agreement.id, "rules": budget.rules.regime},
    )
    return agreement, created


def find_agreement(session: Session, *, placement_id: str) -> WageHourAgreement | None:
    """The placement's agreement, if one was made."""
    statement = select(WageHourAgreement).where(WageHourAgreement.placement_id == placement_id)
    return session.exec(statement).first()


def read_agreement(
    session: Session, *, placement: Placement, actor: Principal, via: str = "agreement"
) -> AgreementPublic:
    """The placement's agreement (404 if none); the read is audited on the citizen."""
    placements_service.check_scope(actor, placement.municipality_code)
    agreement = find_agreement(session, placement_id=placement.id)
    if agreement is None:
        raise AgreementNotFoundError(placement.id)
    placements_service.audit_reads(session, actor, [placement], via)
    return agreement_public(session, placement=placement, agreement=agreement)


def agreement_document(
    session: Session, *, placement: Placement, actor: Principal, via: str
) -> rendering.AgreementDocument:
    """The placement's agreement ready to print (HTML page or PDF), dated today; audited."""
    agreement = read_agreement(session, placement=placement, actor=actor, via=via)
    return rendering.build_document(agreement, printed=clock.today().strftime("%d-%m-%Y"))


def _name(session: Session, user_id: str | None) -> PartyPublic:
    user = session.get(User, user_id) if user_id else None
    return PartyPublic(id=user_id, name=user.name if user else None)


def agreement_public(
    session: Session, *, placement: Placement, agreement: WageHourAgreement
) -> AgreementPublic:
    """The API shape of an agreement with the names of its parties."""
    citizen = session.get(Citizen, placement.citizen_id) if placement.citizen_id else None
    company = session.get(Company, placement.company_id) if placement.company_id else None
    budget = BudgetPublic.model_validate(agreement.budget)
    agreed = Decimal(str(agreement.hours_per_week))
    earnings = next(r.earnings for r in budget.rows if r.hours_per_week == agreed)
    address = None
    if company is not None:
        address = ", ".join(
            part
            for part in (company.address, f"{company.postal_code} {company.city or ''}".strip())
            if part
        )
    return AgreementPublic(
        id=agreement.id,
        placement_id=placement.id,
        placement_type=PlacementType(placement.placement_type),
        citizen=PartyPublic(id=placement.citizen_id, name=citizen.name if citizen else None),
        company=CompanyParty(
            id=placement.company_id,
            name=company.name if company else None,
            cvr=company.cvr if company else None,
            address=address,
            contact_name=agreement.company_contact_name,
            contact_phone=agreement.company_contact_phone,
            archived=company is not None and company.archived_at is not None,
        ),
        caseworker=_name(session, agreement.caseworker_user_id),
        consultant=_name(session, agreement.consultant_user_id),
        paid_tasks=[AgreementTaskPublic.model_validate(t) for t in agreement.paid_tasks],
        internship_tasks=[
            AgreementTaskPublic.model_validate(t) for t in agreement.internship_tasks
        ],
        hours_per_week=agreed,
        hourly_wage=Decimal(str(agreement.hourly_wage)),
        monthly_earnings=earnings,
        start_date=agreement.start_date,
        review_date=agreement.review_date,
        benefit_category=agreement.benefit_category,
        budget=budget,
        created_at=agreement.created_at,
        updated_at=agreement.updated_at,
    )
