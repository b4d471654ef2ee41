"""A published day's KPIs gathered from storage: scans, departure, GPS and cases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from doorstep.domain.errors import NotFound
from doorstep.domain.exceptions import ExceptionType
from doorstep.domain.orders import Order
from doorstep.domain.positions import Ping
from doorstep.domain.scans import FailReason, ScanKind
from doorstep.services import kpis
from doorstep.services.authorization import Principal
from doorstep.services.scans import IncomingScan
from tests.services.conftest import Ports
from tests.services.planning.test_runs import DAY
from tests.services.test_inspections import depart
from tests.services.test_loadout import day, inspected, load, station
from tests.services.test_sorting import published, send

__all__ = ["day", "station"]  # fixtures, used by name
K = ScanKind
MORNING = datetime(DAY.year, DAY.month, DAY.day, 6, 0, tzinfo=UTC)  # 08:00 in Helsinki


def run_day(ports: Ports, admin: Principal) -> tuple[str, list[str]]:
    """The van loaded and gone at 06:01; stop 1 delivered at 07:00, stop 3 at 07:15 and
    stop 2 failed at 07:30, the scans arriving last first; two GPS pings 0.01 deg apart."""
    version = published(ports, admin)
    (route,) = [r for r in version.plan.routes if r.visits]
    orders = ports.uow.tables.orders
    codes = [orders[s].parcels[0].barcode for s in route.stop_ids]
    load(ports, admin, codes, route.vehicle_id)
    inspected(ports, admin)
    ports.clock.current = MORNING
    depart(ports, admin)
    absent = FailReason.RECIPIENT_ABSENT
    ends = [
        IncomingScan("kpi-0001", K.DELIVER, codes[0], MORNING + timedelta(hours=1)),
        IncomingScan("kpi-0003", K.DELIVER, codes[2], MORNING + timedelta(minutes=75)),
        IncomingScan("kpi-0002", K.FAIL, codes[1], MORNING + timedelta(minutes=90), reason=absent),
    ]
    send(ports, admin, *reversed(ends))
    pings = [
        Ping(
            "phone-1",
            route.vehicle_id,
            MORNING + timedelta(minutes=m),
            60.17 + m / 3000,
            24.94,
            5.0,
        )
        for m in (10, 40)
    ]
    with ports.uow:
        ports.uow.positions.add_many(admin.organisation_id, pings)
        ports.uow.commit()
    return route.vehicle_id, codes


def test_a_day_under_way_in_numbers(ports: Ports, admin: Principal, day: list[Order]) -> None:
    """2 of 3 attempted stops delivered at the first attempt; both deliveries on time (no
    windows, on their date); every parcel fully scanned; stops done 1, 3, 2: 2 of 3 pairs in
    planned order; the one failure ranked; GPS distance known from the pings."""
    vehicle, _ = run_day(ports, admin)
    report = kpis.day_kpis(admin, "HEL1", DAY, uow=ports.uow)
    card = report.kpis.day
    assert str(card.first_attempt) == "2/3"
    assert str(card.on_time) == "2/2"
    assert str(card.scan_compliance) == "3/3"
    assert str(card.road.sequence) == "2/3"
    assert [(r, str(x)) for r, x in card.failure_reasons] == [("recipient_absent", "1/1")]
    assert card.road.gps_m_per_stop is not None
    assert card.road.gps_m_per_stop.denominator == 3
    assert card.cases.opened.get(ExceptionType.FAILED_ATTEMPT) == 1
    assert set(report.kpis.routes) == {vehicle}
    assert report.kpis.routes[vehicle] == card
    assert report.vehicles[vehicle] == "Van 1"


def test_a_day_without_a_published_plan_has_no_kpis(
    ports: Ports, admin: Principal, day: list[Order]
) -> None:
    with pytest.raises(NotFound, match="published plan"):
        kpis.day_kpis(admin, "HEL1", DAY, uow=ports.uow)
