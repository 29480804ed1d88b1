"""Fixtures for the task tests: the shipped sector cards, loaded once per database backend."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from service.auth.principal import CLI_PRINCIPAL
from service.tasks import catalogue
from service.tasks.cards import CardSet, default_cards_dir, read_cards
from service.tasks.schemas import CatalogueStatus

CASES_FILE = Path(__file__).with_name("normaliser_cases.yaml")


@pytest.fixture(scope="session")
def card_set() -> CardSet:
    """The shipped sector cards, read and checked."""
    return read_cards(default_cards_dir())


@pytest.fixture(scope="session")
def loaded_catalogue(engine: Engine, card_set: CardSet) -> CatalogueStatus:
    """The shipped cards loaded (and committed) into the test database of the backend.

    Loading is idempotent, so the other tests sharing this database see the same schema; each
    test that changes the catalogue does so inside its own rolled-back transaction.
    """
    with Session(engine, expire_on_commit=False) as session, session.begin():
        return catalogue.sync_catalogue(
            session, card_set=card_set, source="tests", actor=CLI_PRINCIPAL
        )
