"""Parcel trips: how often a parcel came back into the station after leaving it.

The sort plan judges a parcel's sort and load scans of its current trip only; until now the
trip was its count of failed attempts, which misses a parcel brought back without one (towed
back on a broken-down van, or never reached). Existing parcels start with their failed
attempts, which is what the sort plan compared before.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-22 04:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("parcel_states", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("trips", sa.Integer(), nullable=False, server_default=sa.text("0"))
        )
    op.execute("UPDATE parcel_states SET trips = attempts")


def downgrade() -> None:
    with op.batch_alter_table("parcel_states", schema=None) as batch_op:
        batch_op.drop_column("trips")
