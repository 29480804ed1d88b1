"""overview change feed: one change row per company and the change counter (issue 9)

Revision ID: 0008_overview
Revises: 0007_bustours

No foreign key from overview_company_changes to companies: the row outlives a deleted company so
that a sync learns of the removal. The counter table holds exactly one row (id 1). Companies
that already have placements get a change row each, numbered in company-id order, so the first
sync after the upgrade delivers them.
"""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision: str = "0008_overview"
down_revision: str | None = "0007_bustours"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the change table and the counter, and number the companies with placements."""
    changes = op.create_table(
        "overview_company_changes",
        sa.Column("company_id", sa.String(length=32), nullable=False),
        sa.Column("change_seq", sa.BigInteger(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("company_id", name=op.f("pk_overview_company_changes")),
        sa.UniqueConstraint("change_seq", name=op.f("uq_overview_company_changes_change_seq")),
    )
    with op.batch_alter_table("overview_company_changes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_overview_company_changes_changed_at"), ["changed_at"], unique=False
        )
    counter = op.create_table(
        "overview_change_counter",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.Column("last_changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_overview_change_counter")),
    )
    assert changes is not None
    assert counter is not None
    connection = op.get_bind()
    company_ids = connection.execute(
        sa.text(
            "SELECT DISTINCT company_id FROM placements WHERE company_id IS NOT NULL "
            "ORDER BY company_id"
        )
    ).scalars()
    start = datetime.now(UTC)
    rows = [
        {"company_id": company_id, "change_seq": n, "changed_at": start + timedelta(microseconds=n)}
        for n, company_id in enumerate(company_ids, start=1)
    ]
    if rows:
        op.bulk_insert(changes, rows)
    op.bulk_insert(
        counter,
        [
            {
                "id": 1,
                "last_seq": len(rows),
                "last_changed_at": rows[-1]["changed_at"] if rows else None,
            }
        ],
    )


def downgrade() -> None:
    """Drop the counter and the change table."""
    op.drop_table("overview_change_counter")
    with op.batch_alter_table("overview_company_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_overview_company_changes_changed_at"))
    op.drop_table("overview_company_changes")
