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
    with op.batch_alter_table("companies", schema=None) as batch_op:
        batch_op.add_column(sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_companies_archived_at"), ["archived_at"], unique=False)


def downgrade() -> None:
    """Drop companies.archived_at and its index."""
    with op.batch_alter_table("companies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_companies_archived_at"))
        batch_op.drop_column("archived_at")
