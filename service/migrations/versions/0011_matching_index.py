"""data version for the per-process matching index (issue 13)

Revision ID: 0011_matching_index
Revises: 0010_geography
"""

from collections.abc import Sequence

revision: str = "0011_matching_index"
down_revision: str | None = "0010_geography"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Placeholder: the issue's tables are added here."""


def downgrade() -> None:
    """Placeholder: drops what upgrade() creates."""
