"""Every table of the service, imported in one place for Alembic and the tests."""

from service.auth.models import ApiKey, AuditEntry, User
from service.citizens.models import (
    AnonymousCitizenCount,
    BipMeasurement,
    Citizen,
    CitizenCaseworker,
    CitizenFairnessAttributes,
)
from service.companies.models import Company, CompanyContact
from service.forecasts.models import ForecastCell, ForecastInput, ForecastRow, ForecastRun
from service.tasks.models import CatalogueVersion, SectorCardRecord, Task, TaskOpening

__all__ = [
    "AnonymousCitizenCount",
    "ApiKey",
    "AuditEntry",
    "BipMeasurement",
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
    "SectorCardRecord",
    "Task",
    "TaskOpening",
    "User",
]
