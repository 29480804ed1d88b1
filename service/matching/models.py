"""Tables of the matching domain: trained scorer versions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Text
from sqlmodel import Field, SQLModel

from service import clock
from service.db import new_id


class ModelVersion(SQLModel, table=True):
    """A trained scorer: its JSON artifact and metadata; exactly one is active at a time.

    The artifact lives in the database so every API worker serves the same model and notices a
    newly activated one (by its id) without sharing a file system.
    """

    __tablename__ = "model_versions"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    version: str = Field(max_length=64)
    trained_at: datetime = Field(default_factory=clock.now)
    training_source: str = Field(max_length=300)
    training_data_hash: str = Field(max_length=64)
    metrics: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    artifact: str = Field(sa_column=Column(Text, nullable=False))
    is_active: bool = Field(default=False, index=True)
    activated_at: datetime | None = None
