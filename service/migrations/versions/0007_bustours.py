"""saved bus tours and the citizens on them (issue 8)

Revision ID: 0007_bustours
Revises: 0006_matching

A tour goes with nothing but itself: its creator may be removed (SET NULL); its group rows go
with the tour and with the citizen (CASCADE; the erasure hook also scrubs the plan JSON).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_bustours"
down_revision: str | None = "0006_matching"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TOUR_INDEXES = ("municipality_code", "tour_date", "updated_at")


def upgrade() -> None:
    """Create bus_tours and bus_tour_citizens."""
    op.create_table(
        "bus_tours",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("municipality_code", sa.String(length=3), nullable=True),
        sa.Column("tour_date", sa.Date(), nullable=False),
        sa.Column("start_key", sa.String(length=16), nullable=True),
        sa.Column("start_name", sa.String(length=120), nullable=False),
        sa.Column("start_lat", sa.Float(), nullable=False),
        sa.Column("start_lon", sa.Float(), nullable=False),
        sa.Column("start_time", sa.Time(), nullable=False),
        sa.Column("latest_return", sa.Time(), nullable=False),
        sa.Column("visit_minutes", sa.Integer(), nullable=False),
        sa.Column("requested_stops", sa.Integer(), nullable=False),
        sa.Column("total_km", sa.Float(), nullable=False),
        sa.Column("total_minutes", sa.Integer(), nullable=False),
        sa.Column("plan", sa.JSON(), nullable=False),
        sa.Column("created_by_user_id", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"],
            ["users.id"],
            name=op.f("fk_bus_tours_created_by_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bus_tours")),
    )
    with op.batch_alter_table("bus_tours", schema=None) as batch_op:
        for column in _TOUR_INDEXES:
            batch_op.create_index(batch_op.f(f"ix_bus_tours_{column}"), [column], unique=False)

    op.create_table(
        "bus_tour_citizens",
        sa.Column("tour_id", sa.String(length=32), nullable=False),
        sa.Column("citizen_id", sa.String(length=32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=60), nullable=False),
        sa.ForeignKeyConstraint(
            ["citizen_id"],
            ["citizens.id"],
            name=op.f("fk_bus_tour_citizens_citizen_id_citizens"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tour_id"],
            ["bus_tours.id"],
            name=op.f("fk_bus_tour_citizens_tour_id_bus_tours"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tour_id", "citizen_id", name=op.f("pk_bus_tour_citizens")),
    )
    with op.batch_alter_table("bus_tour_citizens", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_bus_tour_citizens_citizen_id"), ["citizen_id"], unique=False
        )


def downgrade() -> None:
    """Drop the bus-tour tables, the group first."""
    with op.batch_alter_table("bus_tour_citizens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bus_tour_citizens_citizen_id"))
    op.drop_table("bus_tour_citizens")
    with op.batch_alter_table("bus_tours", schema=None) as batch_op:
        for column in reversed(_TOUR_INDEXES):
            batch_op.drop_index(batch_op.f(f"ix_bus_tours_{column}"))
    op.drop_table("bus_tours")
