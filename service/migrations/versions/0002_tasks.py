"""task catalogue, sector cards, task openings (issue 3)

Revision ID: 0002_tasks
Revises: 0001_foundation
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_tasks"
down_revision: str | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Sector cards, tasks, catalogue versions and task openings."""
    op.create_table(
        "sector_cards",
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("sector", sa.String(length=64), nullable=False),
        sa.Column("parent", sa.String(length=64), nullable=True),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("description", sa.String(length=600), nullable=False),
        sa.Column("cross_sector", sa.Boolean(), nullable=False),
        sa.Column("sources", sa.JSON(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("slug", name=op.f("pk_sector_cards")),
    )
    with op.batch_alter_table("sector_cards", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sector_cards_sector"), ["sector"], unique=False)

    op.create_table(
        "task_catalogue_versions",
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cards_hash", sa.String(length=64), nullable=False),
        sa.Column("catalogue_hash", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_task_catalogue_versions")),
    )
    op.create_table(
        "tasks",
        sa.Column("id", sa.String(length=80), nullable=False),
        sa.Column("card_slug", sa.String(length=64), nullable=False),
        sa.Column("sector", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("synonyms", sa.JSON(), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("worth_doing", sa.String(length=500), nullable=False),
        sa.Column("demand_physical", sa.Integer(), nullable=False),
        sa.Column("demand_contact", sa.Integer(), nullable=False),
        sa.Column("demand_teamwork", sa.Integer(), nullable=False),
        sa.Column("demand_danish", sa.Integer(), nullable=False),
        sa.Column("demand_pace", sa.Integer(), nullable=False),
        sa.Column("demand_independence", sa.Integer(), nullable=False),
        sa.Column("learning_days", sa.Integer(), nullable=False),
        sa.Column("learnable_within_week", sa.Boolean(), nullable=False),
        sa.Column("criticality", sa.String(length=16), nullable=False),
        sa.Column("requires_driving_licence", sa.Boolean(), nullable=False),
        sa.Column("requires_clean_criminal_record", sa.Boolean(), nullable=False),
        sa.Column("requires_child_certificate", sa.Boolean(), nullable=False),
        sa.Column("requires_food_hygiene", sa.Boolean(), nullable=False),
        sa.Column("hours_min", sa.Integer(), nullable=False),
        sa.Column("hours_max", sa.Integer(), nullable=False),
        sa.Column("placement_types", sa.JSON(), nullable=False),
        sa.Column("occupation_system", sa.String(length=16), nullable=True),
        sa.Column("occupation_code", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("replaced_by", sa.String(length=80), nullable=True),
        sa.Column("deprecation_reason", sa.String(length=300), nullable=True),
        sa.Column("introduced_in_version", sa.Integer(), nullable=False),
        sa.Column("changed_in_version", sa.Integer(), nullable=False),
        sa.Column("deprecated_in_version", sa.Integer(), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["card_slug"], ["sector_cards.slug"], name=op.f("fk_tasks_card_slug_sector_cards")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tasks")),
    )
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tasks_card_slug"), ["card_slug"], unique=False)
        batch_op.create_index(batch_op.f("ix_tasks_sector"), ["sector"], unique=False)
        batch_op.create_index(batch_op.f("ix_tasks_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_tasks_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "task_openings",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("company_id", sa.String(length=32), nullable=False),
        sa.Column("task_id", sa.String(length=80), nullable=False),
        sa.Column("task_text", sa.String(length=300), nullable=True),
        sa.Column("task_match_score", sa.Float(), nullable=True),
        sa.Column("hours_per_week", sa.Float(), nullable=False),
        sa.Column("schedule", sa.JSON(), nullable=False),
        sa.Column("placement_types", sa.JSON(), nullable=False),
        sa.Column("hourly_wage", sa.Float(), nullable=True),
        sa.Column("wage_confirmed", sa.Boolean(), nullable=False),
        sa.Column("positions", sa.Integer(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("override_physical", sa.Integer(), nullable=True),
        sa.Column("override_contact", sa.Integer(), nullable=True),
        sa.Column("override_teamwork", sa.Integer(), nullable=True),
        sa.Column("override_danish", sa.Integer(), nullable=True),
        sa.Column("override_pace", sa.Integer(), nullable=True),
        sa.Column("override_independence", sa.Integer(), nullable=True),
        sa.Column("notes", sa.String(length=1000), nullable=True),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_task_openings_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], name=op.f("fk_task_openings_task_id_tasks")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_openings")),
    )
    with op.batch_alter_table("task_openings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_task_openings_company_id"), ["company_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_task_openings_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_task_openings_task_id"), ["task_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_task_openings_updated_at"), ["updated_at"], unique=False
        )


def downgrade() -> None:
    """Drop what upgrade() creates."""
    with op.batch_alter_table("task_openings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_task_openings_updated_at"))
        batch_op.drop_index(batch_op.f("ix_task_openings_task_id"))
        batch_op.drop_index(batch_op.f("ix_task_openings_status"))
        batch_op.drop_index(batch_op.f("ix_task_openings_company_id"))
    op.drop_table("task_openings")
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tasks_updated_at"))
        batch_op.drop_index(batch_op.f("ix_tasks_status"))
        batch_op.drop_index(batch_op.f("ix_tasks_sector"))
        batch_op.drop_index(batch_op.f("ix_tasks_card_slug"))
    op.drop_table("tasks")
    op.drop_table("task_catalogue_versions")
    with op.batch_alter_table("sector_cards", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sector_cards_sector"))
    op.drop_table("sector_cards")
