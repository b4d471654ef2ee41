"""Planning runs: stored as numbered, valid versions; published, compared, locked, explained."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import pytest

from doorstep.domain.accounts import Role
from doorstep.domain.errors import (
    Conflict,
    InvalidTransition,
    InvalidValue,
    NotFound,
    PermissionDenied,
    PlanInvalid,
)
from doorstep.domain.fleet import Capacity
from doorstep.domain.geo import Location
from doorstep.domain.orders import Address, Order
from doorstep.domain.stations import Station
from doorstep.planning.nearest import NearestNeighbourOptimizer
from doorstep.planning.optimizer import ProgressCallback
from doorstep.planning.plan import Plan, ReasonCode
from doorstep.planning.problem import LockedRoute, Problem
from doorstep.planning.validation import assert_valid
from doorstep.planning.versions import Move, PlanStatus, PlanVersion
from doorstep.services import fleet, orders, stations
from doorstep.services.authorization import ActorKind, Principal
from doorstep.services.planning import runs
from tests.services.conftest import Ports, order_fields, station_fields, vehicle_fields
from tests.services.planning.test_day import StraightTravel

DAY = date(2026, 11, 23)
PLACES = (Location(60.18, 24.95), Location(60.19, 24.96), Location(60.20, 24.97))


@dataclass
class Recording:
    """The nearest-neighbour planner, remembering each problem and warm start it was given."""

    problems: list[Problem] = field(default_factory=list)
    initials: list[Plan | None] = field(default_factory=list)

    def optimize(
        self,
        problem: Problem,
        *,
        time_limit_s: float,
        seed: int = 0,
        initial: Plan | None = None,
        progress: ProgressCallback | None = None,
    ) -> Plan:
        self.problems.append(problem)
        self.initials.append(initial)
        return NearestNeighbourOptimizer().optimize(problem, time_limit_s=time_limit_s)


@pytest.fixture
def station(ports: Ports, admin: Principal) -> Station:
    return stations.add_station(admin, station_fields("HEL1"), uow=ports.uow, ids=ports.ids)


def van(ports: Ports, admin: Principal, name: str, parcels: int = 120, weight: float = 800) -> str:
    fields = vehicle_fields("HEL1", name, capacity=Capacity(weight, 6000, parcels))
    return fleet.add_vehicle(admin, fields, uow=ports.uow, ids=ports.ids).id


def order(ports: Ports, admin: Principal, ref: str, at: Location) -> Order:
    # A street of its own each, so the duplicate check leaves the orders ready.
    where = Address(f"Street {ref}, Helsinki")
    fields = order_fields(ref, station_id="HEL1", location=at, service_date=DAY, address=where)
    return orders.create_order(admin, fields, uow=ports.uow, clock=ports.clock, ids=ports.ids)


@pytest.fixture
def day(ports: Ports, admin: Principal, station: Station) -> list[Order]:
    """Three ready orders at HEL1 and a van that carries two parcels at a time."""
    van(ports, admin, "Van 1", parcels=2)
    return [order(ports, admin, f"R-{i}", at) for i, at in enumerate(PLACES, start=1)]


def plan(ports: Ports, principal: Principal, optimizer: Any = None, **options: Any) -> PlanVersion:
    return runs.plan_day(
        principal,
        options.pop("station", "HEL1"),
        options.pop("day", DAY),
        uow=ports.uow,
        travel=StraightTravel(),
        optimizer=optimizer or NearestNeighbourOptimizer(),
        clock=ports.clock,
        ids=ports.ids,
        time_limit_s=options.pop("time_limit_s", 1.0),
        **options,
    )


def as_role(admin: Principal, role: Role) -> Principal:
    return Principal(admin.organisation_id, f"usr_{role}", ActorKind.USER, frozenset({role}))


def test_each_run_is_stored_as_the_next_valid_version(
    ports: Ports, admin: Principal, day: list[Order]
) -> None:
    """Two runs make versions 1 and 2, drafts, each valid against the problem it solved."""
    recording = Recording()
    first, second = plan(ports, admin, recording), plan(ports, admin, recording)
    assert (first.number, second.number) == (1, 2)
    assert ports.uow.tables.plans == {first.id: first, second.id: second}
    for problem, version in zip(recording.problems, (first, second), strict=True):
        assert_valid(problem, version.plan)
        assert version.status is PlanStatus.DRAFT
        assert version.inputs == replace(problem, matrices={})
    assert first.created_by == f"user:{admin.actor_id}"
    assert recording.initials == [None, first.plan], "the latest version warm-starts the next"


def test_left_out_orders_carry_reasons(ports: Ports, admin: Principal, day: list[Order]) -> None:
    """The van takes two parcels; the third order is left out with a capacity reason."""
    version = plan(ports, admin)
    assert [len(r.visits) for r in version.plan.routes] == [2]
    (left,) = version.plan.unassigned
    assert left.reason is not None
    assert left.reason.code is ReasonCode.CAPACITY_FULL


def test_publishing_supersedes_the_previous_one(
    ports: Ports, admin: Principal, day: list[Order]
) -> None:
    """One published version per day: publishing the next supersedes it; twice is refused."""
    first, second = plan(ports, admin), plan(ports, admin)
    published = runs.publish(admin, first.id, uow=ports.uow, clock=ports.clock)
    assert (published.status, published.published_at) == (PlanStatus.PUBLISHED, ports.clock.now())
    runs.publish(admin, second.id, uow=ports.uow, clock=ports.clock)
    statuses = [v.status for v in ports.uow.tables.plans.values()]
    assert statuses == [PlanStatus.SUPERSEDED, PlanStatus.PUBLISHED]
    with pytest.raises(InvalidTransition, match="from 'superseded' to 'published'"):
        runs.publish(admin, first.id, uow=ports.uow, clock=ports.clock)


def test_compare_lists_stops_that_moved(ports: Ports, admin: Principal, day: list[Order]) -> None:
    """A bigger van added between runs takes over: every stop moves to it."""
    first = plan(ports, admin)
    big = van(ports, admin, "Van 2", weight=900)
    second = plan(ports, admin)
    result = runs.compare_versions(admin, first.id, second.id, uow=ports.uow)
    before = {s: r.vehicle_id for r in first.plan.routes for s in r.stop_ids}
    assert result.moved == tuple(Move(o.id, before.get(o.id), big) for o in day)
    assert (result.a.unassigned, result.b.unassigned, result.b.routes_used) == (1, 0, 1)


def test_explain_gives_the_route_or_the_reason(
    ports: Ports, admin: Principal, day: list[Order]
) -> None:
    """A routed order gets vehicle, place and local times; a left-out one its reason."""
    version = plan(ports, admin)
    route = version.plan.routes[0]
    routed = runs.explain_order(admin, route.stop_ids[1], uow=ports.uow)
    assert (routed.version.id, routed.route, routed.position) == (version.id, route, 2)
    assert routed.start_at == version.at(route.visits[1].start_s)
    assert routed.start_at is not None
    assert str(routed.start_at.tzinfo) == "Europe/Helsinki"
    assert routed.binding is route.binding
    left = runs.explain_order(admin, version.plan.unassigned[0].stop_id, uow=ports.uow)
    assert (left.route, left.reason) == (None, version.plan.unassigned[0].reason)


def test_explaining_an_unplanned_order_says_how_to_plan_it(
    ports: Ports, admin: Principal, day: list[Order]
) -> None:
    """Before any run the order is in no plan: NotFound naming the command for its day."""
    with pytest.raises(NotFound, match="doorstep plan --station HEL1 --date 2026-11-23"):
        runs.explain_order(admin, day[0].id, uow=ports.uow)
    with pytest.raises(NotFound, match="order 'ord_nope' was not found"):
        runs.explain_order(admin, "ord_nope", uow=ports.uow)


@pytest.mark.parametrize("role", [Role.DRIVER, Role.VIEWER, Role.DISPATCHER])
def test_only_planners_plan_and_drivers_read_nothing(
    ports: Ports, admin: Principal, day: list[Order], role: Role
) -> None:
    """Drivers, viewers and dispatchers cannot plan or publish; only drivers cannot read plans."""
    version = plan(ports, admin)
    someone = as_role(admin, role)
    with pytest.raises(PermissionDenied, match="plans:write"):
        plan(ports, someone)
    with pytest.raises(PermissionDenied):
        runs.publish(someone, version.id, uow=ports.uow, clock=ports.clock)
    if role is Role.DRIVER:
        with pytest.raises(PermissionDenied, match="plans:read"):
            runs.get_plan(someone, version.id, uow=ports.uow)
    else:
        assert runs.get_plan(someone, version.id, uow=ports.uow) == version
    assert plan(ports, as_role(admin, Role.PLANNER)).number == 2


def test_locked_routes_are_kept_by_the_next_run(
    ports: Ports, admin: Principal, day: list[Order]
) -> None:
    """A locked route stays on its van although a bigger van, planned first, could take it."""
    first = plan(ports, admin)
    route = first.plan.routes[0]
    locked = runs.lock(
        admin, first.id, route.vehicle_id, stop_ids=[route.stop_ids[0]], uow=ports.uow
    )
    assert locked.locked == (LockedRoute(route.vehicle_id, route.stop_ids[:1]),)
    van(ports, admin, "Van 2", weight=900)
    recording = Recording()
    second = plan(ports, admin, recording)
    assert recording.problems[0].locked == locked.locked
    kept = second.route_of_vehicle(route.vehicle_id)
    assert kept is not None
    assert kept.stop_ids[:1] == route.stop_ids[:1]
    assert second.locked == locked.locked, "locks carry on to the run after"


def test_only_the_latest_version_takes_locks(
    ports: Ports, admin: Principal, day: list[Order]
) -> None:
    """Locking an older version would do nothing, so it is refused naming the latest."""
    first, second = plan(ports, admin), plan(ports, admin)
    with pytest.raises(Conflict, match=f"plan 2 is, id {second.id}"):
        runs.lock(admin, first.id, first.plan.routes[0].vehicle_id, uow=ports.uow)


def test_an_invalid_plan_is_never_stored(ports: Ports, admin: Principal, day: list[Order]) -> None:
    """A planner that forgets a stop raises PlanInvalid and nothing is stored."""

    class Forgetful(Recording):
        def optimize(self, problem: Problem, **options: Any) -> Plan:
            found = super().optimize(problem, **options)
            return replace(found, unassigned=found.unassigned[1:])

    with pytest.raises(PlanInvalid, match="missing_stop"):
        plan(ports, admin, Forgetful())
    assert ports.uow.tables.plans == {}


@pytest.mark.parametrize(
    ("options", "field"),
    [({"time_limit_s": -1.0}, "time_limit_s"), ({"station": "NOPE"}, "station")],
)
def test_bad_input_names_the_field(
    ports: Ports, admin: Principal, day: list[Order], options: dict[str, Any], field: str
) -> None:
    """A time limit not above 0 or an unknown station is an InvalidValue on that field."""
    with pytest.raises(InvalidValue) as raised:
        plan(ports, admin, **options)
    assert raised.value.field == field


def test_a_day_without_orders_is_not_planned(
    ports: Ports, admin: Principal, day: list[Order]
) -> None:
    """Planning a day with nothing ready is a Conflict saying so, not an empty version."""
    with pytest.raises(Conflict, match="no ready orders"):
        plan(ports, admin, day=date(2026, 11, 24))
