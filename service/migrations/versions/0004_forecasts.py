"""job-opening forecasts (issue 5)

Revision ID: 0004_forecasts
Revises: 0003_citizens
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_forecasts"
down_revision: str | None = "0003_citizens"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Forecast runs, rows per municipality x sector x year, cells, and imported inputs."""
    op.create_table(
        "forecast_runs",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("computed_by", sa.String(length=200), nullable=False),
        sa.Column("method", sa.String(length=64), nullable=False),
        sa.Column("history_first_year", sa.Integer(), nullable=False),
        sa.Column("history_last_year", sa.Integer(), nullable=False),
        sa.Column("horizon", sa.Integer(), nullable=False),
        sa.Column("damping", sa.Float(), nullable=False),
        sa.Column("trend_window", sa.Integer(), nullable=False),
        sa.Column("band_z", sa.Float(), nullable=False),
        sa.Column("band_scale", sa.JSON(), nullable=False),
        sa.Column("illustrative", sa.Boolean(), nullable=False),
        sa.Column("sources", sa.JSON(), nullable=False),
        sa.Column("backtest", sa.JSON(), nullable=False),
        sa.Column("warnings", sa.JSON(), nullable=False),
        sa.Column("inputs_sha256", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forecast_runs")),
    )
    with op.batch_alter_table("forecast_runs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_forecast_runs_computed_at"), ["computed_at"], unique=False
        )

    op.create_table(
        "forecast_rows",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("run_id", sa.String(length=32), nullable=False),
        sa.Column("municipality_code", sa.String(length=3), nullable=False),
        sa.Column("sector", sa.String(length=64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("horizon", sa.Integer(), nullable=False),
        sa.Column("employment", sa.Float(), nullable=False),
        sa.Column("replacement", sa.Float(), nullable=False),
        sa.Column("expansion", sa.Float(), nullable=False),
        sa.Column("project", sa.Float(), nullable=False),
        sa.Column("project_jobs", sa.Float(), nullable=False),
        sa.Column("openings", sa.Float(), nullable=False),
        sa.Column("low", sa.Float(), nullable=False),
        sa.Column("high", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["forecast_runs.id"],
            name=op.f("fk_forecast_rows_run_id_forecast_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forecast_rows")),
        sa.UniqueConstraint(
            "run_id",
            "municipality_code",
            "sector",
            "year",
            name=op.f("uq_forecast_rows_run_id_municipality_code_sector_year"),
        ),
    )
    op.create_table(
        "forecast_cells",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("run_id", sa.String(length=32), nullable=False),
        sa.Column("municipality_code", sa.String(length=3), nullable=False),
        sa.Column("sector", sa.String(length=64), nullable=False),
        sa.Column("employment_last", sa.Float(), nullable=False),
        sa.Column("replacement_rate", sa.Float(), nullable=False),
        sa.Column("trend_slope", sa.Float(), nullable=False),
        sa.Column("openings_rate", sa.Float(), nullable=False),
        sa.Column("demand_index", sa.Float(), nullable=False),
        sa.Column("projects", sa.JSON(), nullable=False),
        sa.Column("vacancies", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["forecast_runs.id"],
            name=op.f("fk_forecast_cells_run_id_forecast_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forecast_cells")),
        sa.UniqueConstraint(
            "run_id",
            "municipality_code",
            "sector",
            name=op.f("uq_forecast_cells_run_id_municipality_code_sector"),
        ),
    )
    op.create_table(
        "forecast_inputs",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("source", sa.JSON(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("imported_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forecast_inputs")),
    )
    with op.batch_alter_table("forecast_inputs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_forecast_inputs_kind"), ["kind"], unique=False)


def downgrade() -> None:
    """Drop the forecast tables."""
    with op.batch_alter_table("forecast_inputs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_forecast_inputs_kind"))

    op.drop_table("forecast_inputs")
    op.drop_table("forecast_cells")
    op.drop_table("forecast_rows")
    with op.batch_alter_table("forecast_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_forecast_runs_computed_at"))

    op.drop_table("forecast_runs")
