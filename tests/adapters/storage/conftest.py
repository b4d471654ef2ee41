"""Storage test fixtures: entities to store, and an organisation to own them."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

import pytest

from doorstep.bootstrap import Container
from doorstep.domain.accounts import Organisation, Role, User
from doorstep.domain.fleet import Capacity, Driver, Vehicle, VehicleCosts, VehicleType
from doorstep.domain.geo import Location
from doorstep.domain.orders import (
    Address,
    DeliveryPreferences,
    Order,
    OrderKind,
    Parcel,
    Priority,
    ProofKind,
    ProofRequirement,
    Recipient,
)
from doorstep.domain.schedules import DailyWindow, OpeningHours, TimeWindow, Weekday
from doorstep.domain.stations import Station

PLUS2 = timezone(timedelta(hours=2))
T0 = datetime(2026, 11, 21, 8, 0, 0, 123456, tzinfo=UTC)


def organisation(org_id: str = "org_a") -> Organisation:
    return Organisation(org_id, f"Org {org_id}", org_id.replace("_", "-"), T0, "SEK")


def user(org_id: str = "org_a", user_id: str = "usr_1", **changes: Any) -> User:
    fields: dict[str, Any] = {
        "id": user_id,
        "organisation_id": org_id,
        "email": f"{user_id}@example.com",
        "name": "Ann",
        "roles": frozenset({Role.PLANNER, Role.DISPATCHER}),
        "password_hash": "argon2$x",
        "created_at": T0,
    }
    return User(**(fields | changes))


def station(org_id: str = "org_a", station_id: str = "stn_1", code: str = "HEL1") -> Station:
    hours = OpeningHours(
        (
            (Weekday.MONDAY, DailyWindow(time(6), time(22))),
            (Weekday.SATURDAY, DailyWindow(time(22), time(4, 30))),
        )
    )
    return Station(
        station_id,
        org_id,
        code,
        "Helsinki",
        Location(60.1699, 24.9384),
        "Main St 1",
        "Europe/Helsinki",
        hours,
        loading_time_s=600,
    )


def vehicle(org_id: str = "org_a", station_id: str = "stn_1", **changes: Any) -> Vehicle:
    fields: dict[str, Any] = {
        "id": "veh_1",
        "organisation_id": org_id,
        "station_id": station_id,
        "name": "Van 1",
        "vehicle_type": VehicleType.CARGO_BIKE,
        "capacity": Capacity(120.5, 400, 30),
        "shift": DailyWindow(time(22), time(6)),
        "costs": VehicleCosts(0.4, 25.0, 10.0),
        "skills": frozenset({"cooling", "lift_gate"}),
        "max_route_duration_s": 28_800,
        "registration": "ABC-123",
    }
    return Vehicle(**(fields | changes))


def driver(org_id: str = "org_a", station_id: str = "stn_1", **changes: Any) -> Driver:
    fields: dict[str, Any] = {
        "id": "drv_1",
        "organisation_id": org_id,
        "home_station_id": station_id,
        "name": "Dee",
        "shift": DailyWindow(time(7), time(15, 30)),
        "skills": frozenset({"adr"}),
        "phone": "+358 40 1",
        "email": "dee@example.com",
    }
    return Driver(**(fields | changes))


def order(org_id: str = "org_a", order_id: str = "ord_1", *barcodes: str, **changes: Any) -> Order:
    nine = datetime(2026, 11, 23, 9, 0, tzinfo=PLUS2)
    fields: dict[str, Any] = {
        "id": order_id,
        "organisation_id": org_id,
        "shipper": "acme",
        "shipper_reference": f"R-{order_id}",
        "kind": OrderKind.PICKUP,
        "recipient": Recipient("Ann Äkräs", "+358 40 123 4567", "ann@example.com"),
        "address": Address(
            "Mannerheimintie 1 A 3, Helsinki",
            "Mannerheimintie",
            "1",
            "A 3",
            "00100",
            "Helsinki",
            "FI",
        ),
        "created_at": T0,
        "station_id": "stn_1",
        "location": Location(60.17, 24.94),
        "service_date": date(2026, 11, 23),
        "time_windows": (
            TimeWindow(nine, nine + timedelta(hours=2)),
            TimeWindow(nine + timedelta(hours=6), nine + timedelta(hours=8)),
        ),
        "service_duration_s": 90,
        "parcels": tuple(
            Parcel(code, 1.5 + i, 30, 20, 10.5)
            for i, code in enumerate(barcodes or ("P-1", "P-2", "P-3"))
        ),
        "priority": Priority.URGENT,
        "proof": ProofRequirement(ProofKind.MINIMUM_AGE, 18),
        "access_notes": "Door code 1234",
        "preferences": DeliveryPreferences("porch", "B 2", ""),
    }
    return Order(**(fields | changes))


@pytest.fixture
def org(container: Container) -> Organisation:
    """Organisation org_a with station stn_1, stored and committed."""
    with container.uow() as uow:
        uow.organisations.add(organisation())
        uow.stations.add(station())
        uow.commit()
    return organisation()
