"""Customers' tracking links, and each station's delivery slots (capacity and length).

Existing stations get 40 orders per two-hour slot (the domain's defaults).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 01:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from doorstep.adapters.storage.types import UtcDateTime

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("stations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("slot_capacity", sa.Integer(), nullable=False, server_default=sa.text("40"))
        )
        batch_op.add_column(
            sa.Column(
                "slot_length_min", sa.Integer(), nullable=False, server_default=sa.text("120")
            )
        )
    op.create_table(
        "tracking_tokens",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("organisation_id", sa.String(40), nullable=False),
        sa.Column("order_id", sa.String(40), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", UtcDateTime(timezone=True), nullable=True),
        sa.Column("live_order_id", sa.String(40), nullable=True),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_tracking_tokens_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_tracking_tokens_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tracking_tokens")),
        sa.UniqueConstraint(
            "organisation_id", "live_order_id", name="uq_tracking_tokens_live_order"
        ),
        sa.UniqueConstraint("token_hash", name=op.f("uq_tracking_tokens_token_hash")),
    )
    op.create_index(
        "ix_tracking_tokens_order",
        "tracking_tokens",
        ["organisation_id", "order_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_tracking_tokens_order", table_name="tracking_tokens")
    op.drop_table("tracking_tokens")
    with op.batch_alter_table("stations", schema=None) as batch_op:
        batch_op.drop_column("slot_length_min")
        batch_op.drop_column("slot_capacity")
