"""A station's delivery day as a planning ``Problem``: who drives, what goes where, and when.

Everything the solver sees is integer: seconds from the day's local midnight at the station,
metres, grams, millilitres and parcels, and costs in units of 1/100,000 of the organisation's
currency (0.45 per km is 45 units per metre; 30 per hour is 833 units per second).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from doorstep.domain.fleet import Driver, SpeedProfile, Vehicle
from doorstep.domain.geo import Location
from doorstep.domain.order_status import PLANNABLE
from doorstep.domain.orders import Order, OrderKind, Priority
from doorstep.domain.schedules import DailyWindow, TimeWindow, Weekday
from doorstep.domain.stations import Station
from doorstep.planning import problem as p
from doorstep.planning.travel import TravelTimes
from doorstep.services.orders import orders_matching
from doorstep.services.ports import OrderFilter, UnitOfWork

COST_UNITS = 100_000  # cost units per unit of currency
DIMENSIONS = ("weight_g", "volume_ml", "parcels")
# Leaving an order out costs this much (in currency) on top of twice its drive from the
# station, so serving it is always worth the drive, and urgent ones are kept first when
# capacity is short.
PENALTY = {Priority.URGENT: 5_000, Priority.HIGH: 1_000, Priority.NORMAL: 200, Priority.LOW: 50}
# A driver working more than six hours takes a 30-minute break between hours 3 and 6 of
# the shift (EU working-time directive, Art. 4; national rules may ask for more). A route
# working six hours or less (the break excluded) owes no break, whatever its shift.
BREAK_AFTER_S = 6 * 3600
BREAK_S = 30 * 60
BREAK_WINDOW = (3 * 3600, 6 * 3600)
# Without any cost set on a vehicle, distance alone is the objective (1 unit per metre).
DEFAULT_COST_PER_M = 1


@dataclass(frozen=True)
class Day:
    """The problem and how to read it back: stop ids are order ids."""

    problem: p.Problem
    station: Station
    epoch: datetime
    orders: dict[str, Order]
    vehicles: dict[str, Vehicle]
    drivers: dict[str, Driver]
    left_out: tuple[tuple[str, str], ...] = field(default=())  # (order id, why) not planned


def load_day(
    uow: UnitOfWork, organisation_id: str, station: Station, day: date, travel: TravelTimes
) -> Day:
    """The station's plannable orders (ready, or received and sorted at the station), active
    vehicles and drivers for ``day``, with road travel."""
    epoch = datetime.combine(day, time(0), ZoneInfo(station.timezone))
    orders = _ready_orders(uow, organisation_id, station.id, day)
    vehicles = [v for v in uow.vehicles.list(organisation_id, station.id) if v.active]
    drivers = [d for d in uow.drivers.list(organisation_id, station.id) if d.active]
    return build_day(station, epoch, orders, vehicles, drivers, travel)


def build_day(
    station: Station,
    epoch: datetime,
    orders: Sequence[Order],
    vehicles: Sequence[Vehicle],
    drivers: Sequence[Driver],
    travel: TravelTimes,
) -> Day:
    placed = [o for o in orders if o.location is not None]
    left_out = tuple((o.id, "the order has no location") for o in orders if o.location is None)
    points = _Points(station.location)
    stop_locations = [points.index(o.location) for o in placed if o.location is not None]
    profiles = sorted({v.speed_profile or SpeedProfile.VAN for v in vehicles})
    matrices = {str(prof): _travel(travel, points.all, prof) for prof in profiles}
    depot = p.Depot(station.id, 0, _opening(station, epoch))
    crews = _crews(vehicles, drivers)
    problem_vehicles = tuple(_vehicle(v, d, epoch, depot.window) for v, d in crews)
    first = next(iter(matrices.values()), None)
    stops = tuple(
        order_stop(o, loc, epoch, round_trip_m(first, loc))
        for o, loc in zip(placed, stop_locations, strict=True)
    )
    problem = p.Problem(
        depots=(depot,),
        vehicles=problem_vehicles,
        stops=stops,
        matrices=matrices,
        dimensions=DIMENSIONS,
        coordinates=tuple((pt.lat, pt.lon) for pt in points.all),
        epoch=epoch,
    )
    return Day(
        problem,
        station,
        epoch,
        {o.id: o for o in placed},
        {v.id: v for v, _ in crews},
        {d.id: d for _, d in crews if d is not None},
        left_out,
    )


class _Points:
    """Distinct locations, the station first: orders at one address share a matrix row."""

    def __init__(self, station: Location) -> None:
        self.all: list[Location] = [station]
        self._seen: dict[tuple[float, float], int] = {(station.lat, station.lon): 0}

    def index(self, point: Location) -> int:
        key = (round(point.lat, 6), round(point.lon, 6))
        found = self._seen.get(key)
        if found is None:
            found = self._seen[key] = len(self.all)
            self.all.append(point)
        return found


def _travel(travel: TravelTimes, points: Sequence[Location], profile: SpeedProfile) -> p.Travel:
    matrix = travel.matrix(points, profile=profile)
    return p.Travel(matrix.durations_s, matrix.distances_m)


def round_trip_m(travel: p.Travel | None, location: int) -> int:
    """Metres from the station (location 0) to ``location`` and back."""
    if travel is None:
        return 0
    return int(travel.distances_m[0, location]) + int(travel.distances_m[location, 0])


def order_stop(order: Order, location: int, epoch: datetime, round_trip: int) -> p.Stop:
    """The order as a stop at matrix ``location``; its penalty grows with the round trip."""
    load = (
        round(sum(x.weight_kg for x in order.parcels) * 1000),
        round(sum(x.volume_l or 0.0 for x in order.parcels) * 1000),
        len(order.parcels),
    )
    pickup = order.kind is OrderKind.PICKUP
    return p.Stop(
        id=order.id,
        location=location,
        service_s=order.service_duration_s,
        windows=tuple(_window(w, epoch) for w in order.time_windows),
        delivery=() if pickup else load,
        pickup=load if pickup else (),
        skills=order.required_skills,
        required=False,
        penalty=(PENALTY[order.priority] * COST_UNITS) + 2 * round_trip * 1000,
    )


def _window(window: TimeWindow, epoch: datetime) -> p.Window:
    return p.Window(p.seconds_after(epoch, window.start_at), p.seconds_after(epoch, window.end_at))


def _opening(station: Station, epoch: datetime) -> p.Window:
    hours = station.hours_on(Weekday(epoch.weekday()))
    if hours is None:
        return p.Window(0, 0)  # closed: no vehicle can leave
    return _daily(hours, epoch)


def _daily(window: DailyWindow, epoch: datetime) -> p.Window:
    """A time-of-day range on the epoch's date, in elapsed seconds (past midnight if it spans)."""
    start = datetime.combine(epoch.date(), window.start, epoch.tzinfo)
    return p.Window(
        p.seconds_after(epoch, start), p.seconds_after(epoch, start) + window.duration_s
    )


