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

A ``simulation.scenario.Scenario`` changes the mix: the station (its name, centre, opening
hours, and how far and how densely around it orders are drawn), the orders' windows,
parcels, service times, pickups and priorities, and the fleet (groups of vans and cargo
bikes, each vehicle with a driver on the group's shift). ``Scenario()`` is the mix above, so
it draws exactly the day drawn without one. ``late_orders`` draws the orders a scenario's
shippers send during the day.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

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

if TYPE_CHECKING:  # scenario reads this module's mix for its defaults
    from doorstep.simulation.scenario import Scenario, VehicleGroup

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
    scenario: Scenario | None = None,
) -> Day:
    """A day of ``stops`` orders at ``places`` around a central station, as ``build_day`` plans it.

    ``places`` are the candidate delivery points, e.g. a region's address points
    (``[a.location for a in store.addresses(region).known()]``); points ``travel`` cannot
    route (``TravelTimes.snap`` is infinite) are dropped first. Orders go to places drawn
    without replacement while there are enough, else with replacement. The station stands at
    the routable place nearest the centre of the places' bounding box. ``vehicles`` defaults
    to one per 100 orders. ``timezone`` is the station's; the day starts at its midnight.
    The module docstring describes the mix of orders and the fleet; ``scenario`` changes it
    (its order count is the caller's to pass as ``stops``). ``vehicles`` counts the default
    fleet, so it cannot go with a scenario that lists its own.
    """
    if stops < 0:
        raise InvalidValue("stops", f"must be 0 or more, got {stops}")
    groups = scenario.fleet if scenario is not None else None
    if groups is not None and vehicles is not None:
        raise InvalidValue("vehicles", "the scenario lists its fleet; leave vehicles out")
    rng = np.random.default_rng(seed)
    area = _area(places, travel, scenario)
    epoch = datetime.combine(day, time(0), ZoneInfo(timezone))
    spec = scenario.station if scenario is not None else None
    station = Station(
        STATION_ID,
        ORGANISATION,
        spec.code if spec else "SYN1",
        spec.name if spec else "Synthetic station",
        area.station,
        "",
        timezone,
        OpeningHours.every_day(spec.opening if spec else OPENING),
    )
    chosen = _choose(area, stops, rng)
    orders = _orders(chosen, rng, epoch, _Mix.of(scenario))
    if groups is not None:
        fleet, drivers = _groups(groups)
    else:
        count = vehicles if vehicles is not None else max(1, round(stops / STOPS_PER_VEHICLE))
        fleet, drivers = _fleet(count, rng)
    return build_day(station, epoch, orders, fleet, drivers, travel)


def late_orders(
    scenario: Scenario,
    *,
    seed: int,
    travel: TravelTimes,
    places: Sequence[Location],
    day: date = DAY,
    timezone: str = "UTC",
) -> list[tuple[datetime, Order]]:
    """The orders shippers send during ``day`` (``scenario.late_orders``), in time order: when
    each arrives (local time, seeded between the scenario's hours) and the order, drawn from
    the same places and mix as the day's. One arriving after the scenario's cut-off is for
    the next day: its service date and windows are a day later. Ids, references and
    barcodes carry an ``L`` (``ord_L00000``), so they never meet the day's own.

    The draws come from their own stream of ``seed``, so the day's orders are the same
    whatever the number of late ones.
    """
    spec = scenario.late_orders
    rng = np.random.default_rng([seed, 1])
    area = _area(places, travel, scenario)
    zone = ZoneInfo(timezone)
    epoch = datetime.combine(day, time(0), zone)
    first, last = (datetime.combine(day, t, zone) for t in (spec.start, spec.end))
    span = (last - first).total_seconds()
    seconds = np.sort(rng.uniform(0, span, size=spec.count)).round()
    chosen = _choose(area, spec.count, rng)
    drawn = _orders(chosen, rng, epoch, _Mix.of(scenario), tag="L")
    found = []
    for offset, order in zip(seconds.tolist(), drawn, strict=True):
        at = first + timedelta(seconds=offset)
        if scenario.cutoff is not None and at.time() > scenario.cutoff:
            later = tuple(
                TimeWindow(w.start_at + timedelta(days=1), w.end_at + timedelta(days=1))
                for w in order.time_windows
            )
            order = dataclasses.replace(
                order, service_date=day + timedelta(days=1), time_windows=later
            )
        found.append((at, order))
    return found


