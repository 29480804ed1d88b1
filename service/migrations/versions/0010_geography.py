"""all Danish municipalities, postal codes, organisations, coordinates (issue 13)

Revision ID: 0010_geography
Revises: 0009_company_archive

- ``organisations``: who can own a company contact, seeded with the 98 job centres (keys
  ``jc_<name>``: jc_lolland, jc_guldborgsund, jc_aarhus, ...) and BLF (``blf``), so every
  existing ``companies.contact_owner`` value stays a valid key;
- ``postal_codes``: postal-code centres imported from DAWA's postnumre CSV;
- ``citizens.coordinates_source``: "postal_code" or "given", like the companies' column.
  Citizens that already have coordinates got them from their postal code.
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from service.organisations.defaults import default_organisations

revision: str = "0010_geography"
down_revision: str | None = "0009_company_archive"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create organisations (seeded) and imported postal codes; citizens' coordinate source."""
    organisations = op.create_table(
        "organisations",
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("municipality_code", sa.String(length=3), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_organisations")),
    )
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_organisations_kind"), ["kind"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_organisations_municipality_code"), ["municipality_code"], unique=False
        )
    assert organisations is not None
    now = datetime.now(UTC)
    op.bulk_insert(
        organisations,
        [
            {**row, "is_active": True, "created_at": now, "updated_at": now}
            for row in default_organisations()
        ],
    )
    op.create_table(
        "postal_codes",
        sa.Column("postal_code", sa.String(length=4), nullable=False),
        sa.Column("city", sa.String(length=100), nullable=False),
        sa.Column("municipality_code", sa.String(length=3), nullable=True),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("postal_code", name=op.f("pk_postal_codes")),
    )
    with op.batch_alter_table("citizens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("coordinates_source", sa.String(length=16), nullable=True))
    op.execute("UPDATE citizens SET coordinates_source = 'postal_code' WHERE lat IS NOT NULL")


def downgrade() -> None:
    """Drop what upgrade() created."""
    with op.batch_alter_table("citizens", schema=None) as batch_op:
        batch_op.drop_column("coordinates_source")
    op.drop_table("postal_codes")
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organisations_municipality_code"))
        batch_op.drop_index(batch_op.f("ix_organisations_kind"))
    op.drop_table("organisations")
