"""citizens, BIP measurements, wishes and limits (issue 4)

Revision ID: 0003_citizens
Revises: 0002_tasks

No CPR column anywhere: an imported CPR number is kept only as ``citizens.cpr_hmac``. Gender
and birth year sit apart in ``citizen_fairness_attributes`` (fairness audits only).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_citizens"
down_revision: str | None = "0002_tasks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the citizen tables."""
    op.create_table(
        "anonymous_citizen_counts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_code", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("citizens", sa.Integer(), nullable=False),
        sa.Column("bip_measurements", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_anonymous_citizen_counts")),
        sa.UniqueConstraint(
            "municipality_code",
            "status",
            "year",
            name=op.f("uq_anonymous_citizen_counts_municipality_code_status_year"),
        ),
    )
    op.create_table(
        "citizens",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("external_ref", sa.String(length=64), nullable=False),
        sa.Column("municipality_code", sa.String(length=3), nullable=False),
        sa.Column("postal_code", sa.String(length=4), nullable=False),
        sa.Column("city", sa.String(length=100), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("has_driving_licence", sa.Boolean(), nullable=False),
        sa.Column("has_car", sa.Boolean(), nullable=False),
        sa.Column("transport", sa.String(length=32), nullable=True),
        sa.Column("max_commute_km", sa.Integer(), nullable=True),
        sa.Column("hours_per_week", sa.Float(), nullable=True),
        sa.Column("wishes", sa.String(length=2000), nullable=True),
        sa.Column("wish_task_ids", sa.JSON(), nullable=True),
        sa.Column("preferred_sectors", sa.JSON(), nullable=False),
        sa.Column("excluded_sectors", sa.JSON(), nullable=False),
        sa.Column("preferred_tasks", sa.JSON(), nullable=False),
        sa.Column("excluded_tasks", sa.JSON(), nullable=False),
        sa.Column("danish_level", sa.Integer(), nullable=True),
        sa.Column("cannot_lift_heavy", sa.Boolean(), nullable=False),
        sa.Column("cannot_handle_food", sa.Boolean(), nullable=False),
        sa.Column("cannot_stand_long", sa.Boolean(), nullable=False),
        sa.Column("criminal_record", sa.String(length=8), nullable=False),
        sa.Column("other_limits", sa.String(length=500), nullable=True),
        sa.Column("notes", sa.String(length=4000), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("status_reason", sa.String(length=500), nullable=True),
        sa.Column("programme_start_date", sa.Date(), nullable=True),
        sa.Column("programme_end_date", sa.Date(), nullable=True),
        sa.Column("bip_last_measured_on", sa.Date(), nullable=True),
        sa.Column("bip_next_due_date", sa.Date(), nullable=True),
        sa.Column("cpr_hmac", sa.String(length=64), nullable=True),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.Column("search_name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_citizens")),
        sa.UniqueConstraint("cpr_hmac", name=op.f("uq_citizens_cpr_hmac")),
        sa.UniqueConstraint(
            "municipality_code",
            "external_ref",
            name=op.f("uq_citizens_municipality_code_external_ref"),
        ),
    )
    with op.batch_alter_table("citizens", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_citizens_bip_next_due_date"), ["bip_next_due_date"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_citizens_municipality_code"), ["municipality_code"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_citizens_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_citizens_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "bip_measurements",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("citizen_id", sa.String(length=32), nullable=False),
        sa.Column("measured_on", sa.Date(), nullable=False),
        sa.Column("job_goal", sa.Integer(), nullable=True),
        sa.Column("substance_abuse", sa.Integer(), nullable=True),
        sa.Column("daily_energy", sa.Integer(), nullable=True),
        sa.Column("social_support", sa.Integer(), nullable=True),
        sa.Column("cooperation", sa.Integer(), nullable=True),
        sa.Column("contacting_strangers", sa.Integer(), nullable=True),
        sa.Column("health", sa.Integer(), nullable=True),
        sa.Column("competences_usable", sa.Integer(), nullable=True),
        sa.Column("can_manage_job", sa.Integer(), nullable=True),
        sa.Column("job_search_knowledge", sa.Integer(), nullable=True),
        sa.Column("caseworker_belief", sa.Integer(), nullable=True),
        sa.Column("recorded_by_user_id", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["citizen_id"],
            ["citizens.id"],
            name=op.f("fk_bip_measurements_citizen_id_citizens"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bip_measurements")),
        sa.UniqueConstraint(
            "citizen_id", "measured_on", name=op.f("uq_bip_measurements_citizen_id_measured_on")
        ),
    )
    with op.batch_alter_table("bip_measurements", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_bip_measurements_citizen_id"), ["citizen_id"], unique=False
        )

    op.create_table(
        "citizen_caseworkers",
        sa.Column("citizen_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["citizen_id"],
            ["citizens.id"],
            name=op.f("fk_citizen_caseworkers_citizen_id_citizens"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_citizen_caseworkers_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("citizen_id", "user_id", name=op.f("pk_citizen_caseworkers")),
    )
    with op.batch_alter_table("citizen_caseworkers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_citizen_caseworkers_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "citizen_fairness_attributes",
        sa.Column("citizen_id", sa.String(length=32), nullable=False),
        sa.Column("audit_gender", sa.String(length=8), nullable=True),
        sa.Column("audit_birth_year", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["citizen_id"],
            ["citizens.id"],
            name=op.f("fk_citizen_fairness_attributes_citizen_id_citizens"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("citizen_id", name=op.f("pk_citizen_fairness_attributes")),
    )


def downgrade() -> None:
    """Drop the citizen tables (and with them every citizen's data)."""
    op.drop_table("citizen_fairness_attributes")
    with op.batch_alter_table("citizen_caseworkers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_citizen_caseworkers_user_id"))
    op.drop_table("citizen_caseworkers")
    with op.batch_alter_table("bip_measurements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bip_measurements_citizen_id"))
    op.drop_table("bip_measurements")
    with op.batch_alter_table("citizens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_citizens_updated_at"))
        batch_op.drop_index(batch_op.f("ix_citizens_status"))
        batch_op.drop_index(batch_op.f("ix_citizens_municipality_code"))
        batch_op.drop_index(batch_op.f("ix_citizens_bip_next_due_date"))
    op.drop_table("citizens")
    op.drop_table("anonymous_citizen_counts")
