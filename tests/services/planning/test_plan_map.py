"""A plan version for a map: stops in order at their places, joined by road paths."""

from __future__ import annotations

from typing import Any

import pytest

from doorstep.domain.errors import PermissionDenied
from doorstep.domain.geo import Location
from doorstep.domain.orders import Order
from doorstep.domain.stations import Station
from doorstep.planning.travel import Path, UnroutablePoint
from doorstep.services.authorization import Principal
from doorstep.services.planning.plan_map import plan_map
from tests.services.conftest import Ports
from tests.services.planning.test_day import StraightTravel
from tests.services.test_loadout import day, station
from tests.services.test_sorting import published

__all__ = ["day", "station"]  # fixtures, used by name


class BendingTravel(StraightTravel):
    """Each leg bends through a point beside its middle, like a street; legs ending at
    ``blocked`` have no road path."""

    def __init__(self, blocked: Location | None = None) -> None:
        self.blocked = blocked

    def path(self, origin: Location, destination: Location, **_: Any) -> Path:
        if destination == self.blocked:
            raise UnroutablePoint("destination", 0, destination, "no road")
        middle = ((origin.lat + destination.lat) / 2 + 0.001, (origin.lon + destination.lon) / 2)
        points = ((origin.lat, origin.lon), middle, (destination.lat, destination.lon))
        return Path(points, 60, 100)


def test_the_map_has_each_stop_in_route_order_and_paths_through_them(
    ports: Ports, admin: Principal, station: Station, day: list[Order]
) -> None:
    version = published(ports, admin)
    (route,) = [r for r in version.plan.routes if r.visits]
    found = plan_map(admin, version.id, uow=ports.uow, travel=BendingTravel())
    (drawn,) = found.routes
    assert drawn.vehicle_name == "Van 1"
    assert [s.order_id for s in drawn.stops] == [v.stop_id for v in route.visits]
    assert [s.position for s in drawn.stops] == [1, 2, 3]
    by_id = {o.id: o.location for o in day}
    assert all(
        (s.lat, s.lon) == (by_id[s.order_id].lat, by_id[s.order_id].lon) for s in drawn.stops
    )
    depot = (station.location.lat, station.location.lon)
    assert found.depot == depot
    # Depot, three stops, depot: four legs of three points each, sharing their ends.
    assert drawn.path[0] == drawn.path[-1] == depot
    assert len(drawn.path) == 1 + 4 * 2
    assert drawn.straight_legs == 0
    assert drawn.stops[0].arrival_at == version.at(route.visits[0].arrival_s)


def test_a_leg_without_a_road_path_is_drawn_straight_and_counted(
    ports: Ports, admin: Principal, station: Station, day: list[Order]
) -> None:
    version = published(ports, admin)
    (route,) = [r for r in version.plan.routes if r.visits]
    first = next(o for o in day if o.id == route.visits[0].stop_id)
    found = plan_map(admin, version.id, uow=ports.uow, travel=BendingTravel(first.location))
    (drawn,) = found.routes
    assert drawn.straight_legs == 1
    assert len(drawn.path) == 1 + 1 + 3 * 2  # the blocked leg adds only its end
    without_roads = plan_map(admin, version.id, uow=ports.uow, travel=None)
    assert without_roads.routes[0].straight_legs == 4


def test_only_those_who_read_plans_see_the_map(
    ports: Ports, admin: Principal, station: Station, day: list[Order]
) -> None:
    from dataclasses import replace

    from doorstep.domain.accounts import Role

    version = published(ports, admin)
    driver = replace(admin, roles=frozenset({Role.DRIVER}))
    with pytest.raises(PermissionDenied):
        plan_map(driver, version.id, uow=ports.uow, travel=None)
