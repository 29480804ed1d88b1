"""all Danish municipalities, postal codes, organisations, coordinates (issue 13)

Revision ID: 0010_geography
Revises: 0009_company_archive
"""

from collections.abc import Sequence

revision: str = "0010_geography"
down_revision: str | None = "0009_company_archive"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Placeholder: the issue's tables are added here."""


def downgrade() -> None:
    """Placeholder: drops what upgrade() creates."""
