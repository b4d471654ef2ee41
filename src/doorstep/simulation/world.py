"""What a twin's day is made of, apart from the plan: how the day goes (``World``), the
orders shippers send during it, the simulated clock and ports, and what happened (``DayRun``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from doorstep.planning.travel import TravelTimes
from doorstep.services.ports import IdGenerator, ProofStore, UnitOfWork


@dataclass(frozen=True)
class World:
    """How the day goes, apart from the plan: every share is per event, every spread is the
    sigma of a log-normal factor. Modelling defaults, not measurements."""

    leg_spread: float = 0.15
    day_traffic_spread: float = 0.08
    service_spread: float = 0.35
    # The typical service time of a stop against the planned one, by what the stop asks: a
    # return to collect and check, a signature or a PIN to take, an age to verify. Planners
    # rarely know these apart; the live ETA learns them per address and kind.
    service_by_kind: tuple[tuple[str, float], ...] = (
        ("pickup", 1.25),
        ("signature", 1.15),
        ("pin", 1.1),
        ("minimum_age", 1.3),
    )
    late_departure_share: float = 0.10
    late_departure_min: tuple[int, int] = (5, 30)
    absent_morning: float = 0.05
    absent_afternoon: float = 0.09
    refused: float = 0.01
    damaged: float = 0.003
    mis_sort: float = 0.01
    missed_scan: float = 0.005
    breakdown_share: float = 0.02  # of routes: the van breaks down on the road, once
    gps_interval_s: float = 30.0  # the driver app's ping interval while driving
    gps_noise_m: float = 8.0  # sigma of a ping's error, each axis
    window_wait_max_min: float = 20.0  # longer to a window's opening: serve it now, outside
    watch_every_min: float = 15.0  # dispatch's board watch while vans are out (0: never)
    dispatcher_min: tuple[float, float] = (5.0, 45.0)  # from a case opening to its resolving
    absent_outside_window: float = 0.25


@dataclass(frozen=True)
class LateOrder:
    """An order a shipper sends during the day: created at ``at`` with the fields
    ``POST /orders`` takes. One for the played day goes into the running plan at once (or is
    left for the next day, when no van can take it); one for a later day just waits."""

    at: datetime
    values: Mapping[str, Any]


class SimClock:
    """The ``Clock`` the services read: set to each moment as the day is played."""

    def __init__(self, start: datetime) -> None:
        self.current = start

    def now(self) -> datetime:
        return self.current


@dataclass(frozen=True)
class SimPorts:
    uow: Callable[[], UnitOfWork]
    clock: SimClock
    ids: IdGenerator
    travel: TravelTimes
    proofs: ProofStore | None = None


@dataclass
class DayRun:
    """What happened: counts a report can start from (the KPIs read the stored events)."""

    delivered: int = 0
    picked_up: int = 0  # returns collected from customers
    failed: dict[str, int] = field(default_factory=dict)
    missed_scans: int = 0
    mis_sorts: int = 0
    late_departures: int = 0
    routes: int = 0
    breakdowns: int = 0
    parcels_taken_over: int = 0  # from a broken-down van, by the vans its stops went to
    late_orders: int = 0  # sent by shippers during the day
    late_planned: int = 0  # of those, put on a route of the played day
    # Stops on a route that no driver tried: the parcel was not on the van (it came in after
    # the van left, or stayed on a broken-down one), or the route ended first.
    not_attempted: int = 0
    ended_at: datetime | None = None
