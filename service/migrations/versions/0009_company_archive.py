"""companies archived instead of deleted, budget documents (issue 15)

Revision ID: 0009_company_archive
Revises: 0008_overview
"""

from collections.abc import Sequence

revision: str = "0009_company_archive"
down_revision: str | None = "0008_overview"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Placeholder: the issue's tables are added here."""


def downgrade() -> None:
    """Placeholder: drops what upgrade() creates."""
