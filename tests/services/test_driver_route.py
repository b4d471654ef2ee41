"""The driver's route shows the plan's break between its stops, and whether a break is due."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from doorstep.domain.accounts import Role
from doorstep.domain.errors import NotFound, PermissionDenied
from doorstep.domain.hours import DutyStatus
from doorstep.domain.orders import Order
from doorstep.planning.problem import Break, Window
from doorstep.planning.versions import PlanVersion
from doorstep.services import accounts, dispatch, driver_route, fleet, hours
from doorstep.services.authorization import ActorKind, Principal
from tests.services.conftest import Ports, driver_fields
from tests.services.planning.test_runs import DAY
from tests.services.test_loadout import day, station
from tests.services.test_sorting import published

__all__ = ["day", "station"]  # fixtures, used by name

LUNCH_S = 1800


def with_lunch(ports: Ports, admin: Principal) -> PlanVersion:
    """The published day, its one route with a 30-minute break after the first stop."""
    version = published(ports, admin)
    (route,) = [r for r in version.plan.routes if r.visits]
    start_s = route.visits[0].departure_s
    lunch = Break(Window(start_s, start_s + 3600), LUNCH_S)
    routes = tuple(
        replace(r, break_start_s=start_s, break_after=0) if r is route else r
        for r in version.plan.routes
    )
    vehicles = tuple(
        replace(v, break_=lunch) if v.id == route.vehicle_id else v for v in version.inputs.vehicles
    )
    changed = replace(
        version,
        plan=replace(version.plan, routes=routes),
        inputs=replace(version.inputs, vehicles=vehicles),
    )
    ports.uow.tables.plans[version.id] = changed
    ports.uow._committed.plans[version.id] = changed  # as if the planner had placed it
    return changed


def route_of(ports: Ports, admin: Principal) -> driver_route.DriverRoute:
    return driver_route.driver_route(admin, "Van 1", DAY, uow=ports.uow, clock=ports.clock)


def test_the_planned_break_follows_its_stop_and_nobody_drives_an_unassigned_route(
    ports: Ports, admin: Principal, day: list[Order]
) -> None:
    version = with_lunch(ports, admin)
    found = route_of(ports, admin)
    (lunch,) = found.breaks
    (route,) = [r for r in version.plan.routes if r.visits]
    assert (lunch.after_stop, lunch.duration_s) == (1, LUNCH_S)
    assert lunch.start_at == found.stops[0].departure_at == version.at(route.visits[0].departure_s)
    assert found.break_status is None


def test_a_route_without_a_planned_break_shows_none(
    ports: Ports, admin: Principal, day: list[Order]
) -> None:
    """Three short stops: the plan owes no break, so the app shows none."""
    published(ports, admin)
    assert route_of(ports, admin).breaks == ()


def test_the_break_is_due_when_its_time_comes_and_no_longer_once_taken(
    ports: Ports, admin: Principal, day: list[Order]
) -> None:
    """The driver works from the route's start; past the planned start the break is due; a
    30-minute pause off duty takes it."""
    version = with_lunch(ports, admin)
    fleet.add_driver(admin, driver_fields("HEL1", "Aino"), uow=ports.uow, ids=ports.ids)
    dispatch.assign_route(admin, "HEL1", DAY, "Van 1", "Aino", uow=ports.uow, clock=ports.clock)
    lunch = route_of(ports, admin).breaks[0].start_at
    begin = version.at(version.plan.routes[0].start_s) - timedelta(minutes=30)

    def duty(change_id: str, status: DutyStatus, at: datetime) -> None:
        hours.record_duty(admin, "Aino", [(change_id, status, at)], uow=ports.uow)

    duty("duty-0001-on", DutyStatus.ON_DUTY, begin)
    duty("duty-0002-drive", DutyStatus.DRIVING, begin + timedelta(minutes=30))
    ports.clock.current = lunch - timedelta(minutes=1)
    early = driver_route.route_of_driver(admin, "Aino", DAY, uow=ports.uow, clock=ports.clock)
    assert early.break_status is not None
    assert (early.break_status.due, early.break_status.taken) == (False, ())
    ports.clock.current = lunch + timedelta(minutes=10)
    due = route_of(ports, admin).break_status
    assert due is not None
    assert due.due
    duty("duty-0003-off", DutyStatus.OFF_DUTY, lunch + timedelta(minutes=10))
    duty("duty-0004-drive", DutyStatus.DRIVING, lunch + timedelta(minutes=40))
    ports.clock.current = lunch + timedelta(minutes=45)
    taken = route_of(ports, admin).break_status
    assert taken is not None
    assert (taken.due, taken.on_break, len(taken.taken)) == (False, False, 1)
    assert taken.taken[0].start == lunch + timedelta(minutes=10)


def _driver_login(ports: Ports, admin: Principal, email: str) -> Principal:
    user = accounts.create_user(
        admin, email, "Dee", frozenset({Role.DRIVER}), "a long password", uow=ports.uow,
        clock=ports.clock, ids=ports.ids, hasher=ports.hasher,
    )  # fmt: skip
    return Principal(admin.organisation_id, user.id, ActorKind.USER, frozenset({Role.DRIVER}))


def test_a_driver_sees_their_own_route_and_no_one_elses(
    ports: Ports, admin: Principal, day: list[Order]
) -> None:
    """The login linked to Aino reads Aino's route (by the vehicle, the driver or as "mine");
    another driver's login is refused it, and a login linked to no driver is told why."""
    published(ports, admin)
    aino_login = _driver_login(ports, admin, "aino@city.test")
    other_login = _driver_login(ports, admin, "bo@city.test")
    fields = driver_fields("HEL1", "Aino", user_id=aino_login.actor_id)
    fleet.add_driver(admin, fields, uow=ports.uow, ids=ports.ids)
    fleet.add_driver(
        admin, driver_fields("HEL1", "Bo", user_id=other_login.actor_id), uow=ports.uow,
        ids=ports.ids,
    )  # fmt: skip
    dispatch.assign_route(admin, "HEL1", DAY, "Van 1", "Aino", uow=ports.uow, clock=ports.clock)
    mine = driver_route.my_route(aino_login, DAY, uow=ports.uow, clock=ports.clock)
    assert mine.vehicle.name == "Van 1"
    assert (
        driver_route.driver_route(aino_login, "Van 1", DAY, uow=ports.uow, clock=ports.clock).stops
        == mine.stops
    )
    with pytest.raises(PermissionDenied, match="not yours"):
        driver_route.driver_route(other_login, "Van 1", DAY, uow=ports.uow, clock=ports.clock)
    with pytest.raises(PermissionDenied, match="not yours"):
        driver_route.route_of_driver(other_login, "Aino", DAY, uow=ports.uow, clock=ports.clock)
    with pytest.raises(NotFound, match="route"):
        driver_route.my_route(other_login, DAY, uow=ports.uow, clock=ports.clock)
    stranger = _driver_login(ports, admin, "cy@city.test")
    with pytest.raises(NotFound, match="links your login"):
        driver_route.my_route(stranger, DAY, uow=ports.uow, clock=ports.clock)
    # Dispatch reads any route.
    assert driver_route.driver_route(admin, "Van 1", DAY, uow=ports.uow, clock=ports.clock).stops
