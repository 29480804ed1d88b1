"""Every text field of every request schema of the app refuses a CPR number, however written.

The test walks the running app's routes (not a list kept by hand): each JSON body model, each
text leaf in it (nested models and lists included), and validates that leaf alone set to each
of the CPR forms the outside test run stored (issue 17). A new text field that is neither
``FreeText`` nor ``Identifier`` (service/schemas.py) nor format-checked fails here.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI, params
from fastapi.routing import APIRoute
from pydantic import BaseModel, ValidationError

from service.citizens.schemas import BipMeasurementCreate, CitizenCreate, CitizenUpdate
from service.companies.schemas import CompanyCreate, CompanyUpdate
from service.config import Settings
from service.cpr import CPR_REFUSED_DA, looks_like_cpr
from service.i18n import validation_message
from service.main import create_app
from service.placements.schemas import LearningCaseNoteCreate, PlacementUpdate
from service.tasks.schemas import OpeningCreate

# The twelve forms the outside test run stored in a citizen's wishes or notes (issue 17), then
# the plain ones and a few more: dots between the date pairs, full-width digits, text around it.
CPR_FORMS = {
    "en dash": "210270\u20131092",
    "em dash": "210270\u20141092",
    "minus sign": "210270\u22121092",
    "non-breaking space": "210270\u00a01092",
    "tab": "210270\t1092",
    "two spaces": "210270  1092",
    "spaced hyphen": "210270 - 1092",
    "zero-width space": "210270\u200b1092",
    "soft hyphen": "210270\u00ad1092",
    "non-breaking hyphen": "210270\u20111092",
    "slash": "210270/1092",
    "dots": "21.02.70.1092",
    "hyphen": "210270-1092",
    "space": "210270 1092",
    "nothing": "2102701092",
    "dot": "210270.1092",
    "full-width digits": "\uff12\uff11\uff10\uff12\uff17\uff10-\uff11\uff10\uff19\uff12",
}
TWELVE = list(CPR_FORMS)[:12]

# Routes whose body is read by the route itself (one object or a list of them).
UNTYPED_BODIES: dict[str, list[type[BaseModel]]] = {
    "/companies/{company_id}/openings": [OpeningCreate],
}
# Form and file bodies are not stored as posted: the web pages (service/web/) and the CSV
# importers validate what they store through the API's own schemas, walked here like a JSON
# body. A new form or upload route must say which schemas guard it, or that it stores no text.
FORM_BODIES: dict[str, list[type[BaseModel]]] = {
    "/companies/import": [CompanyCreate, CompanyUpdate],
    "/citizens/import": [CitizenCreate, CitizenUpdate],
    "/citizens/bip/import": [BipMeasurementCreate],
    "/virksomheder/{company_id}/opgaver": [OpeningCreate],
    "/forloeb/{placement_id}/status": [PlacementUpdate],
    "/forloeb/{placement_id}/laeringscase": [LearningCaseNoteCreate],
    # The confirm step of /admin's import: the checked file, run through the API's importers.
    "/admin/import/bekraeft": [
        CompanyCreate,
        CompanyUpdate,
        CitizenCreate,
        CitizenUpdate,
        BipMeasurementCreate,
    ],
    # Compared with the stored hash and the session store; never kept as text.
    "/login": [],
}
# Text that is checked against a fixed format which no CPR number fits: the format's own
# message answers (postal codes, municipality codes, industry codes, CVR, phone numbers).
FORMAT_CHECKED = {
    "postal_code",
    "municipality_code",
    "db07_code",
    "db25_code",
    "cvr",
    "phone",
    "mobile",
    "contact_phone",
}
# Ten-digit codes: ten bare digits are the code's own format (see the P-number test below).
TEN_DIGIT_CODES = {"p_number"}
# Never stored as text.
NOT_STORED = {
    "UserCreate.password": "kept only as an Argon2 hash",
    # Written by the SMS gateway, not a person: its message number may form a date by chance.
    "DeliveryReport.id": "the gateway's own message number (an integer, or text checked)",
}


def _routes(routes: typing.Sequence[Any]) -> Iterator[APIRoute]:
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from _routes(included.routes)
        elif isinstance(route, APIRoute):
            yield route


def _text_leaves(annotation: Any, path: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
    origin = typing.get_origin(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        for name, field in annotation.model_fields.items():
            yield from _text_leaves(field.annotation, (*path, name))
    elif origin is typing.Annotated:
        yield from _text_leaves(typing.get_args(annotation)[0], path)
    elif origin in (typing.Union, types.UnionType):
        for member in typing.get_args(annotation):
            yield from _text_leaves(member, path)
    elif origin in (list, set, frozenset, tuple):
        for member in typing.get_args(annotation):
            yield from _text_leaves(member, (*path, "0"))
    elif origin is dict:
        yield from _text_leaves(typing.get_args(annotation)[1], (*path, "key"))
    elif annotation is str:
        yield path


def body_models(app: FastAPI) -> dict[str, type[BaseModel]]:
    """Every JSON body model of the app's routes, by name."""
    found: dict[str, type[BaseModel]] = {}
    for route in _routes(app.routes):
        if route.body_field is None:
            continue
        if isinstance(route.body_field.field_info, params.Form):
            assert route.path in FORM_BODIES, f"{route.path}: form body not walked"
            found.update({m.__name__: m for m in FORM_BODIES[route.path]})
            continue
        annotation = route.body_field.field_info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            found[annotation.__name__] = annotation
        else:
            assert route.path in UNTYPED_BODIES, f"{route.path}: body {annotation} not walked"
            found.update({m.__name__: m for m in UNTYPED_BODIES[route.path]})
    return found