@dataclass(frozen=True)
class _Area:
    """Where orders go: candidate places, their weights (None: all alike), the station's."""

    places: list[Location]
    weights: npt.NDArray[np.float64] | None
    station: Location


def _area(places: Sequence[Location], travel: TravelTimes, scenario: Scenario | None) -> _Area:
    usable = _routable(places, travel)
    spec = scenario.station if scenario is not None else None
    if spec is None or spec.centre is None:
        centre = _centre(usable)
    else:  # the station stands at the routable place nearest the given centre
        centre = usable[int(np.argmin(_km(usable, spec.centre)))]
    if spec is None or (spec.radius_km is None and spec.density_km is None):
        return _Area(usable, None, centre)
    km = _km(usable, spec.centre or centre)
    inside = km <= spec.radius_km if spec.radius_km is not None else np.ones(len(usable), bool)
    if not inside.any():
        raise InvalidValue(
            "station.radius_km",
            f"no routable address lies within {spec.radius_km:g} km of the centre; widen it",
        )
    kept = [p for p, keep in zip(usable, inside.tolist(), strict=True) if keep]
    if spec.density_km is None:
        return _Area(kept, None, centre)
    # Distance decay: the density of orders falls by e every density_km from the centre.
    weight = np.exp(-km[inside] / spec.density_km)
    return _Area(kept, weight / weight.sum(), centre)


def _km(places: Sequence[Location], centre: Location) -> npt.NDArray[np.float64]:
    """Kilometres from ``centre`` (flat-earth, fine within a city)."""
    lat = np.fromiter((p.lat for p in places), dtype=np.float64, count=len(places))
    lon = np.fromiter((p.lon for p in places), dtype=np.float64, count=len(places))
    shrink = np.cos(np.radians(centre.lat))
    km: npt.NDArray[np.float64] = 111.195 * np.hypot(lat - centre.lat, (lon - centre.lon) * shrink)
    return km


def _choose(area: _Area, n: int, rng: np.random.Generator) -> list[Location]:
    """``n`` places, without replacement while there are enough (with weight, enough that
    may be drawn at all), else with replacement."""
    if area.weights is None:
        chosen = rng.choice(len(area.places), size=n, replace=n > len(area.places))
    else:
        drawable = int(np.count_nonzero(area.weights))
        chosen = rng.choice(len(area.places), size=n, replace=n > drawable, p=area.weights)
    return [area.places[int(i)] for i in chosen]


@dataclass(frozen=True)
class _Mix:
    """The order mix: the module's constants, or a scenario's."""

    one_window: float = SHARE_ONE_WINDOW
    two_windows: float = SHARE_TWO_WINDOWS
    hours: int = 2
    parcels: tuple[tuple[int, float], ...] = PARCELS
    service_s: tuple[int, int] = (60, 120)
    pickup: float = SHARE_PICKUP
    priorities: tuple[tuple[Priority, float], ...] = PRIORITIES

    @classmethod
    def of(cls, scenario: Scenario | None) -> _Mix:
        if scenario is None:
            return cls()
        o = scenario.orders
        return cls(
            o.windows.one_window, o.windows.two_windows, o.windows.hours, o.parcels,
            o.service_s, o.pickup_share, o.priorities,
        )  # fmt: skip


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


