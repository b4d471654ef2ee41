"""Carriers, their rate cards and allocations (issue 10).

An organisation's carriers (the own fleet and partners, unique by code), one rate card per
carrier and service level stored as JSON, and which carrier each order was allocated to, so
a carrier's capacity of a day counts the parcels it already has.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-22 06:21:27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from doorstep.adapters.storage.types import UtcDateTime

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "carriers",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("organisation_id", sa.String(length=40), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("service_levels", sa.JSON(), nullable=False),
        sa.Column("postcode_prefixes", sa.JSON(), nullable=False),
        sa.Column("polygons", sa.JSON(), nullable=False),
        sa.Column("capacity_per_day", sa.Integer(), nullable=True),
        sa.Column("max_weight_kg", sa.Float(), nullable=True),
        sa.Column("max_side_cm", sa.Float(), nullable=True),
        sa.Column("handles", sa.JSON(), nullable=False),
        sa.Column("cutoff", sa.String(length=8), nullable=True),
        sa.Column("deliver_by", sa.String(length=8), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_carriers_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_carriers")),
        sa.UniqueConstraint("organisation_id", "code", name="uq_carriers_organisation_code"),
    )
    op.create_table(
        "rate_cards",
        sa.Column("carrier_id", sa.String(length=40), nullable=False),
        sa.Column("service_level", sa.String(length=20), nullable=False),
        sa.Column("organisation_id", sa.String(length=40), nullable=False),
        sa.Column("card", sa.JSON(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["carrier_id"], ["carriers.id"], name=op.f("fk_rate_cards_carrier_id_carriers")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_rate_cards_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("carrier_id", "service_level", name=op.f("pk_rate_cards")),
    )
    with op.batch_alter_table("rate_cards", schema=None) as batch_op:
        batch_op.create_index("ix_rate_cards_organisation", ["organisation_id"], unique=False)

    op.create_table(
        "carrier_allocations",
        sa.Column("order_id", sa.String(length=40), nullable=False),
        sa.Column("organisation_id", sa.String(length=40), nullable=False),
        sa.Column("carrier_id", sa.String(length=40), nullable=False),
        sa.Column("service_date", sa.Date(), nullable=False),
        sa.Column("parcels", sa.Integer(), nullable=False),
        sa.Column("allocated_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["carrier_id"], ["carriers.id"], name=op.f("fk_carrier_allocations_carrier_id_carriers")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_carrier_allocations_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_carrier_allocations_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("order_id", name=op.f("pk_carrier_allocations")),
    )
    with op.batch_alter_table("carrier_allocations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_carrier_allocations_day", ["organisation_id", "service_date"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("carrier_allocations", schema=None) as batch_op:
        batch_op.drop_index("ix_carrier_allocations_day")

    op.drop_table("carrier_allocations")
    with op.batch_alter_table("rate_cards", schema=None) as batch_op:
        batch_op.drop_index("ix_rate_cards_organisation")

    op.drop_table("rate_cards")
    op.drop_table("carriers")