def _crews(
    vehicles: Sequence[Vehicle], drivers: Sequence[Driver]
) -> list[tuple[Vehicle, Driver | None]]:
    """Pair the biggest vehicles with drivers; without drivers on record, plan vehicles alone
    (drivers are then assigned at dispatch)."""
    ordered = sorted(vehicles, key=lambda v: (-v.capacity.weight_kg, v.name))
    if not drivers:
        return [(v, None) for v in ordered]
    by_skills = sorted(drivers, key=lambda d: (-len(d.skills), d.name))
    return list(zip(ordered, by_skills, strict=False))


def _vehicle(
    vehicle: Vehicle, driver: Driver | None, epoch: datetime, opening: p.Window
) -> p.Vehicle:
    shift = _daily(vehicle.shift, epoch)
    if driver is not None:
        other = _daily(driver.shift, epoch)
        shift = p.Window(max(shift.start_s, other.start_s), min(shift.end_s, other.end_s))
    shift = p.Window(
        max(shift.start_s, opening.start_s),
        max(max(shift.start_s, opening.start_s), min(shift.end_s, opening.end_s)),
    )
    costs = vehicle.costs
    per_m = round(costs.per_km * COST_UNITS / 1000)
    per_s = round(costs.per_hour * COST_UNITS / 3600)
    return p.Vehicle(
        id=vehicle.id,
        capacity=(
            round(vehicle.capacity.weight_kg * 1000),
            round(vehicle.capacity.volume_l * 1000),
            vehicle.capacity.parcels,
        ),
        shift=shift,
        max_duration_s=vehicle.max_route_duration_s,
        profile=str(vehicle.speed_profile or SpeedProfile.VAN),
        skills=vehicle.skills | (driver.skills if driver else frozenset()),
        fixed_cost=round(costs.fixed_per_use * COST_UNITS),
        cost_per_m=per_m if per_m or per_s else DEFAULT_COST_PER_M,
        cost_per_s=per_s,
        break_=_break(shift),
        driver_id=driver.id if driver else None,
    )


def _break(shift: p.Window) -> p.Break | None:
    """The break a shift over six hours may owe: only routes working over six hours take it.

    Kept simple, the window counts from the shift start, not from when the route leaves: a
    route leaving later than the shift starts gets its break earlier into its working time.
    """
    if shift.end_s - shift.start_s <= BREAK_AFTER_S:
        return None
    earliest, latest = BREAK_WINDOW
    window = p.Window(shift.start_s + earliest, shift.start_s + latest)
    return p.Break(window, BREAK_S, after_work_s=BREAK_AFTER_S)


def _ready_orders(uow: UnitOfWork, organisation_id: str, station_id: str, day: date) -> list[Order]:
    where = OrderFilter(statuses=PLANNABLE, station_id=station_id, service_date=day)
    return orders_matching(uow, organisation_id, where)
