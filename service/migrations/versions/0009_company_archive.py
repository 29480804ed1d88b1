"""companies archived instead of deleted (issue 15)

Revision ID: 0009_company_archive
Revises: 0008_overview

A company with placements or agreements is archived rather than deleted: ``archived_at`` is set,
and lists and matching leave it out while its placements and agreements keep it for history.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_company_archive"
down_revision: str | None = "0008_overview"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add companies.archived_at (null: in use) with an index for the lists' filter."""
    # Plain ALTER TABLE, no batch copy: on SQLite a batch would drop and recreate companies, and
    # the placements' ON DELETE SET NULL would empty their company_id.
    op.add_column("companies", sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index(op.f("ix_companies_archived_at"), "companies", ["archived_at"], unique=False)


def downgrade() -> None:
    """Drop companies.archived_at and its index (ALTER TABLE ... DROP COLUMN, SQLite 3.35+)."""
    op.drop_index(op.f("ix_companies_archived_at"), table_name="companies")
    op.drop_column("companies", "archived_at")
