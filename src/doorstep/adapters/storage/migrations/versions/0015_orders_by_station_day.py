"""Orders by station and service day.

Planning a day, the exception queue of a station's day and the station's screens read a
station's orders of one day; without this index each such read scans all the
organisation's orders (about half a second at a million orders on PostgreSQL).

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-22 10:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_orders_station_day", "orders", ["organisation_id", "station_id", "service_date"]
    )


def downgrade() -> None:
    op.drop_index("ix_orders_station_day", table_name="orders")
