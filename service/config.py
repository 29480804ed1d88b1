"""Settings read from the environment (prefix ``KANTMATCH_``), never at import time."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET_KEY = "dev-secret-change-me"

Environment = Literal["development", "test", "production"]


def default_database_url() -> str:
    """The embedded SQLite database under ``var/`` in the working directory."""
    return f"sqlite:///{Path('var') / 'kantmatch.db'}"


class Settings(BaseSettings):
    """Runtime configuration; every field can be set as ``KANTMATCH_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="KANTMATCH_", extra="ignore")

    environment: Environment = "development"
    database_url: str = Field(default_factory=default_database_url)
    secret_key: str = DEFAULT_SECRET_KEY
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    max_upload_bytes: int = Field(default=10 * 1024 * 1024, gt=0)
    contact_points_file: str | None = None
    # Folder of sector-card YAML files; unset means sector_cards/ beside the service package.
    sector_cards_dir: str | None = None
    sqlite_busy_timeout_ms: int = Field(default=5000, ge=0)
    # SMS reminders through GatewayAPI (issue 18); without a URL and token nothing is sent.
    sms_gateway_url: str | None = None
    sms_token: str | None = None
    sms_sender: str = Field(default="Jobcenter", min_length=1, max_length=11)
    # Shared secret of the delivery reports (POST /api/v1/sms/status); unset refuses them all.
    sms_status_secret: str | None = None
    sms_max_attempts: int = Field(default=5, ge=1, le=20)
    sms_retry_base_seconds: float = Field(default=60.0, ge=0)
    sms_timeout_seconds: float = Field(default=10.0, gt=0)

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> Settings:
        if self.environment != "development" and self.secret_key == DEFAULT_SECRET_KEY:
            raise ValueError(
                "KANTMATCH_SECRET_KEY must be set to a long random value outside development "
                f"(KANTMATCH_ENVIRONMENT={self.environment})"
            )
        if self.environment == "production" and len(self.secret_key) < 32:
            raise ValueError("KANTMATCH_SECRET_KEY must be at least 32 characters in production")
        return self

    @property
    def sms_gateway_configured(self) -> bool:
        """Whether SMS reminders can be sent (a gateway URL and a token are set)."""
        return bool(self.sms_gateway_url and self.sms_token)

    @property
    def is_sqlite(self) -> bool:
        """Whether the configured database is SQLite."""
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read from the environment on first use."""
    return Settings()
