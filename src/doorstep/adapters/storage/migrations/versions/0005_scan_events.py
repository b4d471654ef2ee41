"""The station's day: scan events, parcel states, the sort plan, departures, exception cases,
inspections and maintenance, route ends, drivers' duty changes, and the delivery attempts
before a return.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21 22:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from doorstep.adapters.storage.types import UtcDateTime

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "max_delivery_attempts", sa.Integer(), nullable=False, server_default=sa.text("3")
            )
        )
    op.create_table(
        "scan_events",
        sa.Column("organisation_id", sa.String(40), nullable=False),
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("barcode", sa.String(64), nullable=False),
        sa.Column("order_id", sa.String(40), nullable=True),
        sa.Column("device_time", UtcDateTime(timezone=True), nullable=False),
        sa.Column("server_time", UtcDateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.String(40), nullable=False),
        sa.Column("device", sa.String(100), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("lane", sa.String(40), nullable=False),
        sa.Column("vehicle_id", sa.String(40), nullable=False),
        sa.Column("reason", sa.String(30), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("proof", sa.JSON(), nullable=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("problem", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_scan_events_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("organisation_id", "id", name=op.f("pk_scan_events")),
    )
    op.create_index(
        "ix_scan_events_barcode", "scan_events", ["organisation_id", "barcode"], unique=False
    )
    op.create_index(
        "ix_scan_events_server_time",
        "scan_events",
        ["organisation_id", "server_time"],
        unique=False,
    )
    op.create_table(
        "parcel_states",
        sa.Column("organisation_id", sa.String(40), nullable=False),
        sa.Column("barcode", sa.String(64), nullable=False),
        sa.Column("order_id", sa.String(40), nullable=False),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("lane", sa.String(40), nullable=False),
        sa.Column("vehicle_id", sa.String(40), nullable=False),
        sa.Column("damaged", sa.Boolean(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_reason", sa.String(30), nullable=True),
        sa.Column("last_event_at", UtcDateTime(timezone=True), nullable=True),
        sa.Column("arrived_at", UtcDateTime(timezone=True), nullable=True),
        sa.Column("replayed_time", UtcDateTime(timezone=True), nullable=True),
        sa.Column("replayed_rank", sa.Integer(), nullable=True),
        sa.Column("replayed_id", sa.String(64), nullable=True),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_parcel_states_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_parcel_states_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("organisation_id", "barcode", name=op.f("pk_parcel_states")),
    )
    op.create_index(
        "ix_parcel_states_order", "parcel_states", ["organisation_id", "order_id"], unique=False
    )

    op.create_table(
        "parcel_assignments",
        sa.Column("organisation_id", sa.String(40), nullable=False),
        sa.Column("barcode", sa.String(64), nullable=False),
        sa.Column("order_id", sa.String(40), nullable=False),
        sa.Column("plan_id", sa.String(40), nullable=False),
        sa.Column("station_id", sa.String(40), nullable=False),
        sa.Column("service_date", sa.Date(), nullable=False),
        sa.Column("vehicle_id", sa.String(40), nullable=False),
        sa.Column("lane", sa.String(40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("load_index", sa.Integer(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_parcel_assignments_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_parcel_assignments_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["plan_versions.id"],
            name=op.f("fk_parcel_assignments_plan_id_plan_versions"),
        ),
        sa.ForeignKeyConstraint(
            ["station_id"], ["stations.id"], name=op.f("fk_parcel_assignments_station_id_stations")
        ),
        sa.PrimaryKeyConstraint("organisation_id", "barcode", name=op.f("pk_parcel_assignments")),
    )
    op.create_index(
        "ix_parcel_assignments_day",
        "parcel_assignments",
        ["organisation_id", "station_id", "service_date"],
        unique=False,
    )

    op.create_table(
        "departures",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("organisation_id", sa.String(40), nullable=False),
        sa.Column("plan_id", sa.String(40), nullable=False),
        sa.Column("station_id", sa.String(40), nullable=False),
        sa.Column("service_date", sa.Date(), nullable=False),
        sa.Column("vehicle_id", sa.String(40), nullable=False),
        sa.Column("departed_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.String(40), nullable=False),
        sa.Column("loaded", sa.JSON(), nullable=False),
        sa.Column("missing", sa.JSON(), nullable=False),
        sa.Column("override_reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_departures_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plan_versions.id"], name=op.f("fk_departures_plan_id_plan_versions")
        ),
        sa.ForeignKeyConstraint(
            ["station_id"], ["stations.id"], name=op.f("fk_departures_station_id_stations")
        ),
        sa.ForeignKeyConstraint(
            ["vehicle_id"], ["vehicles.id"], name=op.f("fk_departures_vehicle_id_vehicles")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_departures")),
        sa.UniqueConstraint(
            "organisation_id",
            "station_id",
            "service_date",
            "vehicle_id",
            name="uq_departures_vehicle",
        ),
    )

    op.create_table(
        "exception_cases",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("organisation_id", sa.String(40), nullable=False),
        sa.Column("type", sa.String(30), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("summary", sa.String(500), nullable=False),
        sa.Column("opened_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("due_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("barcode", sa.String(64), nullable=False),
        sa.Column("order_id", sa.String(40), nullable=True),
        sa.Column("owner_id", sa.String(40), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("resolution", sa.String(30), nullable=True),
        sa.Column("resolved_at", UtcDateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.String(40), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_exception_cases_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exception_cases")),
        sa.UniqueConstraint("organisation_id", "key", name="uq_exception_cases_key"),
    )
    op.create_index(
        "ix_exception_cases_queue",
        "exception_cases",
        ["organisation_id", "status", "due_at"],
        unique=False,
    )
    op.create_index(
        "ix_exception_cases_order", "exception_cases", ["organisation_id", "order_id"], unique=False
    )

    op.create_table(
        "inspections",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("organisation_id", sa.String(40), nullable=False),
        sa.Column("vehicle_id", sa.String(40), nullable=False),
        sa.Column("service_date", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("inspected_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("inspector_id", sa.String(40), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_inspections_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["vehicle_id"], ["vehicles.id"], name=op.f("fk_inspections_vehicle_id_vehicles")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspections")),
    )
    op.create_index(
        "ix_inspections_vehicle_day",
        "inspections",
        ["organisation_id", "vehicle_id", "service_date"],
        unique=False,
    )
    op.create_table(
        "maintenance_records",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("organisation_id", sa.String(40), nullable=False),
        sa.Column("vehicle_id", sa.String(40), nullable=False),
        sa.Column("inspection_id", sa.String(40), nullable=False),
        sa.Column("opened_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("defects", sa.JSON(), nullable=False),
        sa.Column("closed_at", UtcDateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(40), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["inspection_id"],
            ["inspections.id"],
            name=op.f("fk_maintenance_records_inspection_id_inspections"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_maintenance_records_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["vehicle_id"], ["vehicles.id"], name=op.f("fk_maintenance_records_vehicle_id_vehicles")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_maintenance_records")),
    )
    op.create_index(
        "ix_maintenance_records_vehicle",
        "maintenance_records",
        ["organisation_id", "vehicle_id"],
        unique=False,
    )

    op.create_table(
        "route_ends",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("organisation_id", sa.String(40), nullable=False),
        sa.Column("departure_id", sa.String(40), nullable=False),
        sa.Column("vehicle_id", sa.String(40), nullable=False),
        sa.Column("service_date", sa.Date(), nullable=False),
        sa.Column("ended_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.String(40), nullable=False),
        sa.Column("inspection_id", sa.String(40), nullable=False),
        sa.Column("on_board", sa.JSON(), nullable=False),
        sa.Column("maintenance_id", sa.String(40), nullable=True),
        sa.Column("odometer_km", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["departure_id"], ["departures.id"], name=op.f("fk_route_ends_departure_id_departures")
        ),
        sa.ForeignKeyConstraint(
            ["inspection_id"],
            ["inspections.id"],
            name=op.f("fk_route_ends_inspection_id_inspections"),
        ),
        sa.ForeignKeyConstraint(
            ["maintenance_id"],
            ["maintenance_records.id"],
            name=op.f("fk_route_ends_maintenance_id_maintenance_records"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_route_ends_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["vehicle_id"], ["vehicles.id"], name=op.f("fk_route_ends_vehicle_id_vehicles")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_route_ends")),
        sa.UniqueConstraint("organisation_id", "departure_id", name="uq_route_ends_departure"),
    )

    op.create_table(
        "duty_changes",
        sa.Column("organisation_id", sa.String(40), nullable=False),
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("driver_id", sa.String(40), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("at", UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["driver_id"], ["drivers.id"], name=op.f("fk_duty_changes_driver_id_drivers")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_duty_changes_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("organisation_id", "id", name=op.f("pk_duty_changes")),
    )
    op.create_index(
        "ix_duty_changes_driver",
        "duty_changes",
        ["organisation_id", "driver_id", "at"],
        unique=False,
    )

    op.create_table(
        "route_assignments",
        sa.Column("organisation_id", sa.String(40), nullable=False),
        sa.Column("station_id", sa.String(40), nullable=False),
        sa.Column("service_date", sa.Date(), nullable=False),
        sa.Column("vehicle_id", sa.String(40), nullable=False),
        sa.Column("driver_id", sa.String(40), nullable=False),
        sa.Column("assigned_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("assigned_by", sa.String(40), nullable=False),
        sa.ForeignKeyConstraint(
            ["driver_id"], ["drivers.id"], name=op.f("fk_route_assignments_driver_id_drivers")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_route_assignments_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["station_id"], ["stations.id"], name=op.f("fk_route_assignments_station_id_stations")
        ),
        sa.ForeignKeyConstraint(
            ["vehicle_id"], ["vehicles.id"], name=op.f("fk_route_assignments_vehicle_id_vehicles")
        ),
        sa.PrimaryKeyConstraint(
            "organisation_id",
            "station_id",
            "service_date",
            "vehicle_id",
            name=op.f("pk_route_assignments"),
        ),
    )


def downgrade() -> None:
    op.drop_table("route_assignments")
    op.drop_index("ix_duty_changes_driver", table_name="duty_changes")
    op.drop_table("duty_changes")
    op.drop_table("route_ends")
    op.drop_index("ix_maintenance_records_vehicle", table_name="maintenance_records")
    op.drop_table("maintenance_records")
    op.drop_index("ix_inspections_vehicle_day", table_name="inspections")
    op.drop_table("inspections")
    op.drop_index("ix_exception_cases_order", table_name="exception_cases")
    op.drop_index("ix_exception_cases_queue", table_name="exception_cases")
    op.drop_table("exception_cases")
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.drop_column("max_delivery_attempts")
    op.drop_table("departures")
    op.drop_index("ix_parcel_assignments_day", table_name="parcel_assignments")
    op.drop_table("parcel_assignments")
    op.drop_index("ix_parcel_states_order", table_name="parcel_states")
    op.drop_table("parcel_states")
    op.drop_index("ix_scan_events_server_time", table_name="scan_events")
    op.drop_index("ix_scan_events_barcode", table_name="scan_events")
    op.drop_table("scan_events")
