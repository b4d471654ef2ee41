"""A station's day becomes a planning problem with the right units, windows and crews."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from doorstep.domain.fleet import Capacity, Driver, Vehicle, VehicleCosts, VehicleType
from doorstep.domain.geo import Location, distance_m
from doorstep.domain.orders import Address, Order, OrderKind, Parcel, Priority, Recipient
from doorstep.domain.schedules import DailyWindow, OpeningHours, TimeWindow
from doorstep.domain.stations import Station
from doorstep.planning.problem import local_time
from doorstep.planning.travel import Path, TravelMatrix
from doorstep.services.planning.day import COST_UNITS, build_day

HEL = ZoneInfo("Europe/Helsinki")
DAY = date(2026, 11, 23)
EPOCH = datetime(2026, 11, 23, tzinfo=HEL)
T0 = datetime(2026, 11, 20, tzinfo=UTC)


class StraightTravel:
    """Great-circle metres at 10 m/s: enough to check the wiring, not a road network."""

    def matrix(
        self, origins: Sequence[Location], destinations: Sequence[Location] | None = None, **_: Any
    ) -> TravelMatrix:
        targets = origins if destinations is None else destinations
        metres = np.asarray(
            [[round(distance_m(a, b)) for b in targets] for a in origins], dtype=np.int32
        )
        return TravelMatrix(metres // 10, metres)

    def path(self, origin: Location, destination: Location, **_: Any) -> Path:
        metres = round(distance_m(origin, destination))
        return Path(
            ((origin.lat, origin.lon), (destination.lat, destination.lon)), metres // 10, metres
        )


def station() -> Station:
    return Station(
        "stn_1",
        "org_1",
        "HEL1",
        "Helsinki 1",
        Location(60.17, 24.94),
        "Main St 1",
        "Europe/Helsinki",
        OpeningHours.every_day(DailyWindow(time(6), time(20))),
    )


def van(name: str = "Van 1", **changes: Any) -> Vehicle:
    fields: dict[str, Any] = {
        "id": f"veh_{name[-1]}",
        "organisation_id": "org_1",
        "station_id": "stn_1",
        "name": name,
        "vehicle_type": VehicleType.VAN,
        "capacity": Capacity(800, 6000, 120),
        "shift": DailyWindow(time(7), time(17)),
    }
    return Vehicle(**(fields | changes))


def order(ref: str, at: Location | None = Location(60.18, 24.95), **changes: Any) -> Order:
    fields: dict[str, Any] = {
        "id": f"ord_{ref}",
        "organisation_id": "org_1",
        "shipper": "acme",
        "shipper_reference": ref,
        "kind": OrderKind.DELIVERY,
        "recipient": Recipient("Ann"),
        "address": Address("Main St 2, Helsinki"),
        "created_at": T0,
        "station_id": "stn_1",
        "location": at,
        "service_date": DAY,
        "parcels": (Parcel(f"B-{ref}", 2.5, volume_l=12.0), Parcel(f"C-{ref}", 0.5)),
    }
    return Order(**(fields | changes))


def test_loads_are_integers_in_grams_millilitres_and_parcels() -> None:
    """A delivery carries its parcels' weight, volume and count; a pickup brings them back."""
    day = build_day(
        station(), EPOCH, [order("1"), order("2", kind=OrderKind.PICKUP)], [van()], [],
        StraightTravel(),
    )  # fmt: skip
    delivery, pickup = day.problem.stops
    assert delivery.delivery == (3000, 12000, 2)
    assert delivery.pickup == ()
    assert pickup.pickup == (3000, 12000, 2)
    assert pickup.delivery == ()
    assert day.problem.vehicles[0].capacity == (800_000, 6_000_000, 120)


def test_windows_count_seconds_from_local_midnight() -> None:
    """09:00-11:00 Helsinki time is 32,400-39,600 s into the station's day."""
    nine = datetime(2026, 11, 23, 9, tzinfo=HEL)
    window = TimeWindow(nine, nine.replace(hour=11))
    later = TimeWindow(nine.replace(hour=15), nine.replace(hour=16))
    day = build_day(
        station(), EPOCH, [order("1", time_windows=(window, later))], [van()], [], StraightTravel()
    )
    assert [(w.start_s, w.end_s) for w in day.problem.stops[0].windows] == [
        (32_400, 39_600),
        (54_000, 57_600),
    ]


def test_orders_at_one_address_share_a_location_after_the_station() -> None:
    """The station is location 0; two orders at one point use one matrix row."""
    day = build_day(
        station(), EPOCH, [order("1"), order("2"), order("3", Location(60.2, 24.9))], [van()], [],
        StraightTravel(),
    )  # fmt: skip
    assert day.problem.depots[0].location == 0
    assert [s.location for s in day.problem.stops] == [1, 1, 2]
    assert day.problem.num_locations == 3
    assert day.problem.matrices["van"].durations_s[0, 0] == 0


