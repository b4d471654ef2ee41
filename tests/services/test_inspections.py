"""Pre-trip inspections gate the route start; an unsafe defect grounds the vehicle."""

from __future__ import annotations

from datetime import timedelta

import pytest

from doorstep.domain.errors import Conflict, InvalidTransition, InvalidValue
from doorstep.domain.inspections import CHECKLIST, InspectionKind, ItemResult
from doorstep.domain.orders import Order
from doorstep.services import inspections, loadout
from doorstep.services.authorization import Principal
from tests.services.conftest import Ports
from tests.services.planning.test_runs import DAY
from tests.services.test_loadout import day, load, station
from tests.services.test_sorting import published

__all__ = ["day", "station"]  # fixtures, used by name


def all_ok(**broken: tuple[str, bool]) -> list[ItemResult]:
    """Every checklist item fine, but ``broken``: item -> (defect, unsafe)."""
    return [
        ItemResult(item, item not in broken, *broken.get(item, ("", False))) for item in CHECKLIST
    ]


def inspected(
    ports: Ports, admin: Principal, vehicle: str = "Van 1", **broken: tuple[str, bool]
) -> inspections.MaintenanceRecord | None:
    _, record = inspections.inspect(
        admin, vehicle, DAY, InspectionKind.PRE_TRIP, all_ok(**broken),
        uow=ports.uow, clock=ports.clock, ids=ports.ids,
    )  # fmt: skip
    return record


def depart(ports: Ports, admin: Principal) -> object:
    ports.clock.advance(timedelta(minutes=1))
    return loadout.depart(
        admin, "HEL1", DAY, "Van 1", override_reason="testing the gate",
        uow=ports.uow, clock=ports.clock, ids=ports.ids,
    )  # fmt: skip


def test_no_route_starts_without_a_pre_trip_inspection(
    ports: Ports, admin: Principal, day: list[Order]
) -> None:
    published(ports, admin)
    load(ports, admin, [day[0].parcels[0].barcode], next(iter(ports.uow.tables.vehicles)))
    with pytest.raises(Conflict, match="has no pre-trip inspection"):
        depart(ports, admin)


def test_an_unsafe_defect_grounds_the_vehicle_until_repaired_and_inspected_again(
    ports: Ports, admin: Principal, day: list[Order]
) -> None:
    published(ports, admin)
    vehicle = next(iter(ports.uow.tables.vehicles))
    load(ports, admin, [day[0].parcels[0].barcode], vehicle)
    record = inspected(ports, admin, brakes=("grinding at low speed", True), horn=("weak", False))
    assert record is not None
    assert record.defects == ("brakes: grinding at low speed",)
    with pytest.raises(Conflict, match=r"out of service \(brakes: grinding at low speed\)"):
        depart(ports, admin)
    inspections.close_maintenance(
        admin, record.id, "pads replaced", uow=ports.uow, clock=ports.clock
    )
    with pytest.raises(Conflict, match="has no pre-trip inspection"):
        depart(ports, admin)  # the last inspection found it unsafe: look again
    assert inspected(ports, admin, horn=("weak", False)) is None  # a defect, not unsafe
    depart(ports, admin)
    with pytest.raises(InvalidTransition):
        inspections.close_maintenance(admin, record.id, "again", uow=ports.uow, clock=ports.clock)


def test_an_inspection_answers_the_whole_checklist_and_describes_defects(
    ports: Ports, admin: Principal, day: list[Order]
) -> None:
    with pytest.raises(InvalidValue, match="missing: fire_extinguisher, first_aid_kit"):
        inspections.inspect(
            admin, "Van 1", DAY, InspectionKind.PRE_TRIP, all_ok()[:-2],
            uow=ports.uow, clock=ports.clock, ids=ports.ids,
        )  # fmt: skip
    with pytest.raises(InvalidValue, match=r"items\.defect"):
        ItemResult("tyres", False)
    with pytest.raises(InvalidValue, match="not on the checklist"):
        ItemResult("flux_capacitor", True)
