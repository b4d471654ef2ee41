"""Ping ingestion (idempotent, out-of-order, per-ping rejections), trails, visits, purge."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from doorstep.domain.accounts import Role
from doorstep.domain.errors import InvalidValue, PermissionDenied
from doorstep.domain.orders import Order
from doorstep.domain.positions import PositionSettings
from doorstep.services import fleet, positions
from doorstep.services.authorization import Principal
from doorstep.services.positions import IncomingPing
from tests.services.conftest import Ports
from tests.services.planning.test_runs import DAY
from tests.services.test_loadout import day, station
from tests.services.test_sorting import published

__all__ = ["day", "station"]  # fixtures, used by name

HELSINKI = ZoneInfo("Europe/Helsinki")
NINE = datetime.combine(DAY, datetime.min.time(), HELSINKI).replace(hour=9)


def incoming(vehicle_id: str, second: int, lat: float = 60.17, lon: float = 24.94) -> IncomingPing:
    return IncomingPing("phone-1", vehicle_id, NINE + timedelta(seconds=second), lat, lon, 5.0, 3.0)


def send(ports: Ports, who: Principal, pings: list[IncomingPing]) -> positions.IngestReport:
    return positions.ingest(who, pings, uow=ports.uow, clock=ports.clock)


@pytest.fixture
def van(ports: Ports, admin: Principal, day: list[Order]) -> str:
    """The id of Van 1, which the day's orders are planned on."""
    with ports.uow:
        return fleet.find_vehicle(ports.uow, admin.organisation_id, "Van 1").id


@pytest.fixture(autouse=True)
def clock_on_the_day(ports: Ports) -> None:
    ports.clock.current = NINE + timedelta(hours=12)


def test_a_retried_batch_stores_nothing_twice(ports: Ports, admin: Principal, van: str) -> None:
    """The same batch again counts every ping as a duplicate, adds no row, sends nothing."""
    batch = [incoming(van, 10 * i) for i in range(50)]
    assert send(ports, admin, batch) == positions.IngestReport(50, 0, ())
    assert send(ports, admin, batch) == positions.IngestReport(0, 50, ())
    assert len(ports.uow.tables.positions) == 50
    assert ports.uow.tables.messages == {}  # ingesting notifies nobody, once or twice


def test_pings_out_of_order_come_back_in_time_order(
    ports: Ports, admin: Principal, van: str
) -> None:
    """Batches of shuffled pings, partly overlapping, give one trail sorted by device time."""
    batch = [incoming(van, 10 * i) for i in range(100)]
    random.Random(5).shuffle(batch)
    send(ports, admin, batch[:60])
    report = send(ports, admin, batch[40:])
    assert (report.stored, report.duplicate) == (40, 20)
    trail = positions.breadcrumbs(admin, "Van 1", DAY, uow=ports.uow)
    assert [p.device_time for p in trail] == [NINE + timedelta(seconds=10 * i) for i in range(100)]


def test_a_rejected_ping_is_named_by_index_and_field_and_the_rest_are_stored(
    ports: Ports, admin: Principal, van: str
) -> None:
    """A bad latitude, an unknown vehicle and a clock far ahead reject only their pings."""
    batch = [incoming(van, 10 * i) for i in range(5)]
    batch[1] = replace(batch[1], lat=123.0)
    batch[3] = replace(batch[3], vehicle_id="veh_nope")
    batch[4] = replace(batch[4], device_time=ports.clock.now() + timedelta(hours=1))
    report = send(ports, admin, batch)
    assert report.stored == 2
    assert [(r.index, r.field) for r in report.rejected] == [
        (1, "lat"),
        (3, "vehicle_id"),
        (4, "device_time"),
    ]


def test_a_batch_over_the_limit_is_refused_whole(ports: Ports, admin: Principal, van: str) -> None:
    """More than 5,000 pings in one request is refused, naming the batch."""
    with pytest.raises(InvalidValue) as error:
        send(ports, admin, [incoming(van, i) for i in range(positions.MAX_BATCH + 1)])
    assert error.value.field == "pings"


def test_another_organisations_vehicle_is_unknown(
    ports: Ports, admin: Principal, rival: Principal, van: str
) -> None:
    """A ping naming a vehicle of another tenant is rejected, not stored for it."""
    report = send(ports, rival, [incoming(van, 0)])
    assert [r.field for r in report.rejected] == ["vehicle_id"]


