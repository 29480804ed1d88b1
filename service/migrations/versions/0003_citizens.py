"""citizens, BIP measurements, wishes and limits (issue 4)

Revision ID: 0003_citizens
Revises: 0002_tasks
"""

from collections.abc import Sequence

revision: str = "0003_citizens"
down_revision: str | None = "0002_tasks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Placeholder: the issue's tables are added here."""


def downgrade() -> None:
    """Placeholder: drops what upgrade() creates."""
