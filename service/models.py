"""Every table of the service, imported in one place for Alembic and the tests."""

from service.auth.models import ApiKey, AuditEntry, User
from service.bustours.models import BusTour, BusTourCitizen
from service.changefeed.models import OverviewChangeCounter, OverviewCompanyChange
from service.citizens.models import (
    AnonymousCitizenCount,
    BipMeasurement,
    Citizen,
    CitizenCaseworker,
    CitizenFairnessAttributes,
)
from service.companies.models import Company, CompanyContact
from service.forecasts.models import ForecastCell, ForecastInput, ForecastRow, ForecastRun
from service.idempotency import IdempotencyRecord
from service.matching.models import ModelVersion
from service.meetings.models import NetworkMeeting, NetworkMeetingCompany
from service.mentors.models import Mentor, MentorMatch
from service.organisations.models import Organisation
from service.placements.models import (
    LearningCaseNote,
    Placement,
    PlacementTransition,
    WageHourAgreement,
)
from service.places import ImportedPostalCode
from service.reminders.models import Reminder
from service.tasks.models import CatalogueVersion, SectorCardRecord, Task, TaskOpening

__all__ = [
    "AnonymousCitizenCount",
    "ApiKey",
    "AuditEntry",
    "BipMeasurement",
    "BusTour",
    "BusTourCitizen",
    "CatalogueVersion",
    "Citizen",
    "CitizenCaseworker",
    "CitizenFairnessAttributes",
    "Company",
    "CompanyContact",
    "ForecastCell",
    "ForecastInput",
    "ForecastRow",
    "ForecastRun",
    "IdempotencyRecord",
    "ImportedPostalCode",
    "LearningCaseNote",
    "Mentor",
    "MentorMatch",
    "ModelVersion",
    "NetworkMeeting",
    "NetworkMeetingCompany",
    "Organisation",
    "OverviewChangeCounter",
    "OverviewCompanyChange",
    "Placement",
    "PlacementTransition",
    "Reminder",
    "SectorCardRecord",
    "Task",
    "TaskOpening",
    "User",
    "WageHourAgreement",
]