def text_fields() -> list[tuple[type[BaseModel], tuple[str, ...]]]:
    """(model, path) for every text leaf of every request body model."""
    app = create_app(Settings(database_url="sqlite://"))
    fields: list[tuple[type[BaseModel], tuple[str, ...]]] = []
    for model in body_models(app).values():
        leaves = dict.fromkeys(_text_leaves(model, ()))
        fields.extend((model, path) for path in leaves)
    return fields


FIELDS = text_fields()


def _nested(path: tuple[str, ...], value: str) -> Any:
    if not path:
        return value
    head, rest = path[0], path[1:]
    if head == "0":
        return [_nested(rest, value)]
    return {head: _nested(rest, value)}


def errors_at(model: type[BaseModel], path: tuple[str, ...], value: str) -> list[dict[str, Any]]:
    """The validation errors located at the path (or inside a union member under it)."""
    try:
        model.model_validate(_nested(path, value))
    except ValidationError as exc:
        return [
            dict(e)
            for e in exc.errors()
            if tuple(str(p) for p in e["loc"])[: len(path)] == path and len(e["loc"]) >= len(path)
        ]
    return []


def test_the_walk_finds_the_text_fields_of_every_domain() -> None:
    names = {f"{model.__name__}.{'.'.join(path)}" for model, path in FIELDS}

    # The fields the outside test run stored CPR numbers in, outside the citizen routes.
    assert {
        "OpeningCreate.notes",
        "OpeningUpdate.notes",
        "CompanyCreate.name",
        "CompanyCreate.address",
        "CompanyCreate.contacts.0.name",
        "CompanyCreate.contacts.0.email",
        "CompanyUpdate.p_number",
        "UserCreate.name",
        "UserCreate.email",
        "ApiKeyCreate.name",
        "AgreementCreate.company_contact_phone",
        "CitizenCreate.wishes",
        "CitizenUpdate.notes",
        "MentorCreate.background",
        "NetworkMeetingCreate.theme",
        "ReminderCreate.text",
    } <= names
    assert len(FIELDS) > 90


@pytest.mark.parametrize(
    ("model", "path"), FIELDS, ids=[f"{m.__name__}.{'.'.join(p)}" for m, p in FIELDS]
)
def test_every_text_field_refuses_every_cpr_form(
    model: type[BaseModel], path: tuple[str, ...]
) -> None:
    name = f"{model.__name__}.{'.'.join(path)}"
    if name in NOT_STORED:
        pytest.skip(NOT_STORED[name])
    for form, value in CPR_FORMS.items():
        if path[-1] in TEN_DIGIT_CODES and form == "nothing":
            continue
        found = errors_at(model, path, value)

        assert found, f"{name} accepts a CPR number written with {form}"
        if path[-1] not in FORMAT_CHECKED:
            # Other errors only from the other members of a union (``int | Identifier``).
            refused = [e for e in found if e["type"] == "cpr_refused"]
            assert len(refused) == 1, (name, form, found)
            assert all(len(e["loc"]) > len(path) for e in found if e not in refused)
            assert validation_message(refused[0], "da") == CPR_REFUSED_DA
            assert "1092" not in str(refused[0].get("ctx"))  # the value is never echoed


def test_a_p_number_of_ten_digits_is_kept_but_not_one_written_as_a_cpr_number() -> None:
    # A P-number is ten digits, and ten bare digits cannot be told from a CPR number: that one
    # form is the code's own. Every separated form is refused (docs/privacy.md).
    from service.companies.schemas import CompanyUpdate

    assert CompanyUpdate.model_validate({"p_number": "1003388394"}).p_number == "1003388394"
    assert CompanyUpdate.model_validate({"p_number": "2102701092"}).p_number == "2102701092"
    for form in TWELVE:
        found = errors_at(CompanyUpdate, ("p_number",), CPR_FORMS[form])
        assert [e["type"] for e in found] == ["cpr_refused"], form


def test_the_twelve_forms_are_cpr_like_and_ordinary_text_is_not() -> None:
    assert all(looks_like_cpr(CPR_FORMS[form]) for form in TWELVE)
    for model, path in FIELDS:
        if path[-1] in FORMAT_CHECKED or f"{model.__name__}.{'.'.join(path)}" in NOT_STORED:
            continue
        assert not [
            e
            for e in errors_at(model, path, "Lager 21.02 kl. 10-16, tlf 21 02 70 10")
            if e["type"] == "cpr_refused"
        ], (model.__name__, path)
