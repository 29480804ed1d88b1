"""Request and response shapes for organisations; the key type ``contact_owner`` uses."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from service.i18n import bilingual_error
from service.places import MunicipalityCode
from service.schemas import FreeText, Identifier

_KEY = re.compile(r"^[a-z][a-z0-9_]{1,31}$")


def _check_key(value: str) -> str:
    if not _KEY.match(value):
        raise bilingual_error(
            "organisation_key",
            da="Skal være en organisations nøgle: små bogstaver, tal og _ (fx jc_lolland, "
            "jc_aarhus, blf); se GET /api/v1/organisations",
            en="Must be an organisation key: lower-case letters, digits and _ (e.g. jc_lolland, "
            "jc_aarhus, blf); see GET /api/v1/organisations",
        )
    return value


# The format of a key; whether the organisation exists is checked against the table.
OrganisationKey = Annotated[
    Identifier,
    AfterValidator(_check_key),
    Field(json_schema_extra={"pattern": "^[a-z][a-z0-9_]{1,31}$"}),
]


class OrganisationKind(StrEnum):
    """What kind of organisation holds the contact."""

    job_centre = "job_centre"
    business_organisation = "business_organisation"
    other = "other"


class OrganisationCreate(BaseModel):
    """A new organisation (a business organisation, a second job-centre unit, ...)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    key: OrganisationKey
    name: Annotated[FreeText, Field(min_length=1, max_length=200)]
    kind: OrganisationKind = OrganisationKind.business_organisation
    municipality_code: MunicipalityCode | None = None


class OrganisationPublic(BaseModel):
    """An organisation as the API returns it."""

    key: str
    name: str
    kind: OrganisationKind
    municipality_code: str | None
    is_active: bool


class OrganisationList(BaseModel):
    """All organisations (98 job centres and a few others: no paging needed)."""

    items: list[OrganisationPublic]
