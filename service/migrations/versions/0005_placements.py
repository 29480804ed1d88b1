"""placements, assessments, learning cases, wage-hour agreements (issue 7)

Revision ID: 0005_placements
Revises: 0004_forecasts

Foreign keys: a placement outlives its citizen (erasure sets citizen_id to NULL and clears the
free text), its company and its task opening (SET NULL: the sector and municipality are kept
on the placement for counts); transitions, notes and the agreement go with the placement
(CASCADE); a catalogue task in use cannot be removed (RESTRICT; tasks are only deprecated).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_placements"
down_revision: str | None = "0004_forecasts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PLACEMENT_INDEXES = (
    "citizen_id",
    "company_id",
    "municipality_code",
    "opening_id",
    "placement_type",
    "proposed_date",
    "sector",
    "status",
    "updated_at",
)


def upgrade() -> None:
    """Create the placement tables."""
    op.create_table(
        "placements",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("citizen_id", sa.String(length=32), nullable=True),
        sa.Column("municipality_code", sa.String(length=3), nullable=False),
        sa.Column("company_id", sa.String(length=32), nullable=True),
        sa.Column("sector", sa.String(length=64), nullable=True),
        sa.Column("opening_id", sa.String(length=32), nullable=True),
        sa.Column("task_id", sa.String(length=80), nullable=True),
        sa.Column("placement_type", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("proposed_date", sa.Date(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("planned_end_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("hours_per_week", sa.Float(), nullable=True),
        sa.Column("review_date", sa.Date(), nullable=True),
        sa.Column("planned_step_type", sa.String(length=32), nullable=True),
        sa.Column("planned_step_date", sa.Date(), nullable=True),
        sa.Column("planned_step_done_date", sa.Date(), nullable=True),
        sa.Column("caseworker_user_id", sa.String(length=32), nullable=True),
        sa.Column("consultant_user_id", sa.String(length=32), nullable=True),
        sa.Column("assessment", sa.String(length=32), nullable=True),
        sa.Column("missed_hours", sa.Float(), nullable=True),
        sa.Column("end_reason", sa.String(length=32), nullable=True),
        sa.Column("outcome_category", sa.Integer(), nullable=True),
        sa.Column("learning_case_opened_date", sa.Date(), nullable=True),
        sa.Column("end_reason_text", sa.String(length=1000), nullable=True),
        sa.Column("status_reason", sa.String(length=1000), nullable=True),
        sa.Column("notes", sa.String(length=2000), nullable=True),
        sa.Column("anonymised_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["caseworker_user_id"],
            ["users.id"],
            name=op.f("fk_placements_caseworker_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["citizen_id"],
            ["citizens.id"],
            name=op.f("fk_placements_citizen_id_citizens"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_placements_company_id_companies"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["consultant_user_id"],
            ["users.id"],
            name=op.f("fk_placements_consultant_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["opening_id"],
            ["task_openings.id"],
            name=op.f("fk_placements_opening_id_task_openings"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], name=op.f("fk_placements_task_id_tasks"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_placements")),
    )
    with op.batch_alter_table("placements", schema=None) as batch_op:
        for column in _PLACEMENT_INDEXES:
            batch_op.create_index(batch_op.f(f"ix_placements_{column}"), [column], unique=False)

    op.create_table(
        "placement_transitions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("placement_id", sa.String(length=32), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=True),
        sa.Column("to_status", sa.String(length=16), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("actor_user_id", sa.String(length=32), nullable=True),
        sa.Column("actor_role", sa.String(length=32), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["placement_id"],
            ["placements.id"],
            name=op.f("fk_placement_transitions_placement_id_placements"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_placement_transitions")),
    )
    with op.batch_alter_table("placement_transitions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_placement_transitions_placement_id"), ["placement_id"], unique=False
        )

    op.create_table(
        "learning_case_notes",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("placement_id", sa.String(length=32), nullable=False),
        sa.Column("perspective", sa.String(length=16), nullable=False),
        sa.Column("text", sa.String(length=2000), nullable=False),
        sa.Column("author_user_id", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["placement_id"],
            ["placements.id"],
            name=op.f("fk_learning_case_notes_placement_id_placements"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learning_case_notes")),
    )
    with op.batch_alter_table("learning_case_notes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_learning_case_notes_placement_id"), ["placement_id"], unique=False
        )

    op.create_table(
        "wage_hour_agreements",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("placement_id", sa.String(length=32), nullable=False),
        sa.Column("company_contact_name", sa.String(length=200), nullable=False),
        sa.Column("company_contact_phone", sa.String(length=20), nullable=True),
        sa.Column("caseworker_user_id", sa.String(length=32), nullable=True),
        sa.Column("consultant_user_id", sa.String(length=32), nullable=True),
        sa.Column("paid_tasks", sa.JSON(), nullable=False),
        sa.Column("internship_tasks", sa.JSON(), nullable=False),
        sa.Column("hours_per_week", sa.Float(), nullable=False),
        sa.Column("hourly_wage", sa.Float(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("review_date", sa.Date(), nullable=False),
        sa.Column("benefit_category", sa.String(length=32), nullable=False),
        sa.Column("budget_municipality_code", sa.String(length=3), nullable=False),
        sa.Column("budget", sa.JSON(), nullable=False),
        sa.Column("created_by_user_id", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["caseworker_user_id"],
            ["users.id"],
            name=op.f("fk_wage_hour_agreements_caseworker_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["consultant_user_id"],
            ["users.id"],
            name=op.f("fk_wage_hour_agreements_consultant_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["placement_id"],
            ["placements.id"],
            name=op.f("fk_wage_hour_agreements_placement_id_placements"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wage_hour_agreements")),
        sa.UniqueConstraint("placement_id", name=op.f("uq_wage_hour_agreements_placement_id")),
    )


def downgrade() -> None:
    """Drop the placement tables, dependants first."""
    op.drop_table("wage_hour_agreements")
    with op.batch_alter_table("learning_case_notes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_learning_case_notes_placement_id"))
    op.drop_table("learning_case_notes")
    with op.batch_alter_table("placement_transitions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_placement_transitions_placement_id"))
    op.drop_table("placement_transitions")
    with op.batch_alter_table("placements", schema=None) as batch_op:
        for column in reversed(_PLACEMENT_INDEXES):
            batch_op.drop_index(batch_op.f(f"ix_placements_{column}"))
    op.drop_table("placements")
