"""A failing statement's error never carries its bound values (issue 17): the engine is made with
``hide_parameters``, so the server log shows the SQL and the database's reason, not a citizen's
name or phone number."""

from __future__ import annotations

import logging

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from service.companies.models import CompanyContact
from service.db import SessionDep

# Personal data a statement binds; a foreign key that names no company makes it fail. Neither
# database repeats the name or phone in its own message for this failure (PostgreSQL names the key).
NAME = "Agnete Ærbødig"
PHONE = "+4529871234"
NO_COMPANY = "no-such-company"


def _failing_contact() -> CompanyContact:
    return CompanyContact(company_id=NO_COMPANY, name=NAME, phone=PHONE)


def test_a_failing_statement_names_no_bound_value(session: Session) -> None:
    session.add(_failing_contact())
    with pytest.raises(IntegrityError) as raised:
        session.flush()
    session.rollback()
    message = str(raised.value)
    assert "INSERT INTO company_contacts" in message
    assert "[SQL parameters hidden due to hide_parameters=True]" in message
    assert NAME not in message
    assert PHONE not in message


def test_the_logged_error_of_a_failing_request_holds_no_bound_value(
    app: FastAPI, caplog: pytest.LogCaptureFixture
) -> None:
    def store_contact(session: SessionDep) -> dict[str, str]:
        session.add(_failing_contact())
        session.flush()
        return {"stored": "yes"}

    app.add_api_route("/test-only/failing-statement", store_contact, methods=["POST"])
    caplog.set_level(logging.DEBUG)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.post("/test-only/failing-statement")

    assert response.status_code == 500
    assert response.json()["error"]["code"] == "internal_error"
    assert NAME not in response.text
    logged = [record for record in caplog.records if record.exc_info]
    assert [record.getMessage() for record in logged] == [
        "Unhandled error on POST /test-only/failing-statement"
    ]
    # The formatted log, traceback included, is what an operator (or a log shipper) sees.
    text = caplog.text
    assert "IntegrityError" in text
    assert "INSERT INTO company_contacts" in text
    assert "[SQL parameters hidden due to hide_parameters=True]" in text
    assert NAME not in text
    assert PHONE not in text
