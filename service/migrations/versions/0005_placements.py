"""placements, assessments, learning cases, wage-hour agreements (issue 7)

Revision ID: 0005_placements
Revises: 0004_forecasts
"""

from collections.abc import Sequence

revision: str = "0005_placements"
down_revision: str | None = "0004_forecasts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Placeholder: the issue's tables are added here."""


def downgrade() -> None:
    """Placeholder: drops what upgrade() creates."""
