"""The OpenAPI patterns say exactly what the validators accept (issue 17): a client that follows
the document is not refused for the format, and what the document forbids is not accepted."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi import FastAPI
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError
from sqlalchemy import create_engine

from service.companies.schemas import Cvr, IndustryCode, Phone, PNumber
from service.config import Settings
from service.cpr import looks_like_cpr
from service.main import create_app
from service.phones import DanishMobile
from service.places import municipalities

# Digits and the characters the validators drop or read, in every order.
TEXT = st.text(alphabet="0123456789+ -().45", max_size=16)


@pytest.fixture(scope="module")
def components() -> dict[str, Any]:
    app: FastAPI = create_app(Settings(), engine=create_engine("sqlite://"))
    return dict(app.openapi()["components"]["schemas"])


def _documented(schema: dict[str, Any], keyword: str) -> Any:
    return (schema["anyOf"][0] if "anyOf" in schema else schema)[keyword]


@pytest.mark.parametrize(
    ("model", "field", "kind"),
    [
        ("CitizenCreate", "mobile", DanishMobile),
        ("ContactPersonIn", "phone", Phone),
        ("CompanyCreate", "p_number", PNumber),
        ("CompanyCreate", "db25_code", IndustryCode),
    ],
)
def test_a_pattern_matches_what_its_validator_accepts(
    components: dict[str, Any], model: str, field: str, kind: Any
) -> None:
    pattern = re.compile(_documented(components[model]["properties"][field], "pattern"))
    adapter: TypeAdapter[str] = TypeAdapter(kind)

    @settings(max_examples=500, derandomize=True, database=None)
    @given(value=TEXT)
    def agree(value: str) -> None:
        # A CPR number written with a separator has a P-number's format and is refused all the
        # same: the one rule besides the format (tests/contract/test_cpr_fields.py).
        assume(not looks_like_cpr(value))
        try:
            adapter.validate_python(value)
            accepted = True
        except ValidationError:
            accepted = False
        assert accepted == bool(pattern.search(value)), value

    agree()


def test_a_cvr_matching_the_pattern_is_refused_only_for_its_check_digit(
    components: dict[str, Any],
) -> None:
    pattern = re.compile(_documented(components["CompanyCreate"]["properties"]["cvr"], "pattern"))
    adapter: TypeAdapter[str] = TypeAdapter(Cvr)

    assert adapter.validate_python("12 34 56 74") == "12345674"
    assert pattern.search("12 34 56 74")
    assert pattern.search("12345675")
    with pytest.raises(ValidationError) as refused:
        adapter.validate_python("12345675")
    assert refused.value.errors()[0]["type"] == "cvr_checksum"
    assert not pattern.search("1234567")


def test_the_municipality_codes_are_the_98(components: dict[str, Any]) -> None:
    codes = _documented(components["CompanyCreate"]["properties"]["municipality_code"], "enum")
    assert codes == sorted(municipalities())
    assert len(codes) == 98
    assert {"101", "360", "376", "851"} <= set(codes)
