"""Arrivals from GPS: a van parked at an open stop is arrived there, once, without a tap."""

from __future__ import annotations

from datetime import timedelta

from doorstep.domain.orders import Order
from doorstep.domain.scans import ScanKind
from doorstep.services import positions, scans
from doorstep.services.authorization import Principal
from doorstep.services.scans import IncomingScan
from tests.services.conftest import Ports
from tests.services.test_eta import out
from tests.services.test_loadout import day, station
from tests.services.test_positions import NINE, clock_on_the_day, incoming, van
from tests.services.test_sorting import published, send

__all__ = ["clock_on_the_day", "day", "station", "van"]  # fixtures, used by name


def arrive_scans(ports: Ports, admin: Principal) -> list[str]:
    found = scans.list_scans(admin, limit=500, uow=ports.uow).records
    return [r.event.barcode for r in found if r.event.kind is ScanKind.ARRIVE]


def test_a_dwell_at_an_open_stop_arrives_its_parcels_once(
    ports: Ports, admin: Principal, day: list[Order], van: str
) -> None:
    """Three minutes at the first stop: its parcel is arrived at the first ping there; the
    batch again, or the next batch, arrives nothing more; a stop already delivered is not
    arrived by parking at it."""
    version = published(ports, admin)
    route = version.route_of_vehicle(van)
    assert route is not None
    out(ports, admin)
    first, second = (ports.uow.tables.orders[v.stop_id] for v in route.visits[:2])
    code = second.parcels[0].barcode
    at = NINE - timedelta(minutes=30)
    send(ports, admin, IncomingScan("deliver-0002", ScanKind.DELIVER, code, at))
    here, there = first.location, second.location
    assert here is not None
    assert there is not None
    parked = [incoming(van, 10 * i, here.lat, here.lon) for i in range(18)]
    parked += [incoming(van, 200 + 10 * i, there.lat, there.lon) for i in range(18)]
    positions.ingest(admin, parked, uow=ports.uow, clock=ports.clock)
    assert arrive_scans(ports, admin) == [first.parcels[0].barcode]
    with ports.uow as uow:
        (_, state) = uow.scans.states(admin.organisation_id, [first.parcels[0].barcode])[
            first.parcels[0].barcode
        ]
    assert state.arrived_at == NINE
    positions.ingest(admin, parked, uow=ports.uow, clock=ports.clock)  # a retry
    later = [incoming(van, 400 + 10 * i, here.lat + 0.01, here.lon) for i in range(6)]
    positions.ingest(admin, later, uow=ports.uow, clock=ports.clock)
    assert arrive_scans(ports, admin) == [first.parcels[0].barcode]
