"""Cancelled hand-offs put parcels back where they stood; partners declare the proofs they capture.

``parcel_states.before_hand_off`` keeps a handed-off parcel's status before the hand-off
(ready, received or sorted), which a ``hand_off_cancel`` scan restores. Parcels handed off
before this revision have none: a cancel brings them back as received, as cancels did until
now. ``carriers.proofs`` lists the proof kinds a partner captures on delivery (signature,
photo, pin); existing carriers capture none, so nothing changes for them until re-imported.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-22 09:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("parcel_states", schema=None) as batch_op:
        batch_op.add_column(sa.Column("before_hand_off", sa.String(length=30), nullable=True))
    with op.batch_alter_table("carriers", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("proofs", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )


def downgrade() -> None:
    with op.batch_alter_table("carriers", schema=None) as batch_op:
        batch_op.drop_column("proofs")
    with op.batch_alter_table("parcel_states", schema=None) as batch_op:
        batch_op.drop_column("before_hand_off")
