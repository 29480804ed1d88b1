"""data version for the per-process matching index (issue 13)

Revision ID: 0011_matching_index
Revises: 0010_geography
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0011_matching_index"
down_revision: str | None = "0010_geography"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# service/dataversion.py: SCOPES (a migration keeps its own copy, as the code may change).
SCOPES = ("openings", "citizens", "placements", "forecasts")


def upgrade() -> None:
    """The data_versions table: one random token per family of tables, changed with the data."""
    table = op.create_table(
        "data_versions",
        sa.Column("scope", sa.String(length=32), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("counter", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("scope", name=op.f("pk_data_versions")),
    )
    now = datetime.now(UTC)
    op.bulk_insert(
        table,
        [{"scope": s, "token": uuid.uuid4().hex, "counter": 0, "changed_at": now} for s in SCOPES],
    )


def downgrade() -> None:
    """Drop the data_versions table."""
    op.drop_table("data_versions")
