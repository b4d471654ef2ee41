"""The synthetic station day: real roads, a realistic mix, the same day for the same seed."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from doorstep.adapters.roads.regions import RegionStore
from doorstep.adapters.roads.road_travel import RoadGraphTravelTimes
from doorstep.adapters.roads.synth import write_synthetic_city
from doorstep.adapters.solvers.pyvrp_optimizer import PyVRPOptimizer
from doorstep.domain.geo import Location
from doorstep.domain.orders import OrderKind, Priority
from doorstep.planning.nearest import NearestNeighbourOptimizer
from doorstep.planning.validation import validate
from doorstep.simulation.station_day import LIFT_GATE, synthetic_station_day

HOUR = 3600


@pytest.fixture(scope="module")
def town(tmp_path_factory: pytest.TempPathFactory) -> tuple[RoadGraphTravelTimes, list[Location]]:
    """A 3 km synthetic city's road travel and its address points."""
    root = tmp_path_factory.mktemp("town")
    write_synthetic_city(root / "town.osm.pbf", name="town", size_km=3.0, seed=1)
    store = RegionStore(root / "regions")
    store.build(root / "town.osm.pbf", name="town", timezone="UTC")
    places = [a.location for a in store.addresses("town").known()]
    return RoadGraphTravelTimes(store, "town"), places


def test_a_small_day_plans_valid_on_the_roads(
    town: tuple[RoadGraphTravelTimes, list[Location]],
) -> None:
    """50 orders, a station in the middle, road matrices: both planners' plans validate."""
    travel, places = town
    day = synthetic_station_day(50, seed=3, travel=travel, places=places)
    problem = day.problem
    assert len(problem.stops) == 50
    assert len(problem.vehicles) == 1
    assert problem.num_locations == len(problem.coordinates) > 1
    durations = problem.matrices["van"].durations_s
    assert durations.shape == (problem.num_locations, problem.num_locations)
    assert int(durations[0].max()) > 0  # real road times from the station
    shift = problem.vehicles[0].shift
    assert shift.end_s - shift.start_s == 10 * HOUR
    for optimizer in (NearestNeighbourOptimizer(), PyVRPOptimizer()):
        plan = optimizer.optimize(problem, time_limit_s=2, seed=1)
        assert validate(problem, plan) == []
        assert sum(len(r.visits) for r in plan.routes) >= 40


def test_the_same_seed_gives_the_same_day(
    town: tuple[RoadGraphTravelTimes, list[Location]],
) -> None:
    travel, places = town
    first = synthetic_station_day(30, seed=5, travel=travel, places=places)
    again = synthetic_station_day(30, seed=5, travel=travel, places=places)
    other = synthetic_station_day(30, seed=6, travel=travel, places=places)
    assert first.problem.stops == again.problem.stops
    assert first.problem.vehicles == again.problem.vehicles
    assert np.array_equal(
        first.problem.matrices["van"].durations_s, again.problem.matrices["van"].durations_s
    )
    assert first.problem.stops != other.problem.stops


def test_the_mix_of_orders_and_vans(town: tuple[RoadGraphTravelTimes, list[Location]]) -> None:
    """Windows, alternatives, pickups, skills and priorities in about the documented shares."""
    travel, places = town
    day = synthetic_station_day(1000, seed=7, travel=travel, places=places)
    orders = list(day.orders.values())
    windows = Counter(len(o.time_windows) for o in orders)
    assert 150 <= windows[1] <= 250
    assert 25 <= windows[2] <= 80
    assert all(
        (w.end_at - w.start_at).total_seconds() == 2 * HOUR for o in orders for w in o.time_windows
    )
    assert 10 <= sum(o.kind is OrderKind.PICKUP for o in orders) <= 60
    skilled = [o for o in orders if LIFT_GATE in o.required_skills]
    assert 5 <= len(skilled) <= 40
    assert all(60 <= o.service_duration_s <= 120 for o in orders)
    priorities = Counter(o.priority for o in orders)
    assert priorities[Priority.NORMAL] > 700
    assert priorities[Priority.LOW] > 50
    assert priorities[Priority.HIGH] > 20
    assert len(day.vehicles) == 10 == len(day.drivers)
    assert any(LIFT_GATE in v.skills for v in day.problem.vehicles)
    assert not all(LIFT_GATE in v.skills for v in day.problem.vehicles)
