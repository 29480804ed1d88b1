"""SMS reminders, volunteer mentors, network meetings (issue 18)

Revision ID: 0013_outreach
Revises: 0012_scorer

Citizens get an optional mobile number and an explicit SMS consent with its date (existing
citizens have not consented). Reminders, mentor matches and meeting attendance keep their rows
when a citizen, company or user goes (SET NULL); a meeting's attendance goes with the meeting.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_outreach"
down_revision: str | None = "0012_scorer"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the mentor, meeting and reminder tables; add mobile and SMS consent to citizens."""
    op.create_table(
        "mentors",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("mobile", sa.String(length=12), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("postal_code", sa.String(length=4), nullable=False),
        sa.Column("city", sa.String(length=100), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("sectors", sa.JSON(), nullable=False),
        sa.Column("background", sa.String(length=300), nullable=True),
        sa.Column("max_mentees", sa.Integer(), nullable=False),
        sa.Column("available", sa.Boolean(), nullable=False),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mentors")),
    )
    with op.batch_alter_table("mentors", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mentors_available"), ["available"], unique=False)
        batch_op.create_index(batch_op.f("ix_mentors_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "network_meetings",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("meeting_date", sa.Date(), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("theme", sa.String(length=300), nullable=False),
        sa.Column("host_company_id", sa.String(length=32), nullable=True),
        sa.Column("for_ambassadors", sa.Boolean(), nullable=False),
        sa.Column("created_by_user_id", sa.String(length=32), nullable=True),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"],
            ["users.id"],
            name=op.f("fk_network_meetings_created_by_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["host_company_id"],
            ["companies.id"],
            name=op.f("fk_network_meetings_host_company_id_companies"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_network_meetings")),
    )
    with op.batch_alter_table("network_meetings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_network_meetings_host_company_id"), ["host_company_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_network_meetings_meeting_date"), ["meeting_date"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_network_meetings_updated_at"), ["updated_at"], unique=False
        )

    op.create_table(
        "network_meeting_companies",
        sa.Column("meeting_id", sa.String(length=32), nullable=False),
        sa.Column("company_id", sa.String(length=32), nullable=False),
        sa.Column("attended", sa.Boolean(), nullable=True),
        sa.Column("participants", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_network_meeting_companies_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["network_meetings.id"],
            name=op.f("fk_network_meeting_companies_meeting_id_network_meetings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "meeting_id", "company_id", name=op.f("pk_network_meeting_companies")
        ),
    )
    with op.batch_alter_table("network_meeting_companies", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_network_meeting_companies_company_id"), ["company_id"], unique=False
        )

    op.create_table(
        "mentor_matches",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("mentor_id", sa.String(length=32), nullable=False),
        sa.Column("citizen_id", sa.String(length=32), nullable=True),
        sa.Column("citizen_first_name", sa.String(length=60), nullable=True),
        sa.Column("municipality_code", sa.String(length=3), nullable=False),
        sa.Column("placement_id", sa.String(length=32), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("assessment", sa.String(length=500), nullable=True),
        sa.Column("created_by_user_id", sa.String(length=32), nullable=True),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["citizen_id"],
            ["citizens.id"],
            name=op.f("fk_mentor_matches_citizen_id_citizens"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"],
            ["users.id"],
            name=op.f("fk_mentor_matches_created_by_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["mentor_id"],
            ["mentors.id"],
            name=op.f("fk_mentor_matches_mentor_id_mentors"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["placement_id"],
            ["placements.id"],
            name=op.f("fk_mentor_matches_placement_id_placements"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mentor_matches")),
    )
    with op.batch_alter_table("mentor_matches", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_mentor_matches_citizen_id"), ["citizen_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_mentor_matches_mentor_id"), ["mentor_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_mentor_matches_municipality_code"), ["municipality_code"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_mentor_matches_start_date"), ["start_date"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_mentor_matches_updated_at"), ["updated_at"], unique=False
        )

    op.create_table(
        "sms_reminders",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("citizen_id", sa.String(length=32), nullable=True),
        sa.Column("municipality_code", sa.String(length=3), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=True),
        sa.Column("message", sa.String(length=480), nullable=True),
        sa.Column("mobile", sa.String(length=12), nullable=True),
        sa.Column("segments", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("send_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claim_token", sa.String(length=32), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("gateway_message_id", sa.String(length=64), nullable=True),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.Column("gateway_status", sa.String(length=32), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("placement_id", sa.String(length=32), nullable=True),
        sa.Column("bus_tour_id", sa.String(length=32), nullable=True),
        sa.Column("company_id", sa.String(length=32), nullable=True),
        sa.Column("created_by_user_id", sa.String(length=32), nullable=True),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["bus_tour_id"],
            ["bus_tours.id"],
            name=op.f("fk_sms_reminders_bus_tour_id_bus_tours"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["citizen_id"],
            ["citizens.id"],
            name=op.f("fk_sms_reminders_citizen_id_citizens"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_sms_reminders_company_id_companies"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"],
            ["users.id"],
            name=op.f("fk_sms_reminders_created_by_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["placement_id"],
            ["placements.id"],
            name=op.f("fk_sms_reminders_placement_id_placements"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sms_reminders")),
    )
    with op.batch_alter_table("sms_reminders", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sms_reminders_citizen_id"), ["citizen_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_sms_reminders_gateway_message_id"), ["gateway_message_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_sms_reminders_municipality_code"), ["municipality_code"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_sms_reminders_send_at"), ["send_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_sms_reminders_status"), ["status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_sms_reminders_updated_at"), ["updated_at"], unique=False
        )

    with op.batch_alter_table("citizens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mobile", sa.String(length=12), nullable=True))
        batch_op.add_column(
            sa.Column("sms_consent", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("sms_consent_date", sa.Date(), nullable=True))
    # Existing citizens have not consented; the default only fills them, the model sets it.
    with op.batch_alter_table("citizens", schema=None) as batch_op:
        batch_op.alter_column("sms_consent", server_default=None)


def downgrade() -> None:
    """Drop what upgrade() created, the citizens' columns first."""
    with op.batch_alter_table("citizens", schema=None) as batch_op:
        batch_op.drop_column("sms_consent_date")
        batch_op.drop_column("sms_consent")
        batch_op.drop_column("mobile")

    with op.batch_alter_table("sms_reminders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sms_reminders_updated_at"))
        batch_op.drop_index(batch_op.f("ix_sms_reminders_status"))
        batch_op.drop_index(batch_op.f("ix_sms_reminders_send_at"))
        batch_op.drop_index(batch_op.f("ix_sms_reminders_municipality_code"))
        batch_op.drop_index(batch_op.f("ix_sms_reminders_gateway_message_id"))
        batch_op.drop_index(batch_op.f("ix_sms_reminders_citizen_id"))

    op.drop_table("sms_reminders")
    with op.batch_alter_table("mentor_matches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mentor_matches_updated_at"))
        batch_op.drop_index(batch_op.f("ix_mentor_matches_start_date"))
        batch_op.drop_index(batch_op.f("ix_mentor_matches_municipality_code"))
        batch_op.drop_index(batch_op.f("ix_mentor_matches_mentor_id"))
        batch_op.drop_index(batch_op.f("ix_mentor_matches_citizen_id"))

    op.drop_table("mentor_matches")
    with op.batch_alter_table("network_meeting_companies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_network_meeting_companies_company_id"))

    op.drop_table("network_meeting_companies")
    with op.batch_alter_table("network_meetings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_network_meetings_updated_at"))
        batch_op.drop_index(batch_op.f("ix_network_meetings_meeting_date"))
        batch_op.drop_index(batch_op.f("ix_network_meetings_host_company_id"))

    op.drop_table("network_meetings")
    with op.batch_alter_table("mentors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mentors_updated_at"))
        batch_op.drop_index(batch_op.f("ix_mentors_available"))

    op.drop_table("mentors")
