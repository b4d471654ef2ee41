"""Live changes through the service: stored as the day's next version, from where vans are."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from doorstep.domain.accounts import Role
from doorstep.domain.errors import Conflict, InvalidValue, PermissionDenied
from doorstep.domain.geo import Location
from doorstep.domain.order_status import OrderStatus
from doorstep.domain.orders import Address, Order, OrderKind
from doorstep.domain.stations import Station
from doorstep.planning.insertion import retimed
from doorstep.planning.nearest import NearestNeighbourOptimizer
from doorstep.planning.optimizer import Progress
from doorstep.planning.plan import Unassigned
from doorstep.planning.problem import Travel, seconds_after
from doorstep.planning.validation import assert_valid
from doorstep.planning.versions import PlanStatus, PlanVersion
from doorstep.services import orders
from doorstep.services.authorization import Principal
from doorstep.services.planning import live, runs
from tests.services.conftest import Ports, order_fields
from tests.services.planning.test_day import StraightTravel
from tests.services.planning.test_runs import DAY, PLACES, order, plan, station, van

__all__ = ["station"]  # the fixture, shared with the runs tests

HELSINKI = ZoneInfo("Europe/Helsinki")


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(DAY.year, DAY.month, DAY.day, hour, minute, tzinfo=HELSINKI)


def _day_of(ports: Ports, admin: Principal, *vans: str) -> None:
    """The vans at HEL1 and one ready order at each of PLACES."""
    for name in vans:
        van(ports, admin, name)
    for i, where in enumerate(PLACES, start=1):
        order(ports, admin, f"R-{i}", where)


@pytest.fixture
def running(ports: Ports, admin: Principal, station: Station) -> PlanVersion:
    """Two vans, three orders, planned and published; it is 06:00 on the day."""
    _day_of(ports, admin, "Van 1", "Van 2")
    version = runs.publish(admin, plan(ports, admin).id, uow=ports.uow, clock=ports.clock)
    ports.clock.current = at(6)
    return version


def live_ports(ports: Ports, matrices: live.Matrices | None = None) -> live.LivePorts:
    return live.LivePorts(
        ports.uow, StraightTravel(), matrices or live.Matrices(), ports.clock, ports.ids
    )


def test_a_new_order_joins_the_published_plan_as_its_next_published_version(
    ports: Ports, admin: Principal, running: PlanVersion
) -> None:
    new = order(ports, admin, "R-4", Location(60.185, 24.955))
    cache = live.Matrices()
    change = live.add_order(admin, running.id, new.id, ports=live_ports(ports, cache))
    version = change.version
    assert version.number == running.number + 1
    assert version.status is PlanStatus.PUBLISHED
    assert ports.uow.tables.plans[running.id].status is PlanStatus.SUPERSEDED
    route = version.plan.route_of(new.id)
    assert route is not None
    assert change.affected == (route.vehicle_id,)
    assert version.plan.notes[-1] == f"live: order {new.id} added"
    # The grown matrices are what the road network gives for all the plan's places at once.
    grown = cache.get(version.id)
    assert grown is not None
    points = [Location(lat, lon) for lat, lon in version.inputs.coordinates]
    full = StraightTravel().matrix(points)
    assert np.array_equal(grown["van"].durations_s, full.durations_s)
    assert np.array_equal(grown["van"].distances_m, full.distances_m)
    assert_valid(live.as_problem(version, grown), version.plan)


def test_a_new_order_is_checked_against_the_plan_and_its_day(
    ports: Ports, admin: Principal, running: PlanVersion
) -> None:
    lp = live_ports(ports)
    planned = running.plan.routes[0].stop_ids[0]
    with pytest.raises(Conflict, match="already in plan"):
        live.add_order(admin, running.id, planned, ports=lp)
    other = order(ports, admin, "R-9", PLACES[0])
    ports.uow.tables.orders[other.id].service_date = DAY.replace(day=DAY.day + 1)
    with pytest.raises(InvalidValue, match="not for this plan's station and day"):
        live.add_order(admin, running.id, other.id, ports=lp)
    ports.uow.tables.orders[other.id].service_date = DAY
    live.add_order(admin, running.id, other.id, ports=lp)
    with pytest.raises(Conflict, match="not the latest"):
        live.add_order(admin, running.id, other.id, ports=lp)


def _deliver(ports: Ports, order_id: str) -> None:
    found: Order = ports.uow.tables.orders[order_id]
    for status in (
        OrderStatus.RECEIVED,
        OrderStatus.SORTED,
        OrderStatus.LOADED,
        OrderStatus.OUT_FOR_DELIVERY,
        OrderStatus.DELIVERED,
    ):
        found.move_to(status, ports.clock.now())


def test_a_breakdown_keeps_what_was_delivered_and_hands_the_rest_on(
    ports: Ports, admin: Principal, running: PlanVersion
) -> None:
    route = running.plan.routes[0]
    first = route.stop_ids[0]
    _deliver(ports, first)  # reported by the driver, whatever the clock
    ports.clock.current = running.at(route.start_s + 60)
    change = live.take_off_road(admin, running.id, route.vehicle_id, ports=live_ports(ports))
    version = change.version
    broken = version.route_of_vehicle(route.vehicle_id)
    assert broken is not None
    assert broken.stop_ids == (first,)
    timing = ("arrival_s", "start_s", "departure_s")
    assert [getattr(broken.visits[0], t) for t in timing] == [
        getattr(route.visits[0], t) for t in timing
    ]  # its load differs: the rest of its parcels are handed on
    served = {s for r in version.plan.routes for s in r.stop_ids}
    left = {u.stop_id for u in version.plan.unassigned}
    assert served | left == set(running.inputs.stops_by_id)
    assert any(lock.vehicle_id == route.vehicle_id and lock.closed for lock in version.locked)
    for kept in version.plan.routes:
        if kept.vehicle_id != route.vehicle_id:
            assert kept.start_s >= seconds_after(running.epoch, ports.clock.now())


def test_a_move_is_previewed_unsaved_and_saved_only_if_it_breaks_nothing(
    ports: Ports, admin: Principal, running: PlanVersion
) -> None:
    lp = live_ports(ports)
    stop = running.plan.routes[0].stop_ids[-1]
    other = next(v.id for v in running.inputs.vehicles if v.id != running.plan.routes[0].vehicle_id)
    preview = live.move_stops(admin, running.id, [stop], other, ports=lp)
    assert not preview.saved
    assert preview.version.plan.route_of(stop).vehicle_id == other  # type: ignore[union-attr]
    assert set(ports.uow.tables.plans) == {running.id}, "a preview stores nothing"
    saved = live.move_stops(admin, running.id, [stop], other, save=True, ports=lp)
    assert saved.saved
    assert ports.uow.tables.plans[saved.version.id] == saved.version
    with pytest.raises(InvalidValue, match="position"):
        live.move_stops(admin, saved.version.id, [stop], other, position=99, ports=lp)


def two_full_vans(ports: Ports, admin: Principal) -> PlanVersion:
    """Two one-parcel vans with an order each, planned; it is 06:00 on the day."""
    van(ports, admin, "Van 1", parcels=1)
    van(ports, admin, "Van 2", parcels=1)
    for i, where in enumerate(PLACES[:2], start=1):
        order(ports, admin, f"R-{i}", where)
    base = plan(ports, admin)
    ports.clock.current = at(6)
    return base


def test_a_move_that_breaks_a_rule_is_refused_with_what_it_breaks(
    ports: Ports, admin: Principal, station: Station
) -> None:
    base = two_full_vans(ports, admin)
    first, second = base.plan.routes
    lp = live_ports(ports)
    preview = live.move_stops(admin, base.id, [second.stop_ids[0]], first.vehicle_id, ports=lp)
    assert [v.code for v in preview.violations] == ["capacity"]
    with pytest.raises(Conflict, match="breaks 1 rule"):
        live.move_stops(admin, base.id, [second.stop_ids[0]], first.vehicle_id, save=True, ports=lp)


def test_improving_routes_stores_a_version_only_when_it_is_cheaper(
    ports: Ports, admin: Principal, station: Station
) -> None:
    """One van along a line of three addresses; a dispatcher moves the nearest one last."""
    _day_of(ports, admin, "Van 1")
    base = plan(ports, admin)
    ports.clock.current = at(6)
    lp = live_ports(ports)
    (route,) = base.plan.routes
    assert len(route.stop_ids) == 3
    worse = live.move_stops(
        admin, base.id, [route.stop_ids[0]], route.vehicle_id, position=2, save=True, ports=lp
    )
    assert worse.version.plan.cost > base.plan.cost
    improve = {"optimizer": NearestNeighbourOptimizer(), "time_limit_s": 1.0, "ports": lp}
    improved = live.improve_routes(admin, worse.version.id, [route.vehicle_id], **improve)
    assert improved is not None
    assert improved.version.plan.routes[0].stop_ids == route.stop_ids
    assert improved.version.plan.cost == base.plan.cost
    assert improved.version.number == worse.version.number + 1
    assert improved.version.plan.notes[-1] == "live: routes improved"
    again = live.improve_routes(admin, improved.version.id, [route.vehicle_id], **improve)
    assert again is None, "nothing cheaper: no new version"
    # A van on the road keeps its order: nothing to improve.
    ports.clock.current = improved.version.at(route.start_s + 1)
    assert live.improve_routes(admin, improved.version.id, [route.vehicle_id], **improve) is None


def test_an_improvements_progress_reports_the_whole_plans_cost(
    ports: Ports, admin: Principal, station: Station
) -> None:
    """Only Van 1 is re-planned, but the job's watcher compares the reported cost with the
    stored plan's: Van 2's route, left as it is, is part of the figure."""
    van(ports, admin, "Van 1", parcels=3)
    van(ports, admin, "Van 2", parcels=1)
    for i, where in enumerate((*PLACES, Location(60.30, 25.10)), start=1):
        order(ports, admin, f"R-{i}", where)
    base = plan(ports, admin)
    first, second = base.plan.routes
    assert len(first.stop_ids) == 3  # the line of three
    assert second.cost > 0  # and the far one
    ports.clock.current = at(6)
    lp = live_ports(ports)
    worse = live.move_stops(
        admin, base.id, [first.stop_ids[0]], first.vehicle_id, position=2, save=True, ports=lp
    )
    assert worse.version.plan.cost > base.plan.cost
    reports: list[Progress] = []
    improved = live.improve_routes(
        admin, worse.version.id, [first.vehicle_id], optimizer=NearestNeighbourOptimizer(),
        time_limit_s=1.0, ports=lp, progress=reports.append,
    )  # fmt: skip
    assert improved is not None
    routes = improved.version.plan.routes
    assert reports[-1].route_cost == sum(r.cost for r in routes) == first.cost + second.cost
    assert reports[-1].left_out == 0


@pytest.mark.parametrize("via_station_vans", [False, True])
def test_improving_routes_places_the_stops_the_day_left_out(
    ports: Ports, admin: Principal, station: Station, via_station_vans: bool
) -> None:
    """A version that leaves a stop out which the van has room and time for (as insertion
    after a breakdown can: it never reorders a route). Improving the van's route offers the
    left-out stop to the solver too, and the next version serves it."""
    _day_of(ports, admin, "Van 1")
    base = plan(ports, admin)
    (route,) = base.plan.routes
    points = [Location(lat, lon) for lat, lon in base.inputs.coordinates]
    full = StraightTravel().matrix(points)
    matrices = {"van": Travel(full.durations_s, full.distances_m)}
    inputs = live.as_problem(base, matrices)
    kept = [inputs.stop(s) for s in route.stop_ids[:2]]
    short = retimed(inputs, route, kept, 0)
    out = route.stop_ids[2]
    crafted = replace(
        base.plan, routes=(short,), unassigned=(Unassigned(out),), cost=short.cost
    )  # a stop left out, as the breakdown's insertion would have it
    with ports.uow as uow:
        left = replace(base, id="pln_left_out", number=base.number + 1, plan=crafted)
        uow.plans.add(left)
        uow.commit()
    ports.clock.current = at(6)
    lp = live_ports(ports)
    improve = {"optimizer": NearestNeighbourOptimizer(), "time_limit_s": 1.0, "ports": lp}
    # After a breakdown whose stops no route took, no route is named: the vans still at the
    # station join only when asked to (what the breakdown's improvement job does).
    assert live.improve_routes(admin, left.id, [], **improve) is None
    if via_station_vans:
        improved = live.improve_routes(admin, left.id, [], station_vans=True, **improve)
    else:
        improved = live.improve_routes(admin, left.id, [route.vehicle_id], **improve)
    assert improved is not None
    after = improved.version.plan
    assert after.unassigned == ()
    assert sorted(after.routes[0].stop_ids) == sorted(route.stop_ids)
    assert after.cost > crafted.cost  # serving it costs more: a required stop comes first
    assert_valid(live.as_problem(improved.version, matrices), after)


def test_a_van_on_the_road_gets_its_pickups_reordered_but_never_its_history(
    ports: Ports, admin: Principal, station: Station
) -> None:
    """A pickup put first by hand sends the van out and back; improving moves it later."""
    _day_of(ports, admin, "Van 1")
    fields = order_fields(
        "P-1",
        kind=OrderKind.PICKUP,
        station_id="HEL1",
        location=Location(60.205, 24.975),
        service_date=DAY,
        address=Address("Street P-1, Helsinki"),
    )
    pickup = orders.create_order(admin, fields, uow=ports.uow, clock=ports.clock, ids=ports.ids)
    base = plan(ports, admin)
    (route,) = base.plan.routes
    ports.clock.current = base.at(route.start_s + 1)  # on the road, driving to its first stop
    lp = live_ports(ports)
    head = route.stop_ids[0]
    moved = live.move_stops(
        admin, base.id, [pickup.id], route.vehicle_id, position=1, save=True, ports=lp
    )
    assert moved.version.plan.routes[0].stop_ids[:2] == (head, pickup.id)
    improve = {"optimizer": NearestNeighbourOptimizer(), "time_limit_s": 1.0, "ports": lp}
    better = live.improve_routes(admin, moved.version.id, [route.vehicle_id], **improve)
    assert better is not None
    after = better.version.plan.routes[0]
    assert after.stop_ids[0] == head
    assert after.visits[0] == moved.version.plan.routes[0].visits[0]
    assert after.stop_ids.index(pickup.id) > 1
    deliveries = [s for s in after.stop_ids if s != pickup.id]
    assert deliveries == [s for s in route.stop_ids if s != pickup.id], "loaded order kept"
    assert better.version.plan.cost < moved.version.plan.cost


def test_the_matrix_cache_forgets_the_least_recently_used_beyond_its_bytes() -> None:
    def pair(size: int) -> dict[str, Travel]:
        cells = np.zeros((size, size), dtype=np.int32)
        return {"van": Travel(cells, cells.copy())}

    cache = live.Matrices(most_bytes=2 * 2 * 4 * 100)  # room for two 10 x 10 pairs
    cache.put("a", pair(10))
    cache.put("b", pair(10))
    assert cache.get("a") is not None  # a is now the most recently used
    cache.put("c", pair(10))
    assert cache.get("b") is None
    assert cache.get("a") is not None
    assert cache.get("c") is not None
    cache.put("big", pair(100))  # larger than the whole cache: kept alone
    assert cache.get("big") is not None
    assert cache.get("a") is None


def test_a_planning_run_leaves_its_matrices_for_the_live_changes(
    ports: Ports, admin: Principal, station: Station
) -> None:
    van(ports, admin, "Van 1")
    order(ports, admin, "R-1", PLACES[0])
    cache = live.Matrices()
    version = plan(ports, admin, matrices=cache)
    kept = cache.get(version.id)
    assert kept is not None
    points = [Location(lat, lon) for lat, lon in version.inputs.coordinates]
    assert np.array_equal(kept["van"].durations_s, StraightTravel().matrix(points).durations_s)


@pytest.mark.parametrize(
    ("role", "allowed"),
    [(Role.DISPATCHER, True), (Role.PLANNER, True), (Role.STATION_ASSOCIATE, False)],
)
def test_dispatch_changes_the_running_day_and_the_station_crew_does_not(
    ports: Ports, admin: Principal, running: PlanVersion, role: Role, allowed: bool
) -> None:
    """plans:live: a dispatcher inserts an urgent order (and takes vans off the road) without
    the planner's right to plan and publish the day itself."""
    new = order(ports, admin, "R-9", Location(60.185, 24.955))
    caller = replace(admin, roles=frozenset({role}))
    if allowed:
        change = live.add_order(caller, running.id, new.id, ports=live_ports(ports))
        assert change.version.plan.route_of(new.id) is not None
    else:
        with pytest.raises(PermissionDenied, match="plans:live"):
            live.add_order(caller, running.id, new.id, ports=live_ports(ports))


def test_a_live_change_to_the_published_day_tells_the_pages_after_its_commit(
    ports: Ports, admin: Principal, running: PlanVersion
) -> None:
    from doorstep.services.broadcasts import organisation_channel
    from tests.services.fakes import FakeBroadcaster

    new = order(ports, admin, "R-5", Location(60.185, 24.955))
    sent = FakeBroadcaster(ports.uow)
    lp = replace(live_ports(ports), broadcast=sent)
    change = live.add_order(admin, running.id, new.id, ports=lp)
    assert sent.published == [
        (
            organisation_channel(admin.organisation_id),
            {"kind": "plan.changed", "station_id": running.station_id,
             "date": DAY.isoformat(), "plan_id": change.version.id},
        )
    ]  # fmt: skip
    assert not sent.sent_in_transaction
