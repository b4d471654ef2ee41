"""Arrivals and departures at stops read from pings: dwell, hysteresis, jitter, order."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from doorstep.domain.errors import InvalidValue
from doorstep.domain.geo import Location
from doorstep.domain.geofence import GeofenceRules, Stop, Visit, one_at_a_time, visits
from doorstep.domain.positions import Ping

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
HOME = Location(60.17, 24.94)
M_PER_DEG_LAT = 111_195.0


def ping(second: float, north_m: float, accuracy_m: float = 5.0) -> Ping:
    """A fix ``north_m`` metres north of HOME, ``second`` s after T0."""
    return Ping(
        "phone-1",
        "veh_1",
        T0 + timedelta(seconds=second),
        HOME.lat + north_m / M_PER_DEG_LAT,
        HOME.lon,
        accuracy_m,
        5.0,
    )


def track(*legs: tuple[int, float], every_s: int = 10) -> list[Ping]:
    """Pings every ``every_s`` seconds; each leg holds ``(seconds, metres north)``."""
    found: list[Ping] = []
    t = 0
    for duration_s, north_m in legs:
        for _ in range(duration_s // every_s):
            found.append(ping(t, north_m))
            t += every_s
    return found


STOP = Stop("ord_1", HOME)


def test_arrives_after_the_dwell_and_departs_when_clearly_gone() -> None:
    """Three minutes at the stop between drives: one visit, from the first ping inside to the
    first ping of those clearly outside."""
    pings = track((60, 800), (180, 10), (120, 900))
    (visit,) = visits(pings, [STOP])
    assert visit == Visit("ord_1", T0 + timedelta(seconds=60), T0 + timedelta(seconds=240))


def test_a_drive_by_without_dwell_is_no_arrival() -> None:
    """Thirty seconds within the radius (a red light at the door) is not an arrival."""
    pings = track((60, 800), (30, 20), (120, 800))
    assert visits(pings, [STOP]) == []


def test_gps_jitter_does_not_create_extra_visits() -> None:
    """Fixes scattered around the fence edge, and a single wild fix, keep one visit."""
    rng = random.Random(7)
    parked = [ping(60 + 10 * i, rng.uniform(0, 70)) for i in range(60)]
    parked[30] = ping(60 + 10 * 30, 600)  # one multipath outlier far away
    pings = track((60, 900)) + parked + [ping(700 + 10 * i, 1000) for i in range(10)]
    found = visits(pings, [STOP])
    assert len(found) == 1
    assert found[0].departed_at == T0 + timedelta(seconds=700)


def test_out_of_order_pings_are_sorted_first() -> None:
    """A shuffled day gives the same visits as the day in order."""
    pings = track((60, 800), (180, 10), (120, 900), (100, 0), (60, 700))
    shuffled = pings[:]
    random.Random(3).shuffle(shuffled)
    assert visits(shuffled, [STOP]) == visits(pings, [STOP])
    assert len(visits(pings, [STOP])) == 2


def test_still_at_the_stop_at_the_last_ping_has_no_departure() -> None:
    """A visit under way ends with no departure time."""
    (visit,) = visits(track((60, 800), (120, 0)), [STOP])
    assert visit.departed_at is None


def test_a_rough_fix_counts_as_inside_but_a_hopeless_one_is_ignored() -> None:
    """Accuracy widens the fence (at most one radius); a fix worse than ``max_accuracy_m``
    neither starts nor ends a visit."""
    rough = [ping(10 * i, 80, accuracy_m=40) for i in range(10)]
    assert len(visits(rough, [STOP])) == 1
    hopeless = [ping(10 * i, 20, accuracy_m=500) for i in range(10)]
    assert visits(hopeless, [STOP]) == []


def test_stops_at_one_address_are_visited_together_and_rules_are_configurable() -> None:
    """Two orders in one building are both visited; a wider radius and longer dwell apply."""
    pings = track((60, 800), (180, 70), (60, 900))
    stops = [STOP, Stop("ord_2", HOME)]
    assert visits(pings, stops) == []  # 70 m away is outside 50 m (+ 5 m accuracy)
    wide = GeofenceRules(radius_m=100, dwell_s=120)
    assert [v.stop_id for v in visits(pings, stops, wide)] == ["ord_1", "ord_2"]
    assert visits(pings, stops, GeofenceRules(radius_m=100, dwell_s=240)) == []


def test_far_apart_stops_are_each_visited_once_in_time_order() -> None:
    """A route's stops 1 km apart, visited in turn."""
    north = Stop("ord_n", Location(HOME.lat + 1000 / M_PER_DEG_LAT, HOME.lon))
    pings = track((60, 500), (120, 1000), (60, 500), (120, 0), (60, 500))
    assert [v.stop_id for v in visits(pings, [STOP, north])] == ["ord_n", "ord_1"]


def test_rules_are_checked() -> None:
    """A nonsense radius or exit count names its field."""
    with pytest.raises(InvalidValue) as error:
        GeofenceRules(radius_m=0)
    assert error.value.field == "radius_m"
    with pytest.raises(InvalidValue) as error:
        GeofenceRules(exit_pings=0)
    assert error.value.field == "exit_pings"


def test_a_van_parked_at_one_stop_is_not_at_its_neighbours_but_a_building_is_one_place() -> None:
    """Stops 30 m apart both lie within the fence of a van parked at the first: only the
    first is visited. Two orders at one address are both visited, as before."""
    neighbour = Stop("ord_next_door", Location(HOME.lat + 30 / M_PER_DEG_LAT, HOME.lon))
    pings = track((60, 800), (180, 0), (60, 900))
    both = visits(pings, [STOP, neighbour])
    assert [v.stop_id for v in both] == ["ord_1", "ord_next_door"]
    assert [v.stop_id for v in one_at_a_time(both, pings, [STOP, neighbour])] == ["ord_1"]
    building = [STOP, Stop("ord_2", HOME)]
    found = visits(pings, building)
    assert [v.stop_id for v in one_at_a_time(found, pings, building)] == ["ord_1", "ord_2"]
    # Parked at the neighbour later, that one is visited then.
    later = track((60, 800), (180, 0), (60, 900), (180, 30), (60, 900))
    found = one_at_a_time(visits(later, [STOP, neighbour]), later, [STOP, neighbour])
    assert [v.stop_id for v in found] == ["ord_1", "ord_next_door"]
