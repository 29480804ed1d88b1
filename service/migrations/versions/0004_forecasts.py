"""job-opening forecasts (issue 5)

Revision ID: 0004_forecasts
Revises: 0003_citizens
"""

from collections.abc import Sequence

revision: str = "0004_forecasts"
down_revision: str | None = "0003_citizens"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Placeholder: the issue's tables are added here."""


def downgrade() -> None:
    """Placeholder: drops what upgrade() creates."""
