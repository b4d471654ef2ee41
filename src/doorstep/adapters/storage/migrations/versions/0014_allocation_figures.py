"""An allocation decision's service level and the own fleet's cost, as data.

``carrier_allocations`` gains ``service_level`` (the level the order needs, which a partner
decision is booked at) and ``fleet_cost_cents`` (the own fleet's marginal cost of the order),
both nullable. Until now they were only words in the reasons. Rows stored before this revision
keep NULL in both: ``domain.allocation.stored_level`` and ``stored_fleet_words`` read their
figures from their reasons, as before (no backfill: the words are parsed in one place only).

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-22 09:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("carrier_allocations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("service_level", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("fleet_cost_cents", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("carrier_allocations", schema=None) as batch_op:
        batch_op.drop_column("fleet_cost_cents")
        batch_op.drop_column("service_level")
