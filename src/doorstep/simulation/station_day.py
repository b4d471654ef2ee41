"""A synthetic station day on a region's real roads, for benchmarks and large-day tests.

``synthetic_station_day`` makes a station at the centre of a region, a day of orders at real
places of that region (its address points, or any points along its streets) and a fleet with
drivers, then turns them into a planning ``Day`` through the product's own ``build_day``, so
the problem holds full road matrices from the given ``TravelTimes`` and every unit, penalty,
window and break exactly as a real station's day would.

The mix, per order (shares are of all orders, drawn independently):

- one two-hour window between 09:00 and 17:00 (20 %), or two alternative two-hour windows,
  one in the morning and one in the afternoon (5 %); the rest any time in the shift;
- 1-4 parcels (82 / 12 / 4 / 2 %) of 0.2-15 kg and 2-60 litres each, skewed to the small;
- 60-120 s of service;
- a return pickup instead of a delivery (3 %);
- a ``lift_gate`` skill (2 %, on heavier orders), which a quarter of the vans have;
- priority urgent 1 %, high 5 %, low 10 %, else normal.

The fleet is one vehicle per 100 orders (at least one): four in five are vans of 900 kg,
3,500 l and 180 parcels, one in five larger vans of 1,300 kg, 5,500 l and 260 parcels, all on
10-hour shifts (08:00-18:00, a third 07:00-17:00) with a driver each (drivers work 07:00-18:00,
so the van's shift decides); the station is open
06:30-19:30. Vehicles cost 0.45 per km, 30 per hour and 40 per day used.

Everything is drawn from ``numpy.random.default_rng(seed)`` in a fixed order, so the same
arguments give the same day (order ids ``ord_00000``..., vehicles ``veh_000``...).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from doorstep.domain.errors import InvalidValue
from doorstep.domain.fleet import (
    Capacity,
    Driver,
    SpeedProfile,
    Vehicle,
    VehicleCosts,
    VehicleType,
)
from doorstep.domain.geo import Location
from doorstep.domain.order_status import OrderStatus
from doorstep.domain.orders import Address, Order, OrderKind, Parcel, Priority, Recipient
from doorstep.domain.schedules import DailyWindow, OpeningHours, TimeWindow
from doorstep.domain.stations import Station
from doorstep.planning.travel import TravelTimes
from doorstep.services.planning.day import Day, build_day

DAY = date(2026, 11, 23)  # a Monday
ORGANISATION = "org_synth"
STATION_ID = "stn_synth"
STOPS_PER_VEHICLE = 100
LIFT_GATE = "lift_gate"

SHARE_ONE_WINDOW = 0.20
SHARE_TWO_WINDOWS = 0.05
SHARE_PICKUP = 0.03
SHARE_SKILL = 0.02
SHARE_BIG_VANS = 0.2
SHARE_LIFT_GATE_VANS = 0.25
PRIORITIES = ((Priority.URGENT, 0.01), (Priority.HIGH, 0.05), (Priority.LOW, 0.10))
PARCELS = ((1, 0.82), (2, 0.12), (3, 0.04), (4, 0.02))
OPENING = DailyWindow(time(6, 30), time(19, 30))
SHIFTS = (DailyWindow(time(8), time(18)), DailyWindow(time(7), time(17)))
DRIVER_SHIFT = DailyWindow(time(7), time(18))  # covers either van shift: the van's decides


def synthetic_station_day(
    stops: int,
    *,
    seed: int,
    travel: TravelTimes,
    places: Sequence[Location],
    vehicles: int | None = None,
    day: date = DAY,
    timezone: str = "UTC",
) -> Day:
    """A day of ``stops`` orders at ``places`` around a central station, as ``build_day`` plans it.

    ``places`` are the candidate delivery points, e.g. a region's address points
    (``[a.location for a in store.addresses(region).known()]``); points ``travel`` cannot
    route (``TravelTimes.snap`` is infinite) are dropped first. Orders go to places drawn
    without replacement while there are enough, else with replacement. The station stands at
    the routable place nearest the centre of the places' bounding box. ``vehicles`` defaults
    to one per 100 orders. ``timezone`` is the station's; the day starts at its midnight.
    The module docstring describes the mix of orders and the fleet.
    """
    if stops < 0:
        raise InvalidValue("stops", f"must be 0 or more, got {stops}")
    rng = np.random.default_rng(seed)
    usable = _routable(places, travel)
    centre = _centre(usable)
    epoch = datetime.combine(day, time(0), ZoneInfo(timezone))
    station = Station(
        STATION_ID,
        ORGANISATION,
        "SYN1",
        "Synthetic station",
        centre,
        "",
        timezone,
        OpeningHours.every_day(OPENING),
    )
    chosen = rng.choice(len(usable), size=stops, replace=stops > len(usable))
    orders = _orders([usable[int(i)] for i in chosen], rng, epoch)
    count = vehicles if vehicles is not None else max(1, round(stops / STOPS_PER_VEHICLE))
    fleet, drivers = _fleet(count, rng)
    return build_day(station, epoch, orders, fleet, drivers, travel)


def _routable(places: Sequence[Location], travel: TravelTimes) -> list[Location]:
    if not places:
        raise InvalidValue("places", "give at least one place to deliver to")
    distance = travel.snap(places, profile=SpeedProfile.VAN)
    usable = [p for p, d in zip(places, distance.tolist(), strict=True) if np.isfinite(d)]
    if not usable:
        raise InvalidValue("places", "none of the places can be reached by road")
    return usable


def _centre(places: Sequence[Location]) -> Location:
    """The place nearest the middle of the places' bounding box (flat-earth, fine for a city)."""
    lat = np.fromiter((p.lat for p in places), dtype=np.float64, count=len(places))
    lon = np.fromiter((p.lon for p in places), dtype=np.float64, count=len(places))
    mid_lat, mid_lon = (lat.min() + lat.max()) / 2, (lon.min() + lon.max()) / 2
    shrink = np.cos(np.radians(mid_lat))
    nearest = int(np.argmin((lat - mid_lat) ** 2 + ((lon - mid_lon) * shrink) ** 2))
    return places[nearest]


