"""Every table of the service, imported in one place for Alembic and the tests."""

from service.auth.models import ApiKey, AuditEntry, User
from service.companies.models import Company, CompanyContact

__all__ = ["ApiKey", "AuditEntry", "Company", "CompanyContact", "User"]
