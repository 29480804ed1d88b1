"""web sessions and login lockout (issue 16)

Revision ID: 0014_web
Revises: 0013_outreach
"""

from collections.abc import Sequence

revision: str = "0014_web"
down_revision: str | None = "0013_outreach"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Placeholder: the issue's tables are added here."""


def downgrade() -> None:
    """Placeholder: drops what upgrade() creates."""
