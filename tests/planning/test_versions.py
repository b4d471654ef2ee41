"""Plan versions: status transitions, local times, locks as prefixes, and comparisons."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from doorstep.domain.errors import InvalidTransition, InvalidValue
from doorstep.planning.plan import Plan, Route, Unassigned, Visit
from doorstep.planning.problem import LockedRoute, Problem, Vehicle, Window
from doorstep.planning.versions import (
    Move,
    PlanStatus,
    PlanVersion,
    carry_locks,
    compare,
    lateness_s,
    lock_route,
    peak_load,
)
from tests.planning.factories import DAY, HOUR, line_problem, stop

HEL = ZoneInfo("Europe/Helsinki")
T0 = datetime(2026, 11, 22, 18, tzinfo=UTC)
VANS = (Vehicle("v1", (10, 10, 10), shift=DAY), Vehicle("v2", (10, 10, 10), shift=DAY))
PROBLEM = line_problem(
    stop("a", 1),
    stop("b", 2, windows=(Window(9 * HOUR, 10 * HOUR), Window(14 * HOUR, 15 * HOUR))),
    stop("c", 3),
    stop("d", 4),
    vehicles=VANS,
)


def route(vehicle_id: str, *stops: tuple[str, int], load: int = 0, **changes: Any) -> Route:
    """A route whose visits start at the given seconds; only ids and times matter here."""
    visits = tuple(Visit(s, at, at, at + 60, (load, 0, 0)) for s, at in stops)
    values: dict[str, Any] = {"start_s": 8 * HOUR, "end_s": 12 * HOUR, "distance_m": 1000}
    return Route(vehicle_id, visits, cost=1000, load_at_start=(load, 0, 0), **(values | changes))


def version(plan: Plan, number: int = 1, **changes: Any) -> PlanVersion:
    fields: dict[str, Any] = {
        "id": f"pln_{number}",
        "organisation_id": "org_1",
        "station_id": "stn_1",
        "service_date": date(2026, 11, 23),
        "number": number,
        "created_at": T0,
        "created_by": "user:usr_1",
        "status": PlanStatus.DRAFT,
        "epoch": datetime(2026, 11, 23, tzinfo=HEL),
        "time_limit_s": 1.0,
        "seed": 0,
        "plan": plan,
        "inputs": replace(PROBLEM, matrices={}),
    }
    return PlanVersion(**(fields | changes))


FIRST = Plan(
    (route("v1", ("a", 9 * HOUR), ("b", 9 * HOUR + 600)), route("v2", ("c", 10 * HOUR))),
    (Unassigned("d"),),
    cost=2000,
)


def test_a_draft_is_published_once_and_then_only_superseded() -> None:
    """draft -> published -> superseded; publishing twice or bringing one back is refused."""
    at = T0.replace(hour=20)
    published = version(FIRST).move_to(PlanStatus.PUBLISHED, at)
    assert (published.status, published.published_at) == (PlanStatus.PUBLISHED, at)
    with pytest.raises(InvalidTransition, match="from 'published' to 'published'"):
        published.move_to(PlanStatus.PUBLISHED, at)
    superseded = published.move_to(PlanStatus.SUPERSEDED, at)
    assert superseded.published_at == at
    with pytest.raises(InvalidTransition):
        superseded.move_to(PlanStatus.PUBLISHED, at)


def test_local_times_count_elapsed_seconds_across_a_clock_change() -> None:
    """On the night clocks go back, 12 h after midnight is 11:00 local time, not 12:00."""
    autumn = version(FIRST, epoch=datetime(2026, 10, 25, tzinfo=HEL))
    assert autumn.at(12 * HOUR).strftime("%H:%M %z") == "11:00 +0200"
    assert version(FIRST).at(9 * HOUR + 90).isoformat() == "2026-11-23T09:01:30+02:00"


def test_versions_must_have_aware_times() -> None:
    """A naive epoch is refused: local times could not be told."""
    with pytest.raises(ValueError, match="aware"):
        version(FIRST, epoch=datetime(2026, 11, 23))


def test_comparison_lists_totals_and_stops_that_changed_vehicle() -> None:
    """Moves name both vehicles (None when left out); new and vanished stops are listed apart."""
    second = Plan(
        (route("v1", ("a", 9 * HOUR), ("c", 9 * HOUR + 900)), route("v2", ("d", 10 * HOUR))),
        (Unassigned("b"), Unassigned("e")),
        cost=1500,
    )
    result = compare(version(FIRST), version(second, 2))
    assert result.moved == (Move("b", "v1", None), Move("c", "v2", "v1"), Move("d", None, "v2"))
    assert (result.added, result.dropped) == (("e",), ())
    assert (result.a.number, result.a.cost, result.a.routes_used, result.a.unassigned) == (
        1, 2000, 2, 1,
    )  # fmt: skip
    assert (result.b.cost, result.b.distance_m, result.b.unassigned) == (1500, 2000, 2)


def test_lateness_counts_from_the_window_missed() -> None:
    """A visit 10 minutes after its first window ends is 600 s late; one inside a window is not."""
    late = Plan((route("v1", ("b", 10 * HOUR + 600), ("a", 11 * HOUR)),))
    assert lateness_s(PROBLEM, late) == 600
    in_second = Plan((route("v1", ("b", 14 * HOUR + 1)),))
    assert lateness_s(PROBLEM, in_second) == 0
    assert lateness_s(PROBLEM, FIRST) == 0


def test_peak_load_is_the_share_of_the_tightest_dimension() -> None:
    """Carrying 7 of 10 in one dimension is a peak of 0.7."""
    assert peak_load(PROBLEM, route("v1", ("a", 9 * HOUR), load=7)) == pytest.approx(0.7)
    assert peak_load(PROBLEM, route("gone", ("a", 9 * HOUR), load=7)) == 0.0


def test_locking_a_whole_route_or_a_prefix_up_to_the_last_stop_named() -> None:
    """Without stops the whole route is locked; with stops, the route up to the last of them."""
    whole = lock_route(version(FIRST), "v1")
    assert whole.locked == (LockedRoute("v1", ("a", "b")),)
    prefix = lock_route(version(FIRST), "v1", ("a",), closed=True)
    assert prefix.locked == (LockedRoute("v1", ("a",), closed=True),)
    again = lock_route(lock_route(prefix, "v2"), "v1")
    assert again.locked == (LockedRoute("v2", ("c",)), LockedRoute("v1", ("a", "b")))


def test_locks_name_what_is_wrong() -> None:
    """A stop on another route, a vehicle without a route or unknown: InvalidValue on the field."""
    with pytest.raises(InvalidValue) as raised:
        lock_route(version(FIRST), "v1", ("c",))
    assert raised.value.field == "stop_ids"
    assert raised.value.message == "not on the route of v1 in plan 1: c"
    unused = version(replace(FIRST, routes=FIRST.routes[:1]))
    with pytest.raises(InvalidValue, match="v2 has no route in plan 1"):
        lock_route(unused, "v2")
    with pytest.raises(InvalidValue, match="v9 is not a vehicle"):
        lock_route(unused, "v9")


def test_locks_carry_over_without_stops_or_vehicles_now_gone() -> None:
    """A delivered stop leaves its lock and an unavailable vehicle loses it, each with a note."""
    today: Problem = replace(PROBLEM, stops=PROBLEM.stops[1:], vehicles=VANS[:1])
    locks = (LockedRoute("v1", ("a", "b")), LockedRoute("v2", ("c",)))
    kept, notes = carry_locks(locks, today)
    assert kept == (LockedRoute("v1", ("b",)),)
    assert notes == (
        "locked stops of v1 no longer planned: a",
        "lock of v2 dropped: the vehicle is not available",
    )
