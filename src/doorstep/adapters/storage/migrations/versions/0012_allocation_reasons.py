"""Allocation decisions with their reasons, and each organisation's allocation rules (issue 10).

``carrier_allocations`` gains a batch allocation's decision: own fleet or partner, the price,
the promise, whether the order is served within its service level, a summary and the
reasons; ``carrier_id`` may be NULL (the own fleet of an organisation without an own-fleet
carrier on record). ``allocation_rules`` holds one row per organisation that set its rules.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-22 06:59:34
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from doorstep.adapters.storage.types import UtcDateTime

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "allocation_rules",
        sa.Column("organisation_id", sa.String(length=40), nullable=False),
        sa.Column("never", sa.JSON(), nullable=False),
        sa.Column("own_fleet_share", sa.Float(), nullable=False),
        sa.Column("max_price_cents", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_allocation_rules_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("organisation_id", name=op.f("pk_allocation_rules")),
    )
    with op.batch_alter_table("carrier_allocations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("price_cents", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("currency", sa.String(length=3), nullable=True))
        batch_op.add_column(sa.Column("promised_by", UtcDateTime(), nullable=True))
        batch_op.add_column(sa.Column("within_level", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("summary", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("reasons", sa.JSON(), nullable=True))
        batch_op.alter_column("carrier_id", existing_type=sa.VARCHAR(length=40), nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("carrier_allocations", schema=None) as batch_op:
        batch_op.alter_column("carrier_id", existing_type=sa.VARCHAR(length=40), nullable=False)
        batch_op.drop_column("reasons")
        batch_op.drop_column("summary")
        batch_op.drop_column("within_level")
        batch_op.drop_column("promised_by")
        batch_op.drop_column("currency")
        batch_op.drop_column("price_cents")
        batch_op.drop_column("kind")

    op.drop_table("allocation_rules")
