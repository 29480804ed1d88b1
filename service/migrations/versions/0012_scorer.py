"""scorer metadata (issue 14)

Revision ID: 0012_scorer
Revises: 0011_matching_index
"""

from collections.abc import Sequence

revision: str = "0012_scorer"
down_revision: str | None = "0011_matching_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Placeholder: the issue's tables are added here."""


def downgrade() -> None:
    """Placeholder: drops what upgrade() creates."""
