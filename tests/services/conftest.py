"""Service test fixtures: in-memory ports and an organisation with its admin."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import Any

import pytest

from doorstep.domain.accounts import Role
from doorstep.domain.fleet import Capacity, VehicleType
from doorstep.domain.geo import Location
from doorstep.domain.orders import Address, OrderKind, Parcel, Recipient
from doorstep.domain.schedules import DailyWindow, OpeningHours
from doorstep.services import accounts
from doorstep.services.authorization import ActorKind, Principal
from tests.services.fakes import (
    FakeClock,
    FakePasswords,
    FakeSecrets,
    FakeUnitOfWork,
    SequentialIds,
)

PASSWORD = "correct horse battery"
T0 = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)
SHIFT = DailyWindow(time(7), time(17))


@dataclass
class Ports:
    """The fakes a service call needs, shared by every call of one test."""

    uow: FakeUnitOfWork
    clock: FakeClock
    ids: SequentialIds
    secrets: FakeSecrets
    hasher: FakePasswords


@pytest.fixture
def ports() -> Ports:
    return Ports(FakeUnitOfWork(), FakeClock(T0), SequentialIds(), FakeSecrets(), FakePasswords())


def make_admin(ports: Ports, name: str) -> Principal:
    """Create an organisation through the service and act as its first admin."""
    setup = accounts.ensure_organisation(
        name,
        f"admin@{accounts.slugify(name)}.test",
        PASSWORD,
        uow=ports.uow,
        clock=ports.clock,
        ids=ports.ids,
        hasher=ports.hasher,
    )
    return Principal(setup.organisation.id, setup.admin.id, ActorKind.USER, frozenset({Role.ADMIN}))


@pytest.fixture
def admin(ports: Ports) -> Principal:
    return make_admin(ports, "City Couriers")


@pytest.fixture
def rival(ports: Ports) -> Principal:
    """The admin of a second organisation, to check tenants cannot see each other."""
    return make_admin(ports, "Rival Express")


def station_fields(code: str = "HEL1", **changes: Any) -> dict[str, Any]:
    fields = {
        "code": code,
        "name": f"Station {code}",
        "location": Location(60.17, 24.94),
        "address": "Main St 1",
        "timezone": "Europe/Helsinki",
        "opening_hours": OpeningHours.every_day(DailyWindow(time(6), time(22))),
    }
    return fields | changes


def vehicle_fields(station: str, name: str = "Van 1", **changes: Any) -> dict[str, Any]:
    fields = {
        "station_id": station,
        "name": name,
        "vehicle_type": VehicleType.VAN,
        "capacity": Capacity(800, 6000, 120),
        "shift": SHIFT,
    }
    return fields | changes


def driver_fields(station: str, name: str = "Dee", **changes: Any) -> dict[str, Any]:
    return {"home_station_id": station, "name": name, "shift": SHIFT} | changes


def order_fields(reference: str = "R-1", *barcodes: str, **changes: Any) -> dict[str, Any]:
    fields = {
        "shipper": "acme",
        "shipper_reference": reference,
        "kind": OrderKind.DELIVERY,
        "recipient": Recipient("Ann", phone="+358 40 123 4567"),
        "address": Address("Main St 1, Helsinki"),
        "parcels": tuple(Parcel(b, 1.0) for b in barcodes or (f"B-{reference}",)),
    }
    return fields | changes
