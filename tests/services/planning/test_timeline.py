"""A plan version as a timeline: each route's day cut into drive, wait, service and break."""

from __future__ import annotations

from dataclasses import replace

import pytest

from doorstep.domain.accounts import Role
from doorstep.domain.errors import NotFound, PermissionDenied
from doorstep.domain.orders import Order
from doorstep.domain.stations import Station
from doorstep.planning.plan import Route, Visit
from doorstep.planning.problem import Break, Window
from doorstep.planning.versions import PlanVersion
from doorstep.services.authorization import Principal
from doorstep.services.planning.timeline import SegmentKind as K
from doorstep.services.planning.timeline import plan_timeline
from tests.services.conftest import Ports
from tests.services.test_loadout import day, station
from tests.services.test_sorting import published

__all__ = ["day", "station"]  # fixtures, used by name

T = 8 * 3600  # the route leaves at 08:00


def with_break(ports: Ports, version: PlanVersion) -> tuple[PlanVersion, Route]:
    """``version`` with its first route retimed by hand: a wait at the first stop, a 30-minute
    break after it (its window opens a minute after the van is free) and two stops at one door
    (no driving between them)."""
    (route,) = [r for r in version.plan.routes if r.visits][:1]
    a, b, c = (v.stop_id for v in route.visits[:3])
    visits = (
        Visit(a, T + 600, T + 900, T + 1020, ()),  # drive 10 min, wait 5, serve 2
        Visit(b, T + 3300, T + 3300, T + 3420, ()),  # break 17:00-47:00, drive 40 min
        Visit(c, T + 3420, T + 3420, T + 3540, ()),  # the same door: no drive
    )
    timed = replace(
        route, visits=visits, start_s=T, end_s=T + 4140, break_start_s=T + 1080, break_after=0
    )
    vehicles = tuple(
        replace(v, break_=Break(Window(T + 1080, T + 7200), 1800))
        if v.id == route.vehicle_id
        else v
        for v in version.inputs.vehicles
    )
    others = tuple(r for r in version.plan.routes if r.vehicle_id != route.vehicle_id)
    changed = replace(
        version,
        plan=replace(version.plan, routes=(timed, *others)),
        inputs=replace(version.inputs, vehicles=vehicles),
    )
    with ports.uow:
        ports.uow.plans.update(changed)
        ports.uow.commit()
    return changed, timed


def test_each_route_is_cut_into_its_pieces_in_order(
    ports: Ports, admin: Principal, station: Station, day: list[Order]
) -> None:
    version, route = with_break(ports, published(ports, admin))
    found = plan_timeline(admin, version.id, uow=ports.uow)
    assert found.timezone == station.timezone
    row = next(r for r in found.routes if r.vehicle_id == route.vehicle_id)
    assert row.vehicle_name == "Van 1"
    a, b, c = route.stop_ids
    at = version.at
    assert [(s.kind, s.start_at, s.end_at, s.order_id, s.position) for s in row.segments] == [
        (K.DRIVE, at(T), at(T + 600), a, 1),
        (K.WAIT, at(T + 600), at(T + 900), a, 1),
        (K.SERVICE, at(T + 900), at(T + 1020), a, 1),
        (K.WAIT, at(T + 1020), at(T + 1080), None, None),  # until the break's window opens
        (K.BREAK, at(T + 1080), at(T + 2880), None, None),
        (K.DRIVE, at(T + 2880), at(T + 3300), b, 2),
        (K.SERVICE, at(T + 3300), at(T + 3420), b, 2),
        (K.SERVICE, at(T + 3420), at(T + 3540), c, 3),
        (K.DRIVE, at(T + 3540), at(T + 4140), None, None),  # back to the station
    ]
    assert (row.start_at, row.end_at) == (at(T), at(T + 4140))
    # Routes without stops have no row.
    assert len(found.routes) == sum(1 for r in version.plan.routes if r.visits)


def test_only_those_who_read_plans_see_a_timeline(
    ports: Ports, admin: Principal, rival: Principal, day: list[Order]
) -> None:
    version = published(ports, admin)
    with pytest.raises(NotFound):
        plan_timeline(rival, version.id, uow=ports.uow)  # another organisation's plan
    with pytest.raises(NotFound):
        plan_timeline(admin, "plan_missing", uow=ports.uow)
    driver = replace(admin, roles=frozenset({Role.DRIVER}))
    with pytest.raises(PermissionDenied):
        plan_timeline(driver, version.id, uow=ports.uow)
