"""Live changes: new orders, a vehicle off the road, a dispatcher's move, from where vans are."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from doorstep.planning.live import (
    Underway,
    as_of,
    frozen,
    insert_order,
    move_stops,
    on_the_road,
    take_off_road,
)
from doorstep.planning.nearest import NearestNeighbourOptimizer
from doorstep.planning.plan import Plan, Route
from doorstep.planning.problem import LockedRoute, Problem, Vehicle, Window
from doorstep.planning.validation import Code, assert_valid
from tests.planning.factories import DAY, HOUR, line_problem, problems, stop

NEAREST = NearestNeighbourOptimizer()
LATER = Window(12 * HOUR, 18 * HOUR)  # a van whose shift starts at noon


def _plan(problem: Problem) -> Plan:
    return NEAREST.optimize(problem, time_limit_s=1.0)


def _without(problem: Problem, *stop_ids: str) -> Problem:
    return replace(problem, stops=tuple(s for s in problem.stops if s.id not in stop_ids))


def _times(route: Route, count: int) -> list[tuple[str, int, int, int]]:
    return [(v.stop_id, v.arrival_s, v.start_s, v.departure_s) for v in route.visits[:count]]


def _two_vans(*stops: object, **changes: object) -> Problem:
    vans = (
        Vehicle("early", (100, 100, 10), shift=DAY),
        Vehicle("noon", (100, 100, 10), shift=LATER),
    )
    return line_problem(*stops, vehicles=vans, **changes)  # type: ignore[arg-type]


def test_history_is_what_started_or_was_reported_and_the_stop_being_driven_to() -> None:
    """a and b done by the clock; the van has left b, so c (being driven to) is history too."""
    problem = line_problem(stop("a", 1), stop("b", 2), stop("c", 3), stop("d", 4))
    plan = _plan(problem)
    route = plan.routes[0]
    after_b = route.visits[1].departure_s + 1
    assert frozen(plan, Underway(after_b)) == {"v1": 3}
    serving_b = route.visits[1].start_s + 1
    assert frozen(plan, Underway(serving_b)) == {"v1": 2}
    # A driver's report counts even when the plan thought the stop was later.
    assert frozen(plan, Underway(route.start_s - 1, frozenset({"b"}))) == {"v1": 2}
    assert frozen(plan, Underway(route.start_s - 1)) == {"v1": 0}
    assert on_the_road(plan, Underway(route.start_s - 1)) == set()


def test_a_van_still_at_the_station_cannot_leave_in_the_past() -> None:
    problem = _two_vans(stop("a", 1))
    plan = _plan(problem)
    now = as_of(problem, plan, Underway(13 * HOUR))
    assert now.vehicle("noon").shift.start_s == 13 * HOUR
    assert now.vehicle("early").shift == problem.vehicle("early").shift  # on the road since 8


def test_a_new_delivery_goes_to_a_van_still_at_the_station_even_if_dearer() -> None:
    """The early van passes the new address, but its parcel waits at the station."""
    problem = _two_vans(stop("a", 5), stop("new", 4))
    plan = _plan(_without(problem, "new"))
    assert [r.vehicle_id for r in plan.routes] == ["early"]
    changed = insert_order(problem, plan, "new", Underway(9 * HOUR))
    assert changed.plan.route_of("new").vehicle_id == "noon"  # type: ignore[union-attr]
    assert changed.affected == ("noon",)
    assert changed.plan.routes[0].start_s >= 12 * HOUR or changed.plan.routes[0] == plan.routes[0]
    assert_valid(changed.problem, changed.plan)


def test_a_new_pickup_may_join_a_van_on_the_road() -> None:
    problem = _two_vans(stop("a", 5), stop("new", 4, delivery=(), pickup=(1, 1, 1)))
    plan = _plan(_without(problem, "new"))
    now = Underway(plan.routes[0].start_s + 10)  # the early van just left for a (500 s away)
    changed = insert_order(problem, plan, "new", now)
    route = changed.plan.route_of("new")
    assert route is not None
    assert route.vehicle_id == "early"
    assert route.stop_ids == ("a", "new")  # a is being driven to: it stays first
    assert _times(route, 1) == _times(plan.routes[0], 1)
    assert_valid(changed.problem, changed.plan)


def test_a_new_pickup_never_joins_a_route_that_has_ended() -> None:
    """The early van is back and its route ended: the pickup waits for the noon van, though
    the early one would take it sooner by the plan."""
    problem = _two_vans(stop("a", 1), stop("new", 2, delivery=(), pickup=(1, 1, 1)))
    plan = _plan(_without(problem, "new"))
    back = plan.routes[0].end_s + 60
    now = Underway(back, frozenset({"a"}), departed=frozenset({"early"}))
    assert insert_order(problem, plan, "new", now).plan.route_of("new").vehicle_id == "early"  # type: ignore[union-attr]
    ended = replace(now, ended=frozenset({"early"}))
    route = insert_order(problem, plan, "new", ended).plan.route_of("new")
    assert route is not None
    assert route.vehicle_id == "noon"


def test_a_new_delivery_never_goes_to_a_van_that_left_early() -> None:
    """By the plan the noon van is still at the station, but it left early (its departure
    was scanned): the parcel cannot follow it."""
    problem = _two_vans(stop("a", 5), stop("new", 4))
    plan = _plan(_without(problem, "new"))
    now = Underway(11 * HOUR, departed=frozenset({"noon"}))
    changed = insert_order(problem, plan, "new", now)
    assert [u.stop_id for u in changed.plan.unassigned] == ["new"]


def test_a_new_order_after_every_van_left_is_listed_unassigned() -> None:
    problem = line_problem(stop("a", 1), stop("new", 2))
    plan = _plan(_without(problem, "new"))
    changed = insert_order(problem, plan, "new", Underway(plan.routes[0].start_s + 1))
    assert [u.stop_id for u in changed.plan.unassigned] == ["new"]
    assert changed.affected == ()


@settings(max_examples=80, deadline=None)
@given(problems, st.data())
def test_a_new_order_never_changes_history_or_a_locked_stop(
    problem: Problem, data: st.DataObject
) -> None:
    """Acceptance: whatever the hour, frozen and locked visits keep place and times."""
    new = problem.stops[-1]
    plan = _plan(_without(problem, new.id))
    locked = []
    for route in plan.routes:
        keep = data.draw(st.integers(0, len(route.visits)), label=f"locked on {route.vehicle_id}")
        locked.append(LockedRoute(route.vehicle_id, route.stop_ids[:keep]))
    problem = replace(problem, locked=tuple(locked))
    now = Underway(data.draw(st.integers(6 * HOUR, 20 * HOUR), label="now"))
    history = frozen(plan, now)
    changed = insert_order(problem, plan, new.id, now)
    for route in plan.routes:
        after = next(r for r in changed.plan.routes if r.vehicle_id == route.vehicle_id)
        lock = next(k for k in locked if k.vehicle_id == route.vehicle_id)
        keep = max(history[route.vehicle_id], len(lock.stop_ids))
        assert _times(after, keep) == _times(route, keep)
        assert [s for s in after.stop_ids if s != new.id] == list(route.stop_ids)  # no reorder
    assert_valid(changed.problem, changed.plan)


def test_a_broken_down_van_keeps_what_it_served_and_the_others_take_the_rest() -> None:
    vans = (Vehicle("v1", (100, 100, 10), shift=DAY), Vehicle("v2", (100, 100, 10), shift=DAY))
    problem = line_problem(stop("a", 1), stop("b", 2), stop("c", 3), vehicles=vans)
    plan = _plan(problem)
    first = plan.routes[0]
    assert first.stop_ids == ("a", "b", "c")
    now = Underway(first.visits[0].departure_s + 1)  # a served, on the way to b
    changed = take_off_road(problem, plan, first.vehicle_id, now)
    broken = changed.plan.routes[0]
    assert broken.stop_ids == ("a",)
    assert _times(broken, 1) == _times(first, 1)
    helper = changed.plan.route_of("b")
    assert helper is not None
    assert helper.vehicle_id == "v2"
    assert set(helper.stop_ids) == {"b", "c"}
    assert helper.start_s >= now.now_s  # it leaves from the station now, not in the past
    assert changed.affected == ("v1", "v2")
    assert_valid(changed.problem, changed.plan)
    # The broken van takes nothing more afterwards.
    more = line_problem(stop("a", 1), stop("b", 2), stop("c", 3), stop("d", 1), vehicles=vans)
    more = replace(more, locked=changed.problem.locked)
    again = insert_order(more, changed.plan, "d", now)
    assert again.plan.route_of("d") is None or again.plan.route_of("d").vehicle_id == "v2"  # type: ignore[union-attr]


def test_a_broken_down_van_keeps_only_what_drivers_reported_when_they_report() -> None:
    """By the plan's clock a and b are served, but the driver reported a alone: the van broke
    down before b, so b and c go to the other van."""
    vans = (Vehicle("v1", (100, 100, 10), shift=DAY), Vehicle("v2", (100, 100, 10), shift=DAY))
    problem = line_problem(stop("a", 1), stop("b", 2), stop("c", 3), vehicles=vans)
    plan = _plan(problem)
    first = plan.routes[0]
    now = Underway(first.visits[1].departure_s + 1, frozenset({"a"}))
    changed = take_off_road(problem, plan, first.vehicle_id, now)
    assert changed.plan.routes[0].stop_ids == ("a",)
    helper = changed.plan.route_of("b")
    assert helper is not None
    assert helper.vehicle_id == "v2"
    assert_valid(changed.problem, changed.plan)


@settings(max_examples=60, deadline=None)
@given(problems, st.data())
def test_a_breakdown_never_moves_another_vans_history(
    problem: Problem, data: st.DataObject
) -> None:
    plan = _plan(problem)
    if not plan.routes:
        return
    broken = data.draw(st.sampled_from([r.vehicle_id for r in plan.routes]), label="broken")
    now = Underway(data.draw(st.integers(6 * HOUR, 20 * HOUR), label="now"))
    history = frozen(plan, now)
    changed = take_off_road(problem, plan, broken, now)
    served = {s for r in changed.plan.routes for s in r.stop_ids}
    left = {u.stop_id for u in changed.plan.unassigned}
    assert served | left == {s.id for s in problem.stops}
    assert not served & left
    for route in plan.routes:
        if route.vehicle_id == broken:
            continue
        after = next(r for r in changed.plan.routes if r.vehicle_id == route.vehicle_id)
        keep = history[route.vehicle_id]
        assert _times(after, keep) == _times(route, keep)
    assert_valid(changed.problem, changed.plan)


def test_a_move_shows_lateness_and_overload_before_anything_is_saved() -> None:
    """c moved onto v1 behind a distant stop misses its window and overloads the van."""
    vans = (Vehicle("v1", (2, 100, 10), shift=DAY), Vehicle("v2", (100, 100, 10), shift=DAY))
    problem = line_problem(
        stop("a", 9),
        stop("b", 8),
        stop("c", 1, windows=(Window(8 * HOUR, 8 * HOUR + 600),), delivery=(2, 1, 1)),
        vehicles=vans,
        locked=(LockedRoute("v1", ("a", "b")), LockedRoute("v2", ("c",))),
    )
    plan = _plan(problem)
    problem = replace(problem, locked=())
    changed = move_stops(problem, plan, ["c"], "v1", Underway(7 * HOUR), position=2)
    assert changed.plan.route_of("c").stop_ids == ("a", "b", "c")  # type: ignore[union-attr]
    codes = {v.code for v in changed.violations}
    assert {Code.WINDOW, Code.CAPACITY} <= codes
    assert set(changed.affected) == {"v1", "v2"}
    assert plan.route_of("c").vehicle_id == "v2"  # type: ignore[union-attr]  # untouched


def test_a_move_without_a_position_takes_the_cheapest_on_time_place() -> None:
    vans = (Vehicle("v1", (100, 100, 10), shift=DAY), Vehicle("v2", (100, 100, 10), shift=DAY))
    problem = line_problem(
        stop("a", 1),
        stop("c", 3),
        stop("b", 2),
        vehicles=vans,
        locked=(LockedRoute("v1", ("a", "c")), LockedRoute("v2", ("b",))),
    )
    plan = _plan(problem)
    problem = replace(problem, locked=())
    changed = move_stops(problem, plan, ["b"], "v1", Underway(7 * HOUR))
    assert changed.plan.route_of("b").stop_ids == ("a", "b", "c")  # type: ignore[union-attr]
    assert changed.violations == ()
    assert [r.vehicle_id for r in changed.plan.routes] == ["v1"]  # v2 has nothing left
    assert_valid(changed.problem, changed.plan)


def test_a_move_refuses_history_locked_stops_and_places_before_history() -> None:
    problem = line_problem(stop("a", 1), stop("b", 2), stop("c", 3))
    plan = _plan(problem)
    route = plan.routes[0]
    now = Underway(route.visits[0].departure_s + 1)  # a done, b under way
    with pytest.raises(ValueError, match="already served or under way"):
        move_stops(problem, plan, ["b"], "v1", now, position=2)
    with pytest.raises(ValueError, match=r"position 0 is outside 2\.\.2"):
        move_stops(problem, plan, ["c"], "v1", now, position=0)
    locked = replace(problem, locked=(LockedRoute("v1", ("a", "b", "c")),))
    with pytest.raises(ValueError, match="locked route"):
        move_stops(locked, plan, ["c"], "v1", Underway(0), position=0)
    with pytest.raises(ValueError, match="not a stop"):
        move_stops(problem, plan, ["zzz"], "v1", now)


# What a person's move may break; anything else would be the timing arithmetic's own fault.
RULES = {
    Code.WINDOW,
    Code.CAPACITY,
    Code.SHIFT,
    Code.MAX_DURATION,
    Code.DEPOT_HOURS,
    Code.SKILLS,
    Code.BREAK_WINDOW,
}


@settings(max_examples=60, deadline=None)
@given(problems, st.data())
def test_a_move_keeps_history_and_only_rules_can_break(
    problem: Problem, data: st.DataObject
) -> None:
    plan = _plan(problem)
    now = Underway(data.draw(st.integers(6 * HOUR, 20 * HOUR), label="now"))
    history = frozen(plan, now)
    open_stops = [
        s.id
        for s in problem.stops
        if (r := plan.route_of(s.id)) is None or r.stop_ids.index(s.id) >= history[r.vehicle_id]
    ]
    if not open_stops:
        return
    moving = data.draw(
        st.lists(st.sampled_from(open_stops), min_size=1, unique=True), label="stops"
    )
    target = data.draw(st.sampled_from([v.id for v in problem.vehicles]), label="to")
    changed = move_stops(problem, plan, moving, target, now)
    route = changed.plan.route_of(moving[0])
    assert route is not None
    assert route.vehicle_id == target
    for before in plan.routes:
        after = next((r for r in changed.plan.routes if r.vehicle_id == before.vehicle_id), None)
        keep = history[before.vehicle_id]
        if keep:
            assert after is not None
            assert _times(after, keep) == _times(before, keep)
    assert {v.code for v in changed.violations} <= RULES, changed.violations
