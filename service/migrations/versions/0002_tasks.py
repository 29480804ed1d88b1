"""task catalogue, sector cards, task openings (issue 3)

Revision ID: 0002_tasks
Revises: 0001_foundation
"""

from collections.abc import Sequence

revision: str = "0002_tasks"
down_revision: str | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Placeholder: the issue's tables are added here."""


def downgrade() -> None:
    """Placeholder: drops what upgrade() creates."""