def test_breadcrumbs_are_of_the_local_day_and_thin_by_interval(
    ports: Ports, admin: Principal, van: str
) -> None:
    """Pings the evening before (local time) are not in the day; thinning keeps the last."""
    eve = IncomingPing("phone-1", van, NINE - timedelta(hours=10), 60.17, 24.94, 5.0, 0.0)
    send(ports, admin, [eve] + [incoming(van, 10 * i) for i in range(31)])
    assert len(positions.breadcrumbs(admin, "Van 1", DAY, uow=ports.uow)) == 31
    thin = positions.breadcrumbs(admin, "Van 1", DAY, uow=ports.uow, min_interval_s=120)
    assert [int((p.device_time - NINE).total_seconds()) for p in thin] == [0, 120, 240, 300]


def test_drivers_write_but_only_staff_read(ports: Ports, admin: Principal, van: str) -> None:
    """A driver sends pings; reading a vehicle's trail needs a staff role."""
    driver = replace(admin, roles=frozenset({Role.DRIVER}))
    assert send(ports, driver, [incoming(van, 0)]).stored == 1
    with pytest.raises(PermissionDenied):
        positions.breadcrumbs(driver, "Van 1", DAY, uow=ports.uow)


def park_at_each_stop(ports: Ports, admin: Principal, day: list[Order], van: str) -> list[str]:
    """Publish the day, then send (shuffled) three minutes parked at each stop in plan order
    with two minutes' drive 1 km away between; the stop ids in plan order."""
    version = published(ports, admin)
    route = version.route_of_vehicle(van)
    assert route is not None
    places = {o.id: o.location for o in day}
    batch: list[IncomingPing] = []
    t = 0
    for visit in route.visits:
        place = places[visit.stop_id]
        assert place is not None
        batch += [incoming(van, t + 10 * i, place.lat, place.lon) for i in range(18)]
        t += 180
        batch += [incoming(van, t + 10 * i, place.lat + 0.01, place.lon) for i in range(12)]
        t += 120
    random.Random(1).shuffle(batch)
    send(ports, admin, batch)
    return [v.stop_id for v in route.visits]


def test_visits_follow_the_published_route_stop_by_stop(
    ports: Ports, admin: Principal, day: list[Order], van: str
) -> None:
    """Parked at each stop in turn: one visit per stop, numbered as planned, from the first
    ping there to the first ping clearly gone."""
    stop_ids = park_at_each_stop(ports, admin, day, van)
    found = positions.visits(admin, "Van 1", DAY, uow=ports.uow)
    assert [v.number for v in found] == [1, 2, 3]
    assert [v.stop_id for v in found] == stop_ids
    assert found[0].arrived_at == NINE
    assert found[0].departed_at == NINE + timedelta(seconds=180)


def test_a_stricter_geofence_setting_applies(
    ports: Ports, admin: Principal, day: list[Order], van: str
) -> None:
    """A dwell longer than the stays leaves no visits; settings are kept per organisation."""
    park_at_each_stop(ports, admin, day, van)
    changed = positions.change_position_settings(admin, {"geofence_dwell_s": 600}, uow=ports.uow)
    assert changed == PositionSettings(geofence_dwell_s=600)
    assert positions.visits(admin, "Van 1", DAY, uow=ports.uow) == ()


def test_purge_deletes_past_each_organisations_retention_in_chunks(
    ports: Ports, admin: Principal, van: str
) -> None:
    """With 7 days' retention, pings 8 days old go (in chunks of 100), a day old stay."""
    positions.change_position_settings(admin, {"retention_days": 7}, uow=ports.uow)
    ports.clock.current = NINE + timedelta(days=8, hours=12)
    send(ports, admin, [incoming(van, i) for i in range(250)])
    fresh = [
        replace(incoming(van, i), device_time=NINE + timedelta(days=7, seconds=i)) for i in range(5)
    ]
    send(ports, admin, fresh)
    commits = ports.uow.commits
    gone = positions.purge(uow=ports.uow, clock=ports.clock, chunk=100)
    assert gone[admin.organisation_id] == 250
    assert ports.uow.commits - commits == 3
    with ports.uow:
        last = positions.last_position(ports.uow, admin.organisation_id, van)
    assert last is not None
    assert last.device_time == NINE + timedelta(days=7, seconds=4)
    assert len(ports.uow.tables.positions) == 5


def test_last_position_is_the_latest_by_device_time(
    ports: Ports, admin: Principal, van: str
) -> None:
    """A late ping from earlier does not become the last position."""
    send(ports, admin, [incoming(van, 100, lat=60.2)])
    send(ports, admin, [incoming(van, 50, lat=60.1)])
    last = positions.last_position(ports.uow, admin.organisation_id, van)
    assert last is not None
    assert (last.lat, last.device_time.astimezone(UTC)) == (
        60.2,
        (NINE + timedelta(seconds=100)).astimezone(UTC),
    )
