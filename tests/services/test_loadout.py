"""Loading a van from the sort plan, and departing: missing parcels need a recorded override."""

from __future__ import annotations

import pytest

from doorstep.domain.errors import Conflict, InvalidValue
from doorstep.domain.order_status import OrderStatus as S
from doorstep.domain.orders import Order
from doorstep.domain.scans import ScanKind
from doorstep.domain.stations import Station
from doorstep.services import loadout, sorting
from doorstep.services.authorization import Principal
from tests.services.conftest import Ports
from tests.services.planning.test_runs import DAY, PLACES, order, van
from tests.services.test_sorting import published, scan, send


def inspected(ports: Ports, admin: Principal) -> None:
    from tests.services.test_inspections import inspected as pre_trip

    pre_trip(ports, admin)


K = ScanKind


@pytest.fixture
def day(ports: Ports, admin: Principal, station: Station) -> list[Order]:
    """Three ready orders and one van that takes them all: one route, three stops."""
    van(ports, admin, "Van 1", parcels=10)
    return [order(ports, admin, f"R-{i}", at) for i, at in enumerate(PLACES, start=1)]


@pytest.fixture
def station(ports: Ports, admin: Principal) -> Station:
    from doorstep.services import stations
    from tests.services.conftest import station_fields

    return stations.add_station(admin, station_fields("HEL1"), uow=ports.uow, ids=ports.ids)


def load(ports: Ports, admin: Principal, codes: list[str], vehicle: str) -> None:
    lane = "L01"
    for n, code in enumerate(codes):
        send(
            ports,
            admin,
            scan(10 * n, K.RECEIVE, code),
            scan(10 * n + 1, K.SORT, code, lane=lane),
            scan(10 * n + 2, K.LOAD, code, vehicle_id=vehicle),
        )


def test_the_load_list_runs_from_the_last_stop_and_shows_what_is_missing(
    ports: Ports, admin: Principal, day: list[Order]
) -> None:
    published(ports, admin)
    lines = sorting.sort_plan(admin, "HEL1", DAY, uow=ports.uow).lines
    vehicle = lines[0].assignment.vehicle_id
    by_stop = [
        line.assignment.barcode for line in sorted(lines, key=lambda x: x.assignment.position)
    ]
    load(ports, admin, by_stop[-1:], vehicle)
    found = loadout.load_out(admin, "HEL1", DAY, "Van 1", uow=ports.uow)
    assert [i.assignment.barcode for i in found.list.items] == by_stop[::-1]
    assert [i.loaded for i in found.list.items] == [True, False, False]
    assert [i.assignment.barcode for i in found.list.missing] == by_stop[1::-1]
    assert found.departure is None


def test_leaving_parcels_behind_needs_a_reason_which_is_recorded(
    ports: Ports, admin: Principal, day: list[Order]
) -> None:
    published(ports, admin)
    lines = sorting.sort_plan(admin, "HEL1", DAY, uow=ports.uow).lines
    vehicle = lines[0].assignment.vehicle_id
    codes = [line.assignment.barcode for line in lines]
    load(ports, admin, codes[:2], vehicle)

    inspected(ports, admin)

    def go(reason: str = "") -> object:
        return loadout.depart(
            admin, "HEL1", DAY, "Van 1", override_reason=reason,
            uow=ports.uow, clock=ports.clock, ids=ports.ids,
        )  # fmt: skip

    with pytest.raises(InvalidValue, match=f"1 parcels are not loaded \\({codes[2]}\\)"):
        go()
    assert ports.uow.tables.departures == {}
    departure = go("parcel not found on the shelf")
    assert departure.missing == (codes[2],)  # type: ignore[attr-defined]
    states = {b: s.status for (_, b), (_, s) in ports.uow.tables.parcel_states.items()}
    # The handheld's clock ran ahead of the server's: the departure still follows the loading.
    assert states == {codes[0]: S.OUT_FOR_DELIVERY, codes[1]: S.OUT_FOR_DELIVERY}
    with pytest.raises(Conflict, match="departed already"):
        go("again")
    shown = loadout.load_out(admin, "HEL1", DAY, "Van 1", uow=ports.uow)
    assert shown.departure == departure
