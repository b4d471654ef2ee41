"""A move's preview says what it would break in a person's words: the station's clock times,
minutes, vans by name; never seconds after midnight nor vehicle ids."""

from __future__ import annotations

import pytest

from doorstep.domain.errors import Conflict
from doorstep.domain.schedules import TimeWindow
from doorstep.domain.stations import Station
from doorstep.services.authorization import Principal
from doorstep.services.planning import live
from doorstep.services.planning.move_words import duration
from tests.services.conftest import Ports
from tests.services.planning.test_live import _day_of, at, live_ports, two_full_vans
from tests.services.planning.test_runs import plan, station

__all__ = ["station"]  # the fixture, shared with the runs tests


@pytest.mark.parametrize(
    ("seconds", "words"),
    [(29, "0 min"), (260, "4 min"), (2700, "45 min"), (28800, "8 h"), (30000, "8 h 20 min")],
)
def test_durations_read_in_hours_and_minutes(seconds: int, words: str) -> None:
    assert duration(seconds) == words


def test_a_stop_moved_past_its_window_reads_in_clock_times(
    ports: Ports, admin: Principal, station: Station
) -> None:
    """Van 1 serves R-1, R-2, R-3 at 07:02:04, 07:06:08 and 07:10:12 (two minutes each,
    two-minute drives); R-1 moved last starts at 07:14:20, 4 min 20 s after its window
    07:00-07:10 closes: "4 min late" to the minute."""
    _day_of(ports, admin, "Van 1")
    first = next(o for o in ports.uow.tables.orders.values() if o.shipper_reference == "R-1")
    first.time_windows = (TimeWindow(at(7), at(7, 10)),)
    base = plan(ports, admin)
    (route,) = base.plan.routes
    assert route.stop_ids[0] == first.id
    ports.clock.current = at(6)
    lp = live_ports(ports)
    preview = live.move_stops(admin, base.id, [first.id], route.vehicle_id, position=2, ports=lp)
    (broken,) = preview.violations
    words = f"Van 1 would reach stop {first.id} at 07:14, after its window 07:00-07:10, 4 min late"
    assert (broken.code, broken.message) == ("window", words)
    with pytest.raises(Conflict) as refused:
        live.move_stops(
            admin, base.id, [first.id], route.vehicle_id, position=2, save=True, ports=lp
        )
    assert str(refused.value) == f"the move breaks 1 rule(s): {words}"


def test_a_rule_without_times_names_the_van(
    ports: Ports, admin: Principal, station: Station
) -> None:
    """Two one-parcel vans: a stop moved onto the other van overloads it from the depot."""
    base = two_full_vans(ports, admin)
    first, second = base.plan.routes
    name = {v.id: v.name for v in ports.uow.tables.vehicles.values()}
    preview = live.move_stops(
        admin, base.id, [second.stop_ids[0]], first.vehicle_id, ports=live_ports(ports)
    )
    (broken,) = preview.violations
    assert broken.message == (
        f"{name[first.vehicle_id]} leaves the depot carrying parcels 2, over its capacity 1"
    )
