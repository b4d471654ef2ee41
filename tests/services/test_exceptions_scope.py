"""The queue of one station's day: its orders' cases, its vans' route cases, unknown barcodes
scanned that day; not another station's, nor another day's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from doorstep.domain.errors import InvalidValue
from doorstep.domain.exceptions import ExceptionType
from doorstep.domain.geo import Location
from doorstep.domain.orders import Address, Order
from doorstep.domain.scans import ScanKind
from doorstep.domain.schedules import TimeWindow
from doorstep.services import dispatch, exceptions, fleet, orders, stations
from doorstep.services.authorization import Principal
from tests.services.conftest import Ports, order_fields, station_fields, vehicle_fields
from tests.services.planning.test_runs import DAY
from tests.services.test_loadout import day, station
from tests.services.test_sorting import published, scan, send

__all__ = ["day", "station"]  # fixtures, used by name
T = ExceptionType
NEXT = DAY + timedelta(days=1)


def other_order(ports: Ports, admin: Principal, ref: str, station_code: str, day_: object) -> Order:
    fields = order_fields(
        ref,
        station_id=station_code,
        location=Location(60.21, 24.98),
        service_date=day_,
        address=Address(f"Street {ref}, Espoo"),
    )
    return orders.create_order(admin, fields, uow=ports.uow, clock=ports.clock, ids=ports.ids)


def shown(
    ports: Ports, admin: Principal, station_ref: str, day_: object, **more: object
) -> set[tuple[ExceptionType, str]]:
    page = exceptions.list_cases(
        admin,
        station=station_ref,
        day=day_,  # type: ignore[arg-type]
        uow=ports.uow,
        **more,  # type: ignore[arg-type]
    )
    return {(c.type, c.order_id or c.barcode) for c in page.cases}


@pytest.fixture
def cases(ports: Ports, admin: Principal, day: list[Order]) -> dict[str, str]:
    """HEL1's day: a van that never left (late departure) and a stop at risk; ESP1's order of
    the same day and HEL1's order of the next day each with a scan out of sequence; an unknown
    barcode scanned that morning."""
    stations.add_station(admin, station_fields("ESP1"), uow=ports.uow, ids=ports.ids)
    fleet.add_vehicle(admin, vehicle_fields("ESP1", "Espoo van"), uow=ports.uow, ids=ports.ids)
    espoo = other_order(ports, admin, "E-1", "ESP1", DAY)
    later = other_order(ports, admin, "L-1", "HEL1", NEXT)
    start = datetime(DAY.year, DAY.month, DAY.day, 6, 0, tzinfo=UTC)
    ports.uow.tables.orders[day[0].id].time_windows = (
        TimeWindow(start, start + timedelta(hours=10)),
    )
    published(ports, admin)
    for o in (espoo, later):  # a sort before the receive: out of sequence
        send(ports, admin, scan(0, ScanKind.SORT, o.parcels[0].barcode, lane="L01"))
    ports.clock.current = datetime(DAY.year, DAY.month, DAY.day, 8, 0, tzinfo=UTC)  # 10:00
    send(ports, admin, scan(1, ScanKind.RECEIVE, "NOBODY-1"))
    ports.clock.current = datetime(DAY.year, DAY.month, DAY.day, 20, 0, tzinfo=UTC)  # 22:00
    dispatch.watch(admin, "HEL1", DAY, uow=ports.uow, clock=ports.clock)
    with ports.uow:
        van = fleet.find_vehicle(ports.uow, admin.organisation_id, "Van 1").id
    return {"van": van, "risky": day[0].id, "espoo": espoo.id, "later": later.id}


def test_a_station_day_shows_its_own_cases_only(
    ports: Ports, admin: Principal, cases: dict[str, str]
) -> None:
    everything = exceptions.list_cases(admin, uow=ports.uow).cases
    assert len(everything) == 5
    late = exceptions.route_key(T.LATE_DEPARTURE, cases["van"], DAY)
    assert [c.key for c in everything if c.type is T.LATE_DEPARTURE] == [late]
    # The route case names no order: shown by its key, so by the barcode "" here.
    assert shown(ports, admin, "HEL1", DAY) == {
        (T.LATE_DEPARTURE, ""),
        (T.LATE_RISK, cases["risky"]),
        (T.UNKNOWN_BARCODE, "NOBODY-1"),
    }
    assert shown(ports, admin, "ESP1", DAY) == {
        (T.SCAN_OUT_OF_SEQUENCE, cases["espoo"]),
        (T.UNKNOWN_BARCODE, "NOBODY-1"),  # any station may hold it
    }
    # The next day: HEL1's order of that day; the unknown barcode was scanned the day before.
    assert shown(ports, admin, "HEL1", NEXT) == {(T.SCAN_OUT_OF_SEQUENCE, cases["later"])}
    with ports.uow:
        hel1 = ports.uow.stations.get_by_code(admin.organisation_id, "HEL1")
    assert hel1 is not None
    assert shown(ports, admin, hel1.id, DAY, type=T.LATE_RISK) == {(T.LATE_RISK, cases["risky"])}


def test_pages_of_a_station_day_follow_on_in_due_order(
    ports: Ports, admin: Principal, cases: dict[str, str]
) -> None:
    whole = exceptions.list_cases(admin, station="HEL1", day=DAY, uow=ports.uow).cases
    assert [c.due_at for c in whole] == sorted(c.due_at for c in whole)
    seen, cursor = [], None
    while True:
        page = exceptions.list_cases(
            admin, station="HEL1", day=DAY, cursor=cursor, limit=1, uow=ports.uow
        )
        seen += [c.id for c in page.cases]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == [c.id for c in whole]


def test_a_station_needs_a_day_and_a_known_station(
    ports: Ports, admin: Principal, cases: dict[str, str]
) -> None:
    with pytest.raises(InvalidValue) as no_day:
        exceptions.list_cases(admin, station="HEL1", uow=ports.uow)
    assert no_day.value.field == "date"
    with pytest.raises(InvalidValue) as no_station:
        exceptions.list_cases(admin, day=DAY, uow=ports.uow)
    assert no_station.value.field == "station"
    with pytest.raises(InvalidValue) as unknown:
        exceptions.list_cases(admin, station="NOPE", day=DAY, uow=ports.uow)
    assert unknown.value.field == "station"
