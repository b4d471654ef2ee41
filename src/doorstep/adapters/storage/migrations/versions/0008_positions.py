"""GPS positions (pings) and each organisation's retention and geofence settings.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22 03:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from doorstep.adapters.storage.types import UtcDateTime

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "positions",
        sa.Column("organisation_id", sa.String(40), nullable=False),
        sa.Column("device_id", sa.String(64), nullable=False),
        sa.Column("device_time", UtcDateTime(), nullable=False),
        sa.Column("vehicle_id", sa.String(40), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("accuracy_m", sa.Float(), nullable=False),
        sa.Column("speed_mps", sa.Float(), nullable=True),
        sa.Column("heading_deg", sa.Float(), nullable=True),
        sa.Column("source", sa.String(10), nullable=False),
        sa.PrimaryKeyConstraint(
            "organisation_id", "device_id", "device_time", name=op.f("pk_positions")
        ),
    )
    op.create_index(
        "ix_positions_vehicle_time",
        "positions",
        ["organisation_id", "vehicle_id", "device_time"],
    )
    op.create_table(
        "position_settings",
        sa.Column("organisation_id", sa.String(40), nullable=False),
        sa.Column("retention_days", sa.Integer(), nullable=False),
        sa.Column("geofence_radius_m", sa.Float(), nullable=False),
        sa.Column("geofence_dwell_s", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_position_settings_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("organisation_id", name=op.f("pk_position_settings")),
    )


def downgrade() -> None:
    op.drop_table("position_settings")
    op.drop_index("ix_positions_vehicle_time", table_name="positions")
    op.drop_table("positions")