def _orders(
    points: Sequence[Location],
    rng: np.random.Generator,
    epoch: datetime,
    mix: _Mix = _Mix(),
    tag: str = "",
) -> list[Order]:
    n, h = len(points), mix.hours
    kind_draw = rng.random(n)
    window_draw = rng.random(n)
    # One window within 09:00-17:00 (two hours: starting 09:00-15:00); two alternatives
    # within 08:00-12:00 and 13:00-18:00 (two hours: 08-10..10-12 and 13-15..16-18).
    first_hour = rng.integers(9, 18 - h, size=n)
    morning = rng.integers(8, 13 - h, size=n)
    afternoon = rng.integers(13, 19 - h, size=n)
    counts, shares = [k for k, _ in mix.parcels], [share for _, share in mix.parcels]
    parcel_counts = rng.choice(counts, size=n, p=shares)
    service = rng.integers(mix.service_s[0], mix.service_s[1] + 1, size=n)
    skill_draw = rng.random(n)
    priority_draw = rng.random(n)
    created = epoch.astimezone(UTC) - timedelta(days=1)
    orders = []
    for k, point in enumerate(points):
        skilled = bool(skill_draw[k] < SHARE_SKILL)
        parcels = tuple(
            _parcel(f"SYN{tag}{k:05d}P{j}", rng, heavy=skilled)
            for j in range(int(parcel_counts[k]))
        )
        orders.append(
            Order(
                id=f"ord_{tag}{k:05d}",
                organisation_id=ORGANISATION,
                shipper="synthetic",
                shipper_reference=f"S{tag}{k:05d}",
                kind=OrderKind.PICKUP if kind_draw[k] < mix.pickup else OrderKind.DELIVERY,
                recipient=Recipient(f"Recipient {tag}{k}"),
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
                    mix,
                ),
                service_duration_s=int(service[k]),
                parcels=parcels,
                priority=_priority(float(priority_draw[k]), mix.priorities),
                required_skills=frozenset({LIFT_GATE}) if skilled else frozenset(),
                status=OrderStatus.READY,
            )
        )
    return orders


def _windows(
    draw: float, hour: int, alternatives: tuple[int, int], epoch: datetime, mix: _Mix
) -> tuple[TimeWindow, ...]:
    if draw < mix.one_window:
        return (_window(epoch, hour, mix.hours),)
    if draw < mix.one_window + mix.two_windows:
        return tuple(_window(epoch, h, mix.hours) for h in alternatives)
    return ()


def _window(epoch: datetime, hour: int, hours: int) -> TimeWindow:
    start = datetime.combine(epoch.date(), time(hour), epoch.tzinfo)
    return TimeWindow(start, start + timedelta(hours=hours))


def _parcel(barcode: str, rng: np.random.Generator, *, heavy: bool) -> Parcel:
    """Mostly small parcels (median about 2 kg and 8 l); a lift-gate order's are heavy."""
    weight = 40.0 + rng.uniform(0, 40) if heavy else min(15.0, max(0.2, rng.lognormal(0.7, 0.8)))
    volume = min(60.0, max(2.0, weight * rng.uniform(2.5, 5.0)))
    return Parcel(barcode, weight_kg=round(weight, 2), volume_l=round(volume, 1))


def _priority(draw: float, mix: Sequence[tuple[Priority, float]] = PRIORITIES) -> Priority:
    bound = 0.0
    for priority, share in mix:
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
        capacity = Capacity(1300, 5500, 260) if big[k] else Capacity(900, 3500, 180)
        skills = frozenset({LIFT_GATE}) if lift[k] else frozenset()
        vehicles.append(_vehicle(k, "Van", VehicleType.VAN, capacity, hours, costs, skills))
        drivers.append(_driver(k, DRIVER_SHIFT))
    return vehicles, drivers


def _vehicle(
    k: int,
    label: str,
    kind: VehicleType,
    capacity: Capacity,
    shift: DailyWindow,
    costs: VehicleCosts,
    skills: frozenset[str],
) -> Vehicle:
    """The ``k``-th vehicle of the day (ids and names from ``k``, so a day is repeatable)."""
    return Vehicle(
        id=f"veh_{k:03d}", organisation_id=ORGANISATION, station_id=STATION_ID,
        name=f"{label} {k:03d}", vehicle_type=kind, capacity=capacity, shift=shift,
        costs=costs, skills=skills,
    )  # fmt: skip


def _driver(k: int, shift: DailyWindow) -> Driver:
    return Driver(f"drv_{k:03d}", ORGANISATION, STATION_ID, f"Driver {k:03d}", shift)


def _groups(groups: Sequence[VehicleGroup]) -> tuple[list[Vehicle], list[Driver]]:
    """A scenario's fleet: each group's vehicles in turn, a driver each on the group's shift.
    A cargo bike's speed profile follows from its type (``Vehicle``)."""
    vehicles: list[Vehicle] = []
    drivers: list[Driver] = []
    for group in groups:
        label = "Cargo bike" if group.type is VehicleType.CARGO_BIKE else "Van"
        for _ in range(group.count):
            k = len(vehicles)
            vehicles.append(
                _vehicle(
                    k, label, group.type, group.capacity, group.shift, group.costs, group.skills
                )
            )
            drivers.append(_driver(k, group.shift))
    return vehicles, drivers
