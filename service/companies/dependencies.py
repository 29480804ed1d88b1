"""Load-or-404 dependencies for company routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from service.companies import service as companies_service
from service.companies.models import Company
from service.db import SessionDep


def valid_company_id(company_id: str, session: SessionDep) -> Company:
    """The company named in the path, or 404."""
    return companies_service.get_company(session, company_id=company_id)


CompanyDep = Annotated[Company, Depends(valid_company_id)]