def test_an_order_without_a_location_is_left_out_with_the_reason() -> None:
    """It cannot be planned, and the day says why instead of dropping it silently."""
    day = build_day(station(), EPOCH, [order("1", at=None)], [van()], [], StraightTravel())
    assert day.problem.stops == ()
    assert day.left_out == (("ord_1", "the order has no location"),)


def test_a_shift_is_cut_to_the_driver_and_the_opening_hours() -> None:
    """A van 07-17 with a driver 08-19 at a station open 06-20 works 08-17."""
    driver = Driver("drv_1", "org_1", "stn_1", "Bo", DailyWindow(time(8), time(19)))
    day = build_day(station(), EPOCH, [order("1")], [van()], [driver], StraightTravel())
    vehicle = day.problem.vehicles[0]
    assert (vehicle.shift.start_s, vehicle.shift.end_s) == (8 * 3600, 17 * 3600)
    assert vehicle.driver_id == "drv_1"


def test_a_long_shift_has_a_break_and_a_short_one_has_none() -> None:
    """Over six hours a 30-minute break falls between hours 3 and 6 of the shift; only a
    route working over six hours owes it."""
    long_shift = build_day(station(), EPOCH, [], [van()], [], StraightTravel())
    short = build_day(
        station(), EPOCH, [], [van(shift=DailyWindow(time(7), time(12)))], [], StraightTravel()
    )
    pause = long_shift.problem.vehicles[0].break_
    assert pause is not None
    assert pause.duration_s == 1800
    assert (pause.window.start_s, pause.window.end_s) == (10 * 3600, 13 * 3600)
    assert pause.after_work_s == 6 * 3600
    assert short.problem.vehicles[0].break_ is None


def test_more_vehicles_than_drivers_plans_only_the_crewed_ones() -> None:
    """Each planned vehicle has a driver; the biggest vehicles are crewed first."""
    big = van("Van 2", capacity=Capacity(1500, 9000, 200))
    driver = Driver("drv_1", "org_1", "stn_1", "Bo", DailyWindow(time(6), time(20)))
    day = build_day(station(), EPOCH, [], [van(), big], [driver], StraightTravel())
    assert [v.id for v in day.problem.vehicles] == ["veh_2"]


def test_costs_become_integer_units_and_distance_is_the_default() -> None:
    """0.45 per km is 45 units per metre; a vehicle without costs pays 1 unit per metre."""
    priced = van(costs=VehicleCosts(per_km=0.45, per_hour=30.0, fixed_per_use=50.0))
    day = build_day(station(), EPOCH, [], [priced, van("Van 2")], [], StraightTravel())
    costed, free = day.problem.vehicles
    assert (costed.cost_per_m, costed.cost_per_s, costed.fixed_cost) == (45, 833, 50 * COST_UNITS)
    assert (free.cost_per_m, free.cost_per_s) == (1, 0)


def test_urgent_orders_cost_most_to_leave_out() -> None:
    """Penalties rank urgent over high over normal over low at the same place."""
    orders = [order(str(i), priority=p) for i, p in enumerate(Priority)]
    day = build_day(station(), EPOCH, orders, [van()], [], StraightTravel())
    penalty = {day.orders[s.id].priority: s.penalty for s in day.problem.stops}
    assert (
        penalty[Priority.URGENT]
        > penalty[Priority.HIGH]
        > penalty[Priority.NORMAL]
        > penalty[Priority.LOW]
        > 0
    )


def test_seconds_are_elapsed_time_on_a_clock_change_day() -> None:
    """On 2026-10-25 Helsinki turns its clocks back an hour: 09:00 is 10 h after midnight,
    the shift starts 8 h in, and the day reads its seconds back as the same local times."""
    epoch = datetime(2026, 10, 25, tzinfo=HEL)
    nine = datetime(2026, 10, 25, 9, tzinfo=HEL)
    day = build_day(
        station(), epoch, [order("1", time_windows=(TimeWindow(nine, nine.replace(hour=11)),))],
        [van()], [], StraightTravel(),
    )  # fmt: skip
    window = day.problem.stops[0].windows[0]
    assert (window.start_s, window.end_s) == (10 * 3600, 12 * 3600)
    assert day.problem.vehicles[0].shift.start_s == 8 * 3600
    assert local_time(day.epoch, window.start_s) == nine
    assert local_time(day.epoch, window.start_s).utcoffset() == nine.utcoffset()


def test_an_order_needing_a_skill_makes_a_stop_needing_it() -> None:
    """The stop carries the order's required skills; crews carry vehicle and driver skills."""
    fridge = van(skills=frozenset({"refrigerated"}))
    driver = Driver(
        "drv_1", "org_1", "stn_1", "Bo", DailyWindow(time(6), time(20)), frozenset({"adr"})
    )
    day = build_day(
        station(), EPOCH, [order("1", required_skills=frozenset({"refrigerated"}))], [fridge],
        [driver], StraightTravel(),
    )  # fmt: skip
    assert day.problem.stops[0].skills == frozenset({"refrigerated"})
    assert day.problem.vehicles[0].skills == frozenset({"refrigerated", "adr"})
