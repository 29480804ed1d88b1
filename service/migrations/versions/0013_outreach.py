"""SMS reminders, volunteer mentors, network meetings (issue 18)

Revision ID: 0013_outreach
Revises: 0012_scorer
"""

from collections.abc import Sequence

revision: str = "0013_outreach"
down_revision: str | None = "0012_scorer"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Placeholder: the issue's tables are added here."""


def downgrade() -> None:
    """Placeholder: drops what upgrade() creates."""
