"""Shared data for the task tests (the catalogue fixtures live in tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

CASES_FILE = Path(__file__).with_name("normaliser_cases.yaml")
