"""The schema, as SQLAlchemy Core tables; Alembic migrations must match it (tests check)."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from doorstep.adapters.storage.types import UtcDateTime

# Named constraints keep Alembic migrations stable across SQLite and PostgreSQL.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def _id(name: str = "id") -> Column[str]:
    return Column(name, String(40), primary_key=True)


def _tenant() -> Column[str]:
    return Column("organisation_id", String(40), ForeignKey("organisations.id"), nullable=False)


organisations = Table(
    "organisations",
    metadata,
    _id(),
    Column("name", String(200), nullable=False),
    Column("slug", String(64), nullable=False, unique=True),
    Column("currency", String(3), nullable=False),
    Column("max_delivery_attempts", Integer, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)

users = Table(
    "users",
    metadata,
    _id(),
    _tenant(),
    Column("email", String(254), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("roles", JSON, nullable=False),
    Column("password_hash", String(200), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Index("ix_users_organisation", "organisation_id"),
)

api_keys = Table(
    "api_keys",
    metadata,
    _id(),
    _tenant(),
    Column("name", String(100), nullable=False),
    Column("prefix", String(16), nullable=False),
    Column("secret_hash", String(64), nullable=False, unique=True),
    Column("roles", JSON, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("created_by", String(40), nullable=False),
    Column("revoked_at", UtcDateTime(), nullable=True),
    Index("ix_api_keys_organisation", "organisation_id"),
)

sessions = Table(
    "sessions",
    metadata,
    _id(),
    Column("user_id", String(40), ForeignKey("users.id"), nullable=False),
    _tenant(),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("revoked_at", UtcDateTime(), nullable=True),
)

stations = Table(
    "stations",
    metadata,
    _id(),
    _tenant(),
    Column("code", String(16), nullable=False),
    Column("name", String(200), nullable=False),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("address", String(300), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("opening_hours", JSON, nullable=False),
    Column("loading_time_s", Integer, nullable=False),
    Column("service_area", JSON, nullable=True),  # [[lat, lon], ...]
    Column("service_radius_km", Float, nullable=True),
    Column("slot_capacity", Integer, nullable=False),  # orders per delivery slot
    Column("slot_length_min", Integer, nullable=False),
    UniqueConstraint("organisation_id", "code", name="uq_stations_organisation_code"),
)

vehicles = Table(
    "vehicles",
    metadata,
    _id(),
    _tenant(),
    Column("station_id", String(40), ForeignKey("stations.id"), nullable=False),
    Column("name", String(100), nullable=False),
    Column("registration", String(20), nullable=False),
    Column("vehicle_type", String(20), nullable=False),
    Column("speed_profile", String(20), nullable=False),
    Column("capacity_weight_kg", Float, nullable=False),
    Column("capacity_volume_l", Float, nullable=False),
    Column("capacity_parcels", Integer, nullable=False),
    Column("shift_start", String(8), nullable=False),
    Column("shift_end", String(8), nullable=False),
    Column("cost_per_km", Float, nullable=False),
    Column("cost_per_hour", Float, nullable=False),
    Column("cost_fixed_per_use", Float, nullable=False),
    Column("skills", JSON, nullable=False),
    Column("max_route_duration_s", Integer, nullable=True),
    Column("active", Boolean, nullable=False),
    UniqueConstraint("organisation_id", "name", name="uq_vehicles_organisation_name"),
)

drivers = Table(
    "drivers",
    metadata,
    _id(),
    _tenant(),
    Column("home_station_id", String(40), ForeignKey("stations.id"), nullable=False),
    Column("name", String(100), nullable=False),
    Column("phone", String(40), nullable=False),
    Column("email", String(254), nullable=False),
    Column("shift_start", String(8), nullable=False),
    Column("shift_end", String(8), nullable=False),
    Column("skills", JSON, nullable=False),
    Column("hours_of_service", String(50), nullable=False),
    Column("user_id", String(40), ForeignKey("users.id"), nullable=True),
    Column("active", Boolean, nullable=False),
    UniqueConstraint("organisation_id", "name", name="uq_drivers_organisation_name"),
)

orders = Table(
    "orders",
    metadata,
    _id(),
    _tenant(),
    Column("station_id", String(40), ForeignKey("stations.id"), nullable=True),
    Column("shipper", String(100), nullable=False),
    Column("shipper_reference", String(100), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("status", String(30), nullable=False),
    Column("priority", String(20), nullable=False),
    Column("recipient_name", String(200), nullable=False),
    Column("recipient_phone", String(40), nullable=False),
    Column("recipient_email", String(254), nullable=False),
    Column("address", JSON, nullable=False),
    Column("lat", Float, nullable=True),
    Column("lon", Float, nullable=True),
    Column("service_date", Date, nullable=True),
    Column("time_windows", JSON, nullable=False),
    Column("service_duration_s", Integer, nullable=False),
    Column("proof_kind", String(20), nullable=False),
    Column("proof_minimum_age_years", Integer, nullable=True),
    Column("access_notes", Text, nullable=False),
    Column("preferences", JSON, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=True),
    Column("flags", JSON, nullable=False),  # [{code, message, field, fix}]
    Column("acknowledged_flags", JSON, nullable=False),
    Column("geocode", JSON, nullable=True),  # the candidate the location came from
    Column("location_source", String(20), nullable=True),
    Column("fingerprint", String(64), nullable=False),
    # Same day, recipient and address: how a duplicate of an open order is found.
    Column("dedupe_key", String(500), nullable=False),
    Column("flag_codes", String(400), nullable=False),
    Column("required_skills", JSON, nullable=False),  # sorted skill names
    UniqueConstraint(
        "organisation_id", "shipper", "shipper_reference", name="uq_orders_shipper_reference"
    ),
    Index("ix_orders_listing", "organisation_id", "created_at", "id"),
    Index("ix_orders_status", "organisation_id", "status"),
    Index("ix_orders_dedupe", "organisation_id", "dedupe_key"),
    # A station's orders of a day: planning, the day's exception queue, the station screens.
    Index("ix_orders_station_day", "organisation_id", "station_id", "service_date"),
)

parcels = Table(
    "parcels",
    metadata,
    Column("order_id", String(40), ForeignKey("orders.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True),
    _tenant(),
    Column("barcode", String(64), nullable=False),
    Column("weight_kg", Float, nullable=False),
    Column("length_cm", Float, nullable=False),
    Column("width_cm", Float, nullable=False),
    Column("height_cm", Float, nullable=False),
    Column("volume_l", Float, nullable=False),
    # A scan must name exactly one parcel of the organisation.
    UniqueConstraint("organisation_id", "barcode", name="uq_parcels_organisation_barcode"),
)

order_status_changes = Table(
    "order_status_changes",
    metadata,
    Column("order_id", String(40), ForeignKey("orders.id", ondelete="CASCADE"), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("at", UtcDateTime(), nullable=False),
    Column("from_status", String(30), nullable=False),
    Column("to_status", String(30), nullable=False),
    Column("reason", String(500), nullable=False),
)

order_fixes = Table(
    "order_fixes",
    metadata,
    _id(),
    _tenant(),
    Column("order_id", String(40), ForeignKey("orders.id", ondelete="CASCADE"), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Column("actor", String(100), nullable=False),
    Column("action", String(30), nullable=False),
    Column("changes", JSON, nullable=False),  # {field: [before, after]}
    Column("note", String(1000), nullable=False),
    Index("ix_order_fixes_order", "organisation_id", "order_id", "at"),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("organisation_id", String(40), ForeignKey("organisations.id"), primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("status_code", Integer, nullable=True),
    Column("body", Text, nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
)

plan_versions = Table(
    "plan_versions",
    metadata,
    _id(),
    _tenant(),
    Column("station_id", String(40), ForeignKey("stations.id"), nullable=False),
    Column("service_date", Date, nullable=False),
    Column("number", Integer, nullable=False),
    Column("status", String(20), nullable=False),
    # True while published, NULL otherwise: with NULLs distinct in unique constraints (both
    # databases), the constraint below allows one published version per station and day.
    Column("published", Boolean, nullable=True),
    Column("published_at", UtcDateTime(), nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("created_by", String(100), nullable=False),
    Column("epoch", UtcDateTime(), nullable=False),
    Column("timezone", String(64), nullable=False),  # the epoch's zone, for local times
    Column("time_limit_s", Float, nullable=False),
    Column("seed", Integer, nullable=False),
    Column("cost", BigInteger, nullable=False),  # 1/100,000 currency units pass 2^31 quickly
    Column("distance_m", BigInteger, nullable=False),
    Column("solver", String(40), nullable=False),
    Column("runtime_s", Float, nullable=False),
    Column("notes", JSON, nullable=False),
    Column("routes", JSON, nullable=False),  # see plan_json.py for the shapes
    Column("unassigned", JSON, nullable=False),
    Column("inputs", JSON, nullable=False),
    Column("left_out", JSON, nullable=False),
    Column("locked", JSON, nullable=False),
    # Its index also serves the listing of a station's day (a leftmost prefix of it).
    UniqueConstraint(
        "organisation_id", "station_id", "service_date", "number", name="uq_plan_versions_number"
    ),
    UniqueConstraint(
        "organisation_id",
        "station_id",
        "service_date",
        "published",
        name="uq_plan_versions_published",
    ),
)

# Which plans hold an order, so "explain this order" finds its newest plan with an index
# instead of searching the JSON of every plan.
plan_stops = Table(
    "plan_stops",
    metadata,
    Column(
        "plan_id", String(40), ForeignKey("plan_versions.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("stop_id", String(40), primary_key=True),
    _tenant(),
    Column("vehicle_id", String(40), nullable=True),  # NULL: left out
    Index("ix_plan_stops_stop", "organisation_id", "stop_id"),
)

# Every scan as the device sent it, kept for ever (the parcel's state is replayed from these).
# The device chooses the id; (organisation, id) makes a retried batch a no-op.
scan_events = Table(
    "scan_events",
    metadata,
    Column("organisation_id", String(40), ForeignKey("organisations.id"), primary_key=True),
    Column("id", String(64), primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("barcode", String(64), nullable=False),
    Column("order_id", String(40), nullable=True),  # None: no parcel of ours has the barcode
    Column("device_time", UtcDateTime(), nullable=False),
    Column("server_time", UtcDateTime(), nullable=False),
    Column("actor_id", String(40), nullable=False),
    Column("device", String(100), nullable=False),
    Column("lat", Float, nullable=True),
    Column("lon", Float, nullable=True),
    Column("lane", String(40), nullable=False),
    Column("vehicle_id", String(40), nullable=False),
    Column("reason", String(30), nullable=True),
    Column("note", Text, nullable=False),
    Column("proof", JSON, nullable=True),  # domain.proofs.Proof's fields
    Column("fingerprint", String(64), nullable=False),
    # Why the replay could not apply it (None: it applied); rewritten on every replay.
    Column("problem", Text, nullable=True),
    Index("ix_scan_events_barcode", "organisation_id", "barcode"),
    Index("ix_scan_events_server_time", "organisation_id", "server_time"),
)

# Each scanned parcel's state, derived from its scan events (a cache of the replay, rewritten
# whole on each batch that touches the parcel).
parcel_states = Table(
    "parcel_states",
    metadata,
    Column("organisation_id", String(40), ForeignKey("organisations.id"), primary_key=True),
    Column("barcode", String(64), primary_key=True),
    Column("order_id", String(40), ForeignKey("orders.id", ondelete="CASCADE"), nullable=False),
    Column("status", String(30), nullable=False),
    Column("lane", String(40), nullable=False),
    Column("vehicle_id", String(40), nullable=False),
    Column("damaged", Boolean, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("trips", Integer, nullable=False),
    Column("last_reason", String(30), nullable=True),
    Column("last_event_at", UtcDateTime(), nullable=True),
    Column("arrived_at", UtcDateTime(), nullable=True),
    # The replay key of the last event replayed (domain.scans.ReplayKey), in three columns.
    Column("replayed_time", UtcDateTime(), nullable=True),
    Column("replayed_rank", Integer, nullable=True),
    Column("replayed_id", String(64), nullable=True),
    # Handed off: the status it stood in before (domain.scans.ParcelState.before_hand_off).
    Column("before_hand_off", String(30), nullable=True),
    Index("ix_parcel_states_order", "organisation_id", "order_id"),
)

# The published sort plan, one row per parcel: where it belongs (domain.sorting.Assignment).
# Rewritten for a station's day whenever a version of it is published; scans check against it.
parcel_assignments = Table(
    "parcel_assignments",
    metadata,
    Column("organisation_id", String(40), ForeignKey("organisations.id"), primary_key=True),
    Column("barcode", String(64), primary_key=True),
    Column("order_id", String(40), ForeignKey("orders.id", ondelete="CASCADE"), nullable=False),
    Column("plan_id", String(40), ForeignKey("plan_versions.id"), nullable=False),
    Column("station_id", String(40), ForeignKey("stations.id"), nullable=False),
    Column("service_date", Date, nullable=False),
    Column("vehicle_id", String(40), nullable=False),
    Column("lane", String(40), nullable=False),
    Column("position", Integer, nullable=False),
    Column("load_index", Integer, nullable=False),
    Column("attempt", Integer, nullable=False),
    Index("ix_parcel_assignments_day", "organisation_id", "station_id", "service_date"),
)

# A vehicle leaving for its route (domain.loadout.Departure): once per station, day and
# vehicle; what it left behind and why are kept with it.
departures = Table(
    "departures",
    metadata,
    _id(),
    _tenant(),
    Column("plan_id", String(40), ForeignKey("plan_versions.id"), nullable=False),
    Column("station_id", String(40), ForeignKey("stations.id"), nullable=False),
    Column("service_date", Date, nullable=False),
    Column("vehicle_id", String(40), ForeignKey("vehicles.id"), nullable=False),
    Column("departed_at", UtcDateTime(), nullable=False),
    Column("actor_id", String(40), nullable=False),
    Column("loaded", JSON, nullable=False),  # barcodes
    Column("missing", JSON, nullable=False),  # barcodes left behind
    Column("override_reason", Text, nullable=False),
    UniqueConstraint(
        "organisation_id", "station_id", "service_date", "vehicle_id", name="uq_departures_vehicle"
    ),
)

# The end of a departed route (domain.route_ends): one per departure, so ending is idempotent.
route_ends = Table(
    "route_ends",
    metadata,
    _id(),
    _tenant(),
    Column("departure_id", String(40), ForeignKey("departures.id"), nullable=False),
    Column("vehicle_id", String(40), ForeignKey("vehicles.id"), nullable=False),
    Column("service_date", Date, nullable=False),
    Column("ended_at", UtcDateTime(), nullable=False),
    Column("actor_id", String(40), nullable=False),
    Column("inspection_id", String(40), ForeignKey("inspections.id"), nullable=False),
    Column("on_board", JSON, nullable=False),  # barcodes still on the vehicle at the end
    Column("maintenance_id", String(40), ForeignKey("maintenance_records.id"), nullable=True),
    Column("odometer_km", Integer, nullable=True),
    UniqueConstraint("organisation_id", "departure_id", name="uq_route_ends_departure"),
)

# Exception cases (domain.exceptions): one per thing that went wrong, by its key.
exception_cases = Table(
    "exception_cases",
    metadata,
    _id(),
    _tenant(),
    Column("type", String(30), nullable=False),
    Column("key", String(200), nullable=False),
    Column("summary", String(500), nullable=False),
    Column("opened_at", UtcDateTime(), nullable=False),
    Column("due_at", UtcDateTime(), nullable=False),
    Column("barcode", String(64), nullable=False),
    Column("order_id", String(40), nullable=True),
    Column("owner_id", String(40), nullable=True),
    Column("status", String(20), nullable=False),
    Column("resolution", String(30), nullable=True),
    Column("resolved_at", UtcDateTime(), nullable=True),
    Column("resolved_by", String(40), nullable=True),
    Column("note", Text, nullable=False),
    UniqueConstraint("organisation_id", "key", name="uq_exception_cases_key"),
    Index("ix_exception_cases_queue", "organisation_id", "status", "due_at"),
    Index("ix_exception_cases_order", "organisation_id", "order_id"),
)

# Pre- and post-trip inspections (domain.inspections), the answers as JSON.
inspections = Table(
    "inspections",
    metadata,
    _id(),
    _tenant(),
    Column("vehicle_id", String(40), ForeignKey("vehicles.id"), nullable=False),
    Column("service_date", Date, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("inspected_at", UtcDateTime(), nullable=False),
    Column("inspector_id", String(40), nullable=False),
    Column("items", JSON, nullable=False),  # [{item, ok, defect, unsafe}]
    Index("ix_inspections_vehicle_day", "organisation_id", "vehicle_id", "service_date"),
)

# Maintenance an unsafe defect opened: the vehicle is out of service while one is open.
maintenance_records = Table(
    "maintenance_records",
    metadata,
    _id(),
    _tenant(),
    Column("vehicle_id", String(40), ForeignKey("vehicles.id"), nullable=False),
    Column("inspection_id", String(40), ForeignKey("inspections.id"), nullable=False),
    Column("opened_at", UtcDateTime(), nullable=False),
    Column("defects", JSON, nullable=False),
    Column("closed_at", UtcDateTime(), nullable=True),
    Column("closed_by", String(40), nullable=True),
    Column("note", Text, nullable=False),
    Index("ix_maintenance_records_vehicle", "organisation_id", "vehicle_id"),
)

# Drivers' duty-status changes from the app (domain.hours.DutyChange), by the device's id.
duty_changes = Table(
    "duty_changes",
    metadata,
    Column("organisation_id", String(40), ForeignKey("organisations.id"), primary_key=True),
    Column("id", String(64), primary_key=True),
    Column("driver_id", String(40), ForeignKey("drivers.id"), nullable=False),
    Column("status", String(20), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Index("ix_duty_changes_driver", "organisation_id", "driver_id", "at"),
)

# Who drives each published route of a day, when dispatch chose otherwise than the plan.
route_assignments = Table(
    "route_assignments",
    metadata,
    Column("organisation_id", String(40), ForeignKey("organisations.id"), primary_key=True),
    Column("station_id", String(40), ForeignKey("stations.id"), primary_key=True),
    Column("service_date", Date, primary_key=True),
    Column("vehicle_id", String(40), ForeignKey("vehicles.id"), primary_key=True),
    Column("driver_id", String(40), ForeignKey("drivers.id"), nullable=False),
    Column("assigned_at", UtcDateTime(), nullable=False),
    Column("assigned_by", String(40), nullable=False),
)

# Customers' tracking links (domain.tracking), by the SHA-256 of the secret. ``live_order_id``
# is the order id until the token is revoked, then NULL: one live token per order.
tracking_tokens = Table(
    "tracking_tokens",
    metadata,
    _id(),
    _tenant(),
    Column("order_id", String(40), ForeignKey("orders.id", ondelete="CASCADE"), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("revoked_at", UtcDateTime(), nullable=True),
    Column("live_order_id", String(40), nullable=True),
    UniqueConstraint("organisation_id", "live_order_id", name="uq_tracking_tokens_live_order"),
    Index("ix_tracking_tokens_order", "organisation_id", "order_id"),
)

# -- customer messages and integrators' webhooks (issue 7) --------------------------------

# An organisation's message rules, quiet hours, language and own templates, as one document
# (domain.messages.MessageSettings): read whole on every batch that may queue messages.
message_settings = Table(
    "message_settings",
    metadata,
    Column("organisation_id", String(40), ForeignKey("organisations.id"), primary_key=True),
    Column("settings", JSON, nullable=False),
)

# The customer-message outbox and its delivery log (domain.messages.Message).
messages = Table(
    "messages",
    metadata,
    Column("id", String(40), primary_key=True),
    _tenant(),
    Column("order_id", String(40), ForeignKey("orders.id", ondelete="CASCADE"), nullable=False),
    Column("trigger", String(30), nullable=False),
    Column("channel", String(10), nullable=False),
    Column("key", String(200), nullable=False),
    Column("recipient", String(254), nullable=False),
    Column("facts", Text, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("not_before", UtcDateTime(), nullable=False),
    Column("subject", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("status", String(10), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("last_error", Text, nullable=False),
    Column("reference", String(255), nullable=True),
    Column("sent_at", UtcDateTime(), nullable=True),
    Column("superseded_by", String(40), nullable=True),  # the newer message sent instead
    # The same news once per channel, whoever notices it and however often.
    UniqueConstraint("organisation_id", "key", "channel", name="uq_messages_key"),
    Index("ix_messages_due", "status", "not_before"),
    Index("ix_messages_order", "organisation_id", "order_id"),
)

webhook_subscriptions = Table(
    "webhook_subscriptions",
    metadata,
    Column("id", String(40), primary_key=True),
    _tenant(),
    Column("url", String(2000), nullable=False),
    Column("secret", String(200), nullable=False),
    Column("event_types", JSON, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("description", String(200), nullable=False),
    Column("active", Boolean, nullable=False),
    Index("ix_webhook_subscriptions_org", "organisation_id"),
)

# The webhook outbox and delivery log (domain.subscriptions.Delivery).
webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", String(40), primary_key=True),
    _tenant(),
    Column(
        "subscription_id",
        String(40),
        ForeignKey("webhook_subscriptions.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("event_type", String(40), nullable=False),
    Column("key", String(200), nullable=False),
    Column("payload", Text, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("next_attempt_at", UtcDateTime(), nullable=False),
    Column("status", String(10), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("last_status_code", Integer, nullable=True),
    Column("last_error", Text, nullable=False),
    Column("delivered_at", UtcDateTime(), nullable=True),
    UniqueConstraint("subscription_id", "key", name="uq_webhook_deliveries_key"),
    Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
    Index("ix_webhook_deliveries_org", "organisation_id", "created_at"),
)

# GPS pings (domain.positions.Ping): millions a day, so narrow rows of plain numbers and no
# foreign keys (each would cost a lookup per row written; the service stores only the caller's
# organisation and checks its vehicles). The key makes a retried batch store nothing twice;
# the index serves "a vehicle's pings between two times" and its latest ping, and the purge.
positions = Table(
    "positions",
    metadata,
    Column("organisation_id", String(40), primary_key=True),
    Column("device_id", String(64), primary_key=True),
    Column("device_time", UtcDateTime(), primary_key=True),
    Column("vehicle_id", String(40), nullable=False),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("accuracy_m", Float, nullable=False),
    Column("speed_mps", Float, nullable=True),
    Column("heading_deg", Float, nullable=True),
    Column("source", String(10), nullable=False),
    Index("ix_positions_vehicle_time", "organisation_id", "vehicle_id", "device_time"),
)

# Per organisation: how long pings are kept, and the geofence for arrivals at stops. No row:
# the defaults (domain.positions.PositionSettings).
position_settings = Table(
    "position_settings",
    metadata,
    Column("organisation_id", String(40), ForeignKey("organisations.id"), primary_key=True),
    Column("retention_days", Integer, nullable=False),
    Column("geofence_radius_m", Float, nullable=False),
    Column("geofence_dwell_s", Float, nullable=False),
)

# Carriers (domain.carriers.Carrier): the own fleet and partners, one row each, by code.
carriers = Table(
    "carriers",
    metadata,
    _id(),
    _tenant(),
    Column("code", String(40), nullable=False),
    Column("name", String(100), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("service_levels", JSON, nullable=False),  # sorted level names
    Column("postcode_prefixes", JSON, nullable=False),  # sorted prefixes
    Column("polygons", JSON, nullable=False),  # [[[lat, lon], ...], ...]
    Column("capacity_per_day", Integer, nullable=True),
    Column("max_weight_kg", Float, nullable=True),
    Column("max_side_cm", Float, nullable=True),
    Column("handles", JSON, nullable=False),  # sorted tags
    Column("proofs", JSON, nullable=False),  # sorted proof kinds it captures (signature, ...)
    Column("cutoff", String(8), nullable=True),
    Column("deliver_by", String(8), nullable=True),
    Column("active", Boolean, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    UniqueConstraint("organisation_id", "code", name="uq_carriers_organisation_code"),
)

# One rate card per carrier and service level, the card as JSON of its dataclass (see
# storage/carriers.py); an import replaces a card whose content changed.
rate_cards = Table(
    "rate_cards",
    metadata,
    Column("carrier_id", String(40), ForeignKey("carriers.id"), primary_key=True),
    Column("service_level", String(20), primary_key=True),
    _tenant(),
    Column("card", JSON, nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Index("ix_rate_cards_organisation", "organisation_id"),
)

# Which carrier an order was given to, with its parcels, so a carrier's capacity of a day
# counts what it already has. One row per order: allocating again replaces the choice.
carrier_allocations = Table(
    "carrier_allocations",
    metadata,
    Column("order_id", String(40), ForeignKey("orders.id", ondelete="CASCADE"), primary_key=True),
    _tenant(),
    # NULL: the own fleet of an organisation without an own-fleet carrier on record.
    Column("carrier_id", String(40), ForeignKey("carriers.id"), nullable=True),
    Column("service_date", Date, nullable=False),
    Column("parcels", Integer, nullable=False),
    Column("allocated_at", UtcDateTime(), nullable=False),
    # A batch allocation's decision (services.carriers.allocation); NULL for a single one.
    Column("kind", String(20), nullable=True),
    Column("price_cents", Integer, nullable=True),
    Column("currency", String(3), nullable=True),
    Column("promised_by", UtcDateTime(), nullable=True),
    Column("within_level", Boolean, nullable=True),
    Column("summary", String(300), nullable=True),
    Column("reasons", JSON, nullable=True),  # [reason, ...] as shown
    # The decision's figures as data (domain.allocation.Decision). NULL in rows stored before
    # revision 0014, whose reasons name them (domain.allocation.stored_level reads those).
    Column("service_level", String(20), nullable=True),
    Column("fleet_cost_cents", Integer, nullable=True),
    Index("ix_carrier_allocations_day", "organisation_id", "service_date"),
)

# Per organisation: its rules for handing orders to partners (domain.allocation). No row:
# the defaults.
allocation_rules = Table(
    "allocation_rules",
    metadata,
    Column("organisation_id", String(40), ForeignKey("organisations.id"), primary_key=True),
    Column("never", JSON, nullable=False),  # [[tag, partner code], ...] sorted
    Column("own_fleet_share", Float, nullable=False),
    Column("max_price_cents", Integer, nullable=True),
)

# How doorstep reaches a partner's API and checks its webhooks (domain.handoffs
# .CarrierConnection), one per carrier. The webhook secret is stored as given, as
# subscriptions' secrets are: verifying an HMAC needs the secret itself.
carrier_connections = Table(
    "carrier_connections",
    metadata,
    Column("carrier_id", String(40), ForeignKey("carriers.id"), primary_key=True),
    _tenant(),
    Column("adapter", String(40), nullable=False),
    Column("base_url", String(500), nullable=False),
    Column("api_key", String(500), nullable=False),
    Column("webhook_secret", String(200), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

# Orders handed to partner carriers (domain.handoffs.Handoff), the label's PDF with the row.
# ``open_order_id`` holds the order id while the hand-off is open (booked or in progress) and
# is NULL after, so the database allows one open hand-off per order; a booking is unique per
# carrier, which is how a partner's event finds its hand-off.
handoffs = Table(
    "handoffs",
    metadata,
    _id(),
    _tenant(),
    Column("order_id", String(40), ForeignKey("orders.id"), nullable=False),
    Column("open_order_id", String(40), nullable=True, unique=True),
    Column("carrier_id", String(40), ForeignKey("carriers.id"), nullable=False),
    Column("carrier_code", String(40), nullable=False),
    Column("service_level", String(20), nullable=False),
    Column("service_date", Date, nullable=False),
    Column("booking_id", String(100), nullable=False),
    Column("tracking_number", String(100), nullable=False),
    Column("status", String(20), nullable=False),
    Column("label_pdf", LargeBinary, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("cancelled_at", UtcDateTime(), nullable=True),
    Column("last_event_at", UtcDateTime(), nullable=True),
    UniqueConstraint("carrier_id", "booking_id", name="uq_handoffs_carrier_booking"),
    Index("ix_handoffs_day", "organisation_id", "service_date"),
    Index("ix_handoffs_order", "organisation_id", "order_id"),
)
