"""trained scorer versions (issue 6)

Revision ID: 0006_matching
Revises: 0005_placements
"""

from collections.abc import Sequence

revision: str = "0006_matching"
down_revision: str | None = "0005_placements"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Placeholder: the issue's tables are added here."""


def downgrade() -> None:
    """Placeholder: drops what upgrade() creates."""
