"""idempotency keys (issue 17)

Revision ID: 0015_hardening
Revises: 0014_web
"""

from collections.abc import Sequence

revision: str = "0015_hardening"
down_revision: str | None = "0014_web"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Placeholder: the issue's tables are added here."""


def downgrade() -> None:
    """Placeholder: drops what upgrade() creates."""