def _orders(points: Sequence[Location], rng: np.random.Generator, epoch: datetime) -> list[Order]:
    n = len(points)
    kind_draw = rng.random(n)
    window_draw = rng.random(n)
    first_hour = rng.integers(9, 16, size=n)  # a two-hour window starting 09:00-15:00
    morning = rng.integers(8, 11, size=n)  # two alternatives: 08-10..10-12 and 13-15..16-18
    afternoon = rng.integers(13, 17, size=n)
    parcel_counts = rng.choice([k for k, _ in PARCELS], size=n, p=[share for _, share in PARCELS])
    service = rng.integers(60, 121, size=n)
    skill_draw = rng.random(n)
    priority_draw = rng.random(n)
    created = epoch.astimezone(UTC) - timedelta(days=1)
    orders = []
    for k, point in enumerate(points):
        skilled = bool(skill_draw[k] < SHARE_SKILL)
        parcels = tuple(
            _parcel(f"SYN{k:05d}P{j}", rng, heavy=skilled) for j in range(int(parcel_counts[k]))
        )
        orders.append(
            Order(
                id=f"ord_{k:05d}",
                organisation_id=ORGANISATION,
                shipper="synthetic",
                shipper_reference=f"S{k:05d}",
                kind=OrderKind.PICKUP if kind_draw[k] < SHARE_PICKUP else OrderKind.DELIVERY,
                recipient=Recipient(f"Recipient {k}"),
                address=Address(f"{point.lat:.6f}, {point.lon:.6f}"),
                created_at=created,
                station_id=STATION_ID,
                location=point,
                service_date=epoch.date(),
                time_windows=_windows(
                    float(window_draw[k]),
                    int(first_hour[k]),
                    (int(morning[k]), int(afternoon[k])),
                    epoch,
                ),
                service_duration_s=int(service[k]),
                parcels=parcels,
                priority=_priority(float(priority_draw[k])),
                required_skills=frozenset({LIFT_GATE}) if skilled else frozenset(),
                status=OrderStatus.READY,
            )
        )
    return orders


def _windows(
    draw: float, hour: int, alternatives: tuple[int, int], epoch: datetime
) -> tuple[TimeWindow, ...]:
    if draw < SHARE_ONE_WINDOW:
        return (_two_hours(epoch, hour),)
    if draw < SHARE_ONE_WINDOW + SHARE_TWO_WINDOWS:
        return tuple(_two_hours(epoch, h) for h in alternatives)
    return ()


def _two_hours(epoch: datetime, hour: int) -> TimeWindow:
    start = datetime.combine(epoch.date(), time(hour), epoch.tzinfo)
    return TimeWindow(start, start + timedelta(hours=2))


def _parcel(barcode: str, rng: np.random.Generator, *, heavy: bool) -> Parcel:
    """Mostly small parcels (median about 2 kg and 8 l); a lift-gate order's are heavy."""
    weight = 40.0 + rng.uniform(0, 40) if heavy else min(15.0, max(0.2, rng.lognormal(0.7, 0.8)))
    volume = min(60.0, max(2.0, weight * rng.uniform(2.5, 5.0)))
    return Parcel(barcode, weight_kg=round(weight, 2), volume_l=round(volume, 1))


def _priority(draw: float) -> Priority:
    bound = 0.0
    for priority, share in PRIORITIES:
        bound += share
        if draw < bound:
            return priority
    return Priority.NORMAL


def _fleet(count: int, rng: np.random.Generator) -> tuple[list[Vehicle], list[Driver]]:
    big = rng.random(count) < SHARE_BIG_VANS
    lift = rng.random(count) < SHARE_LIFT_GATE_VANS
    shift = rng.random(count) < 1 / 3
    costs = VehicleCosts(per_km=0.45, per_hour=30.0, fixed_per_use=40.0)
    vehicles, drivers = [], []
    for k in range(count):
        hours = SHIFTS[int(shift[k])]
        vehicles.append(
            Vehicle(
                id=f"veh_{k:03d}",
                organisation_id=ORGANISATION,
                station_id=STATION_ID,
                name=f"Van {k:03d}",
                vehicle_type=VehicleType.VAN,
                capacity=Capacity(1300, 5500, 260) if big[k] else Capacity(900, 3500, 180),
                shift=hours,
                costs=costs,
                skills=frozenset({LIFT_GATE}) if lift[k] else frozenset(),
            )
        )
        drivers.append(
            Driver(f"drv_{k:03d}", ORGANISATION, STATION_ID, f"Driver {k:03d}", DRIVER_SHIFT)
        )
    return vehicles, drivers
