"""The demo day: a station, its fleet and its orders at real places, planned, then played.

``prepare`` draws a synthetic station day (``station_day``: a hub at the centre of the
places, vans with drivers, orders with windows, parcels and priorities) and creates it
through the services, as a station's staff and shippers would. ``plan`` plans and publishes
it with the solver stopped after a number of iterations, not seconds, so the plan does not
depend on the machine's speed; ids come from a counter and the clock stands still while
the day is set up, so the same seed gives the same plan and the same day. ``day_run``
plays it.

With a ``scenario`` (``simulation.scenario``) the day is drawn from it: its station, fleet
and order mix; the orders its shippers send during the day (``world.LateOrder``, those
after its cut-off for the next day); and its ``World``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from doorstep.domain.geo import Location
from doorstep.domain.stations import Station
from doorstep.planning.optimizer import Cancelled, Progress, ProgressCallback, RouteOptimizer
from doorstep.planning.travel import TravelTimes
from doorstep.planning.versions import PlanVersion
from doorstep.services import fleet, orders, stations
from doorstep.services.authorization import Principal
from doorstep.services.planning import runs
from doorstep.services.ports import Clock, ProofStore, UnitOfWork
from doorstep.simulation.actions import Actions
from doorstep.simulation.day_run import run_day
from doorstep.simulation.scenario import Scenario
from doorstep.simulation.station_day import late_orders, synthetic_station_day
from doorstep.simulation.world import DayRun, LateOrder, SimClock, SimPorts, World

# What a service's ``fields`` leave out: the service sets these itself.
_OWN = {"id", "organisation_id", "created_at", "updated_at", "status", "history", "flags"}
# What a shipper's system never sends either: doorstep's own record of the order's checks.
_CHECKED = {"acknowledged", "geocode", "location_source", "fingerprint"}


class CountingIds:
    """Ids from a counter under a tag (the organisation's): the same day gets the same ids,
    and two demo organisations in one database never share one."""

    def __init__(self, tag: str) -> None:
        self.tag, self.count = tag, 0

    def new_id(self, prefix: str) -> str:
        self.count += 1
        return f"{prefix}_{self.tag}{self.count:06d}"


@dataclass(frozen=True)
class DemoPorts:
    uow: Callable[[], UnitOfWork]
    clock: Clock
    ids: CountingIds
    travel: TravelTimes


def prepare(
    principal: Principal,
    *,
    ports: DemoPorts,
    places: Sequence[Location],
    orders_count: int,
    seed: int,
    day: date,
    timezone: str,
    scenario: Scenario | None = None,
) -> Station:
    """Create the demo station, vans, drivers and ``orders_count`` ready orders for ``day``
    (the mix of ``scenario``, when given)."""
    drawn = synthetic_station_day(
        orders_count, seed=seed, travel=ports.travel, places=places, day=day, timezone=timezone,
        scenario=scenario,
    )  # fmt: skip
    station = stations.add_station(
        principal, _fields(drawn.station), uow=ports.uow(), ids=ports.ids
    )
    for vehicle in sorted(drawn.vehicles.values(), key=lambda v: v.name):
        values = _fields(vehicle) | {"station_id": station.id}
        fleet.add_vehicle(principal, values, uow=ports.uow(), ids=ports.ids)
    for driver in sorted(drawn.drivers.values(), key=lambda d: d.name):
        values = _fields(driver) | {"home_station_id": station.id}
        fleet.add_driver(principal, values, uow=ports.uow(), ids=ports.ids)
    for order in sorted(drawn.orders.values(), key=lambda o: o.id):
        values = _fields(order) | {"station_id": station.id}
        orders.create_order(principal, values, uow=ports.uow(), clock=ports.clock, ids=ports.ids)
    return station


def plan(
    principal: Principal,
    station: Station,
    day: date,
    *,
    ports: DemoPorts,
    optimizer: RouteOptimizer,
    iterations: int,
    seed: int,
    progress: ProgressCallback | None = None,
) -> PlanVersion:
    """Plan the day (the solver stopped after ``iterations``) and publish the plan."""

    def budget(report: Progress) -> None:
        if progress is not None:
            progress(report)
        if report.iterations >= iterations:
            raise Cancelled

    version = runs.plan_day(
        principal, station.code, day, uow=ports.uow(), travel=ports.travel,
        optimizer=optimizer, clock=ports.clock, ids=ports.ids, time_limit_s=600.0,
        seed=seed, progress=budget,
    )  # fmt: skip
    return runs.publish(principal, version.id, uow=ports.uow(), clock=ports.clock)


def _fields(entity: Any, leave_out: frozenset[str] | set[str] = frozenset()) -> dict[str, Any]:
    return {
        f.name: getattr(entity, f.name)
        for f in fields(entity)
        if f.name not in _OWN and f.name not in leave_out
    }


@dataclass(frozen=True)
class Playing:
    """How the day is played: on ``clock`` (one a live server reads too), ``pace`` told each
    moment before it is played, ``ready`` called with the published plan just before, and
    ``actions`` carrying its writes (to a running server, say)."""

    clock: SimClock | None = None
    pace: Callable[[datetime, DayRun], None] | None = None
    ready: Callable[[Station, PlanVersion], None] | None = None
    actions: Actions | None = None  # where the day's writes go: the services by default


@dataclass(frozen=True)
class DemoDay:
    station: Station
    version: PlanVersion  # the published plan
    played: DayRun


def demo_day(
    principal: Principal,
    *,
    uow: Callable[[], UnitOfWork],
    travel: TravelTimes,
    optimizer: RouteOptimizer,
    proofs: ProofStore | None,
    places: Sequence[Location],
    seed: int,
    day: date,
    timezone: str,
    iterations: int,
    tag: str,
    orders_count: int | None = None,
    say: Callable[[str], None] = lambda _: None,
    scenario: Scenario | None = None,
    playing: Playing | None = None,
) -> DemoDay:
    """The whole demo day: set up (the clock standing at 18:00 the evening before, ids under
    ``tag``), planned and published, then played from midnight with the same seed.

    ``orders_count`` defaults to the scenario's count (500 without one). With a scenario,
    its late orders arrive during the play and its ``world`` says how the day goes.
    ``playing`` says how it is played (a live demo's clock and pace)."""
    playing = playing or Playing()
    count = orders_count if orders_count is not None else (scenario or Scenario()).orders.count
    eve = datetime.combine(day - timedelta(days=1), time(0), ZoneInfo(timezone))
    ids = CountingIds(tag)
    ports = DemoPorts(uow, SimClock(eve.replace(hour=18)), ids, travel)
    say(f"setting up {count:,} orders for {day.isoformat()} (seed {seed})")
    station = prepare(
        principal, ports=ports, places=places, orders_count=count, seed=seed, day=day,
        timezone=timezone, scenario=scenario,
    )  # fmt: skip
    say(f"planning {station.code} with {iterations:,} solver iterations")
    version = plan(
        principal, station, day, ports=ports, optimizer=optimizer, iterations=iterations,
        seed=seed,
    )  # fmt: skip
    clock = playing.clock or SimClock(eve)
    clock.current = eve
    if playing.ready is not None:
        playing.ready(station, version)
    say(f"playing the day: {sum(1 for r in version.plan.routes if r.visits)} routes")
    sim = SimPorts(uow, clock, ids, travel, proofs)
    if scenario is None:
        played = run_day(
            principal, station.code, day, ports=sim, seed=seed, pace=playing.pace,
            actions=playing.actions,
        )  # fmt: skip
        return DemoDay(station, version, played)
    late = [
        LateOrder(at, _fields(order, _CHECKED) | {"station_id": station.id})
        for at, order in late_orders(
            scenario, seed=seed, travel=travel, places=places, day=day, timezone=timezone
        )
    ]
    if late:
        say(f"{len(late)} orders will arrive during the day")
    world: World = scenario.day_world()
    played = run_day(
        principal, station.code, day, ports=sim, seed=seed, world=world, late_orders=late,
        pace=playing.pace, actions=playing.actions,
    )  # fmt: skip
    return DemoDay(station, version, played)
